#include "services/crm/domain/sales_stats.h"

#include <map>
#include <string>
#include <utility>

namespace opsuite::crm {

v1::SalesStats ComputeSalesStats(const std::vector<OrderFacts>& orders, const DateRange& period) {
  std::map<std::string, v1::ProductLineStats> lines;  // sorted by name
  for (const OrderFacts& order : orders) {
    const bool signed_in_period = period.Contains(order.signed_on);
    int64_t received_in_period = 0;
    int64_t paid_by_period_end = 0;
    for (const PaymentFacts& payment : order.payments) {
      if (payment.received > period.last) continue;
      paid_by_period_end += payment.amount;
      if (payment.received >= period.first) received_in_period += payment.amount;
    }
    if (!signed_in_period && received_in_period == 0) continue;
    v1::ProductLineStats& line = lines[order.product_line];
    line.set_received_amount(line.received_amount() + received_in_period);
    if (signed_in_period) {
      line.set_signed_count(line.signed_count() + 1);
      line.set_signed_amount(line.signed_amount() + order.amount);
      if (paid_by_period_end >= order.amount) {
        line.set_settled_signed_amount(line.settled_signed_amount() + order.amount);
      }
    }
  }
  v1::SalesStats stats;
  for (auto& [name, line] : lines) {
    line.set_product_line(name);
    stats.set_signed_count(stats.signed_count() + line.signed_count());
    stats.set_signed_amount(stats.signed_amount() + line.signed_amount());
    stats.set_received_amount(stats.received_amount() + line.received_amount());
    stats.set_settled_signed_amount(stats.settled_signed_amount() + line.settled_signed_amount());
    *stats.add_product_lines() = std::move(line);
  }
  return stats;
}

}  // namespace opsuite::crm
