// Sales statistics for a period (domain.md §3.1, order.proto SalesStats): what was signed,
// what was received, and the "actual signed amount" that commission is paid on, i.e. what
// was signed in the period and paid in full by its end ("當月簽單并順利完成工程進度后收到款項",
// 003:346). Split by product line, because commission rates differ by line (003:351-352).
//
//   std::vector<OrderFacts> orders = ...;  // the employee's orders, days in the org's zone
//   ASSIGN_OR_RETURN(DateRange range, PeriodRange(request.period(), "period"));
//   v1::SalesStats stats = ComputeSalesStats(orders, range);
//   stats.set_employee_id(request.employee_id());
//   *stats.mutable_period() = request.period();
//
// Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/period.h"
#include "opsuite/crm/v1/order.pb.h"

namespace opsuite::crm {

// A payment as the statistics see it: its amount and the local day it was received.
struct PaymentFacts {
  int64_t amount = 0;  // cents
  absl::CivilDay received;
};

// An order as the statistics see it.
struct OrderFacts {
  std::string product_line;
  int64_t amount = 0;  // cents
  absl::CivilDay signed_on;
  std::vector<PaymentFacts> payments;  // any order
};

// Per product line and in total, over `period` (inclusive days):
//   signed_count / signed_amount: orders signed in the period;
//   received_amount: payments received in the period, whenever their order was signed;
//   settled_signed_amount: the amount of the orders signed in the period whose payments
//     received up to the period's last day (before it too: a deposit may precede signing)
//     add up to at least the order's amount; a payment after the period does not count.
// Product lines appear in ascending byte order of their name, each one that has an order
// signed or a payment received in the period (an empty name is a line of its own); the
// totals are the sums over the lines. employee_id and period are left for the caller.
v1::SalesStats ComputeSalesStats(const std::vector<OrderFacts>& orders, const DateRange& period);

}  // namespace opsuite::crm
