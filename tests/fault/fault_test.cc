// Fault injection (issue 9): the real processes under a write load while something breaks.
//
//   Kill9EachServiceUnderWriteLoad      kill -9 every service process in turn, restart it
//   RedisOutageUnderMixedLoad           Redis killed (append-only, as deployed) and back
//   PostgresRestartUnderLoad            PostgreSQL stopped and started again
//   NotifyReplicaKilledHoldingPending   a notify replica dies holding stream entries
//   DiskFullForSqliteDataDirectory      the `opsuite` binary's data directory fills up
//
// Every test prints one "[fault] ..." line of figures (operations, acknowledged, found after
// recovery, lost, duplicated, error rate). The short form (the default, for CI) keeps every
// outage to a few seconds; OPSUITE_FAULT_LONG=1 runs the long form (a 30 s Redis outage, longer
// load phases and outages).
//
// The load is what a careful client does: every write carries a request_id and is retried with
// that same id on UNAVAILABLE / DEADLINE_EXCEEDED. After recovery every acknowledged write is
// sent once more (same request_id: it must answer the first result) and then everything is read
// back: an acknowledged write not found is lost; one found twice is duplicated.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/auth/jwt.h"
#include "common/ports.h"
#include "common/redis/redis_client.h"
#include "common/status.h"
#include "common/storage/sqlite.h"
#include "common/testing/child_process.h"
#include "common/testing/eventually.h"
#include "common/testing/postgres_server.h"
#include "common/testing/redis_server.h"
#include "common/testing/topology.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "opsuite/crm/v1/customer.grpc.pb.h"
#include "opsuite/notify/v1/notify.grpc.pb.h"
#include "opsuite/planning/v1/directory.grpc.pb.h"
#include "opsuite/planning/v1/goal_card.grpc.pb.h"
#include "opsuite/scoring/v1/scoring.grpc.pb.h"
#include "tests/build_paths.h"
#include "tests/fault/harness.h"

namespace opsuite::testing::fault {
namespace {

namespace pv1 = ::opsuite::planning::v1;
namespace cv1 = ::opsuite::crm::v1;
namespace sv1 = ::opsuite::scoring::v1;
namespace nv1 = ::opsuite::notify::v1;

constexpr char kSecret[] = "fault-secret";
constexpr char kOrg[] = "acme";

std::string Token(const std::string& sub, const std::string& roles) {
  auth::Claims claims{sub, kOrg, absl::StrSplit(roles, ',', absl::SkipEmpty())};
  return auth::MintJwt(claims, {"", kSecret}, absl::Now() - absl::Minutes(1),
                       absl::Now() + absl::Hours(2));
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                         absl::Duration deadline = absl::Seconds(3)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return ctx;
}

// Calls `call` (one attempt) until it is not UNAVAILABLE/DEADLINE_EXCEEDED or `limit` passed.
grpc::Status Retry(const std::function<grpc::Status()>& call,
                   absl::Duration limit = absl::Seconds(20)) {
  absl::Time end = absl::Now() + limit;
  grpc::Status s;
  do {
    s = call();
    if (!Retryable(s)) return s;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < end);
  return s;
}

// ---------------------------------------------------------------------------------------------
// The cluster: a throw-away PostgreSQL, a Redis, every service its own process.
class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("opsuite_fault_", ::getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    admin_ = Token("admin-1", "admin");
  }
  void TearDown() override {
    if (topology_) {
      // Thaw anything a test froze, so every process can take its SIGTERM.
      for (const std::string& m : Topology::Modules()) {
        for (int i = 0; i < topology_->Replicas(m); ++i) {
          if (pid_t pid = topology_->Pid(m, i); pid > 0) kill(pid, SIGCONT);
        }
      }
      absl::Status s = topology_->Stop(absl::Seconds(15));
      EXPECT_TRUE(s.ok()) << s;  // every process (restarted ones too) drains and exits 0
    }
    topology_.reset();
    redis_.reset();
    pg_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  void StartCluster(RedisServerOptions redis_options = {}, std::map<std::string, int> replicas = {},
                    std::map<std::string, std::vector<std::string>> flags = {}) {
    auto pg = PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = *std::move(pg);
    if (!pg_->owned()) GTEST_SKIP() << "OPSUITE_TEST_POSTGRES_URL: not ours to restart";
    auto db = pg_->CreateDatabase("opsuite");
    ASSERT_TRUE(db.ok()) << db.status();
    auto redis = RedisServer::Start(redis_options);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    TopologyOptions o;
    o.bin_dir = BuildDir();
    o.dir = (dir_ / "processes").string();
    o.db_url = *db;
    o.redis_url = redis_->url();
    o.jwt_secret = kSecret;
    for (const auto& [m, n] : replicas) o.replicas[m] = n;
    // A dead consumer's entries are reclaimed after 2 s instead of 30 s: the short form.
    o.extra_flags["notify"] = {"--notify_claim_idle=2s"};
    for (const auto& [m, f] : flags) o.extra_flags[m] = f;
    auto topology = Topology::Start(o);
    ASSERT_TRUE(topology.ok()) << topology.status();
    topology_ = *std::move(topology);
    Connect();
    Seed();
  }

  void Connect() {
    planning_ = Dial(topology_->Address("planning"));
    crm_ = Dial(topology_->Address("crm"));
    scoring_ = Dial(topology_->Address("scoring"));
    notify_ = Dial(topology_->Address("notify"));
  }

  std::string CreateDepartment(const std::string& name, const std::string& parent) {
    auto stub = pv1::DirectoryService::NewStub(planning_);
    pv1::CreateDepartmentRequest req;
    req.mutable_department()->set_name(name);
    req.mutable_department()->set_parent_id(parent);
    pv1::Department d;
    grpc::Status s = Retry([&] { return stub->CreateDepartment(Ctx(admin_).get(), req, &d); });
    EXPECT_TRUE(s.ok()) << s.error_message();
    return d.id();
  }
  std::string CreateEmployee(const std::string& name, const std::string& dept) {
    auto stub = pv1::DirectoryService::NewStub(planning_);
    pv1::CreateEmployeeRequest req;
    req.mutable_employee()->set_name(name);
    req.mutable_employee()->set_department_id(dept);
    req.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
    req.set_request_id("seed-" + name);
    pv1::Employee e;
    grpc::Status s = Retry([&] { return stub->CreateEmployee(Ctx(admin_).get(), req, &e); });
    EXPECT_TRUE(s.ok()) << s.error_message();
    return e.id();
  }

  // 公司 > 销售部 (rep, the goal-card people) and 新人 (where the load hires).
  void Seed() {
    root_ = CreateDepartment("公司", "");
    sales_ = CreateDepartment("销售部", root_);
    hires_ = CreateDepartment("新人", root_);
    rep_ = CreateEmployee("张三", sales_);
    for (int i = 0; i < 8; ++i) card_people_.push_back(CreateEmployee(absl::StrCat("卡", i), sales_));
    rep_token_ = Token(rep_, "employee");
  }

  // ---- the kinds of write, each one attempt with its request_id ------------------------------
  std::pair<Op, Attempt> CustomerOp(const std::string& prefix, int thread, int64_t n,
                                    std::shared_ptr<grpc::Channel> ch = nullptr) {
    Op op = NewOp("customer", absl::StrCat(prefix, "客户-", thread, "-", n),
               absl::StrCat(prefix, "cust-", thread, "-", n));
    auto stub = std::shared_ptr<cv1::CustomerService::Stub>(
        cv1::CustomerService::NewStub(ch ? ch : crm_));
    cv1::CreateCustomerRequest req;
    req.mutable_customer()->set_name(op.key);
    req.mutable_customer()->mutable_region()->set_province("广东");
    req.mutable_customer()->mutable_region()->set_city("广州");
    req.set_request_id(op.request_id);
    std::string token = rep_token_;
    return {op, [stub, req, token](std::string* id) {
              cv1::Customer c;
              grpc::Status s = stub->CreateCustomer(Ctx(token).get(), req, &c);
              if (s.ok()) *id = c.id();
              return s;
            }};
  }
  std::pair<Op, Attempt> EmployeeOp(const std::string& prefix, int thread, int64_t n) {
    Op op = NewOp("employee", absl::StrCat(prefix, "员工-", thread, "-", n),
               absl::StrCat(prefix, "emp-", thread, "-", n));
    auto stub = std::shared_ptr<pv1::DirectoryService::Stub>(pv1::DirectoryService::NewStub(planning_));
    pv1::CreateEmployeeRequest req;
    req.mutable_employee()->set_name(op.key);
    req.mutable_employee()->set_department_id(hires_);
    req.mutable_employee()->set_role_class(pv1::ROLE_CLASS_STAFF);
    req.set_request_id(op.request_id);
    std::string token = admin_;
    return {op, [stub, req, token](std::string* id) {
              pv1::Employee e;
              grpc::Status s = stub->CreateEmployee(Ctx(token).get(), req, &e);
              if (s.ok()) *id = e.id();
              return s;
            }};
  }
  // A goal card the admin creates for one of card_people_ (one month each): its outbox event
  // planning.goal_card.created puts one notice in that person's inbox.
  std::pair<Op, Attempt> GoalCardOp(const std::string& prefix, int thread, int64_t n) {
    // Each (person, month) once: thread t owns person t and takes the months in turn.
    EXPECT_LT(thread, static_cast<int>(card_people_.size()));
    const std::string& who = card_people_[thread % card_people_.size()];
    const int64_t month = n;
    const std::string start = absl::StrFormat("%04d-%02d-01", 2000 + month / 12, 1 + month % 12);
    Op op = NewOp("goal_card", absl::StrCat(who, "/", start),
               absl::StrCat(prefix, "card-", thread, "-", n));
    auto stub = std::shared_ptr<pv1::GoalCardService::Stub>(pv1::GoalCardService::NewStub(planning_));
    pv1::CreateGoalCardRequest req;
    req.set_employee_id(who);
    req.mutable_period()->set_granularity(common::v1::GRANULARITY_MONTH);
    req.mutable_period()->set_start_date(start);
    auto* task = req.add_tasks();
    task->set_title("拜访客户");
    task->set_kind(pv1::TASK_KIND_ROUTINE);
    task->set_weight(100);
    req.set_request_id(op.request_id);
    std::string token = admin_;
    return {op, [stub, req, token](std::string* id) {
              pv1::GoalCard c;
              grpc::Status s = stub->CreateGoalCard(Ctx(token).get(), req, &c);
              if (s.ok()) *id = c.id();
              return s;
            }};
  }
  std::pair<Op, Attempt> SchemeOp(const std::string& prefix, int thread, int64_t n) {
    Op op = NewOp("scheme", absl::StrCat(prefix, "方案-", thread, "-", n),
               absl::StrCat(prefix, "scheme-", thread, "-", n));
    auto stub = std::shared_ptr<sv1::SchemeService::Stub>(sv1::SchemeService::NewStub(scoring_));
    sv1::CreateSchemeRequest req;
    auto* s = req.mutable_scheme();
    s->set_name(op.key);
    s->set_subject_kind(sv1::SUBJECT_KIND_EMPLOYEE);
    s->set_cycle(sv1::CYCLE_MONTHLY);
    auto* item = s->add_items();
    item->set_code("goal_card");
    item->set_name("目标卡");
    item->set_weight(100);
    item->mutable_goal_card();
    req.set_request_id(op.request_id);
    std::string token = admin_;
    return {op, [stub, req, token](std::string* id) {
              sv1::Scheme out;
              grpc::Status st = stub->CreateScheme(Ctx(token).get(), req, &out);
              if (st.ok()) *id = out.id();
              return st;
            }};
  }
  // notify.Send to rep with a transaction_id; the text is the key.
  std::pair<Op, Attempt> SendOp(const std::string& prefix, int thread, int64_t n) {
    Op op = NewOp("send", absl::StrCat(prefix, "提醒-", thread, "-", n),
               absl::StrCat(prefix, "send-", thread, "-", n));
    auto stub = std::shared_ptr<nv1::NotificationService::Stub>(nv1::NotificationService::NewStub(notify_));
    nv1::SendRequest req;
    req.add_recipient_ids(rep_);
    req.set_template_key("scheduler.reminder");
    (*req.mutable_data()->mutable_fields())["text"].set_string_value(op.key);
    req.set_transaction_id(op.request_id);
    std::string token = admin_;
    return {op, [stub, req, token](std::string* id) {
              nv1::SendResponse out;
              grpc::Status s = stub->Send(Ctx(token).get(), req, &out);
              if (s.ok()) *id = out.notice_ids_size() > 0 ? out.notice_ids(0) : "";
              return s;
            }};
  }

  // ---- reading everything back ---------------------------------------------------------------
  // key -> ids, per kind.
  using Found = std::map<std::string, std::vector<std::string>>;

  Found ListCustomers(std::shared_ptr<grpc::Channel> ch = nullptr) {
    auto stub = cv1::CustomerService::NewStub(ch ? ch : crm_);
    Found out;
    cv1::ListCustomersRequest req;
    req.set_page_size(500);
    for (;;) {
      cv1::ListCustomersResponse page;
      grpc::Status s = Retry([&] { return stub->ListCustomers(Ctx(rep_token_).get(), req, &page); });
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const auto& c : page.customers()) out[c.name()].push_back(c.id());
      if (page.next_page_token().empty()) break;
      req.set_page_token(page.next_page_token());
    }
    return out;
  }
  Found ListEmployees() {
    auto stub = pv1::DirectoryService::NewStub(planning_);
    Found out;
    pv1::ListEmployeesRequest req;
    req.set_department_id(hires_);
    req.set_page_size(1000);
    for (;;) {
      pv1::ListEmployeesResponse page;
      grpc::Status s = Retry([&] { return stub->ListEmployees(Ctx(admin_).get(), req, &page); });
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const auto& e : page.employees()) out[e.name()].push_back(e.id());
      if (page.next_page_token().empty()) break;
      req.set_page_token(page.next_page_token());
    }
    return out;
  }
  Found ListGoalCards() {
    auto stub = pv1::GoalCardService::NewStub(planning_);
    Found out;
    for (const std::string& who : card_people_) {
      pv1::ListGoalCardsRequest req;
      req.set_employee_id(who);
      req.set_page_size(500);
      for (;;) {
        pv1::ListGoalCardsResponse page;
        grpc::Status s = Retry([&] { return stub->ListGoalCards(Ctx(admin_).get(), req, &page); });
        EXPECT_TRUE(s.ok()) << s.error_message();
        if (!s.ok()) break;
        for (const auto& c : page.goal_cards()) {
          out[absl::StrCat(c.employee_id(), "/", c.period().start_date())].push_back(c.id());
        }
        if (page.next_page_token().empty()) break;
        req.set_page_token(page.next_page_token());
      }
    }
    return out;
  }
  Found ListSchemes() {
    auto stub = sv1::SchemeService::NewStub(scoring_);
    Found out;
    sv1::ListSchemesRequest req;
    req.set_page_size(1000);
    for (;;) {
      sv1::ListSchemesResponse page;
      grpc::Status s = Retry([&] { return stub->ListSchemes(Ctx(admin_).get(), req, &page); });
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const auto& x : page.schemes()) out[x.name()].push_back(x.id());
      if (page.next_page_token().empty()) break;
      req.set_page_token(page.next_page_token());
    }
    return out;
  }
  // The inbox of `who`: notices by link ("goalCards/gc_...") and by body (Send's text).
  std::vector<nv1::Notice> Inbox(const std::string& who) {
    auto stub = nv1::NotificationService::NewStub(notify_);
    std::vector<nv1::Notice> out;
    nv1::ListInboxRequest req;
    req.set_page_size(500);
    std::string token = Token(who, "employee");
    for (;;) {
      nv1::ListInboxResponse page;
      grpc::Status s = Retry([&] { return stub->ListInbox(Ctx(token).get(), req, &page); });
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      out.insert(out.end(), page.notices().begin(), page.notices().end());
      if (page.next_page_token().empty()) break;
      req.set_page_token(page.next_page_token());
    }
    return out;
  }

  // Sends every acknowledged op once more with its request_id: it must answer the first id.
  // Returns how many did not (each a duplicate in the making).
  int64_t ReplayAcknowledged(const std::vector<Op>& ops,
                             const std::function<std::pair<Op, Attempt>(const Op&)>& remake) {
    int64_t mismatched = 0;
    for (const Op& op : ops) {
      if (!op.acked) continue;
      Attempt attempt = remake(op).second;
      std::string id;
      grpc::Status s = Retry([&] { return attempt(&id); });
      if (!s.ok() || id != op.id) {
        ++mismatched;
        ADD_FAILURE() << op.kind << " " << op.key << " (request_id " << op.request_id
                      << "): the retry answered " << s.error_code() << " " << s.error_message()
                      << " id " << id << ", the first answer was " << op.id;
      }
    }
    return mismatched;
  }

  // Found / lost / duplicated for the acknowledged ops of `kind` against what was read back.
  void Check(const std::vector<Op>& ops, const std::string& kind, const Found& found,
             Figures* f) {
    std::set<std::string> keys;
    for (const Op& op : ops) {
      if (op.kind != kind) continue;
      keys.insert(op.key);
      auto it = found.find(op.key);
      if (op.acked) {
        if (it == found.end()) {
          ++f->lost;
          ADD_FAILURE() << "lost: " << kind << " " << op.key << " id " << op.id << " (request_id "
                        << op.request_id << ", acknowledged after " << op.attempts << " attempts)";
          continue;
        }
        ++f->found;
        if (std::find(it->second.begin(), it->second.end(), op.id) == it->second.end()) {
          ++f->lost;
          ADD_FAILURE() << "the acknowledged id " << op.id << " of " << kind << " " << op.key
                        << " is not the stored one";
        }
      }
      if (it != found.end() && it->second.size() > 1) {
        f->duplicated += static_cast<int64_t>(it->second.size()) - 1;
        ADD_FAILURE() << "duplicated: " << kind << " " << op.key << " stored "
                      << it->second.size() << " times";
      }
    }
  }

  // Each acknowledged goal card has exactly one notice (planning.goal_card.created) in its
  // person's inbox, within `limit`. Returns "notices: expected=.. delivered=.. lost=.. doubled=..".
  std::string CheckNotices(const std::vector<Op>& ops, absl::Duration limit) {
    std::map<std::string, std::string> link_of_person;  // link -> person
    std::set<std::string> people;
    for (const Op& op : ops) {
      if (op.kind != "goal_card" || !op.acked) continue;
      link_of_person[absl::StrCat("goalCards/", op.id)] = op.key.substr(0, op.key.find('/'));
      people.insert(op.key.substr(0, op.key.find('/')));
    }
    std::map<std::string, int> count;
    auto collect = [&] {
      count.clear();
      for (const std::string& who : people) {
        for (const nv1::Notice& n : Inbox(who)) {
          if (n.event_type() == "planning.goal_card.created") ++count[n.link()];
        }
      }
      for (const auto& [link, who] : link_of_person) {
        if (count[link] < 1) return false;
      }
      return true;
    };
    bool all = Eventually(collect, limit);
    int64_t delivered = 0, lost = 0, doubled = 0;
    for (const auto& [link, who] : link_of_person) {
      int c = count[link];
      delivered += c >= 1;
      lost += c == 0;
      doubled += c > 1 ? c - 1 : 0;
      if (c != 1) ADD_FAILURE() << "goal card " << link << ": " << c << " notices (want 1)";
    }
    EXPECT_TRUE(all) << "not every acknowledged goal card's event was delivered within "
                     << absl::FormatDuration(limit);
    return absl::StrCat("notices: expected=", link_of_person.size(), " delivered=", delivered,
                        " lost=", lost, " doubled=", doubled);
  }

  // The generic check of a load: replay, read back, count.
  Figures VerifyWrites(const std::vector<Op>& ops, const Tally& tally, const std::string& prefix) {
    Figures f;
    CountOps(ops, &f);
    f.attempts = tally.attempts();
    f.failed_attempts = tally.failures();
    f.duplicated += ReplayAcknowledged(ops, [&](const Op& op) {
      // The same op again: its thread and number are in its request_id.
      int thread = 0;
      long long n = 0;
      std::string rest = op.request_id.substr(op.request_id.find('-') + 1);
      std::sscanf(rest.c_str(), "%d-%lld", &thread, &n);
      if (op.kind == "customer") return CustomerOp(prefix, thread, n);
      if (op.kind == "employee") return EmployeeOp(prefix, thread, n);
      if (op.kind == "goal_card") return GoalCardOp(prefix, thread, n);
      if (op.kind == "scheme") return SchemeOp(prefix, thread, n);
      return SendOp(prefix, thread, n);
    });
    std::set<std::string> kinds;
    for (const Op& op : ops) kinds.insert(op.kind);
    if (kinds.count("customer")) Check(ops, "customer", ListCustomers(), &f);
    if (kinds.count("employee")) Check(ops, "employee", ListEmployees(), &f);
    if (kinds.count("goal_card")) Check(ops, "goal_card", ListGoalCards(), &f);
    if (kinds.count("scheme")) Check(ops, "scheme", ListSchemes(), &f);
    if (kinds.count("send")) {
      Found sends;
      for (const nv1::Notice& n : Inbox(rep_)) {
        if (n.event_type() == "scheduler.reminder") sends[n.body()].push_back(n.id());
      }
      Check(ops, "send", sends, &f);
    }
    return f;
  }

  std::filesystem::path dir_;
  std::unique_ptr<PostgresServer> pg_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<Topology> topology_;
  std::shared_ptr<grpc::Channel> planning_, crm_, scoring_, notify_;
  std::string admin_, rep_token_;
  std::string root_, sales_, hires_, rep_;
  std::vector<std::string> card_people_;
};

bool Serving(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(Dial(address));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  return stub->Check(&ctx, req, &resp).ok() &&
         resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

// kill -9 each service process (replica 1 of each module, the gateway too) in the middle of a
// write load on crm, planning, scoring and notify, then start it again on the same port.
TEST_F(ClusterTest, Kill9EachServiceUnderWriteLoad) {
  StartCluster();
  if (HasFatalFailure() || IsSkipped()) return;
  const bool long_form = LongForm();
  Tally tally;
  WriteLoad load(4, [&](int thread, int64_t n) -> std::pair<Op, Attempt> {
    switch ((thread + n) % 5) {
      case 0: return CustomerOp("", thread, n);
      case 1: return EmployeeOp("", thread, n);
      case 2: return GoalCardOp("", thread, n);
      case 3: return SchemeOp("", thread, n);
      default: return SendOp("", thread, n);
    }
  }, &tally);
  load.Start();
  const absl::Duration phase = long_form ? absl::Seconds(5) : absl::Milliseconds(800);
  const absl::Duration down = long_form ? absl::Seconds(3) : absl::Milliseconds(300);
  const int rounds = long_form ? 3 : 1;
  std::string kills;
  for (int round = 0; round < rounds; ++round) {
    for (const std::string& m : Topology::Modules()) {
      absl::SleepFor(phase);
      auto status = topology_->Kill(m, 0, SIGKILL);
      ASSERT_TRUE(status.ok()) << status.status();
      EXPECT_EQ(*status, 128 + SIGKILL) << m;
      absl::SleepFor(down);
      absl::Status restarted = topology_->Restart(m, 0);
      ASSERT_TRUE(restarted.ok()) << m << ": " << restarted;
      absl::StrAppend(&kills, kills.empty() ? "" : ",", m);
    }
  }
  absl::SleepFor(phase);
  load.Stop();
  for (const std::string& m : Topology::Modules()) {
    EXPECT_TRUE(Eventually([&] { return Serving(topology_->Address(m)); }, absl::Seconds(10))) << m;
  }
  std::vector<Op> ops = load.ops();
  Figures f = VerifyWrites(ops, tally, "");
  std::string notices = CheckNotices(ops, absl::Seconds(30));
  PrintFigures("kill9", f, absl::StrCat(notices, " killed=", kills, " codes: ", tally.Codes()));
  EXPECT_GT(f.acknowledged, 0);
  EXPECT_EQ(f.lost, 0);
  EXPECT_EQ(f.duplicated, 0);
  EXPECT_EQ(f.abandoned, 0) << "a service did not recover";
  EXPECT_EQ(f.refused, 0) << tally.FirstMessages();
  // A write fails only as a crash looks to a client: the connection went, or no answer came.
  EXPECT_EQ(tally.FailuresOtherThan({grpc::StatusCode::UNAVAILABLE,
                                     grpc::StatusCode::DEADLINE_EXCEEDED}),
            0)
      << tally.Codes() << "\n" << tally.FirstMessages();
}

// Redis (append-only, as deploy/compose.yaml runs it) killed under a mixed load of reads and
// writes on two crm replicas: calls keep succeeding; after Redis returns no replica serves a
// value older than the last acknowledged update; every goal card's event reaches its inbox once.
TEST_F(ClusterTest, RedisOutageUnderMixedLoad) {
  StartCluster({.persistent = true}, {{"crm", 2}});
  if (HasFatalFailure() || IsSkipped()) return;
  const bool long_form = LongForm();
  std::vector<std::shared_ptr<grpc::Channel>> crm = {crm_, Dial(topology_->Address("crm", 1))};

  // Customers the updaters own (one thread each), read on both replicas first: cached
  // everywhere (Redis and each replica's near cache) before the outage.
  constexpr int kUpdaters = 2, kOwned = 10;
  std::vector<std::vector<std::string>> owned(kUpdaters);
  for (int t = 0; t < kUpdaters; ++t) {
    for (int i = 0; i < kOwned; ++i) {
      Attempt attempt = CustomerOp("own-", t, i).second;
      std::string id;
      grpc::Status created = Retry([&] { return attempt(&id); });
      ASSERT_TRUE(created.ok()) << "customer " << t << "-" << i << ": " << created.error_code()
                                << " " << created.error_message();
      owned[t].push_back(id);
    }
  }
  auto get = [&](int replica, const std::string& id, cv1::Customer* out) {
    auto stub = cv1::CustomerService::NewStub(crm[replica]);
    cv1::GetCustomerRequest req;
    req.set_id(id);
    return stub->GetCustomer(Ctx(rep_token_).get(), req, out);
  };
  for (const auto& list : owned) {
    for (const std::string& id : list) {
      cv1::Customer c;
      for (int r : {0, 1}) {
        grpc::Status s = get(r, id, &c);
        ASSERT_TRUE(s.ok()) << "replica " << r << ": " << s.error_code() << " " << s.error_message();
      }
    }
  }

  // The load: 2 updaters (industry = a counter, alternating replicas), 2 readers (customers on
  // both replicas, employees on planning), 2 writers (customers, goal cards: outbox events).
  Tally tally;
  std::vector<std::map<std::string, std::string>> last_acked(kUpdaters);  // id -> industry
  std::vector<std::mutex> last_mu(kUpdaters);
  WriteLoad load(6, [&](int thread, int64_t n) -> std::pair<Op, Attempt> {
    if (thread < kUpdaters) {
      const std::string id = owned[thread][n % kOwned];
      const std::string value = absl::StrCat("v", n);
      auto stub = std::shared_ptr<cv1::CustomerService::Stub>(
          cv1::CustomerService::NewStub(crm[n % 2]));
      Op op = NewOp("update", id,
               value);
      std::string token = rep_token_;
      auto* mu = &last_mu[thread];
      auto* acked = &last_acked[thread];
      return {op, [stub, id, value, token, mu, acked](std::string* out) {
                cv1::UpdateCustomerRequest req;
                req.mutable_customer()->set_id(id);
                req.mutable_customer()->set_industry(value);
                req.mutable_update_mask()->add_paths("industry");
                cv1::Customer c;
                grpc::Status s = stub->UpdateCustomer(Ctx(token).get(), req, &c);
                if (s.ok()) {
                  *out = id;
                  std::lock_guard<std::mutex> lock(*mu);
                  (*acked)[id] = value;
                }
                return s;
              }};
    }
    if (thread < kUpdaters + 2) {
      Op op = NewOp("read", "",
               "");
      if (n % 3 == 2) {
        auto stub = std::shared_ptr<pv1::DirectoryService::Stub>(pv1::DirectoryService::NewStub(planning_));
        std::string id = card_people_[n % card_people_.size()], token = admin_;
        return {op, [stub, id, token](std::string* out) {
                  pv1::GetEmployeeRequest req;
                  req.set_id(id);
                  pv1::Employee e;
                  grpc::Status s = stub->GetEmployee(Ctx(token).get(), req, &e);
                  *out = e.id();
                  return s;
                }};
      }
      const std::string id = owned[n % kUpdaters][(n / kUpdaters) % kOwned];
      int replica = static_cast<int>((n / 2) % 2);
      return {op, [&get, replica, id](std::string* out) {
                cv1::Customer c;
                grpc::Status s = get(replica, id, &c);
                *out = c.id();
                return s;
              }};
    }
    if (thread == kUpdaters + 2) return CustomerOp("", thread, n, crm[n % 2]);
    return GoalCardOp("", thread, n);
  }, &tally, absl::Milliseconds(5));

  load.Start();
  const absl::Duration outage = long_form ? absl::Seconds(30) : absl::Seconds(4);
  absl::SleepFor(long_form ? absl::Seconds(5) : absl::Seconds(1));
  redis_->Stop();  // SIGKILL
  absl::SleepFor(outage);
  ASSERT_TRUE(redis_->Restart().ok());
  absl::SleepFor(long_form ? absl::Seconds(5) : absl::Seconds(2));
  load.Stop();

  // No stale value: every owned customer reads its last acknowledged industry on both replicas
  // (through Redis and each near cache), however often it is read.
  int64_t stale = 0, checked = 0, lost_updates = 0;
  // What the database holds (ListCustomers reads it, not the cache): a stale read is a cache
  // that kept an old value; a database without the last update is a lost write.
  std::map<std::string, std::string> stored;
  {
    auto stub = cv1::CustomerService::NewStub(crm_);
    cv1::ListCustomersRequest req;
    req.set_page_size(1000);
    for (;;) {
      cv1::ListCustomersResponse page;
      ASSERT_TRUE(stub->ListCustomers(Ctx(rep_token_).get(), req, &page).ok());
      for (const auto& c : page.customers()) stored[c.id()] = c.industry();
      if (page.next_page_token().empty()) break;
      req.set_page_token(page.next_page_token());
    }
  }
  for (int t = 0; t < kUpdaters; ++t) {
    for (const auto& [id, value] : last_acked[t]) {
      if (stored[id] != value) {
        ++lost_updates;
        ADD_FAILURE() << "lost update: customer " << id << " holds \"" << stored[id]
                      << "\" in the database, the last acknowledged update set \"" << value << "\"";
      }
    }
  }
  for (int t = 0; t < kUpdaters; ++t) {
    for (const auto& [id, value] : last_acked[t]) {
      for (int r : {0, 1}) {
        for (int repeat = 0; repeat < 2; ++repeat) {
          cv1::Customer c;
          grpc::Status s = get(r, id, &c);
          ASSERT_TRUE(s.ok()) << s.error_message();
          ++checked;
          if (c.industry() != value) {
            ++stale;
            ADD_FAILURE() << "stale: customer " << id << " on crm replica " << r + 1 << " reads \""
                          << c.industry() << "\", the last acknowledged update (and the database) \"" << value
                          << "\"";
          }
        }
      }
    }
  }

  std::vector<Op> ops = load.ops();
  std::vector<Op> writes;
  for (const Op& op : ops) {
    if (op.kind == "customer" || op.kind == "goal_card") writes.push_back(op);
  }
  Figures f = VerifyWrites(writes, tally, "");
  f.operations = f.acknowledged = f.refused = f.abandoned = 0;
  CountOps(ops, &f);  // all ops count; found/lost/duplicated are about the creates
  std::string notices = CheckNotices(writes, absl::Seconds(30));
  int64_t creates_acked = 0;
  for (const Op& op : writes) creates_acked += op.acked;
  // operations/acknowledged count every call (reads, updates, creates); found/lost/duplicated
  // are about the creates (creates_acknowledged of them).
  PrintFigures("redis_outage", f,
               absl::StrCat("creates_acknowledged=", creates_acked, " ", notices,
                            " outage=", absl::FormatDuration(outage),
                            " stale_reads=", stale, "/", checked, " lost_updates=", lost_updates,
                            " codes: ", tally.Codes()));
  EXPECT_LE(f.error_rate(), 0.001) << tally.Codes() << "\n" << tally.FirstMessages();
  EXPECT_EQ(f.lost, 0);
  EXPECT_EQ(f.duplicated, 0);
  EXPECT_EQ(stale, 0);
  EXPECT_EQ(lost_updates, 0);
  EXPECT_EQ(f.abandoned, 0);
}

// PostgreSQL stopped (fast shutdown: every connection cut) and started again under load: calls
// fail UNAVAILABLE while it is away and only then, and succeed again without any service being
// restarted.
TEST_F(ClusterTest, PostgresRestartUnderLoad) {
  StartCluster();
  if (HasFatalFailure() || IsSkipped()) return;
  const bool long_form = LongForm();
  Tally tally;
  WriteLoad load(4, [&](int thread, int64_t n) -> std::pair<Op, Attempt> {
    switch ((thread + n) % 3) {
      case 0: return CustomerOp("", thread, n);
      case 1: return EmployeeOp("", thread, n);
      default: return GoalCardOp("", thread, n);
    }
  }, &tally, absl::Milliseconds(5), absl::Seconds(20));
  load.Start();
  absl::SleepFor(long_form ? absl::Seconds(5) : absl::Seconds(1));
  const int64_t before = tally.failures();
  const absl::Duration outage = long_form ? absl::Seconds(15) : absl::Seconds(3);
  absl::Time down_at = absl::Now();
  pg_->Stop();
  absl::SleepFor(outage);
  ASSERT_TRUE(pg_->Restart().ok());
  absl::Time up_at = absl::Now();
  // Recovery: the first acknowledged write after the restart, within a few seconds.
  const absl::Duration settle = absl::Seconds(5);
  absl::SleepFor(settle);
  const absl::Time steady = absl::Now();
  absl::SleepFor(long_form ? absl::Seconds(5) : absl::Seconds(2));
  load.Stop();
  const int64_t after_steady = tally.FailuresSince(steady);

  std::vector<Op> ops = load.ops();
  Figures f = VerifyWrites(ops, tally, "");
  std::string notices = CheckNotices(ops, absl::Seconds(30));
  PrintFigures("postgres_restart", f,
               absl::StrCat(notices, " outage=", absl::FormatDuration(outage),
                            " failures_before=", before, " failures_after_recovery=", after_steady,
                            " down_to_up=", absl::FormatDuration(up_at - down_at),
                            " codes: ", tally.Codes()));
  EXPECT_EQ(before, 0);
  EXPECT_EQ(after_steady, 0) << "still failing " << absl::FormatDuration(settle)
                             << " after PostgreSQL was back";
  EXPECT_EQ(tally.FailuresOtherThan({grpc::StatusCode::UNAVAILABLE}), 0)
      << tally.Codes() << "\n" << tally.FirstMessages();
  EXPECT_GT(tally.failures(), 0) << "the outage was not seen at all";
  EXPECT_EQ(f.lost, 0);
  EXPECT_EQ(f.duplicated, 0);
  EXPECT_EQ(f.abandoned, 0);
  EXPECT_EQ(f.refused, 0) << tally.FirstMessages();
}

// A notify replica that read events (pending on it in the consumer group, not acknowledged)
// is killed: the other replica claims them and delivers each once.
TEST_F(ClusterTest, NotifyReplicaKilledHoldingPending) {
  StartCluster();
  if (HasFatalFailure() || IsSkipped()) return;
  const int kCards = LongForm() ? 200 : 24;
  // People notify has never looked up: it must ask planning who they are.
  card_people_.clear();
  for (int i = 0; i < 4; ++i) card_people_.push_back(CreateEmployee(absl::StrCat("新卡", i), sales_));
  // Both notify replicas frozen: the events wait in the stream.
  const pid_t notify1 = topology_->Pid("notify", 0), notify2 = topology_->Pid("notify", 1);
  ASSERT_GT(notify1, 0);
  ASSERT_GT(notify2, 0);
  kill(notify1, SIGSTOP);
  kill(notify2, SIGSTOP);
  Tally tally;
  std::vector<Op> ops;
  for (int i = 0; i < kCards; ++i) {
    auto [op, attempt] = GoalCardOp("", i % 4, i / 4);
    for (;;) {
      ++op.attempts;
      grpc::Status s = attempt(&op.id);
      tally.Record(s);
      if (s.ok()) {
        op.acked = true;
        break;
      }
      ASSERT_TRUE(Retryable(s)) << s.error_message();
    }
    ops.push_back(op);
  }
  redis::RedisOptions redis_options;
  redis_options.command_timeout = absl::Seconds(2);  // the services' 5 ms is for their cache
  auto redis = redis::RedisClient::Create(redis_->url(), redis_options);
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto created_in_stream = [&] {
    auto r = (*redis)->Command({"XRANGE", "ops:events", "-", "+"});
    int n = 0;
    if (!r.ok()) return 0;
    for (const auto& entry : r->elements) {
      if (entry.elements.size() < 2) continue;
      const auto& fields = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        n += fields[i].str == "type" && fields[i + 1].str == "planning.goal_card.created";
      }
    }
    return n;
  };
  ASSERT_TRUE(Eventually([&] { return created_in_stream() >= kCards; }, absl::Seconds(20)))
      << created_in_stream() << " of " << kCards << " events relayed";
  // planning frozen: notify-1 reads the events and waits on planning to learn who the
  // recipients are, holding them pending.
  const pid_t planning = topology_->Pid("planning", 0);
  kill(planning, SIGSTOP);
  kill(notify1, SIGCONT);
  auto pending = [&]() -> int64_t {
    auto r = (*redis)->Command({"XPENDING", "ops:events", "notify"});
    if (!r.ok() || r->elements.empty()) return -1;
    return r->elements[0].integer;
  };
  bool held = Eventually([&] { return pending() >= kCards; }, absl::Seconds(10));
  const int64_t held_count = pending();
  kill(planning, SIGCONT);
  ASSERT_TRUE(held) << "notify-1 did not take the events: pending " << held_count;
  auto killed = topology_->Kill("notify", 0, SIGKILL);
  ASSERT_TRUE(killed.ok()) << killed.status();
  kill(notify2, SIGCONT);
  // notify-2 is the only consumer left: it claims what notify-1 held (after --notify_claim_idle).
  notify_ = Dial(topology_->Address("notify", 1));
  Figures f;
  CountOps(ops, &f);
  f.attempts = tally.attempts();
  f.failed_attempts = tally.failures();
  Check(ops, "goal_card", ListGoalCards(), &f);
  std::string notices = CheckNotices(ops, absl::Seconds(30));
  int64_t left = pending();
  PrintFigures("notify_replica_killed", f,
               absl::StrCat(notices, " held_by_killed_replica=", held_count,
                            " pending_after=", left));
  EXPECT_EQ(left, 0);
  EXPECT_EQ(f.lost, 0);
  EXPECT_EQ(f.duplicated, 0);
  // Back to two replicas; the restarted one starts as a new consumer.
  ASSERT_TRUE(topology_->Restart("notify", 0).ok());
}

// ---------------------------------------------------------------------------------------------
// Disk full for the SQLite data directory of the all-in-one `opsuite` binary.
//
// How the disk is filled: the data directory is a small tmpfs mounted for this test (size=24m),
// and a filler file takes what is left. That is a real ENOSPC for every file SQLite writes
// (database, WAL, journal), as a full volume gives it, and nothing else on the machine notices.
// It needs mount(2) (root, or CAP_SYS_ADMIN); without it the test is skipped, saying so.
// RLIMIT_FSIZE was the other candidate and is worse: it limits the size of each file rather
// than the space, so a full disk is not what SQLite sees (it gets EFBIG on one file while
// another grows), and a process exceeding it gets SIGXFSZ, which kills it unless ignored —
// a crash test, not a disk-full test. The mount is always undone in TearDown (lazily if busy).
class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() /
            absl::StrCat("opsuite_fault_disk_", ::getpid());
    std::filesystem::remove_all(base_);
    data_ = base_ / "data";
    std::filesystem::create_directories(data_);
    if (::mount("tmpfs", data_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=24m,mode=0755") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs for the data directory (" << std::strerror(errno)
                   << "): needs root or CAP_SYS_ADMIN";
    }
    mounted_ = true;
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    port_ = FreePort();
    Launch();
  }
  void TearDown() override {
    if (pid_ > 0) StopChild(pid_, SIGKILL, absl::Seconds(5));
    pid_ = -1;
    if (mounted_ && ::umount(data_.c_str()) != 0) ::umount2(data_.c_str(), MNT_DETACH);
    mounted_ = false;
    redis_.reset();
    std::error_code ec;
    if (!HasFailure()) std::filesystem::remove_all(base_, ec);
  }

  void Launch() {
    log_ = (base_ / "opsuite.log").string();
    std::error_code ec;
    size_t offset = std::filesystem::exists(log_) ? std::filesystem::file_size(log_, ec) : 0;
    auto pid = SpawnChild({OpsuiteBinary(), "--target=planning,crm,scoring,notify,scheduler",
                           absl::StrCat("--grpc_addr=127.0.0.1:", port_),
                           absl::StrCat("--data_dir=", data_.string()),
                           absl::StrCat("--redis=", redis_->url()),
                           absl::StrCat("--jwt_secret=", kSecret), "--workers=4"},
                          log_);
    ASSERT_TRUE(pid.ok()) << pid.status();
    pid_ = *pid;
    bool ready = Eventually(
        [&] {
          std::ifstream in(log_);
          in.seekg(static_cast<std::streamoff>(offset));
          std::stringstream ss;
          ss << in.rdbuf();
          return ss.str().find("\"msg\":\"opsuite ready\"") != std::string::npos;
        },
        absl::Seconds(30));
    ASSERT_TRUE(ready) << ReadTail(log_);
    channel_ = Dial(absl::StrCat("127.0.0.1:", port_));
  }

  // Fills the data directory's filesystem: big writes, then small ones, until ENOSPC.
  int64_t Fill() {
    FILE* f = std::fopen((data_ / "filler").c_str(), "ab");
    if (f == nullptr) return -1;
    std::setvbuf(f, nullptr, _IONBF, 0);
    int64_t total = 0;
    for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{512}}) {
      std::string block(chunk, 'x');
      while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) total += chunk;
      std::clearerr(f);
    }
    std::fclose(f);
    return total;
  }

  std::filesystem::path base_, data_;
  bool mounted_ = false;
  std::unique_ptr<RedisServer> redis_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string log_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(DiskFullTest, DiskFullForSqliteDataDirectory) {
  const std::string admin = Token("admin-1", "admin");
  auto directory = pv1::DirectoryService::NewStub(channel_);
  pv1::CreateDepartmentRequest dreq;
  dreq.mutable_department()->set_name("销售部");
  pv1::Department dept;
  ASSERT_TRUE(directory->CreateDepartment(Ctx(admin).get(), dreq, &dept).ok());
  pv1::CreateEmployeeRequest ereq;
  ereq.mutable_employee()->set_name("张三");
  ereq.mutable_employee()->set_department_id(dept.id());
  ereq.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
  pv1::Employee rep;
  ASSERT_TRUE(directory->CreateEmployee(Ctx(admin).get(), ereq, &rep).ok());
  const std::string token = Token(rep.id(), "employee");
  auto customers = cv1::CustomerService::NewStub(channel_);

  Figures f;
  std::map<std::string, std::string> acked;  // name -> id
  std::map<grpc::StatusCode, int64_t> codes;
  std::string first_full_message;
  int64_t seq = 0;
  auto create = [&](const std::string& phase) {
    const std::string name = absl::StrCat(phase, "客户-", seq++);
    cv1::CreateCustomerRequest req;
    req.mutable_customer()->set_name(name);
    req.mutable_customer()->mutable_region()->set_province("广东");
    req.mutable_customer()->mutable_region()->set_city("深圳");
    req.mutable_customer()->set_industry(std::string(200, 'i'));  // some bytes per row
    req.set_request_id(absl::StrCat("disk-", name));
    cv1::Customer c;
    grpc::Status s = customers->CreateCustomer(Ctx(token).get(), req, &c);
    ++f.operations;
    ++f.attempts;
    if (s.ok()) {
      ++f.acknowledged;
      acked[name] = c.id();
    } else {
      ++f.failed_attempts;
      ++codes[s.error_code()];
      if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && first_full_message.empty()) {
        first_full_message = s.error_message();
      }
    }
    return s;
  };
  auto read_all = [&]() -> int64_t {
    int64_t ok = 0;
    for (const auto& [name, id] : acked) {
      cv1::GetCustomerRequest req;
      req.set_id(id);
      cv1::Customer c;
      grpc::Status s = customers->GetCustomer(Ctx(token).get(), req, &c);
      ok += s.ok() && c.name() == name;
    }
    return ok;
  };

  for (int i = 0; i < 50; ++i) ASSERT_TRUE(create("before-").ok());
  const int64_t filled = Fill();
  ASSERT_GT(filled, 0);
  // Writes now fail, each with RESOURCE_EXHAUSTED (never a crash, a hang or a vague INTERNAL);
  // the WAL may still hold a few before the first failure.
  int64_t full_failures = 0;
  for (int i = 0; i < 3000 && full_failures < 20; ++i) {
    grpc::Status s = create("full-");
    full_failures += s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  EXPECT_GE(full_failures, 20) << "writes kept succeeding on a full disk";
  // Reads go on while the disk is full.
  const int64_t read_while_full = read_all();
  EXPECT_EQ(read_while_full, static_cast<int64_t>(acked.size()));
  int status = 0;
  ASSERT_FALSE(ChildEnded(pid_, &status)) << "opsuite died on a full disk (status " << status
                                          << "):\n" << ReadTail(log_);

  // Space returns: writes succeed again without a restart.
  std::filesystem::remove(data_ / "filler");
  grpc::Status again;
  ASSERT_TRUE(Eventually([&] { return (again = create("after-")).ok(); }, absl::Seconds(10)))
      << again.error_message();
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(create("after-").ok());

  // No corruption: a clean stop, integrity_check on every database, a restart, and every
  // acknowledged customer read back.
  EXPECT_EQ(StopChild(pid_, SIGTERM, absl::Seconds(15)), 0) << ReadTail(log_);
  pid_ = -1;
  std::string integrity;
  for (const auto& entry : std::filesystem::directory_iterator(data_)) {
    if (entry.path().extension() != ".db") continue;
    auto db = storage::OpenSqlite({.path = entry.path().string(), .readers = 1});
    ASSERT_TRUE(db.ok()) << entry.path() << ": " << db.status();
    std::string result;
    absl::Status s = (*db)->Read([&](storage::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(storage::Rows rows, tx.Query("PRAGMA integrity_check", {}));
      result = rows.empty() ? "" : rows[0].Text(0);
      return absl::OkStatus();
    });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(result, "ok") << entry.path();
    absl::StrAppend(&integrity, integrity.empty() ? "" : ",", entry.path().stem().string(), "=",
                    result);
  }
  Launch();
  if (HasFatalFailure()) return;
  customers = cv1::CustomerService::NewStub(channel_);
  f.found = read_all();
  f.lost = static_cast<int64_t>(acked.size()) - f.found;
  cv1::ListCustomersRequest list;
  list.set_page_size(1000);
  cv1::ListCustomersResponse page;
  ASSERT_TRUE(customers->ListCustomers(Ctx(token).get(), list, &page).ok());
  std::map<std::string, int> seen;
  for (const auto& c : page.customers()) ++seen[c.name()];
  for (const auto& [name, n] : seen) f.duplicated += n > 1 ? n - 1 : 0;
  std::string code_list;
  for (const auto& [c, n] : codes) absl::StrAppend(&code_list, code_list.empty() ? "" : " ", static_cast<int>(c), "=", n);
  PrintFigures("disk_full", f,
               absl::StrCat("full_failures=", full_failures, " reads_while_full=", read_while_full,
                            " filler_bytes=", filled, " integrity: ", integrity,
                            " codes(grpc numeric): ", code_list));
  std::printf("[fault] disk_full: the status a write gets: RESOURCE_EXHAUSTED \"%s\"\n",
              first_full_message.c_str());
  EXPECT_EQ(f.lost, 0);
  EXPECT_EQ(f.duplicated, 0);
  // Every failure was the clear one.
  EXPECT_EQ(codes.size(), codes.count(grpc::StatusCode::RESOURCE_EXHAUSTED)) << code_list;
  EXPECT_TRUE(absl::StrContains(first_full_message, "free space")) << first_full_message;
}

}  // namespace
}  // namespace opsuite::testing::fault
