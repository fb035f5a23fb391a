#include "services/scoring/run_worker.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/server/client.h"
#include "common/status.h"
#include "common/storage/outbox.h"
#include "common/thread_name.h"
#include "common/timestamps.h"
#include "opsuite/planning/v1/directory.grpc.pb.h"
#include "services/scoring/leaderboard.h"

namespace opsuite::scoring {
namespace {

using storage::Placeholders;

namespace pv1 = ::opsuite::planning::v1;
using storage::Blob;
using storage::Rows;

std::string FlagName(v1::Flag flag) {
  switch (flag) {
    case v1::FLAG_OBSERVATION: return "OBSERVATION";
    case v1::FLAG_TERMINATION_REVIEW: return "TERMINATION_REVIEW";
    default: return "UNSPECIFIED";
  }
}

bool HasForcedDistribution(const v1::Scheme& scheme) {
  return std::any_of(scheme.grades().begin(), scheme.grades().end(),
                     [](const v1::Grade& g) { return g.max_share() > 0; });
}

// Events carry ids derived from the run and subject, so a run resumed after a crash repeats
// the ids of the events it already wrote and consumers drop the copies.
common::v1::Event CompletedEvent(const Clock& clock, const std::string& org,
                                 const v1::EvaluationRun& run, const std::string& scheme_name,
                                 const std::string& evaluation_id, const std::string& subject_id,
                                 double score, const std::string& grade) {
  google::protobuf::Struct p;
  Put(p, "evaluation_id", evaluation_id);
  Put(p, "scheme_id", run.scheme_id());
  Put(p, "scheme_name", scheme_name);
  Put(p, "run_id", run.id());
  Put(p, "period_start", run.period().start_date());
  Put(p, "period", GranularityName(run.period().granularity()));
  PutNumber(p, "total_score", score);
  Put(p, "grade", grade);
  common::v1::Event e = NewEvent(clock, "scoring.evaluation.completed", org, subject_id,
                                 run.requester_id(), std::move(p));
  e.set_id(absl::StrCat("evt_", run.id(), "_", subject_id, "_completed"));
  return e;
}

}  // namespace

RunWorker::RunWorker(Context* ctx, InputReader* inputs,
                     std::function<std::shared_ptr<grpc::Channel>(absl::string_view)> peer,
                     std::function<std::string(const std::string&)> token, Options options)
    : ctx_(ctx),
      inputs_(inputs),
      peer_(std::move(peer)),
      token_(std::move(token)),
      options_(options) {}

RunWorker::~RunWorker() { Stop(); }

absl::Status RunWorker::Start() {
  std::vector<std::pair<std::string, std::string>> unfinished;
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(unfinished, UnfinishedRuns(tx));
    return absl::OkStatus();
  }));
  {
    absl::MutexLock lock(&mu_);
    for (auto& run : unfinished) queue_.push_back(std::move(run));
  }
  if (!unfinished.empty()) {
    log::Info("resuming evaluation runs", {{"runs", absl::StrCat(unfinished.size())}});
  }
  thread_ = StartThread("scoring-runs", [this] { Loop(); });
  return absl::OkStatus();
}

void RunWorker::Enqueue(const std::string& org, const std::string& run_id) {
  absl::MutexLock lock(&mu_);
  queue_.emplace_back(org, run_id);
}

void RunWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RunWorker::Loop() {
  for (;;) {
    std::pair<std::string, std::string> next;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    Execute(next.first, next.second);
  }
}

void RunWorker::Execute(const std::string& org, const std::string& run_id) {
  const Clock& clock = *ctx_->clock;
  v1::EvaluationRun run;
  v1::Scheme scheme;
  absl::Status loaded = ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(run, LoadRun(tx, org, run_id));
    ASSIGN_OR_RETURN(scheme, LoadScheme(tx, org, run.scheme_id()));
    return absl::OkStatus();
  });
  if (!loaded.ok()) {
    log::Error("evaluation run cannot be loaded", {{"run_id", run_id}, {"error", loaded.ToString()}});
    return;
  }
  if (run.state() == common::v1::RUN_STATE_SUCCEEDED || run.state() == common::v1::RUN_STATE_FAILED) {
    return;
  }
  log::ScopedRequest scope({run.id(), "scoring.RunEvaluation", log::TraceContext::New()});
  auto save_run = [&]() {
    return ctx_->db->Write([&](storage::Tx& tx) { return SaveRun(tx, org, run, false); });
  };
  auto fail = [&](const absl::Status& why) {
    run.set_state(common::v1::RUN_STATE_FAILED);
    run.set_error(std::string(why.message()));
    *run.mutable_finish_time() = ToProto(clock.Now());
    absl::Status s = save_run();
    log::Warn("evaluation run failed", {{"run_id", run.id()}, {"error", why.ToString()}});
    if (!s.ok()) log::Error("evaluation run state not saved", {{"error", s.ToString()}});
  };

  run.set_state(common::v1::RUN_STATE_RUNNING);
  run.set_done(0);
  run.set_failed(0);
  *run.mutable_start_time() = ToProto(clock.Now());
  std::atomic<int64_t> calls{0};
  if (absl::Status s = save_run(); !s.ok()) return fail(s);

  // ---- subjects ----
  std::vector<Subject> subjects;
  // Finding the subjects waits out a planning that is (re)starting, as after a crash when the
  // whole suite comes up at once: 6 tries over about 6 s.
  const server::RetryPolicy patient{.attempts = 6, .backoff = absl::Milliseconds(200)};
  absl::StatusOr<std::shared_ptr<const auth::OrgTree>> tree_or;
  server::Retry(patient, [&]() {
    tree_or = ctx_->directory->TreeWith(
        org, !run.department_id().empty() ? run.department_id()
             : run.subject_ids_size() > 0 && scheme.subject_kind() == v1::SUBJECT_KIND_DEPARTMENT
                 ? run.subject_ids(0)
                 : std::string());
    return tree_or.status();
  }).IgnoreError();
  if (!tree_or.ok()) return fail(tree_or.status());
  const auth::OrgTree& tree = **tree_or;
  auto path_of = [&](const std::string& dept) {
    const auth::OrgTree::Dept* d = tree.Find(dept);
    return d == nullptr ? std::string() : d->path;
  };
  if (scheme.subject_kind() == v1::SUBJECT_KIND_DEPARTMENT) {
    if (!run.department_id().empty()) {
      const std::string root = path_of(run.department_id());
      for (const auto& [id, dept] : tree.depts) {
        if (!root.empty() && dept.path.compare(0, root.size(), root) == 0) {
          subjects.push_back({id, id, dept.path});
        }
      }
    } else {
      for (const std::string& id : run.subject_ids()) {
        if (tree.Find(id) == nullptr) {
          return fail(absl::NotFoundError(absl::StrCat("department ", id, " not found")));
        }
        subjects.push_back({id, id, path_of(id)});
      }
    }
  } else {
    absl::flat_hash_set<int> roles(scheme.role_classes().begin(), scheme.role_classes().end());
    auto add = [&](const pv1::Employee& e) {
      if (!roles.empty() && !roles.contains(e.role_class())) return;
      subjects.push_back({e.id(), e.department_id(), path_of(e.department_id())});
    };
    auto stub = pv1::DirectoryService::NewStub(peer_("planning"));
    auto prepare = [&](grpc::ClientContext* c) {
      server::PrepareOutgoing(c, absl::Seconds(10));
      c->AddMetadata("authorization", "Bearer " + token_(org));
      calls.fetch_add(1);
    };
    // One planning call, retried like the tree above; its failure names the method.
    auto call = [&](const char* method, auto&& rpc) -> absl::Status {
      absl::Status st = server::Retry(patient, [&]() {
        grpc::ClientContext c;
        prepare(&c);
        return FromGrpcStatus(rpc(&c));
      });
      if (st.ok()) return st;
      return absl::Status(st.code(), absl::StrCat("planning ", method, ": ", st.message()));
    };
    if (!run.department_id().empty()) {
      pv1::ListEmployeesRequest req;
      req.set_department_id(run.department_id());
      req.set_page_size(1000);
      for (;;) {
        pv1::ListEmployeesResponse resp;
        absl::Status st = call("ListEmployees", [&](grpc::ClientContext* c) {
          resp.Clear();
          return stub->ListEmployees(c, req, &resp);
        });
        if (!st.ok()) return fail(st);
        for (const pv1::Employee& e : resp.employees()) add(e);
        if (resp.next_page_token().empty()) break;
        req.set_page_token(resp.next_page_token());
      }
    } else {
      for (int i = 0; i < run.subject_ids_size(); i += 1000) {
        pv1::BatchGetEmployeesRequest req;
        for (int j = i; j < std::min(run.subject_ids_size(), i + 1000); ++j) {
          req.add_ids(run.subject_ids(j));
        }
        pv1::BatchGetEmployeesResponse resp;
        absl::Status st = call("BatchGetEmployees", [&](grpc::ClientContext* c) {
          resp.Clear();
          return stub->BatchGetEmployees(c, req, &resp);
        });
        if (!st.ok()) return fail(st);
        for (const pv1::Employee& e : resp.employees()) {
          subjects.push_back({e.id(), e.department_id(), path_of(e.department_id())});
        }
      }
    }
  }
  std::sort(subjects.begin(), subjects.end(),
            [](const Subject& a, const Subject& b) { return a.id < b.id; });
  run.set_total(static_cast<int32_t>(subjects.size()));
  run.set_rpc_calls(calls.load());
  if (absl::Status s = save_run(); !s.ok()) return fail(s);

  // ---- pages ----
  const Needs needs = NeedsOf(scheme);
  const bool forced = HasForcedDistribution(scheme);
  const std::string period_key = PeriodKey(run.period());
  const size_t page = static_cast<size_t>(std::max(1, options_.page_size));
  for (size_t start = 0; start < subjects.size(); start += page) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;  // stays RUNNING: resumed at the next start
    }
    std::vector<Subject> batch(subjects.begin() + static_cast<ptrdiff_t>(start),
                               subjects.begin() + static_cast<ptrdiff_t>(std::min(subjects.size(), start + page)));
    std::vector<SubjectRead> reads = inputs_->Read(org, scheme, needs, run.period(), batch, &calls);
    std::vector<storage::Value> in_params = {org, run.scheme_id(), period_key};
    for (const Subject& s : batch) in_params.push_back(s.id);
    const std::string in_list = Placeholders(batch.size());
    if (needs.checklist) {
      absl::Status s = ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
        ASSIGN_OR_RETURN(Rows rows, tx.Query(absl::StrCat("SELECT subject_id, body FROM "
                                                          "checklist_assessments WHERE org_id = ? "
                                                          "AND scheme_id = ? AND period_key = ? AND "
                                                          "subject_id IN (",
                                                          in_list, ")"),
                                             in_params));
        absl::flat_hash_map<std::string, size_t> index;
        for (size_t i = 0; i < batch.size(); ++i) index[batch[i].id] = i;
        for (const auto& row : rows) {
          v1::ChecklistAssessment a;
          if (!a.ParseFromString(row.Text(1))) continue;
          auto it = index.find(row.Text(0));
          if (it == index.end()) continue;
          auto& sections = reads[it->second].inputs.checklist[a.item_code()];
          for (const v1::ChecklistDeduction& d : a.deductions()) sections[d.section()] += d.points();
        }
        return absl::OkStatus();
      });
      if (!s.ok()) return fail(s);
    }

    std::vector<v1::Evaluation> results(batch.size());
    const google::protobuf::Timestamp now = ToProto(clock.Now());
    for (size_t i = 0; i < batch.size(); ++i) {
      v1::Evaluation& e = results[i];
      if (reads[i].status.ok()) {
        absl::StatusOr<v1::Evaluation> ev = Evaluate(scheme, reads[i].inputs);
        if (ev.ok()) {
          e = *std::move(ev);
          e.set_state(v1::EVALUATION_STATE_EVALUATED);
        } else {
          e.set_state(v1::EVALUATION_STATE_FAILED);
          e.set_failure_reason(std::string(ev.status().message()));
        }
      } else {
        e.set_state(v1::EVALUATION_STATE_FAILED);
        e.set_failure_reason(std::string(reads[i].status.message()));
      }
      e.set_scheme_id(run.scheme_id());
      e.set_subject_id(batch[i].id);
      e.set_subject_kind(scheme.subject_kind());
      e.set_department_id(batch[i].department_id);
      *e.mutable_period() = run.period();
      e.set_run_id(run.id());
      *e.mutable_create_time() = now;
    }

    int failed = 0;
    absl::Status written = ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
      failed = 0;
      ASSIGN_OR_RETURN(Rows rows, tx.Query(absl::StrCat("SELECT subject_id, run_id, version, ",
                                                        kEvaluationColumns,
                                                        " FROM evaluations WHERE org_id = ? AND "
                                                        "scheme_id = ? AND period_key = ? AND "
                                                        "subject_id IN (",
                                                        in_list, ")"),
                                           in_params));
      struct Existing {
        std::string run_id;
        int64_t version;
        v1::Evaluation evaluation;
      };
      absl::flat_hash_map<std::string, Existing> existing;
      for (const auto& row : rows) {
        ASSIGN_OR_RETURN(v1::Evaluation old, ParseEvaluation(row, 3));
        existing[row.Text(0)] = {row.Text(1), row.Int(2), std::move(old)};
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        v1::Evaluation e = results[i];  // a retried transaction starts from the computed one
        auto it = existing.find(e.subject_id());
        const bool insert = it == existing.end();
        if (insert) {
          e.set_id(NewId("ev"));
          e.set_version(1);
        } else {
          e.set_id(it->second.evaluation.id());
          e.set_version(it->second.run_id == run.id() ? it->second.version
                                                      : it->second.version + 1);
          *e.mutable_adjustments() = it->second.evaluation.adjustments();
        }
        if (e.state() == v1::EVALUATION_STATE_EVALUATED) {
          // A manager's adjustment stays in force across re-runs; the fresh computation is
          // still visible as computed_score.
          if (e.adjustments_size() > 0) e.set_total_score(e.adjustments().rbegin()->after());
          e.set_grade(GradeOf(scheme, e.total_score()));
        } else {
          ++failed;
        }
        RETURN_IF_ERROR(SaveEvaluation(tx, org, e, batch[i].dept_path, insert));
        if (e.state() != v1::EVALUATION_STATE_EVALUATED) continue;
        if (!forced) {
          RETURN_IF_ERROR(storage::AppendOutbox(
              tx, CompletedEvent(clock, org, run, scheme.name(), e.id(), e.subject_id(),
                                 e.total_score(), e.grade())));
        }
        if (e.flags_size() > 0) {
          google::protobuf::Struct p;
          Put(p, "evaluation_id", e.id());
          Put(p, "scheme_id", run.scheme_id());
          Put(p, "scheme_name", scheme.name());
          Put(p, "period_start", run.period().start_date());
          Put(p, "flag", FlagName(static_cast<v1::Flag>(*e.flags().rbegin())));
          std::string details;
          for (const v1::ItemResult& item : e.items()) {
            if (item.flags_size() > 0) absl::StrAppend(&details, details.empty() ? "" : "; ", item.detail());
          }
          Put(p, "detail", details);
          common::v1::Event ev = NewEvent(clock, "scoring.evaluation.flagged", org, e.subject_id(),
                                          run.requester_id(), std::move(p));
          ev.set_id(absl::StrCat("evt_", run.id(), "_", e.subject_id(), "_flagged"));
          RETURN_IF_ERROR(storage::AppendOutbox(tx, ev));
        }
      }
      v1::EvaluationRun next = run;
      next.set_done(run.done() + static_cast<int32_t>(batch.size()));
      next.set_failed(run.failed() + failed);
      next.set_rpc_calls(calls.load());
      return SaveRun(tx, org, next, false);
    });
    if (!written.ok()) return fail(written);
    run.set_done(run.done() + static_cast<int32_t>(batch.size()));
    run.set_failed(run.failed() + failed);
    run.set_rpc_calls(calls.load());
  }

  // ---- forced distribution: grade the run as a whole, then tell each subject ----
  if (forced) {
    absl::Status graded = ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, subject_id, score, grade FROM evaluations "
                                           "WHERE org_id = ? AND run_id = ? AND state = ?",
                                           {org, run.id(), int64_t{v1::EVALUATION_STATE_EVALUATED}}));
      std::vector<double> scores;
      scores.reserve(rows.size());
      for (const auto& row : rows) scores.push_back(row.Double(2));
      std::vector<std::string> grades = AssignGrades(scheme, scores);
      for (size_t i = 0; i < rows.size(); ++i) {
        if (grades[i] != rows[i].Text(3)) {
          RETURN_IF_ERROR(tx.Exec("UPDATE evaluations SET grade = ? WHERE org_id = ? AND id = ?",
                                  {grades[i], org, rows[i].Text(0)})
                              .status());
        }
        RETURN_IF_ERROR(storage::AppendOutbox(
            tx, CompletedEvent(clock, org, run, scheme.name(), rows[i].Text(0), rows[i].Text(1),
                               rows[i].Double(2), grades[i])));
      }
      return absl::OkStatus();
    });
    if (!graded.ok()) return fail(graded);
  }

  run.set_state(common::v1::RUN_STATE_SUCCEEDED);
  run.set_rpc_calls(calls.load());
  *run.mutable_finish_time() = ToProto(clock.Now());
  if (absl::Status s = save_run(); !s.ok()) return fail(s);
  ctx_->leaderboards->Invalidate(org, run.scheme_id(), period_key);
  log::Info("evaluation run finished",
            {{"run_id", run.id()},
             {"subjects", absl::StrCat(run.total())},
             {"failed", absl::StrCat(run.failed())},
             {"rpc_calls", absl::StrCat(run.rpc_calls())}});
}

}  // namespace opsuite::scoring
