#include "services/gateway/api.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "opsuite/crm/v1/customer.pb.h"
#include "opsuite/planning/v1/goal_card.pb.h"

namespace opsuite::gateway {
namespace {

using ::testing::HasSubstr;

class ApiCatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = ApiCatalog::Builtin();
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = c->release();
  }
  static void TearDownTestSuite() { delete catalog_; }

  // The request the gateway would send for (method, path?query, body).
  template <class Req>
  absl::StatusOr<Req> Build(const std::string& method, const std::string& target,
                            const std::string& body = "") {
    size_t q = target.find('?');
    std::string path = target.substr(0, q);
    std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    auto match = catalog_->Find(method, path);
    if (!match) return absl::NotFoundError("no route");
    EXPECT_EQ(match->route->method->input_type()->full_name(), Req::descriptor()->full_name());
    auto wire = catalog_->BuildRequest(*match->route, match->bindings, query, body);
    if (!wire.ok()) return wire.status();
    Req req;
    EXPECT_TRUE(req.ParseFromString(*wire));
    return req;
  }
  static ApiCatalog* catalog_;
};
ApiCatalog* ApiCatalogTest::catalog_ = nullptr;

TEST_F(ApiCatalogTest, EveryAnnotatedMethodIsARoute) {
  int methods = 0;
  for (const auto* s : catalog_->services()) methods += s->method_count();
  EXPECT_EQ(static_cast<int>(catalog_->routes().size()), methods);
  EXPECT_GE(methods, 80);
  for (const Route& r : catalog_->routes()) {
    EXPECT_FALSE(r.module.empty()) << r.grpc_path;
    EXPECT_TRUE(r.grpc_path.rfind("/opsuite.", 0) == 0) << r.grpc_path;
  }
}

TEST_F(ApiCatalogTest, FindsByMethodAndPathAndListsTheOtherMethods) {
  auto get = catalog_->Find("GET", "/v1/customers/c_1");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->route->grpc_path, "/opsuite.crm.v1.CustomerService/GetCustomer");
  EXPECT_EQ(get->route->module, "crm");
  auto batch = catalog_->Find("GET", "/v1/customers:batchGet");
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->route->method->name(), "BatchGetCustomers");
  std::vector<std::string> allowed;
  EXPECT_FALSE(catalog_->Find("PUT", "/v1/customers/c_1", &allowed));
  EXPECT_THAT(allowed, ::testing::UnorderedElementsAre("GET", "PATCH", "DELETE"));
  allowed.clear();
  EXPECT_FALSE(catalog_->Find("GET", "/v1/nothing", &allowed));
  EXPECT_TRUE(allowed.empty());
  auto watch = catalog_->Find("GET", "/v1/inbox:watch");
  ASSERT_TRUE(watch);
  EXPECT_TRUE(watch->route->streaming);
}

TEST_F(ApiCatalogTest, PathVariable) {
  auto req = Build<crm::v1::GetCustomerRequest>("GET", "/v1/customers/c%5F1");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->id(), "c_1");
}

TEST_F(ApiCatalogTest, QueryParametersByJsonOrProtoNameTypedByField) {
  auto req = Build<crm::v1::ListCustomersRequest>(
      "GET", "/v1/customers?pageSize=20&query=%E8%8F%AF%E7%82%BA&tier=TIER_KEY&order_by=name");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->page_size(), 20);
  EXPECT_EQ(req->query(), "華為");
  EXPECT_EQ(req->tier(), crm::v1::TIER_KEY);
  EXPECT_EQ(req->order_by(), "name");
  auto by_number = Build<crm::v1::ListCustomersRequest>("GET", "/v1/customers?tier=2&query=a+b");
  ASSERT_TRUE(by_number.ok()) << by_number.status();
  EXPECT_EQ(by_number->tier(), crm::v1::TIER_TIER1);
  EXPECT_EQ(by_number->query(), "a b");
}

TEST_F(ApiCatalogTest, RepeatedQueryParameters) {
  auto req = Build<crm::v1::BatchGetCustomersRequest>("GET", "/v1/customers:batchGet?ids=a&ids=b");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_THAT(req->ids(), ::testing::ElementsAre("a", "b"));
}

TEST_F(ApiCatalogTest, BadQueryParametersNameThemselves) {
  auto unknown = Build<crm::v1::ListCustomersRequest>("GET", "/v1/customers?pagesize=20");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("pagesize"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("pageSize"));  // the fields it has
  auto not_a_number = Build<crm::v1::ListCustomersRequest>("GET", "/v1/customers?pageSize=lots");
  EXPECT_EQ(not_a_number.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_enum = Build<crm::v1::ListCustomersRequest>("GET", "/v1/customers?tier=GOLD");
  EXPECT_EQ(bad_enum.status().code(), absl::StatusCode::kInvalidArgument);
  auto body_on_get = Build<crm::v1::ListCustomersRequest>("GET", "/v1/customers", R"({"query":"x"})");
  EXPECT_EQ(body_on_get.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ApiCatalogTest, BodyStarWithPathVariable) {
  auto req = Build<planning::v1::ReturnGoalCardRequest>(
      "POST", "/v1/goalCards/gc_1:return", R"({"reason":"目标不够具体","id":"gc_other"})");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->id(), "gc_1");  // the URL wins over the body
  EXPECT_EQ(req->reason(), "目标不够具体");
  auto extra = Build<planning::v1::ReturnGoalCardRequest>("POST", "/v1/goalCards/gc_1:return?reason=x", "{}");
  EXPECT_EQ(extra.status().code(), absl::StatusCode::kInvalidArgument);
  auto unknown = Build<planning::v1::ReturnGoalCardRequest>("POST", "/v1/goalCards/gc_1:return",
                                                            R"({"reasons":"x"})");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("request body"));
  auto broken = Build<planning::v1::ReturnGoalCardRequest>("POST", "/v1/goalCards/gc_1:return", "{");
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  auto empty = Build<planning::v1::ReturnGoalCardRequest>("POST", "/v1/goalCards/gc_1:return", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->id(), "gc_1");
}

TEST_F(ApiCatalogTest, BodyFieldWithNestedPathVariableAndFieldMask) {
  auto req = Build<planning::v1::UpdateGoalCardRequest>(
      "PATCH", "/v1/goalCards/gc_9?updateMask=tasks,returnReason",
      R"({"tasks":[{"title":"拜访客户","weight":100}],"etag":"3"})");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->goal_card().id(), "gc_9");
  EXPECT_EQ(req->goal_card().etag(), "3");
  ASSERT_EQ(req->goal_card().tasks_size(), 1);
  EXPECT_EQ(req->goal_card().tasks(0).title(), "拜访客户");
  EXPECT_THAT(req->update_mask().paths(), ::testing::ElementsAre("tasks", "return_reason"));
}

TEST_F(ApiCatalogTest, ResponsesFollowTheProto3JsonMapping) {
  crm::v1::Customer c;
  c.set_id("c_1");
  c.set_name("华为技术");
  c.set_tier(crm::v1::TIER_KEY);
  c.set_credit_limit(9007199254740993);  // beyond a double's integers: must stay exact
  c.mutable_create_time()->set_seconds(1772416800);
  auto route = catalog_->Find("GET", "/v1/customers/c_1");
  ASSERT_TRUE(route);
  auto json = catalog_->ResponseJson(*route->route, c.SerializeAsString());
  ASSERT_TRUE(json.ok()) << json.status();
  nlohmann::json j = nlohmann::json::parse(*json);
  EXPECT_EQ(j["name"], "华为技术");
  EXPECT_EQ(j["tier"], "TIER_KEY");
  EXPECT_EQ(j["creditLimit"], "9007199254740993");
  EXPECT_EQ(j["createTime"], "2026-03-02T02:00:00Z");
  EXPECT_EQ(j["ownerId"], "");  // defaults are present, so clients need no special cases
  EXPECT_EQ(j["annualConsumptionCents"], "0");
  EXPECT_TRUE(j["contacts"].is_array());
}

TEST_F(ApiCatalogTest, RejectsWhatIsNotADescriptorSet) {
  EXPECT_FALSE(ApiCatalog::FromDescriptorSet("not a descriptor set").ok());
  EXPECT_EQ(ApiCatalog::FromFile("/nonexistent.desc").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace opsuite::gateway

namespace opsuite::gateway {
namespace {

TEST(JsonDepthTest, CountsNestingOutsideStringsAndStopsAtTheLimit) {
  EXPECT_EQ(JsonDepth("", 32), 0);
  EXPECT_EQ(JsonDepth("1", 32), 0);
  EXPECT_EQ(JsonDepth(R"({"a":[1,{"b":[]}]})", 32), 4);
  EXPECT_EQ(JsonDepth(R"({"a":"[[[{{{\"[[["})", 32), 1);  // brackets in strings, an escaped quote
  EXPECT_EQ(JsonDepth(R"(["\\",[[]]])", 32), 3);          // an escaped backslash ends the escape
  std::string deep(1'000'000, '[');
  EXPECT_EQ(JsonDepth(deep, 32), 33);
  EXPECT_EQ(JsonDepth(std::string(32, '[') + std::string(32, ']'), 32), 32);
}

}  // namespace
}  // namespace opsuite::gateway
