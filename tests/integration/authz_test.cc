// The authorization matrix (issue 9): every unary RPC of the suite's services, enumerated from
// the generated descriptor pool, called over real gRPC by every kind of principal, against
// fixtures owned by an employee `subject` of the department D (销售部):
//   none / bad signature                  always UNAUTHENTICATED
//   self, peer (another employee of D), manager of another department, manager of D, admin,
//   service (org acme)                    as the table below says
//   employee, manager, admin, service of ANOTHER org (globex): another org's resource is
//   NOT_FOUND, never a PERMISSION_DENIED that depends on it (DESIGN.md §7)
// and no answer to someone who may not see a resource carries its private data (names, phone
// numbers, amounts, the other org's id) in the error message or the response.
//
// An RPC without a row fails the test by name: a new RPC must say who may call it.
#include <atomic>
#include <functional>
#include <future>
#include <iostream>
#include <optional>
#include <set>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/status/status.h"
#include "common/server/rpcs.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/generic/generic_stub.h"
#include "opsuite/notify/v1/notify.grpc.pb.h"
#include "opsuite/scheduler/v1/scheduler.grpc.pb.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {

namespace nv1 = ::opsuite::notify::v1;
namespace schv1 = ::opsuite::scheduler::v1;
using grpc::StatusCode;

// The principals, in the order of an expectation string's columns (after the two that
// always fail authentication).
enum P { kNone, kBadSig, kSelf, kPeer, kMgrOther, kMgr, kAdmin, kService, kXEmp, kXMgr, kXAdmin, kXSvc };
constexpr int kPrincipals = 12;
const char* const kNames[kPrincipals] = {"none",        "bad-signature", "self",
                                         "peer",        "manager-other", "manager",
                                         "admin",       "service",       "globex-employee",
                                         "globex-manager", "globex-admin", "globex-service"};
bool CrossOrg(P p) { return p >= kXEmp; }

// Expectation codes:
//   A  OK
//   a  allowed: anything but UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND (the request cannot
//      be made fully valid for this principal, e.g. a workflow step from the wrong state)
//   E  OK, and the response holds none of acme's private data (a filtered list, the caller's
//      own org, a per-row import error)
//   D  PERMISSION_DENIED
//   d  PERMISSION_DENIED by a role rule that never looks at the resource: the same answer for
//      an id that exists nowhere (checked), so it reveals nothing
//   N  NOT_FOUND
//   n  NOT_FOUND, or INVALID_ARGUMENT for a reference in a request body ("no employee X in this
//      org"): the same answer as for an id that exists nowhere (checked)
struct Row {
  std::string method;  // "opsuite.crm.v1.CustomerService/GetCustomer"
  // 10 codes: self peer mgr-other mgr admin service | globex employee manager admin service
  std::string expect;
  std::function<std::string(P)> build;  // the serialized request, for this principal
};

struct Answer {
  StatusCode code = StatusCode::OK;
  std::string message;
  std::string body;
  std::vector<std::string> fields;  // named by the BadRequest detail
};

template <class M>
std::string S(const M& m) {
  return m.SerializeAsString();
}

common::v1::Period Month(int year, int month) {
  common::v1::Period p;
  p.set_granularity(common::v1::GRANULARITY_MONTH);
  p.set_start_date(absl::StrFormat("%04d-%02d-01", year, month));
  return p;
}

class AuthzMatrix : public PlanningSuite {
 protected:
  void SetUp() override {
    PlanningSuite::SetUp();
    if (HasFatalFailure()) return;
    notices_ = nv1::NotificationService::NewStub(Channel("notify"));
    jobs_ = schv1::ScheduleService::NewStub(Channel("scheduler"));
    Fixtures();
  }

  // ---- principals -----------------------------------------------------------------------

  std::string SubOf(P p) const {
    switch (p) {
      case kSelf: return subject_;
      case kPeer: return peer_;
      case kMgrOther: return other_;
      case kMgr: return manager_;
      case kAdmin: return "admin-1";
      case kService: return "svc-scoring";
      case kXEmp: return x_emp_;
      case kXMgr: return x_mgr_;
      case kXAdmin: return "admin-x";
      case kXSvc: return "svc-x";
      default: return subject_;
    }
  }
  std::string RolesOf(P p) const {
    switch (p) {
      case kMgrOther: case kMgr: case kXMgr: return "employee,manager";
      case kAdmin: case kXAdmin: return "admin";
      case kService: case kXSvc: return "service";
      default: return "employee";
    }
  }
  std::string OrgOf(P p) const { return CrossOrg(p) ? "globex" : "acme"; }

  std::unique_ptr<grpc::ClientContext> ContextFor(P p) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (p == kNone) return ctx;
    std::string token;
    if (p == kBadSig) {
      auth::Claims claims{subject_, "acme", {"admin"}};
      token = auth::MintJwt(claims, {"", "not-the-suite-key"}, clock_.Now(),
                            clock_.Now() + absl::Hours(1));
    } else {
      token = Token(SubOf(p), RolesOf(p), OrgOf(p));
    }
    ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  Answer Call(const std::string& method, const std::string& request, P p) {
    auto ctx = ContextFor(p);
    Answer a;
    grpc::Status s = CallBytes(method, request, ctx.get(), &a.body);
    a.code = s.error_code();
    a.message = s.error_message();
    if (a.code == StatusCode::INVALID_ARGUMENT) a.fields = Fields(s);
    return a;
  }

  // The request with every acme id in it replaced by one of the same length that exists
  // nowhere (the encoding stays valid: lengths do not change).
  std::string Ghost(std::string request) const {
    for (const std::string& id : acme_ids_) {
      if (id.size() < 6) continue;
      std::string ghost = id.substr(0, id.size() - 4) + "zzzz";
      request = absl::StrReplaceAll(request, {{id, ghost}});
    }
    return request;
  }

  // ---- fixtures ---------------------------------------------------------------------------

  void Fixtures() {
    subject_ = AddEmployee(kSubjectName, sales_, manager_);
    peer_ = AddEmployee(kPeerName, sales_, manager_);
    acme_ids_ = {root_, sales_, ops_, boss_, manager_, other_, rep_, subject_, peer_};

    // globex: a department managed by x_mgr_, with x_emp_ in it.
    auto gdept = [&](const std::string& name, const std::string& manager) {
      pv1::CreateDepartmentRequest req;
      req.mutable_department()->set_name(name);
      req.mutable_department()->set_manager_id(manager);
      pv1::Department d;
      grpc::Status s = directory_->CreateDepartment(Admin("globex").get(), req, &d);
      EXPECT_TRUE(s.ok()) << s.error_message();
      return d.id();
    };
    auto gemp = [&](const std::string& name, const std::string& dept, const std::string& mgr) {
      pv1::CreateEmployeeRequest req;
      req.mutable_employee()->set_name(name);
      req.mutable_employee()->set_department_id(dept);
      req.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
      req.mutable_employee()->set_manager_id(mgr);
      pv1::Employee e;
      grpc::Status s = directory_->CreateEmployee(Admin("globex").get(), req, &e);
      EXPECT_TRUE(s.ok()) << s.error_message();
      return e.id();
    };
    std::string groot = gdept("G总部", "");
    x_mgr_ = gemp("G经理", groot, "");
    x_dept_ = gdept("G销售", x_mgr_);
    x_emp_ = gemp("G员工", x_dept_, x_mgr_);

    // A target of the subject's.
    target_ = FreshTarget();
    // A goal card of the subject's (DRAFT), for reads.
    card_ = FreshCard(pv1::GOAL_CARD_STATE_DRAFT);
    // A report.
    {
      pv1::SubmitReportRequest req;
      req.set_kind(pv1::REPORT_KIND_DAILY);
      req.set_period_date("2026-03-02");
      req.set_content(kSecretText);
      pv1::Report r;
      grpc::Status s = reports_->SubmitReport(As(subject_, "employee").get(), req, &r);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    // The subject's customer, with the private data.
    {
      cv1::Customer c;
      c.set_name(kCustomerName);
      c.set_tier(cv1::TIER_TIER1);
      c.mutable_region()->set_province("广东");
      c.mutable_region()->set_city("广州");
      c.set_credit_limit(kCreditLimit);
      c.set_notes(kSecretText);
      auto* contact = c.add_contacts();
      contact->set_name(kContactName);
      contact->set_phone(kPhone);
      cv1::CreateCustomerRequest req;
      *req.mutable_customer() = c;
      cv1::Customer out;
      grpc::Status s = customers_->CreateCustomer(As(subject_, "employee").get(), req, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      customer_ = out.id();
    }
    {
      cv1::LogActivityRequest req;
      req.set_customer_id(customer_);
      req.set_kind(cv1::ACTIVITY_KIND_CALL);
      req.set_effective(true);
      req.set_summary(kSecretText);
      cv1::Activity a;
      grpc::Status s = activities_->LogActivity(As(subject_, "employee").get(), req, &a);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    {
      cv1::CreateOrderRequest req;
      req.set_customer_id(customer_);
      req.set_kind(cv1::ORDER_KIND_REGULAR);
      req.set_product_line("central_ac");
      req.set_amount(kOrderAmount);
      req.set_signed_at("2026-03-01");
      cv1::Order o;
      grpc::Status s = orders_->CreateOrder(As(subject_, "employee").get(), req, &o);
      EXPECT_TRUE(s.ok()) << s.error_message();
      order_ = o.id();
    }
    // A scheme (goal card + checklist), evaluated for D in February (the subject's card
    // scored, so that their evaluation succeeds).
    FreshCard(pv1::GOAL_CARD_STATE_SCORED, Month(2026, 2));
    {
      sv1::Scheme scheme = GoalCardScheme(sv1::CYCLE_MONTHLY);
      scheme.set_name("授权矩阵方案");
      scheme.mutable_items(0)->set_weight(50);
      auto* item = scheme.add_items();
      item->set_code("discipline");
      item->set_name("纪律");
      item->set_weight(50);
      auto* section = item->mutable_checklist()->add_sections();
      section->set_name("考勤");
      section->set_max_points(10);
      sv1::CreateSchemeRequest req;
      *req.mutable_scheme() = scheme;
      sv1::Scheme out;
      grpc::Status s = schemes_->CreateScheme(Admin().get(), req, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      scheme_ = out.id();
    }
    {
      sv1::RecordChecklistAssessmentRequest req;
      req.set_scheme_id(scheme_);
      req.set_item_code("discipline");
      req.set_subject_id(subject_);
      *req.mutable_period() = Month(2026, 2);
      sv1::ChecklistAssessment out;
      grpc::Status s = evaluations_->RecordChecklistAssessment(Admin().get(), req, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    {
      sv1::RunEvaluationRequest req;
      req.set_scheme_id(scheme_);
      *req.mutable_period() = Month(2026, 2);
      req.set_department_id(sales_);
      sv1::EvaluationRun run;
      grpc::Status s = evaluations_->RunEvaluation(Admin().get(), req, &run);
      EXPECT_TRUE(s.ok()) << s.error_message();
      run_ = run.id();
      EXPECT_TRUE(Eventually([&] {
        sv1::GetEvaluationRunRequest get;
        get.set_id(run_);
        return evaluations_->GetEvaluationRun(Admin().get(), get, &run).ok() &&
               (run.state() == common::v1::RUN_STATE_SUCCEEDED ||
                run.state() == common::v1::RUN_STATE_FAILED);
      }, absl::Seconds(30)));
      EXPECT_EQ(run.state(), common::v1::RUN_STATE_SUCCEEDED) << run.error();
      sv1::GetEvaluationRequest get;
      get.set_scheme_id(scheme_);
      get.set_subject_id(subject_);
      *get.mutable_period() = Month(2026, 2);
      sv1::Evaluation e;
      s = evaluations_->GetEvaluation(Admin().get(), get, &e);
      EXPECT_TRUE(s.ok()) << s.error_message();
      evaluation_ = e.id();
    }
    // A notice to the subject, and a job.
    {
      nv1::SendRequest req;
      req.add_recipient_ids(subject_);
      req.set_template_key("scheduler.reminder");
      (*req.mutable_data()->mutable_fields())["text"].set_string_value(kSecretText);
      nv1::SendResponse out;
      grpc::Status s = notices_->Send(Admin().get(), req, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (out.notice_ids_size() > 0) notice_ = out.notice_ids(0);
    }
    job_ = FreshJob();
    acme_ids_.insert(acme_ids_.end(), {target_, card_, customer_, order_, scheme_, run_,
                                       evaluation_, notice_, job_});
    private_ = {kSubjectName, kPeerName, kCustomerName, kContactName, kPhone, kSecretText,
                "7654321", "76543.21", "76,543.21", "123457", "1234.57", "1,234.57"};
  }

  std::string FreshTarget() {
    pv1::CreateTargetRequest req;
    auto* t = req.mutable_target();
    t->mutable_owner()->set_kind(pv1::OWNER_KIND_EMPLOYEE);
    t->mutable_owner()->set_id(subject_);
    t->set_metric("sales");
    t->set_name(kSecretText);
    *t->mutable_period() = Month(2026, 3);
    t->set_value(1000);
    pv1::Target out;
    grpc::Status s = targets_->CreateTarget(Admin().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  common::v1::Period NextCardPeriod() {
    int n = card_periods_++;
    return Month(2027 + n / 12, 1 + n % 12);
  }

  // A goal card of the subject's, walked to `state` by the people who may.
  std::string FreshCard(pv1::GoalCardState state,
                        std::optional<common::v1::Period> period = std::nullopt) {
    pv1::CreateGoalCardRequest create;
    create.set_employee_id(subject_);
    *create.mutable_period() = period ? *period : NextCardPeriod();
    auto* task = create.add_tasks();
    task->set_title("拜访客户");
    task->set_kind(pv1::TASK_KIND_ROUTINE);
    task->set_weight(100);
    pv1::GoalCard card;
    grpc::Status s = cards_->CreateGoalCard(As(subject_, "employee").get(), create, &card);
    EXPECT_TRUE(s.ok()) << s.error_message();
    auto step = [&](pv1::GoalCardState at, auto fn) {
      if (state < at || !s.ok()) return;
      s = fn();
      EXPECT_TRUE(s.ok()) << s.error_message();
    };
    const std::string id = card.id();
    const std::string task_id = card.tasks_size() > 0 ? card.tasks(0).id() : "";
    step(pv1::GOAL_CARD_STATE_SUBMITTED, [&] {
      pv1::SubmitGoalCardRequest r;
      r.set_id(id);
      return cards_->SubmitGoalCard(As(subject_, "employee").get(), r, &card);
    });
    step(pv1::GOAL_CARD_STATE_APPROVED, [&] {
      pv1::ApproveGoalCardRequest r;
      r.set_id(id);
      return cards_->ApproveGoalCard(As(manager_, "employee,manager").get(), r, &card);
    });
    step(pv1::GOAL_CARD_STATE_SELF_ASSESSED, [&] {
      pv1::SelfAssessGoalCardRequest r;
      r.set_id(id);
      auto* t = r.add_tasks();
      t->set_task_id(task_id);
      t->set_self_score(90);
      return cards_->SelfAssessGoalCard(As(subject_, "employee").get(), r, &card);
    });
    step(pv1::GOAL_CARD_STATE_SCORED, [&] {
      pv1::ScoreGoalCardRequest r;
      r.set_id(id);
      auto* t = r.add_tasks();
      t->set_task_id(task_id);
      t->set_score(80);
      return cards_->ScoreGoalCard(As(manager_, "employee,manager").get(), r, &card);
    });
    card_tasks_[id] = task_id;
    return id;
  }

  // A customer of the subject's (or in the pool), without private data.
  std::string FreshCustomer(bool pool = false) {
    cv1::CreateCustomerRequest req;
    req.mutable_customer()->set_name(absl::StrCat("新客户", ++fresh_));
    req.mutable_customer()->set_tier(cv1::TIER_TIER2);
    req.mutable_customer()->mutable_region()->set_city("深圳");
    if (!pool) req.mutable_customer()->set_owner_id(subject_);
    cv1::Customer out;
    grpc::Status s = customers_->CreateCustomer(Admin().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  std::string FreshJob() {
    schv1::CreateJobRequest req;
    req.mutable_job()->set_name(absl::StrCat("authz-job-", ++fresh_));
    req.mutable_job()->set_cron("0 3 1 1 *");
    req.mutable_job()->mutable_check_report_deadlines();
    schv1::Job out;
    grpc::Status s = jobs_->CreateJob(Admin().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  // ---- the table ----------------------------------------------------------------------------

  std::vector<Row> Table();

  // Checks one answer against its code; returns "" or what is wrong.
  std::string Judge(const Row& row, P p, char code, const Answer& a);

  static constexpr char kSubjectName[] = "秘密甲-Subject";
  static constexpr char kPeerName[] = "秘密乙-Peer";
  static constexpr char kCustomerName[] = "秘密客户Ω酒店";
  static constexpr char kContactName[] = "陳秘密";
  static constexpr char kPhone[] = "13912345678";
  static constexpr char kSecretText[] = "SECRET-备注-42";
  static constexpr int64_t kCreditLimit = 7654321;
  static constexpr int64_t kOrderAmount = 123457;

  std::unique_ptr<nv1::NotificationService::Stub> notices_;
  std::unique_ptr<schv1::ScheduleService::Stub> jobs_;
  std::string subject_, peer_, x_mgr_, x_emp_, x_dept_;
  std::string target_, card_, customer_, order_, scheme_, run_, evaluation_, notice_, job_;
  std::map<std::string, std::string> card_tasks_;
  std::vector<std::string> acme_ids_, private_;
  int card_periods_ = 0;
  std::atomic<int> fresh_{0};
};

std::vector<Row> AuthzMatrix::Table() {
  const std::string P_ = "opsuite.planning.v1.";
  const std::string C_ = "opsuite.crm.v1.";
  const std::string S_ = "opsuite.scoring.v1.";
  const std::string N_ = "opsuite.notify.v1.";
  const std::string J_ = "opsuite.scheduler.v1.";
  const common::v1::Period march = Month(2026, 3), feb = Month(2026, 2);
  auto card_step = [this](pv1::GoalCardState state) { return FreshCard(state); };
  //   columns: self peer mgr-other mgr admin service | globex: employee manager admin service
  return {
      // ---- planning: directory ----
      {P_ + "DirectoryService/CreateDepartment", "DDDDAA dd nn", [=, this](P) {
         pv1::CreateDepartmentRequest r;
         r.mutable_department()->set_name(absl::StrCat("新部门", ++fresh_));
         r.mutable_department()->set_parent_id(sales_);
         return S(r);
       }},
      {P_ + "DirectoryService/GetDepartment", "AAAAAA NNNN", [=, this](P) {
         pv1::GetDepartmentRequest r;
         r.set_id(sales_);
         return S(r);
       }},
      {P_ + "DirectoryService/ListDepartments", "AAAAAA EEEE", [=, this](P) { return S(pv1::ListDepartmentsRequest()); }},
      {P_ + "DirectoryService/CreateEmployee", "DDDDAA dd nn", [=, this](P) {
         pv1::CreateEmployeeRequest r;
         r.mutable_employee()->set_name(absl::StrCat("新员工", ++fresh_));
         r.mutable_employee()->set_department_id(sales_);
         r.mutable_employee()->set_role_class(pv1::ROLE_CLASS_STAFF);
         return S(r);
       }},
      {P_ + "DirectoryService/GetEmployee", "ADDAAA NNNN", [=, this](P) {
         pv1::GetEmployeeRequest r;
         r.set_id(subject_);
         return S(r);
       }},
      {P_ + "DirectoryService/BatchGetEmployees", "ADDAAA NNNN", [=, this](P) {
         pv1::BatchGetEmployeesRequest r;
         r.add_ids(subject_);
         return S(r);
       }},
      {P_ + "DirectoryService/ListEmployees", "DDDAAA NNNN", [=, this](P) {
         pv1::ListEmployeesRequest r;
         r.set_department_id(sales_);
         return S(r);
       }},
      {P_ + "DirectoryService/UpdateEmployee", "ADDDAD ddNd", [=, this](P) {
         pv1::UpdateEmployeeRequest r;
         r.mutable_employee()->set_id(subject_);
         r.mutable_employee()->set_email("subject@example.com");
         r.mutable_update_mask()->add_paths("email");
         return S(r);
       }},
      // ---- planning: targets ----
      {P_ + "TargetService/CreateTarget", "DDDAAD nnnn", [=, this](P) {
         pv1::CreateTargetRequest r;
         r.mutable_target()->mutable_owner()->set_kind(pv1::OWNER_KIND_EMPLOYEE);
         r.mutable_target()->mutable_owner()->set_id(subject_);
         r.mutable_target()->set_metric("visits");
         *r.mutable_target()->mutable_period() = march;
         r.mutable_target()->set_value(10);
         return S(r);
       }},
      {P_ + "TargetService/GetTarget", "ADDAAA NNNN", [=, this](P) {
         pv1::GetTargetRequest r;
         r.set_id(target_);
         return S(r);
       }},
      {P_ + "TargetService/ListTargets", "AEEAAA EEEE", [=, this](P) {
         pv1::ListTargetsRequest r;
         r.mutable_owner()->set_kind(pv1::OWNER_KIND_EMPLOYEE);
         r.mutable_owner()->set_id(subject_);
         return S(r);
       }},
      {P_ + "TargetService/DecomposeTarget", "DDDAAD NNNN", [=, this](P) {
         pv1::DecomposeTargetRequest r;
         r.set_target_id(FreshTarget());
         r.mutable_by_time()->set_granularity(common::v1::GRANULARITY_WEEK);
         return S(r);
       }},
      {P_ + "TargetService/RecordActual", "ADDAAA nnnn", [=, this](P) {
         pv1::RecordActualRequest r;
         r.mutable_owner()->set_kind(pv1::OWNER_KIND_EMPLOYEE);
         r.mutable_owner()->set_id(subject_);
         r.set_metric("sales");
         r.set_date("2026-03-02");
         r.set_value(1);
         r.set_request_id(absl::StrCat("authz-actual-", ++fresh_));
         return S(r);
       }},
      {P_ + "TargetService/GetProgress", "ADDAAA NNNN", [=, this](P) {
         pv1::GetProgressRequest r;
         r.set_target_id(target_);
         return S(r);
       }},
      {P_ + "TargetService/BatchGetProgress", "ADDAAA NNNN", [=, this](P) {
         pv1::BatchGetProgressRequest r;
         r.add_target_ids(target_);
         return S(r);
       }},
      {P_ + "TargetService/BatchGetOwnerProgress", "ADDAAA nnnn", [=, this](P) {
         pv1::BatchGetOwnerProgressRequest r;
         r.add_owners()->set_kind(pv1::OWNER_KIND_EMPLOYEE);
         r.mutable_owners(0)->set_id(subject_);
         r.set_metric("sales");
         *r.mutable_period() = march;
         return S(r);
       }},
      // ---- planning: goal cards (the workflow verbs on a fresh card in the right state) ----
      {P_ + "GoalCardService/CreateGoalCard", "ADDAAD nnnn", [=, this](P) {
         pv1::CreateGoalCardRequest r;
         r.set_employee_id(subject_);
         *r.mutable_period() = NextCardPeriod();
         auto* t = r.add_tasks();
         t->set_title("任务");
         t->set_kind(pv1::TASK_KIND_AD_HOC);
         t->set_weight(100);
         return S(r);
       }},
      {P_ + "GoalCardService/GetGoalCard", "ADDAAA NNNN", [=, this](P) {
         pv1::GetGoalCardRequest r;
         r.set_id(card_);
         return S(r);
       }},
      {P_ + "GoalCardService/ListGoalCards", "ADDAAA NNNN", [=, this](P) {
         pv1::ListGoalCardsRequest r;
         r.set_employee_id(subject_);
         return S(r);
       }},
      {P_ + "GoalCardService/UpdateGoalCard", "ADDAAD NNNN", [=, this](P) {
         pv1::UpdateGoalCardRequest r;
         r.mutable_goal_card()->set_id(card_step(pv1::GOAL_CARD_STATE_DRAFT));
         auto* t = r.mutable_goal_card()->add_tasks();
         t->set_title("改过的任务");
         t->set_kind(pv1::TASK_KIND_ROUTINE);
         t->set_weight(100);
         r.mutable_update_mask()->add_paths("tasks");
         return S(r);
       }},
      {P_ + "GoalCardService/SubmitGoalCard", "ADDDAD NNNN", [=, this](P) {
         pv1::SubmitGoalCardRequest r;
         r.set_id(card_step(pv1::GOAL_CARD_STATE_DRAFT));
         return S(r);
       }},
      {P_ + "GoalCardService/ReturnGoalCard", "DDDAAD NNNN", [=, this](P) {
         pv1::ReturnGoalCardRequest r;
         r.set_id(card_step(pv1::GOAL_CARD_STATE_SUBMITTED));
         r.set_reason("再想想");
         return S(r);
       }},
      {P_ + "GoalCardService/ApproveGoalCard", "DDDAAD NNNN", [=, this](P) {
         pv1::ApproveGoalCardRequest r;
         r.set_id(card_step(pv1::GOAL_CARD_STATE_SUBMITTED));
         return S(r);
       }},
      {P_ + "GoalCardService/RecordTaskProgress", "ADDDDD NNNN", [=, this](P) {
         pv1::RecordTaskProgressRequest r;
         r.set_id(card_step(pv1::GOAL_CARD_STATE_APPROVED));
         r.set_task_id(card_tasks_[r.id()]);
         r.set_percent(50);
         return S(r);
       }},
      {P_ + "GoalCardService/SelfAssessGoalCard", "ADDDDD NNNN", [=, this](P) {
         pv1::SelfAssessGoalCardRequest r;
         r.set_id(card_step(pv1::GOAL_CARD_STATE_APPROVED));
         auto* t = r.add_tasks();
         t->set_task_id(card_tasks_[r.id()]);
         t->set_self_score(95);
         return S(r);
       }},
      {P_ + "GoalCardService/ScoreGoalCard", "DDDAAD NNNN", [=, this](P) {
         pv1::ScoreGoalCardRequest r;
         r.set_id(card_step(pv1::GOAL_CARD_STATE_SELF_ASSESSED));
         auto* t = r.add_tasks();
         t->set_task_id(card_tasks_[r.id()]);
         t->set_score(85);
         return S(r);
       }},
      {P_ + "GoalCardService/CloseGoalCard", "DDDAAD NNNN", [=, this](P) {
         pv1::CloseGoalCardRequest r;
         r.set_id(card_step(pv1::GOAL_CARD_STATE_SCORED));
         r.set_feedback("继续努力");
         return S(r);
       }},
      {P_ + "GoalCardService/BatchGetGoalCardScores", "ADDAAA nnnn", [=, this](P) {
         pv1::BatchGetGoalCardScoresRequest r;
         r.add_employee_ids(subject_);
         *r.mutable_period() = march;
         return S(r);
       }},
      // ---- planning: reports ----
      {P_ + "ReportService/SubmitReport", "ADDDAA ddnn", [=, this](P) {
         pv1::SubmitReportRequest r;
         r.set_employee_id(subject_);
         r.set_kind(pv1::REPORT_KIND_DAILY);
         r.set_period_date("2026-03-02");
         r.set_content("今日拜访两家");
         return S(r);
       }},
      {P_ + "ReportService/ListReports", "ADDAAA NNNN", [=, this](P) {
         pv1::ListReportsRequest r;
         r.set_employee_id(subject_);
         return S(r);
       }},
      {P_ + "ReportService/GetReportCompliance", "ADDAAA NNNN", [=, this](P) {
         pv1::GetReportComplianceRequest r;
         r.set_employee_id(subject_);
         *r.mutable_period() = march;
         return S(r);
       }},
      {P_ + "ReportService/BatchGetReportCompliance", "ADDAAA NNNN", [=, this](P) {
         pv1::BatchGetReportComplianceRequest r;
         r.add_employee_ids(subject_);
         *r.mutable_period() = march;
         return S(r);
       }},
      {P_ + "ReportService/CheckReportDeadlines", "DDDDAA ddEE", [=, this](P) { return S(pv1::CheckReportDeadlinesRequest()); }},
      {P_ + "ReportService/GetReportPolicy", "AAAAAA EEEE", [=, this](P) { return S(pv1::GetReportPolicyRequest()); }},
      {P_ + "ReportService/UpdateReportPolicy", "DDDDAD ddEd", [=, this](P) {
         pv1::UpdateReportPolicyRequest r;
         r.mutable_policy()->set_daily_deadline("21:00");
         r.mutable_update_mask()->add_paths("daily_deadline");
         return S(r);
       }},
      // ---- crm: customers ----
      {C_ + "CustomerService/CreateCustomer", "ADDAAA nnnn", [=, this](P) {
         cv1::CreateCustomerRequest r;
         r.mutable_customer()->set_name(absl::StrCat("新客户", ++fresh_));
         r.mutable_customer()->set_tier(cv1::TIER_TIER2);
         r.mutable_customer()->set_owner_id(subject_);
         return S(r);
       }},
      {C_ + "CustomerService/GetCustomer", "ADDAAA NNNN", [=, this](P) {
         cv1::GetCustomerRequest r;
         r.set_id(customer_);
         return S(r);
       }},
      {C_ + "CustomerService/BatchGetCustomers", "ADDAAA NNNN", [=, this](P) {
         cv1::BatchGetCustomersRequest r;
         r.add_ids(customer_);
         return S(r);
       }},
      {C_ + "CustomerService/UpdateCustomer", "ADDAAA NNNN", [=, this](P) {
         cv1::UpdateCustomerRequest r;
         r.mutable_customer()->set_id(customer_);
         r.mutable_customer()->set_industry("酒店");
         r.mutable_update_mask()->add_paths("industry");
         return S(r);
       }},
      {C_ + "CustomerService/DeleteCustomer", "ADDAAA NNNN", [=, this](P) {
         cv1::DeleteCustomerRequest r;
         r.set_id(FreshCustomer());
         return S(r);
       }},
      {C_ + "CustomerService/ListCustomers", "AEEAAA EEEE", [=, this](P) { return S(cv1::ListCustomersRequest()); }},
      {C_ + "CustomerService/TransferCustomer", "DDDAAA nnnn", [=, this](P) {
         cv1::TransferCustomerRequest r;
         r.set_id(FreshCustomer());
         r.set_new_owner_id(peer_);
         return S(r);
       }},
      {C_ + "CustomerService/ReleaseCustomer", "ADDAAA NNNN", [=, this](P) {
         cv1::ReleaseCustomerRequest r;
         r.set_id(FreshCustomer());
         return S(r);
       }},
      // Claiming is for employees: admins and services are no employees of the org.
      {C_ + "CustomerService/ClaimCustomer", "AAAADD NNdd", [=, this](P) {
         cv1::ClaimCustomerRequest r;
         r.set_id(FreshCustomer(/*pool=*/true));
         return S(r);
       }},
      {C_ + "CustomerService/ReleaseIdleCustomers", "DDDDAA ddEE", [=, this](P) { return S(cv1::ReleaseIdleCustomersRequest()); }},
      // Imports report an owner the caller may not give customers to per row (response OK).
      {C_ + "CustomerService/ImportCustomers", "AEEAAA EEEE", [=, this](P) {
         cv1::ImportCustomersRequest r;
         auto* c = r.add_customers();
         c->set_name(absl::StrCat("导入客户", ++fresh_));
         c->set_tier(cv1::TIER_OTHER);
         c->set_owner_id(subject_);
         return S(r);
       }},
      {C_ + "CustomerService/GetCrmPolicy", "AAAAAA EEEE", [=, this](P) { return S(cv1::GetCrmPolicyRequest()); }},
      {C_ + "CustomerService/UpdateCrmPolicy", "DDDDAD ddEd", [=, this](P) {
         cv1::UpdateCrmPolicyRequest r;
         r.mutable_policy()->set_key_visit_days(30);
         r.mutable_update_mask()->add_paths("key_visit_days");
         return S(r);
       }},
      // ---- crm: activities ----
      {C_ + "ActivityService/LogActivity", "ADDAAA NNNn", [=, this](P p) {
         cv1::LogActivityRequest r;
         r.set_customer_id(customer_);
         r.set_kind(cv1::ACTIVITY_KIND_CALL);
         r.set_summary("电话回访");
         if (p == kService || p == kXSvc) r.set_employee_id(subject_);
         return S(r);
       }},
      {C_ + "ActivityService/ListActivities", "ADDAAA NNNN", [=, this](P) {
         cv1::ListActivitiesRequest r;
         r.set_customer_id(customer_);
         return S(r);
       }},
      {C_ + "ActivityService/ListDueVisits", "ADDAAA NNEE", [=, this](P) {
         cv1::ListDueVisitsRequest r;
         r.set_owner_id(subject_);
         return S(r);
       }},
      {C_ + "ActivityService/SweepOverdueVisits", "DDDDAA ddEE", [=, this](P) { return S(cv1::SweepOverdueVisitsRequest()); }},
      {C_ + "ActivityService/GetActivityStats", "ADDAAA NNEE", [=, this](P) {
         cv1::GetActivityStatsRequest r;
         r.set_employee_id(subject_);
         *r.mutable_period() = march;
         return S(r);
       }},
      {C_ + "ActivityService/BatchGetActivityStats", "ADDAAA NNEE", [=, this](P) {
         cv1::BatchGetActivityStatsRequest r;
         r.add_employee_ids(subject_);
         *r.mutable_period() = march;
         return S(r);
       }},
      // ---- crm: orders ----
      {C_ + "OrderService/CreateOrder", "ADDAAA NNNN", [=, this](P) {
         cv1::CreateOrderRequest r;
         r.set_customer_id(customer_);
         r.set_kind(cv1::ORDER_KIND_REGULAR);
         r.set_product_line("central_ac");
         r.set_amount(100);
         r.set_signed_at("2026-03-02");
         return S(r);
       }},
      {C_ + "OrderService/GetOrder", "ADDAAA NNNN", [=, this](P) {
         cv1::GetOrderRequest r;
         r.set_id(order_);
         return S(r);
       }},
      {C_ + "OrderService/ListOrders", "ADDAAA NNNN", [=, this](P) {
         cv1::ListOrdersRequest r;
         r.set_customer_id(customer_);
         return S(r);
       }},
      {C_ + "OrderService/RecordPayment", "ADDAAA NNNN", [=, this](P) {
         cv1::RecordPaymentRequest r;
         r.set_order_id(order_);
         r.set_amount(1);
         r.set_request_id(absl::StrCat("authz-pay-", ++fresh_));
         return S(r);
       }},
      {C_ + "OrderService/GetSalesStats", "ADDAAA NNEE", [=, this](P) {
         cv1::GetSalesStatsRequest r;
         r.set_employee_id(subject_);
         *r.mutable_period() = march;
         return S(r);
       }},
      {C_ + "OrderService/BatchGetSalesStats", "ADDAAA NNEE", [=, this](P) {
         cv1::BatchGetSalesStatsRequest r;
         r.add_employee_ids(subject_);
         *r.mutable_period() = march;
         return S(r);
       }},
      // ---- scoring ----
      {S_ + "SchemeService/CreateScheme", "DDDDAD ddEd", [=, this](P) {
         sv1::CreateSchemeRequest r;
         *r.mutable_scheme() = GoalCardScheme();
         return S(r);
       }},
      {S_ + "SchemeService/GetScheme", "AAAAAA NNNN", [=, this](P) {
         sv1::GetSchemeRequest r;
         r.set_id(scheme_);
         return S(r);
       }},
      {S_ + "SchemeService/ListSchemes", "AAAAAA EEEE", [=, this](P) { return S(sv1::ListSchemesRequest()); }},
      {S_ + "SchemeService/ValidateScheme", "AAAAAA EEEE", [=, this](P) {
         sv1::ValidateSchemeRequest r;
         *r.mutable_scheme() = GoalCardScheme();
         return S(r);
       }},
      {S_ + "EvaluationService/RunEvaluation", "DDDAAA NNnn", [=, this](P) {
         sv1::RunEvaluationRequest r;
         r.set_scheme_id(scheme_);
         *r.mutable_period() = feb;
         r.set_department_id(sales_);
         return S(r);
       }},
      {S_ + "EvaluationService/GetEvaluationRun", "DDDAAA NNNN", [=, this](P) {
         sv1::GetEvaluationRunRequest r;
         r.set_id(run_);
         return S(r);
       }},
      {S_ + "EvaluationService/ListEvaluations", "DDDAAA NNNN", [=, this](P) {
         sv1::ListEvaluationsRequest r;
         r.set_run_id(run_);
         return S(r);
       }},
      {S_ + "EvaluationService/GetEvaluation", "ADDAAA NNNN", [=, this](P) {
         sv1::GetEvaluationRequest r;
         r.set_id(evaluation_);
         return S(r);
       }},
      {S_ + "EvaluationService/RecordChecklistAssessment", "DDDAAA nnnn", [=, this](P) {
         sv1::RecordChecklistAssessmentRequest r;
         r.set_scheme_id(scheme_);
         r.set_item_code("discipline");
         r.set_subject_id(subject_);
         *r.mutable_period() = feb;
         auto* d = r.add_deductions();
         d->set_section("考勤");
         d->set_item("迟到");
         d->set_points(1);
         d->set_reason("迟到一次");
         return S(r);
       }},
      {S_ + "EvaluationService/AdjustEvaluation", "DDDAAA NNNN", [=, this](P) {
         sv1::AdjustEvaluationRequest r;
         r.set_id(evaluation_);
         r.set_score(77);
         r.set_reason("复核");
         return S(r);
       }},
      {S_ + "EvaluationService/GetLeaderboard", "AADAAA NNNN", [=, this](P) {
         sv1::GetLeaderboardRequest r;
         r.set_scheme_id(scheme_);
         *r.mutable_period() = feb;
         r.set_department_id(sales_);
         return S(r);
       }},
      {S_ + "EvaluationService/GetDistribution", "AADAAA NNNN", [=, this](P) {
         sv1::GetDistributionRequest r;
         r.set_scheme_id(scheme_);
         *r.mutable_period() = feb;
         r.set_department_id(sales_);
         return S(r);
       }},
      // ---- notify ----
      {N_ + "NotificationService/Send", "DDDAAA nnnn", [=, this](P) {
         nv1::SendRequest r;
         r.add_recipient_ids(subject_);
         r.set_template_key("scheduler.reminder");
         (*r.mutable_data()->mutable_fields())["text"].set_string_value("开会");
         return S(r);
       }},
      // The caller's own inbox: nobody can name another's.
      {N_ + "NotificationService/ListInbox", "AEEEEE EEEE", [=, this](P) { return S(nv1::ListInboxRequest()); }},
      // Marks the caller's own notices only: someone else's id changes nothing.
      {N_ + "NotificationService/MarkRead", "AEEEEE EEEE", [=, this](P) {
         nv1::MarkReadRequest r;
         r.add_ids(notice_);
         return S(r);
       }},
      {N_ + "NotificationService/ListDeliveries", "ADDDAA ddEE", [=, this](P) {
         nv1::ListDeliveriesRequest r;
         r.set_recipient_id(subject_);
         return S(r);
       }},
      {N_ + "TemplateService/UpsertTemplate", "DDDDAD ddEd", [=, this](P) {
         nv1::UpsertTemplateRequest r;
         r.mutable_template_()->set_key("authz.probe");
         r.mutable_template_()->set_locale("zh-CN");
         r.mutable_template_()->set_channel(nv1::CHANNEL_IN_APP);
         r.mutable_template_()->set_subject("探针");
         r.mutable_template_()->set_body("{{text}}");
         return S(r);
       }},
      {N_ + "TemplateService/ListTemplates", "AAAAAA EEEE", [=, this](P) { return S(nv1::ListTemplatesRequest()); }},
      {N_ + "TemplateService/RenderTemplate", "AAAAAA EEEE", [=, this](P) {
         nv1::RenderTemplateRequest r;
         r.set_key("scheduler.reminder");
         (*r.mutable_data()->mutable_fields())["text"].set_string_value("开会");
         return S(r);
       }},
      {N_ + "PreferenceService/GetPreferences", "ADDDAD ddEd", [=, this](P) {
         nv1::GetPreferencesRequest r;
         r.set_employee_id(subject_);
         return S(r);
       }},
      {N_ + "PreferenceService/UpdatePreferences", "ADDDAD ddEd", [=, this](P) {
         nv1::UpdatePreferencesRequest r;
         r.mutable_preferences()->set_employee_id(subject_);
         r.mutable_preferences()->set_digest_minutes(30);
         r.mutable_update_mask()->add_paths("digest_minutes");
         return S(r);
       }},
      // ---- scheduler: jobs are the org's; everyone in it reads them ----
      {J_ + "ScheduleService/CreateJob", "DDDDAD ddEd", [=, this](P) {
         schv1::CreateJobRequest r;
         r.mutable_job()->set_name(absl::StrCat("authz-new-", ++fresh_));
         r.mutable_job()->set_cron("0 4 1 1 *");
         r.mutable_job()->mutable_check_report_deadlines();
         return S(r);
       }},
      {J_ + "ScheduleService/GetJob", "AAAAAA NNNN", [=, this](P) {
         schv1::GetJobRequest r;
         r.set_id(job_);
         return S(r);
       }},
      {J_ + "ScheduleService/ListJobs", "AAAAAA EEEE", [=, this](P) { return S(schv1::ListJobsRequest()); }},
      {J_ + "ScheduleService/SetJobEnabled", "DDDDAD ddNd", [=, this](P) {
         schv1::SetJobEnabledRequest r;
         r.set_id(job_);
         r.set_enabled(true);
         return S(r);
       }},
      {J_ + "ScheduleService/DeleteJob", "DDDDAD ddNd", [=, this](P) {
         schv1::DeleteJobRequest r;
         r.set_id(FreshJob());
         return S(r);
       }},
      {J_ + "ScheduleService/TriggerJob", "DDDDAA ddNN", [=, this](P) {
         schv1::TriggerJobRequest r;
         r.set_id(job_);
         r.set_request_id(absl::StrCat("authz-trigger-", ++fresh_));
         return S(r);
       }},
      {J_ + "ScheduleService/ListJobRuns", "AAAAAA NNNN", [=, this](P) {
         schv1::ListJobRunsRequest r;
         r.set_job_id(job_);
         return S(r);
       }},
      {J_ + "ScheduleService/InstallDefaultJobs", "DDDDAD ddEd", [=, this](P) { return S(schv1::InstallDefaultJobsRequest()); }},
  };
}

std::string AuthzMatrix::Judge(const Row& row, P p, char code, const Answer& a) {
  auto code_name = [](StatusCode c) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(c));
  };
  std::string got = absl::StrCat("got ", code_name(a.code), " \"", a.message, "\"");
  // No private data in an error message; no org id of the other org.
  if (a.code != StatusCode::OK) {
    for (const std::string& s : private_) {
      if (absl::StrContains(a.message, s)) return absl::StrCat("error message leaks \"", s, "\": ", got);
    }
    if (absl::StrContains(a.message, CrossOrg(p) ? "acme" : "globex")) {
      return absl::StrCat("error message names the other org: ", got);
    }
  }
  // Nothing of acme's private data reaches those who may not see it.
  if (a.code == StatusCode::OK && (CrossOrg(p) || code == 'E')) {
    for (const std::string& s : private_) {
      if (absl::StrContains(a.body, s)) return absl::StrCat("the response leaks \"", s, "\"");
    }
  }
  auto is = [&](std::initializer_list<StatusCode> codes) {
    for (StatusCode c : codes) {
      if (a.code == c) return true;
    }
    return false;
  };
  switch (code) {
    case 'U': return is({StatusCode::UNAUTHENTICATED}) ? "" : absl::StrCat("want UNAUTHENTICATED, ", got);
    case 'A':
    case 'E': return is({StatusCode::OK}) ? "" : absl::StrCat("want OK, ", got);
    case 'a':
      return is({StatusCode::UNAUTHENTICATED, StatusCode::PERMISSION_DENIED, StatusCode::NOT_FOUND})
                 ? absl::StrCat("want allowed, ", got)
                 : "";
    case 'D':
    case 'd':
      return is({StatusCode::PERMISSION_DENIED}) ? "" : absl::StrCat("want PERMISSION_DENIED, ", got);
    case 'N': return is({StatusCode::NOT_FOUND}) ? "" : absl::StrCat("want NOT_FOUND, ", got);
    case 'n':
      return is({StatusCode::NOT_FOUND, StatusCode::INVALID_ARGUMENT})
                 ? ""
                 : absl::StrCat("want NOT_FOUND (or INVALID_ARGUMENT for an unknown reference), ", got);
  }
  return absl::StrCat("bad expectation code '", std::string(1, code), "' for ", row.method);
}

TEST_F(AuthzMatrix, EveryRpcByEveryPrincipal) {
  absl::Time start = absl::Now();
  std::vector<Row> rows = Table();
  std::map<std::string, const Row*> by_method;
  for (const Row& r : rows) {
    std::string e = absl::StrReplaceAll(r.expect, {{" ", ""}});
    ASSERT_EQ(e.size(), 10u) << r.method << ": \"" << r.expect << "\"";
    ASSERT_TRUE(by_method.emplace(r.method, &r).second) << "two rows for " << r.method;
  }

  // Every method of every service in the five packages, from the generated pool.
  std::vector<std::string> unary, streaming, missing;
  for (const google::protobuf::MethodDescriptor* method : server::SuiteRpcs()) {
    std::string full = absl::StrCat(method->service()->full_name(), "/", method->name());
    if (method->client_streaming() || method->server_streaming()) {
      streaming.push_back(full);
    } else {
      unary.push_back(full);
      if (!by_method.contains(full)) missing.push_back(full);
    }
  }
  EXPECT_THAT(missing, ::testing::IsEmpty())
      << "RPCs without a row in the authorization matrix (say who may call them): "
      << absl::StrJoin(missing, ", ");
  std::set<std::string> known(unary.begin(), unary.end());
  for (const Row& r : rows) {
    EXPECT_TRUE(known.contains(r.method)) << "a row for an RPC that does not exist: " << r.method;
  }
  EXPECT_GE(unary.size(), 80u);  // the pool holds the services (89 RPCs when written)

  int cases = 0, failures = 0;
  for (const std::string& method : unary) {
    auto it = by_method.find(method);
    if (it == by_method.end()) continue;
    const Row& row = *it->second;
    std::string e = absl::StrReplaceAll(row.expect, {{" ", ""}});
    auto code_of = [=, this](P p) { return p <= kBadSig ? 'U' : e[p - kSelf]; };
    // Who goes first: those who must fail, so that a successful change by an allowed caller
    // cannot turn a later denial into something else; allowed callers last.
    std::vector<P> order = {kNone, kBadSig, kXEmp, kXMgr, kXAdmin, kXSvc};
    for (P p : {kSelf, kPeer, kMgrOther, kMgr, kAdmin, kService}) {
      if (code_of(p) == 'D' || code_of(p) == 'd' || code_of(p) == 'N') order.push_back(p);
    }
    for (P p : {kSelf, kPeer, kMgrOther, kMgr, kAdmin, kService}) {
      if (!(code_of(p) == 'D' || code_of(p) == 'd' || code_of(p) == 'N')) order.push_back(p);
    }
    for (P p : order) {
      char code = code_of(p);
      std::string request = row.build(p);
      Answer a = Call(method, request, p);
      ++cases;
      std::string problem = Judge(row, p, code, a);
      // A denial (or an unknown reference) that must not depend on the resource: the same
      // code for ids that exist nowhere.
      if (problem.empty() && (code == 'd' || code == 'n')) {
        Answer ghost = Call(method, Ghost(request), p);
        if (ghost.code != a.code) {
          problem = absl::StrCat("reveals existence: ", static_cast<int>(a.code),
                                 " for the real ids, ", static_cast<int>(ghost.code),
                                 " for ids that exist nowhere (\"", ghost.message, "\")");
        }
      }
      if (!problem.empty()) {
        ++failures;
        ADD_FAILURE() << method << " as " << kNames[p] << " ('" << code << "'): " << problem;
      }
    }
  }

  // The streaming RPC: WatchInbox is the caller's own inbox. Unauthenticated callers are
  // refused; another org's caller hears nothing of acme's notices.
  for (const std::string& method : streaming) {
    ASSERT_EQ(method, "opsuite.notify.v1.NotificationService/WatchInbox")
        << "a streaming RPC without a case: " << method;
    for (P p : {kNone, kBadSig}) {
      auto ctx = ContextFor(p);
      nv1::Notice n;
      auto reader = notices_->WatchInbox(ctx.get(), nv1::WatchInboxRequest());
      EXPECT_FALSE(reader->Read(&n));
      grpc::Status s = reader->Finish();
      EXPECT_EQ(s.error_code(), StatusCode::UNAUTHENTICATED) << kNames[p] << ": " << s.error_message();
      ++cases;
    }
    for (P p : {kXEmp, kXAdmin}) {
      auto ctx = ContextFor(p);
      ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(1500));
      auto reader = notices_->WatchInbox(ctx.get(), nv1::WatchInboxRequest());
      // A notice for acme's subject while globex watches.
      nv1::SendRequest send;
      send.add_recipient_ids(subject_);
      send.set_template_key("scheduler.reminder");
      (*send.mutable_data()->mutable_fields())["text"].set_string_value(kSecretText);
      nv1::SendResponse sent;
      EXPECT_TRUE(notices_->Send(Admin().get(), send, &sent).ok());
      nv1::Notice n;
      while (reader->Read(&n)) {
        ADD_FAILURE() << kNames[p] << " heard acme's notice " << n.ShortDebugString();
      }
      grpc::Status s = reader->Finish();
      EXPECT_NE(s.error_code(), StatusCode::UNAUTHENTICATED) << s.error_message();
      EXPECT_NE(s.error_code(), StatusCode::PERMISSION_DENIED) << s.error_message();
      ++cases;
    }
  }

  const size_t methods = unary.size() + streaming.size();
  std::cout << "authz matrix: " << methods << " methods (" << unary.size() << " unary, "
            << streaming.size() << " streaming) x " << kPrincipals << " principals = " << cases
            << " cases, " << (failures == 0 && !HasFailure() ? "all as DESIGN §7" : "FAILURES")
            << " (" << absl::FormatDuration(absl::Now() - start) << ")" << std::endl;
}

}  // namespace
}  // namespace opsuite::testing

namespace opsuite::testing {
namespace {

// Limits on every RPC (issue 9), on each row's valid request as admin:
//   - past the 4 MiB message limit (an unknown field of 4 MiB added): RESOURCE_EXHAUSTED from
//     gRPC before any handler runs, and the server answers the next call;
//   - page_size -1: INVALID_ARGUMENT naming page_size; page_size 2^30: served like the
//     request itself (capped at the RPC's maximum, never refused or run unbounded);
//   - a list of ids (a repeated string field named *ids) one over its limit (1,000; a run's
//     subject_ids 100,000): INVALID_ARGUMENT naming it.
TEST_F(AuthzMatrix, SizeAndPageLimitsOnEveryRpc) {
  namespace pb = ::google::protobuf;
  pb::DynamicMessageFactory factory;
  int oversize = 0, pages = 0, id_lists = 0;
  for (const Row& row : Table()) {
    const std::string valid = row.build(kAdmin);
    const std::string name = row.method.substr(row.method.find('/') + 1);
    const pb::MethodDescriptor* method = pb::DescriptorPool::generated_pool()->FindMethodByName(
        absl::StrReplaceAll(row.method, {{"/", "."}}));
    ASSERT_NE(method, nullptr) << row.method;

    // Field 9999, length-delimited (wire type 2), 4 MiB of 'x': unknown to every message.
    auto varint = [](std::string* out, uint64_t v) {
      for (; v >= 0x80; v >>= 7) *out += static_cast<char>((v & 0x7f) | 0x80);
      *out += static_cast<char>(v);
    };
    std::string big = valid;
    const size_t n = 4u << 20;
    varint(&big, 9999 << 3 | 2);
    varint(&big, n);
    big.append(n, 'x');
    Answer a = Call(row.method, big, kAdmin);
    EXPECT_EQ(a.code, StatusCode::RESOURCE_EXHAUSTED) << row.method << ": " << a.message;
    ++oversize;

    std::unique_ptr<pb::Message> msg(factory.GetPrototype(method->input_type())->New());
    ASSERT_TRUE(msg->ParseFromString(valid)) << row.method;
    const pb::Reflection* r = msg->GetReflection();
    if (const pb::FieldDescriptor* f = method->input_type()->FindFieldByName("page_size")) {
      Answer base = Call(row.method, valid, kAdmin);
      r->SetInt32(msg.get(), f, -1);
      Answer neg = Call(row.method, msg->SerializeAsString(), kAdmin);
      EXPECT_EQ(neg.code, StatusCode::INVALID_ARGUMENT) << row.method << ": " << neg.message;
      EXPECT_THAT(neg.fields, ::testing::Contains("page_size")) << row.method << ": " << neg.message;
      r->SetInt32(msg.get(), f, 1 << 30);
      Answer huge = Call(row.method, msg->SerializeAsString(), kAdmin);
      EXPECT_EQ(huge.code, base.code) << row.method << ": " << huge.message;
      ++pages;
      ASSERT_TRUE(msg->ParseFromString(valid));
    }
    for (int i = 0; i < method->input_type()->field_count(); ++i) {
      const pb::FieldDescriptor* f = method->input_type()->field(i);
      if (!f->is_repeated() || f->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING ||
          !absl::EndsWith(f->name(), "ids")) {
        continue;
      }
      std::unique_ptr<pb::Message> many(msg->New());
      many->CopyFrom(*msg);
      many->GetReflection()->ClearField(many.get(), f);
      // Fields that may not come with this list (RunEvaluation: a department or subjects,
      // not both) are those a one-id list is refused for: cleared.
      many->GetReflection()->AddString(many.get(), f, "id-0");
      Answer one = Call(row.method, many->SerializeAsString(), kAdmin);
      for (const std::string& field : one.fields) {
        std::string top = field.substr(0, field.find_first_of(".["));
        const pb::FieldDescriptor* other = method->input_type()->FindFieldByName(top);
        if (other != nullptr && other != f) many->GetReflection()->ClearField(many.get(), other);
      }
      many->GetReflection()->ClearField(many.get(), f);
      // 1,000 ids per call, except a run's subjects (scoring.proto: at most 100,000).
      const int limit = name == "RunEvaluation" && f->name() == "subject_ids" ? 100000 : 1000;
      for (int k = 0; k <= limit; ++k) {
        many->GetReflection()->AddString(many.get(), f, absl::StrCat("id-", k));
      }
      Answer lots = Call(row.method, many->SerializeAsString(), kAdmin);
      EXPECT_EQ(lots.code, StatusCode::INVALID_ARGUMENT) << row.method << " " << f->name()
                                                         << ": " << lots.message;
      EXPECT_TRUE(absl::c_any_of(lots.fields, [&](const std::string& field) {
        return absl::StartsWith(field, f->name());
      })) << row.method << " " << f->name() << ": " << lots.message;
      ++id_lists;
    }
  }
  // The server is still there after all of it.
  Answer after = Call("opsuite.planning.v1.DirectoryService/ListDepartments", "", kAdmin);
  EXPECT_EQ(after.code, StatusCode::OK) << after.message;
  std::cout << "[limits] oversize=" << oversize << " page_size=" << pages
            << " id_lists=" << id_lists << std::endl;
  EXPECT_GE(oversize, 89);
  EXPECT_GE(pages, 10);
}

}  // namespace
}  // namespace opsuite::testing
