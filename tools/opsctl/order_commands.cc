// opsctl order ... / stats sales: opsuite.crm.v1.OrderService (orders, payments, sales
// statistics). Amounts are yuan on the command line and in tables, cents on the wire.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "opsuite/crm/v1/order.grpc.pb.h"
#include "tools/opsctl/cli.h"

namespace opsuite::opsctl {
namespace {

using ::opsuite::crm::v1::BatchGetSalesStatsResponse;
using ::opsuite::crm::v1::ListOrdersResponse;
using ::opsuite::crm::v1::Order;
using ::opsuite::crm::v1::OrderService;
using ::opsuite::crm::v1::Payment;
using ::opsuite::crm::v1::ProductLineStats;
using ::opsuite::crm::v1::SalesStats;
using Stub = OrderService::Stub;

constexpr char kAmountHelp[] = "yuan, at most 2 decimals; 万 and 亿 multiply: 12000.50, 1.2万";

const std::vector<Column<Order>>& OrderColumns() {
  static const auto* columns = new std::vector<Column<Order>>{
      {"ID", [](const Order& o) { return o.id(); }},
      {"CUSTOMER", [](const Order& o) { return o.customer_id(); }},
      {"OWNER", [](const Order& o) { return o.owner_id(); }},
      {"KIND",
       [](const Order& o) { return ShortEnumName(crm::v1::OrderKind_descriptor(), o.kind()); }},
      {"PRODUCT LINE", [](const Order& o) { return o.product_line(); }},
      {"AMOUNT", [](const Order& o) { return FormatMoney(o.amount()); }},
      {"PAID", [](const Order& o) { return FormatMoney(o.paid()); }},
      {"SIGNED AT", [](const Order& o) { return o.signed_at(); }},
      {"PAID IN FULL",
       [](const Order& o) {
         return !o.paid_in_full() ? "" : o.paid_in_full_on().empty() ? "yes" : o.paid_in_full_on();
       }},
  };
  return *columns;
}

void PrintOrder(const Order& order) {
  static const auto* detail = [] {
    auto* out = new std::vector<Column<Order>>(OrderColumns());
    out->insert(out->end(),
                {
                    {"CURRENCY", [](const Order& o) { return o.currency(); }},
                    {"CREATED", [](const Order& o) { return FormatTimestamp(o.create_time()); }},
                });
    return out;
  }();
  std::cout << RenderKeyValues(RecordFields(*detail, order));
  if (order.payments_size() > 0) {
    static const auto* payment_columns = new std::vector<Column<Payment>>{
        {"PAYMENT", [](const Payment& p) { return p.id(); }},
        {"AMOUNT", [](const Payment& p) { return FormatMoney(p.amount()); }},
        {"RECEIVED AT", [](const Payment& p) { return FormatTimestamp(p.received_at()); }},
    };
    std::cout << "\n" << RenderTable(*payment_columns, order.payments());
  }
}

// The sums SalesStats and ProductLineStats share.
template <typename Stats>
std::vector<Column<Stats>> AmountColumns() {
  return {
      {"SIGNED", [](const Stats& s) { return absl::StrCat(s.signed_count()); }},
      {"SIGNED AMOUNT", [](const Stats& s) { return FormatMoney(s.signed_amount()); }},
      {"RECEIVED", [](const Stats& s) { return FormatMoney(s.received_amount()); }},
      {"SETTLED SIGNED", [](const Stats& s) { return FormatMoney(s.settled_signed_amount()); }},
  };
}

const std::vector<Column<SalesStats>>& SalesColumns() {
  static const auto* columns = [] {
    auto* out = new std::vector<Column<SalesStats>>{
        {"EMPLOYEE", [](const SalesStats& s) { return s.employee_id(); }},
        {"PERIOD", [](const SalesStats& s) { return FormatPeriod(s.period()); }},
    };
    for (Column<SalesStats>& c : AmountColumns<SalesStats>()) out->push_back(std::move(c));
    return out;
  }();
  return *columns;
}

void PrintSalesStats(const SalesStats& stats) {
  std::cout << RenderKeyValues(RecordFields(SalesColumns(), stats));
  if (stats.product_lines_size() > 0) {
    std::vector<Column<ProductLineStats>> columns = {
        {"PRODUCT LINE", [](const ProductLineStats& p) { return p.product_line(); }}};
    for (Column<ProductLineStats>& c : AmountColumns<ProductLineStats>()) {
      columns.push_back(std::move(c));
    }
    std::cout << "\n" << RenderTable(columns, stats.product_lines());
  }
}

const std::vector<FieldOption>& CreateFields() {
  static const auto* fields = new std::vector<FieldOption>{
      {"customer", "customer_id", "ID", "the customer", true},
      {"kind", "kind", "KIND", "SAMPLE | REGULAR", true},
      {"product-line", "product_line", "LINE", "e.g. central_ac, floor_heating", true},
      {"amount", "amount", "YUAN", kAmountHelp, true, CentsFromYuan},
      {"signed-at", "signed_at", "YYYY-MM-DD", "the day it was signed", true, ParseDate},
      AsField(RequestIdOption(), "request_id"),
  };
  return *fields;
}

const std::vector<FieldOption>& PayFields() {
  static const auto* fields = new std::vector<FieldOption>{
      {"amount", "amount", "YUAN", absl::StrCat(kAmountHelp, "; at most what is still open"), true,
       CentsFromYuan},
      {"at", "received_at", "RFC3339", "when it arrived (default: now)"},
      AsField(RequestIdOption(), "request_id"),
  };
  return *fields;
}

const std::vector<FieldOption>& ListFields() {
  static const auto* fields = new std::vector<FieldOption>{
      {"customer", "customer_id", "ID", "this customer's orders"},
      {"owner", "owner_id", "ID", "orders credited to this salesperson"},
  };
  return *fields;
}

}  // namespace

void AddOrderCommands(std::vector<Command>* commands) {
  commands->push_back({
      .path = {"order", "create"},
      .summary = "Record a signed order (refused beyond the customer's credit limit)",
      .options = FieldOptionSpecs(CreateFields(), true),
      .run = CallWithFields(&Stub::CreateOrder, {}, CreateFields(), PrintOrder),
      .details = "Example: opsctl order create --customer=C7 --kind=REGULAR "
                 "--product-line=central_ac --amount=1.2万 --signed-at=2026-03-02\n"
                 "A sample order moves the customer to SAMPLE_ORDER once paid in full; the first "
                 "regular order to FIRST_ORDER, the second to REPEAT.",
  });
  commands->push_back({
      .path = {"order", "get"},
      .positional_usage = "ID",
      .summary = "Show an order with its payments",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CallWithFields(&Stub::GetOrder, {"id"}, {}, PrintOrder),
  });
  commands->push_back({
      .path = {"order", "list"},
      .summary = "List orders by customer or by salesperson",
      .options = Join(FieldOptionSpecs(ListFields(), false), PageOptions()),
      .run = CallWithFields(&Stub::ListOrders, {}, ListFields(),
                            [](const ListOrdersResponse& r) {
                              std::cout << RenderTable(OrderColumns(), r.orders());
                              PrintNextPage(r.next_page_token());
                            }),
  });
  commands->push_back({
      .path = {"order", "pay"},
      .positional_usage = "ORDER_ID",
      .summary = "Record a payment received for an order",
      .options = FieldOptionSpecs(PayFields(), true),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CallWithFields(&Stub::RecordPayment, {"order_id"}, PayFields(), PrintOrder),
      .details = "Example: opsctl order pay O3 --amount=6000 --at=2026-03-05T10:00:00+08:00 "
                 "--request-id=bank-20260305-17\n"
                 "With the same --request-id, a repeated payment is recorded once.",
  });
  const std::vector<FieldOption> stats_fields = {
      {"period", "period", "PERIOD", "e.g. 2026-03 or MONTH:2026-03-01", true}};
  commands->push_back({
      .path = {"stats", "sales"},
      .positional_usage = "EMPLOYEE_ID...",
      .summary = "Signed, received and settled amounts in a period, by product line (several "
                 "employees: a table)",
      .options = FieldOptionSpecs(stats_fields, true),
      .min_positionals = 1,
      .max_positionals = Command::kAny,
      .run = ByCount(
          CallWithFields(&Stub::GetSalesStats, {"employee_id"}, stats_fields, PrintSalesStats),
          CallWithFields(&Stub::BatchGetSalesStats, {"employee_ids"}, stats_fields,
                         [](const BatchGetSalesStatsResponse& r) {
                           std::cout << RenderTable(SalesColumns(), r.stats());
                         })),
  });
}

}  // namespace opsuite::opsctl
