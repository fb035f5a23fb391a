// OrderService over real gRPC: credit refusals with the numbers, stage moves by orders,
// payments (idempotent, over-payment refused), receivables, sales stats and access.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "common/timestamps.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CrmOrderIT : public PlanningSuite {
 protected:
  cv1::Customer NewCust(const std::string& as, const std::string& name, int64_t limit) {
    cv1::CreateCustomerRequest req;
    req.mutable_customer()->set_name(name);
    req.mutable_customer()->set_tier(cv1::TIER_TIER1);
    req.mutable_customer()->mutable_region()->set_city("广州");
    req.mutable_customer()->set_credit_limit(limit);
    cv1::Customer out;
    grpc::Status s = customers_->CreateCustomer(As(as, "employee").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status Order(const std::string& as, const std::string& roles, const std::string& cust,
                     cv1::OrderKind kind, int64_t amount, const std::string& date,
                     cv1::Order* out, const std::string& rid = "", const std::string& line = "central_ac") {
    cv1::CreateOrderRequest req;
    req.set_customer_id(cust);
    req.set_kind(kind);
    req.set_product_line(line);
    req.set_amount(amount);
    req.set_signed_at(date);
    req.set_request_id(rid);
    return orders_->CreateOrder(As(as, roles).get(), req, out);
  }
  grpc::Status Pay(const std::string& as, const std::string& roles, const std::string& order,
                   int64_t amount, absl::Time at, cv1::Order* out, const std::string& rid = "") {
    cv1::RecordPaymentRequest req;
    req.set_order_id(order);
    req.set_amount(amount);
    *req.mutable_received_at() = ToProto(at);
    req.set_request_id(rid);
    return orders_->RecordPayment(As(as, roles).get(), req, out);
  }
  cv1::Customer Get(const std::string& id) {
    cv1::GetCustomerRequest get;
    get.set_id(id);
    cv1::Customer c;
    EXPECT_TRUE(customers_->GetCustomer(Admin().get(), get, &c).ok());
    return c;
  }
};

TEST_F(CrmOrderIT, CreditStagesPaymentsAndSalesStats) {
  cv1::Customer c = NewCust(rep_, "客户一", 5'000'000);
  cv1::Order o;
  // validation
  cv1::CreateOrderRequest bad;
  EXPECT_THAT(Fields(orders_->CreateOrder(As(rep_, "employee").get(), bad, &o)),
              ElementsAre("customer_id", "kind", "product_line", "amount", "signed_at"));
  EXPECT_THAT(Fields(Order(rep_, "employee", c.id(), cv1::ORDER_KIND_REGULAR, 100, "2026-03-04", &o)),
              ElementsAre("signed_at"));
  EXPECT_THAT(Fields(Order(rep_, "employee", c.id(), cv1::ORDER_KIND_REGULAR, 100, "2026-03-03", &o, "", "Central AC")),
              ElementsAre("product_line"));
  // permission
  EXPECT_EQ(Order(other_, "manager", c.id(), cv1::ORDER_KIND_REGULAR, 100, "2026-03-01", &o).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // sample order: no stage change until paid
  cv1::Order sample;
  ASSERT_TRUE(Order(rep_, "employee", c.id(), cv1::ORDER_KIND_SAMPLE, 100'000, "2026-02-20", &sample, "r1").ok());
  EXPECT_EQ(sample.owner_id(), rep_);
  EXPECT_EQ(Get(c.id()).stage(), cv1::STAGE_LEAD);
  EXPECT_EQ(Get(c.id()).open_receivables(), 100'000);
  cv1::Order again;
  ASSERT_TRUE(Order(rep_, "employee", c.id(), cv1::ORDER_KIND_SAMPLE, 100'000, "2026-02-20", &again, "r1").ok());
  EXPECT_EQ(again.id(), sample.id());
  // credit
  grpc::Status s = Order(manager_, "manager", c.id(), cv1::ORDER_KIND_REGULAR, 4'950'000, "2026-03-01", &o);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("50,000.00"));
  cv1::Order regular;
  ASSERT_TRUE(Order(manager_, "manager", c.id(), cv1::ORDER_KIND_REGULAR, 4'900'000, "2026-03-01", &regular).ok());
  cv1::Customer after = Get(c.id());
  EXPECT_EQ(after.stage(), cv1::STAGE_FIRST_ORDER);
  EXPECT_EQ(after.open_receivables(), 5'000'000);
  ASSERT_GE(after.stage_history_size(), 2);
  EXPECT_THAT(after.stage_history(after.stage_history_size() - 1).reason(), HasSubstr(regular.id()));
  EXPECT_EQ(after.stage_history(after.stage_history_size() - 1).actor_id(), "system");
  // payments
  cv1::Order paid;
  s = Pay(rep_, "employee", sample.id(), 100'001, Shanghai(2026, 3, 1, 10, 0), &paid);
  EXPECT_THAT(Fields(s), ElementsAre("amount"));
  EXPECT_EQ(Pay(other_, "manager", sample.id(), 100, Shanghai(2026, 3, 1, 10, 0), &paid).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Pay(rep_, "employee", sample.id(), 40'000, Shanghai(2026, 2, 25, 10, 0), &paid, "p1").ok());
  EXPECT_EQ(paid.paid(), 40'000);
  ASSERT_TRUE(Pay(rep_, "employee", sample.id(), 40'000, Shanghai(2026, 2, 25, 10, 0), &paid, "p1").ok());
  EXPECT_EQ(paid.paid(), 40'000);
  EXPECT_EQ(paid.payments_size(), 1);
  ASSERT_TRUE(Pay("finance", "service", sample.id(), 60'000, Shanghai(2026, 3, 1, 23, 30), &paid).ok());
  EXPECT_TRUE(paid.paid_in_full());
  EXPECT_EQ(paid.paid_in_full_on(), "2026-03-01");
  after = Get(c.id());
  EXPECT_EQ(after.open_receivables(), 4'900'000);
  EXPECT_EQ(after.stage(), cv1::STAGE_FIRST_ORDER);  // a sample never demotes
  EXPECT_THAT(Fields(Pay(rep_, "employee", regular.id(), 4'900'000, Shanghai(2026, 3, 31, 23, 0), &paid)),
              ElementsAre("received_at"));
  clock_.Set(Shanghai(2026, 4, 1, 9, 0));
  ASSERT_TRUE(Pay(rep_, "employee", regular.id(), 4'900'000, Shanghai(2026, 3, 31, 23, 0), &paid).ok());
  EXPECT_EQ(Get(c.id()).open_receivables(), 0);
  // a second regular order: REPEAT
  ASSERT_TRUE(Order(rep_, "employee", c.id(), cv1::ORDER_KIND_REGULAR, 300, "2026-03-02", &o, "", "floor_heating").ok());
  EXPECT_EQ(Get(c.id()).stage(), cv1::STAGE_REPEAT);
  // A sample on a new customer: SAMPLE_ORDER on full payment
  cv1::Customer c2 = NewCust(rep_, "客户二", 0);
  ASSERT_TRUE(Order(rep_, "employee", c2.id(), cv1::ORDER_KIND_SAMPLE, 500, "2026-01-10", &sample).ok());
  ASSERT_TRUE(Pay(rep_, "employee", sample.id(), 500, Shanghai(2026, 3, 5, 9, 0), &paid).ok());
  EXPECT_EQ(Get(c2.id()).stage(), cv1::STAGE_SAMPLE_ORDER);

  // stats for March
  cv1::GetSalesStatsRequest st;
  st.set_employee_id(rep_);
  st.mutable_period()->set_granularity(common::v1::GRANULARITY_MONTH);
  st.mutable_period()->set_start_date("2026-03-01");
  cv1::SalesStats stats;
  s = orders_->GetSalesStats(As(rep_, "employee").get(), st, &stats);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stats.signed_count(), 2);
  EXPECT_EQ(stats.signed_amount(), 4'900'300);
  EXPECT_EQ(stats.received_amount(), 60'000 + 4'900'000 + 500);
  EXPECT_EQ(stats.settled_signed_amount(), 4'900'000);
  EXPECT_EQ(stats.product_lines_size(), 2);
  EXPECT_TRUE(orders_->GetSalesStats(As(manager_, "manager").get(), st, &stats).ok());
  EXPECT_EQ(orders_->GetSalesStats(As(other_, "manager").get(), st, &stats).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cv1::BatchGetSalesStatsRequest batch;
  batch.add_employee_ids(rep_);
  batch.add_employee_ids(other_);
  batch.add_employee_ids(rep_);
  *batch.mutable_period() = st.period();
  cv1::BatchGetSalesStatsResponse br;
  s = orders_->BatchGetSalesStats(As("scoring", "service").get(), batch, &br);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(br.stats_size(), 3);
  EXPECT_EQ(br.stats(0).settled_signed_amount(), 4'900'000);
  EXPECT_EQ(br.stats(1).signed_count(), 0);
  EXPECT_EQ(br.stats(2).employee_id(), rep_);
  // lists
  cv1::ListOrdersRequest lr;
  lr.set_page_size(2);
  cv1::ListOrdersResponse lresp;
  ASSERT_TRUE(orders_->ListOrders(As(rep_, "employee").get(), lr, &lresp).ok());
  EXPECT_EQ(lresp.orders_size(), 2);
  EXPECT_FALSE(lresp.next_page_token().empty());
  lr.set_page_token(lresp.next_page_token());
  cv1::ListOrdersResponse l2;
  ASSERT_TRUE(orders_->ListOrders(As(rep_, "employee").get(), lr, &l2).ok());
  EXPECT_EQ(l2.orders_size(), 2);
  lr.Clear();
  lr.set_customer_id(c.id());
  EXPECT_EQ(orders_->ListOrders(As(other_, "manager").get(), lr, &l2).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cv1::GetOrderRequest go;
  go.set_id(regular.id());
  EXPECT_TRUE(orders_->GetOrder(As(manager_, "manager").get(), go, &o).ok());
  EXPECT_EQ(orders_->GetOrder(As(other_, "manager").get(), go, &o).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Every payment reached the stream.
  int payments = 0;
  ASSERT_TRUE(Eventually([&] {
    payments = 0;
    for (auto& [type, id] : StreamEvents(redis_->url())) payments += type == "crm.order.payment_received";
    return payments >= 4;
  })) << payments;
  EXPECT_EQ(payments, 4);  // the repeated request_id recorded (and announced) nothing
}

TEST_F(CrmOrderIT, DeletedCustomersKeepTheirOrdersAndPoolCustomersTakeNone) {
  clock_.Set(Shanghai(2026, 4, 1, 9, 0));
  cv1::Customer c3 = NewCust(rep_, "客户三", 0);
  cv1::Order o, paid;
  cv1::GetOrderRequest go;
  cv1::Order o3;
  ASSERT_TRUE(Order(rep_, "employee", c3.id(), cv1::ORDER_KIND_REGULAR, 700, "2026-03-20", &o3).ok());
  cv1::DeleteCustomerRequest del;
  del.set_id(c3.id());
  cv1::DeleteCustomerResponse dr;
  ASSERT_TRUE(customers_->DeleteCustomer(As(rep_, "employee").get(), del, &dr).ok());
  go.set_id(o3.id());
  EXPECT_TRUE(orders_->GetOrder(As(rep_, "employee").get(), go, &o).ok());
  grpc::Status ps = Pay(rep_, "employee", o3.id(), 700, Shanghai(2026, 3, 25, 9, 0), &paid);
  EXPECT_TRUE(ps.ok()) << ps.error_message();
  EXPECT_EQ(Order(rep_, "employee", c3.id(), cv1::ORDER_KIND_REGULAR, 1, "2026-03-01", &o).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // pool
  cv1::ReleaseCustomerRequest rel;
  cv1::Customer c2 = NewCust(rep_, "客户二", 0);
  rel.set_id(c2.id());
  cv1::Customer released;
  ASSERT_TRUE(customers_->ReleaseCustomer(As(rep_, "employee").get(), rel, &released).ok());
  EXPECT_EQ(Order(rep_, "employee", c2.id(), cv1::ORDER_KIND_REGULAR, 1, "2026-03-01", &o).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace opsuite::testing
