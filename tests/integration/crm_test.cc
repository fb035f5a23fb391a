// crm over real gRPC with a real Redis, planning answering crm's directory questions over
// loopback: customers, the duplicate guard, Chinese-aware search, the pipeline, the public
// pool, imports, orders and credit, activities and due visits, and the access matrix.
#include "absl/strings/str_cat.h"
#include "common/cache/cache.h"
#include "common/redis/redis_client.h"
#include "gmock/gmock.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

cv1::Customer NewCustomer(const std::string& name, const std::string& city,
                          cv1::Tier tier = cv1::TIER_TIER1) {
  cv1::Customer c;
  c.set_name(name);
  c.set_tier(tier);
  c.mutable_region()->set_province("广东");
  c.mutable_region()->set_city(city);
  c.set_credit_limit(5'000'000);  // 50,000.00 CNY
  auto* contact = c.add_contacts();
  contact->set_name("陳經理");
  contact->set_title("采购经理");
  contact->set_notes("决策人；喜欢打羽毛球");
  return c;
}

class CrmIT : public PlanningSuite {
 protected:
  cv1::Customer Create(const std::string& as, const cv1::Customer& c, grpc::Status* status = nullptr) {
    cv1::CreateCustomerRequest req;
    *req.mutable_customer() = c;
    cv1::Customer out;
    grpc::Status s = customers_->CreateCustomer(As(as, "employee").get(), req, &out);
    if (status) *status = s;
    else EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  std::vector<std::string> ListNames(const std::string& as, cv1::ListCustomersRequest req) {
    cv1::ListCustomersResponse resp;
    grpc::Status s = customers_->ListCustomers(As(as, "employee").get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& c : resp.customers()) names.push_back(c.name());
    return names;
  }
};

// A customer the process holds in its near cache is sent as the bytes it was cached as, not
// parsed and serialized again; who may see it is still decided, from the owner read off the
// bytes. The cached bytes here repeat the name field, as no serializer writes it, so that only
// the bytes as cached can come back unchanged (a parse keeps the last name, as every reader of
// the reply does).
TEST_F(CrmIT, ACachedCustomerIsSentAsTheBytesCached) {
  cv1::Customer c = Create(rep_, NewCustomer("广州白云酒店", "广州"));
  cv1::Customer renamed;
  renamed.set_name("白云酒店（新）");
  const std::string cached = c.SerializeAsString() + renamed.SerializeAsString();
  ASSERT_TRUE(PutInCache(cache::Key("acme", "crm", "customer", c.id()), cached));

  cv1::GetCustomerRequest get;
  get.set_id(c.id());
  const std::string method = "opsuite.crm.v1.CustomerService/GetCustomer";
  // The first read after the SET takes it from Redis (and parses it, as any value new to the
  // process is); the ones after are near hits.
  int exact = RepliesExactly<cv1::Customer>(method, get.SerializeAsString(), cached, 5,
                                            [&](const cv1::Customer& read) {
                                              EXPECT_EQ(read.name(), "白云酒店（新）");
                                              EXPECT_EQ(read.owner_id(), rep_);
                                            });
  EXPECT_GE(exact, 4) << "near hits must send the cached bytes unchanged";

  auto read_as = [&](std::unique_ptr<grpc::ClientContext> ctx, std::string* reply) {
    return CallBytes(method, get.SerializeAsString(), ctx.get(), reply);
  };
  std::string reply;
  // The owner, an employee who does not see the org, is told from the bytes: a near hit too.
  ASSERT_TRUE(read_as(As(rep_, "employee"), &reply).ok());
  EXPECT_EQ(reply, cached);
  // A manager of the owner: the directory decides, on a worker, and the reply is the message.
  grpc::Status s = read_as(As(manager_, "manager"), &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  cv1::Customer read;
  ASSERT_TRUE(read.ParseFromString(reply));
  EXPECT_EQ(read.name(), "白云酒店（新）");
  // A manager of another department is refused.
  EXPECT_EQ(read_as(As(other_, "manager"), &reply).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// A cached value that is not a customer (corruption, an outside writer) is never sent: it is
// dropped and the customer read again from the database, for every kind of caller.
TEST_F(CrmIT, ACorruptCachedCustomerIsReadAgainFromTheDatabase) {
  cv1::Customer c = Create(rep_, NewCustomer("广州白云酒店", "广州"));
  auto redis = redis::RedisClient::Create(redis_->url(), {});
  ASSERT_TRUE(redis.ok()) << redis.status();  // to read back what is left
  const std::string key = cache::Key("acme", "crm", "customer", c.id());
  cv1::GetCustomerRequest get;
  get.set_id(c.id());
  for (const auto& [who, roles] : std::vector<std::pair<std::string, std::string>>{
           {"admin-1", "admin"}, {rep_, "employee"}, {manager_, "manager"}}) {
    ASSERT_TRUE(PutInCache(key, "not a customer"));
    for (int i = 0; i < 3; ++i) {
      cv1::Customer read;
      grpc::Status s = customers_->GetCustomer(As(who, roles).get(), get, &read);
      ASSERT_TRUE(s.ok()) << who << " read " << i << ": " << s.error_message();
      EXPECT_EQ(read.name(), "广州白云酒店") << who;
      EXPECT_EQ(read.id(), c.id()) << who;
    }
    auto now = (*redis)->Command({"GET", key});
    ASSERT_TRUE(now.ok());
    if (now->is_string()) {
      cv1::Customer cached;
      EXPECT_TRUE(cached.ParseFromString(now->str)) << who << ": the bad value is still there";
    }
  }
}

TEST_F(CrmIT, CustomersFollowTheOrgTree) {
  cv1::Customer c = Create(rep_, NewCustomer("广州白云酒店", "广州"));
  EXPECT_EQ(c.owner_id(), rep_);
  EXPECT_EQ(c.stage(), cv1::STAGE_LEAD);
  EXPECT_EQ(c.contacts(0).id(), "c1");
  cv1::GetCustomerRequest get;
  get.set_id(c.id());
  cv1::Customer read;
  EXPECT_TRUE(customers_->GetCustomer(As(rep_, "employee").get(), get, &read).ok());
  EXPECT_TRUE(customers_->GetCustomer(As(manager_, "manager").get(), get, &read).ok());
  EXPECT_TRUE(customers_->GetCustomer(Admin().get(), get, &read).ok());
  EXPECT_EQ(customers_->GetCustomer(As(other_, "manager").get(), get, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(customers_->GetCustomer(Admin("globex").get(), get, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // A rep cannot give customers to someone else; their manager can.
  cv1::Customer for_manager = NewCustomer("深圳南山宾馆", "深圳");
  for_manager.set_owner_id(manager_);
  grpc::Status s;
  Create(rep_, for_manager, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  cv1::Customer for_rep = NewCustomer("深圳南山宾馆", "深圳");
  for_rep.set_owner_id(rep_);
  EXPECT_EQ(Create(manager_, for_rep).owner_id(), rep_);
  // Lists: the rep sees their two, the other manager none of them.
  EXPECT_THAT(ListNames(rep_, {}), UnorderedElementsAre("广州白云酒店", "深圳南山宾馆"));
  EXPECT_THAT(ListNames(other_, {}), ElementsAre());
}

TEST_F(CrmIT, TransfersKeepHistoryAndBatchReadsKeepOrder) {
  cv1::Customer a = Create(rep_, NewCustomer("客户甲", "广州"));
  cv1::Customer b = Create(rep_, NewCustomer("客户乙", "广州"));
  pv1::CreateEmployeeRequest hire;
  hire.mutable_employee()->set_name("王五");
  hire.mutable_employee()->set_department_id(sales_);
  hire.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
  pv1::Employee wang;
  ASSERT_TRUE(directory_->CreateEmployee(Admin().get(), hire, &wang).ok());

  cv1::TransferCustomerRequest transfer;
  transfer.set_id(a.id());
  transfer.set_new_owner_id(wang.id());
  transfer.set_reason("区域调整");
  cv1::Customer moved;
  // The owner cannot hand customers around; someone outside the tree cannot either.
  EXPECT_EQ(customers_->TransferCustomer(As(rep_, "employee").get(), transfer, &moved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(customers_->TransferCustomer(As(other_, "manager").get(), transfer, &moved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(customers_->TransferCustomer(As(manager_, "manager").get(), transfer, &moved).ok());
  EXPECT_EQ(moved.owner_id(), wang.id());
  ASSERT_EQ(moved.owner_history_size(), 2);
  EXPECT_EQ(moved.owner_history(1).from_owner_id(), rep_);
  EXPECT_EQ(moved.owner_history(1).reason(), "区域调整");
  EXPECT_EQ(customers_->TransferCustomer(As(manager_, "manager").get(), transfer, &moved).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // already theirs
  transfer.set_new_owner_id("emp_nobody");
  EXPECT_THAT(Fields(customers_->TransferCustomer(As(manager_, "manager").get(), transfer, &moved)),
              ElementsAre("new_owner_id"));

  // The cache saw the transfer: the old owner no longer reads it, the new one does.
  cv1::BatchGetCustomersRequest batch;
  batch.add_ids(b.id());
  batch.add_ids(a.id());
  cv1::BatchGetCustomersResponse got;
  ASSERT_TRUE(customers_->BatchGetCustomers(As(manager_, "manager").get(), batch, &got).ok());
  ASSERT_EQ(got.customers_size(), 2);
  EXPECT_EQ(got.customers(0).id(), b.id());
  EXPECT_EQ(got.customers(1).owner_id(), wang.id());
  EXPECT_EQ(customers_->BatchGetCustomers(As(rep_, "employee").get(), batch, &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  batch.add_ids("");
  EXPECT_THAT(Fields(customers_->BatchGetCustomers(Admin().get(), batch, &got)),
              ElementsAre("ids[2]"));
}

TEST_F(CrmIT, DuplicateGuardFoldsTraditionalAndWidth) {
  cv1::Customer first = Create(rep_, NewCustomer("广东佐妮化妆品有限公司", "广州"));
  grpc::Status s;
  Create(rep_, NewCustomer("廣東佐妮化妝品有限公司", "广州"), &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr(first.id()));
  // Another city is another customer.
  Create(rep_, NewCustomer("广东佐妮化妆品有限公司", "佛山"), &s);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(CrmIT, SearchMatchesSimplifiedTraditionalAndContacts) {
  Create(rep_, NewCustomer("华南销售有限公司", "广州"));
  Create(rep_, NewCustomer("北方物流", "天津"));
  cv1::ListCustomersRequest req;
  req.set_query("銷售");  // traditional finds simplified
  EXPECT_THAT(ListNames(rep_, req), ElementsAre("华南销售有限公司"));
  req.set_query("陈经理");  // simplified finds the traditional contact name
  EXPECT_THAT(ListNames(rep_, req), UnorderedElementsAre("华南销售有限公司", "北方物流"));
  req.set_query("100%_");  // LIKE wildcards are matched literally
  EXPECT_THAT(ListNames(rep_, req), ElementsAre());
  cv1::ListCustomersRequest by_city;
  by_city.set_city("天津");
  EXPECT_THAT(ListNames(rep_, by_city), ElementsAre("北方物流"));
}

// SQL goes with bound parameters only: names and queries made of SQL are data, stored and
// matched verbatim, on SQLite and PostgreSQL alike; the tables are still there afterwards.
TEST_F(CrmIT, HostileNamesAndQueriesAreJustText) {
  const std::vector<std::string> names = {
      "x'); DROP TABLE customers; --",
      "\" OR 1=1 --",
      "a' || (SELECT string_agg(name, ',') FROM customers) || '",
      "\\'; DELETE FROM customers WHERE '1'='1",
      "名字$1 ?; /* */ 酒店",
  };
  for (const std::string& name : names) {
    cv1::Customer c = Create(rep_, NewCustomer(name, "广州"));
    EXPECT_EQ(c.name(), name);
    cv1::GetCustomerRequest get;
    get.set_id(c.id());
    cv1::Customer back;
    ASSERT_TRUE(customers_->GetCustomer(As(rep_, "employee").get(), get, &back).ok());
    EXPECT_EQ(back.name(), name);
  }
  cv1::ListCustomersRequest all;
  EXPECT_EQ(ListNames(rep_, all).size(), names.size());
  for (const std::string& q : {std::string("' OR '1'='1"), std::string("%' --"),
                               std::string("\"; SELECT 1; --"), std::string("DROP TABLE")}) {
    cv1::ListCustomersRequest req;
    req.set_query(q);
    std::vector<std::string> found = ListNames(rep_, req);
    EXPECT_LT(found.size(), names.size()) << q << " matched everything";
  }
  cv1::ListCustomersRequest drop;
  drop.set_query("DROP TABLE customers");
  EXPECT_THAT(ListNames(rep_, drop), ElementsAre(names[0]));
  EXPECT_EQ(ListNames(rep_, all).size(), names.size());  // nothing dropped or deleted
}

TEST_F(CrmIT, ListsPageInEveryOrder) {
  for (int i = 0; i < 7; ++i) Create(rep_, NewCustomer(absl::StrCat("客户", i), "广州"));
  for (std::string order : {"id", "name", "-update_time", "-last_effective_activity_time"}) {
    cv1::ListCustomersRequest req;
    req.set_order_by(order);
    req.set_page_size(3);
    std::vector<std::string> seen;
    for (int page = 0; page < 5; ++page) {
      cv1::ListCustomersResponse resp;
      ASSERT_TRUE(customers_->ListCustomers(As(rep_, "employee").get(), req, &resp).ok()) << order;
      for (const auto& c : resp.customers()) seen.push_back(c.id());
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end()) << order;
    EXPECT_EQ(seen.size(), 7u) << order;
  }
  cv1::ListCustomersRequest bad;
  bad.set_order_by("salary");
  EXPECT_THAT(Fields(customers_->ListCustomers(As(rep_, "employee").get(), bad, nullptr)),
              ElementsAre("order_by"));
}

TEST_F(CrmIT, UpdatesCheckEtagsAndTheStagePipeline) {
  cv1::Customer c = Create(rep_, NewCustomer("杭州西湖会展中心", "杭州"));
  cv1::UpdateCustomerRequest up;
  *up.mutable_customer() = c;
  up.mutable_customer()->set_stage(cv1::STAGE_INTENT);
  up.mutable_update_mask()->add_paths("stage");
  cv1::Customer updated;
  ASSERT_TRUE(customers_->UpdateCustomer(As(rep_, "employee").get(), up, &updated).ok());
  EXPECT_EQ(updated.stage(), cv1::STAGE_INTENT);
  ASSERT_EQ(updated.stage_history_size(), 2);
  EXPECT_EQ(updated.stage_history(1).from(), cv1::STAGE_LEAD);
  // The old etag is stale now.
  EXPECT_EQ(customers_->UpdateCustomer(As(rep_, "employee").get(), up, &updated).error_code(),
            grpc::StatusCode::ABORTED);
  // Order stages are set by orders, not by hand.
  up.mutable_customer()->clear_etag();
  up.mutable_customer()->set_stage(cv1::STAGE_FIRST_ORDER);
  EXPECT_EQ(customers_->UpdateCustomer(As(rep_, "employee").get(), up, &updated).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // Bad input names the field.
  up.mutable_customer()->set_credit_limit(-1);
  up.mutable_update_mask()->Clear();
  up.mutable_update_mask()->add_paths("credit_limit");
  EXPECT_THAT(Fields(customers_->UpdateCustomer(As(rep_, "employee").get(), up, &updated)),
              ElementsAre("customer.credit_limit"));
  up.mutable_update_mask()->Clear();
  up.mutable_update_mask()->add_paths("owner_id");
  EXPECT_THAT(Fields(customers_->UpdateCustomer(As(rep_, "employee").get(), up, &updated)),
              ElementsAre("update_mask.paths[0]"));
  // Someone outside the tree may not change it.
  up.mutable_update_mask()->Clear();
  up.mutable_update_mask()->add_paths("notes");
  EXPECT_EQ(customers_->UpdateCustomer(As(other_, "manager").get(), up, &updated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Soft delete: gone from reads.
  cv1::DeleteCustomerRequest del;
  del.set_id(c.id());
  cv1::DeleteCustomerResponse deleted;
  ASSERT_TRUE(customers_->DeleteCustomer(As(rep_, "employee").get(), del, &deleted).ok());
  cv1::GetCustomerRequest get;
  get.set_id(c.id());
  EXPECT_EQ(customers_->GetCustomer(As(rep_, "employee").get(), get, &updated).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(CrmIT, PublicPoolReleaseClaimCapAndIdleSweep) {
  // A second rep in 销售部 to claim.
  pv1::CreateEmployeeRequest hire;
  hire.mutable_employee()->set_name("李四");
  hire.mutable_employee()->set_department_id(sales_);
  hire.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
  pv1::Employee li;
  ASSERT_TRUE(directory_->CreateEmployee(Admin().get(), hire, &li).ok());

  cv1::Customer a = Create(rep_, NewCustomer("客户甲", "广州"));
  cv1::Customer b = Create(rep_, NewCustomer("客户乙", "广州"));
  cv1::UpdateCrmPolicyRequest policy;
  policy.mutable_policy()->set_pool_claims_per_day(1);
  policy.mutable_update_mask()->add_paths("pool_claims_per_day");
  cv1::CrmPolicy p;
  ASSERT_TRUE(customers_->UpdateCrmPolicy(Admin().get(), policy, &p).ok());
  EXPECT_EQ(customers_->UpdateCrmPolicy(As(rep_, "employee").get(), policy, &p).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  for (const auto& c : {a, b}) {
    cv1::ReleaseCustomerRequest release;
    release.set_id(c.id());
    cv1::Customer released;
    ASSERT_TRUE(customers_->ReleaseCustomer(As(rep_, "employee").get(), release, &released).ok());
    EXPECT_EQ(released.owner_id(), "");
  }
  cv1::ListCustomersRequest pool;
  pool.set_owner_id("-");
  EXPECT_THAT(ListNames(li.id(), pool), UnorderedElementsAre("客户甲", "客户乙"));
  cv1::ClaimCustomerRequest claim;
  claim.set_id(a.id());
  cv1::Customer claimed;
  ASSERT_TRUE(customers_->ClaimCustomer(As(li.id(), "employee").get(), claim, &claimed).ok());
  EXPECT_EQ(claimed.owner_id(), li.id());
  EXPECT_EQ(claimed.owner_history_size(), 3);  // created, released, claimed
  claim.set_id(b.id());
  EXPECT_EQ(customers_->ClaimCustomer(As(li.id(), "employee").get(), claim, &claimed).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  claim.set_id(a.id());  // not in the pool any more
  EXPECT_EQ(customers_->ClaimCustomer(As(rep_, "employee").get(), claim, &claimed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // 91 days without an effective activity: the sweep gives customer 甲 back, once.
  cv1::Customer c = Create(rep_, NewCustomer("客户丙", "广州"));
  clock_.Advance(absl::Hours(24 * 91));
  cv1::ReleaseIdleCustomersRequest sweep;
  cv1::ReleaseIdleCustomersResponse swept;
  EXPECT_EQ(customers_->ReleaseIdleCustomers(As(rep_, "employee").get(), sweep, &swept).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(customers_->ReleaseIdleCustomers(As("scheduler", "service").get(), sweep, &swept).ok());
  EXPECT_THAT(swept.released_ids(), UnorderedElementsAre(a.id(), c.id()));
  cv1::ReleaseIdleCustomersResponse again;
  ASSERT_TRUE(customers_->ReleaseIdleCustomers(As("scheduler", "service").get(), sweep, &again).ok());
  EXPECT_EQ(again.released_ids_size(), 0);
  // Two releases by hand and two by the sweep reached the stream, each once.
  int released = 0;
  ASSERT_TRUE(Eventually([&] {
    released = 0;
    for (auto& [type, id] : StreamEvents(redis_->url())) released += type == "crm.customer.released_to_pool";
    return released >= 4;
  })) << released;
  EXPECT_EQ(released, 4);
}

TEST_F(CrmIT, BadCustomerInputNamesEveryField) {
  cv1::Customer c = NewCustomer("", "广州");
  c.set_tier(static_cast<cv1::Tier>(99));
  c.set_stage(static_cast<cv1::Stage>(42));
  c.set_credit_limit(-5);
  c.set_currency("yuan");
  c.set_discount_percent(120);
  c.add_tags("");
  c.mutable_contacts(0)->set_email("not-an-email");
  c.mutable_contacts(0)->set_birthday("1990-02-30");
  auto* nameless = c.add_contacts();
  nameless->set_title("秘书");
  grpc::Status s;
  Create(rep_, c, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(s),
              UnorderedElementsAre("customer.name", "customer.tier", "customer.stage",
                                   "customer.credit_limit", "customer.currency",
                                   "customer.discount_percent", "customer.tags[0]",
                                   "customer.contacts[0].email", "customer.contacts[0].birthday",
                                   "customer.contacts[1].name"));
  // Lists refuse what they cannot use, naming it.
  cv1::ListCustomersRequest list;
  list.set_tier(static_cast<cv1::Tier>(99));
  EXPECT_THAT(Fields(customers_->ListCustomers(As(rep_, "employee").get(), list, nullptr)),
              ElementsAre("tier"));
  list.Clear();
  list.set_page_size(-1);
  EXPECT_THAT(Fields(customers_->ListCustomers(As(rep_, "employee").get(), list, nullptr)),
              ElementsAre("page_size"));
  // The policy: defaults from the seeds, and bad values named.
  cv1::CrmPolicy policy;
  ASSERT_TRUE(customers_->GetCrmPolicy(As(rep_, "employee").get(), {}, &policy).ok());
  EXPECT_EQ(policy.key_visit_days(), 30);
  EXPECT_EQ(policy.tier1_visit_days(), 60);
  EXPECT_EQ(policy.effective_calls_per_day(), 40);
  EXPECT_EQ(policy.visits_per_week(), 2);
  EXPECT_EQ(policy.pool_idle_days(), 90);
  EXPECT_EQ(policy.pool_claims_per_day(), 5);
  cv1::UpdateCrmPolicyRequest bad_policy;
  bad_policy.mutable_policy()->set_pool_idle_days(-1);
  bad_policy.mutable_update_mask()->add_paths("pool_idle_days");
  EXPECT_THAT(Fields(customers_->UpdateCrmPolicy(Admin().get(), bad_policy, &policy)),
              ElementsAre("policy.pool_idle_days"));
  bad_policy.mutable_update_mask()->Clear();
  bad_policy.mutable_update_mask()->add_paths("salary");
  EXPECT_THAT(Fields(customers_->UpdateCrmPolicy(Admin().get(), bad_policy, &policy)),
              ElementsAre("update_mask.paths[0]"));
}

TEST_F(CrmIT, ImportReportsBadRowsAndCanBeAllOrNothing) {
  Create(rep_, NewCustomer("已存在公司", "广州"));
  cv1::ImportCustomersRequest req;
  *req.add_customers() = NewCustomer("新公司一", "广州");
  cv1::Customer nameless = NewCustomer("", "广州");
  *req.add_customers() = nameless;
  *req.add_customers() = NewCustomer("已存在公司", "广州");
  *req.add_customers() = NewCustomer("新公司二", "广州");
  *req.add_customers() = NewCustomer("新公司二", "广州");  // twice in the file
  req.set_all_or_nothing(true);
  cv1::ImportCustomersResponse resp;
  ASSERT_TRUE(customers_->ImportCustomers(As(rep_, "employee").get(), req, &resp).ok());
  EXPECT_EQ(resp.created_ids_size(), 0);
  std::vector<int> bad;
  for (const auto& e : resp.errors()) bad.push_back(e.row());
  EXPECT_THAT(bad, ElementsAre(2, 3, 5));
  EXPECT_THAT(ListNames(rep_, {}), ElementsAre("已存在公司"));

  req.set_all_or_nothing(false);
  resp.Clear();
  ASSERT_TRUE(customers_->ImportCustomers(As(rep_, "employee").get(), req, &resp).ok());
  EXPECT_EQ(resp.created_ids_size(), 2);
  EXPECT_EQ(resp.errors_size(), 3);
  EXPECT_EQ(resp.errors(0).field(), "customer.name");
  EXPECT_THAT(ListNames(rep_, {}), UnorderedElementsAre("已存在公司", "新公司一", "新公司二"));
}

}  // namespace
}  // namespace opsuite::testing
