#include "services/scoring/evaluation_service.h"

#include <cmath>
#include <cstdio>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/rbac.h"
#include "common/ids.h"
#include "common/storage/idempotency.h"
#include "common/timestamps.h"
#include "services/scoring/domain/rules.h"
#include "services/scoring/leaderboard.h"
#include "services/scoring/run_worker.h"

namespace opsuite::scoring {
namespace {

using storage::Blob;
using storage::Rows;

std::string CycleName(v1::Cycle cycle) {
  std::string name = v1::Cycle_Name(cycle);
  return name.substr(name.find('_') + 1);
}

// The period must be valid, of the scheme's cycle length, and begun.
absl::Status CheckPeriod(const v1::Scheme& scheme, const Period& period, const Clock& clock) {
  ASSIGN_OR_RETURN(DateRange range, PeriodRange(period, "period"));
  const Granularity want = CycleGranularity(scheme.cycle());
  if (period.granularity() != want) {
    return InvalidField("period.granularity",
                        absl::StrCat("must be ", GranularityName(want), ": scheme ", scheme.id(),
                                     " is evaluated ", CycleName(scheme.cycle())));
  }
  const absl::CivilDay today = absl::ToCivilDay(clock.Now(), DefaultOrgZone());
  if (range.first > today) {
    return InvalidField("period.start_date",
                        absl::StrCat(period.start_date(), " has not begun (today is ",
                                     FormatDate(today), ")"));
  }
  return absl::OkStatus();
}

// The violations of an invalid `period` (named period.granularity / period.start_date).
void AddPeriodViolations(const Period& period, FieldViolations& v) {
  if (auto range = PeriodRange(period, "period"); !range.ok()) {
    for (const std::string& f : ViolatedFields(range.status())) {
      v.Add(f, std::string(range.status().message()));
    }
  }
}

std::string ScoreToken(int64_t state, double score, const std::string& subject) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", score);
  return absl::StrCat("s|", state, "|", buf, "|", subject);
}

// A department-path filter appended to `where` and `params` ("" = no filter).
void AddPathFilter(const std::string& path, std::string* where,
                   std::vector<storage::Value>* params) {
  if (path.empty() || path == "/") return;
  // length(?) rather than a bound size: PostgreSQL's substr takes an integer, not a bigint.
  absl::StrAppend(where, " AND substr(dept_path, 1, length(?)) = ?");
  params->push_back(path);
  params->push_back(path);
}

}  // namespace

absl::Status EvaluationServiceImpl::CanSeeRun(const auth::Principal& p,
                                              const v1::EvaluationRun& run) {
  if (p.SeesOrg() || (!p.subject.empty() && p.subject == run.requester_id())) {
    return absl::OkStatus();
  }
  if (!run.department_id().empty()) return CanManageDepartment(*ctx_, p, run.department_id());
  return absl::PermissionDeniedError("only admins and the requester see this evaluation run");
}

absl::StatusOr<std::string> EvaluationServiceImpl::ScopeOf(const auth::Principal& p,
                                                           const std::string& department_id) {
  if (department_id.empty()) {
    if (p.SeesOrg()) return std::string();
    return absl::PermissionDeniedError(
        "only admins see the whole org's results; name a department_id you manage or belong to");
  }
  RETURN_IF_ERROR(CanSeeDepartment(*ctx_, p, department_id));
  ASSIGN_OR_RETURN(auto tree, ctx_->directory->TreeWith(p.org, department_id));
  const auth::OrgTree::Dept* d = tree->Find(department_id);
  if (d == nullptr) {
    return absl::NotFoundError(absl::StrCat("department ", department_id, " not found"));
  }
  return d->path;
}

absl::Status EvaluationServiceImpl::DoRunEvaluation(const Call& call,
                                                    const v1::RunEvaluationRequest& req,
                                                    v1::EvaluationRun* resp) {
  const std::string& org = call.principal.org;
  FieldViolations v;
  if (req.scheme_id().empty()) v.Add("scheme_id", "must name a scheme");
  if (req.department_id().empty() == (req.subject_ids_size() == 0)) {
    v.Add("department_id", "name either a department_id or subject_ids (not both)");
  }
  if (req.subject_ids_size() > kMaxSubjects) {
    v.Add("subject_ids", absl::StrCat("at most ", kMaxSubjects, " subjects per run, got ",
                                      req.subject_ids_size()));
  } else {
    absl::flat_hash_set<absl::string_view> seen;
    for (int i = 0; i < req.subject_ids_size(); ++i) {
      if (req.subject_ids(i).empty()) {
        v.Add(absl::StrCat("subject_ids[", i, "]"), "must not be empty");
        break;
      }
      if (!seen.insert(req.subject_ids(i)).second) {
        v.Add(absl::StrCat("subject_ids[", i, "]"), absl::StrCat(req.subject_ids(i), " is listed twice"));
        break;
      }
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  if (!call.principal.SeesOrg()) {
    if (req.department_id().empty()) {
      return absl::PermissionDeniedError(
          "only admins and services run evaluations by subject_ids; managers name their "
          "department_id");
    }
    RETURN_IF_ERROR(CanManageDepartment(*ctx_, call.principal, req.department_id()));
  }
  if (!req.department_id().empty()) {
    ASSIGN_OR_RETURN(auto tree, ctx_->directory->TreeWith(org, req.department_id()));
    if (tree->Find(req.department_id()) == nullptr) {
      return InvalidField("department_id",
                          absl::StrCat("department ", req.department_id(), " not found"));
    }
  }
  bool created = false;
  RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    created = false;
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "RunEvaluation", req.request_id(), resp));
    if (seen) {
      ASSIGN_OR_RETURN(*resp, LoadRun(tx, org, resp->id()));
      return absl::OkStatus();
    }
    absl::StatusOr<v1::Scheme> scheme = LoadScheme(tx, org, req.scheme_id());
    if (absl::IsNotFound(scheme.status())) {
      return InvalidField("scheme_id", absl::StrCat("scheme ", req.scheme_id(), " not found"));
    }
    RETURN_IF_ERROR(scheme.status());
    RETURN_IF_ERROR(CheckPeriod(*scheme, req.period(), *ctx_->clock));
    const absl::Time now = ctx_->clock->Now();
    v1::EvaluationRun run;
    run.set_id(NewId("run", now));
    run.set_scheme_id(req.scheme_id());
    *run.mutable_period() = req.period();
    run.set_department_id(req.department_id());
    *run.mutable_subject_ids() = req.subject_ids();
    run.set_state(common::v1::RUN_STATE_PENDING);
    run.set_requester_id(call.principal.subject);
    *run.mutable_create_time() = ToProto(now);
    RETURN_IF_ERROR(SaveRun(tx, org, run, true));
    *resp = run;
    created = true;
    // The stored response leaves out the subject list (up to 100,000 ids): the run row has it.
    v1::EvaluationRun remembered = run;
    remembered.clear_subject_ids();
    return storage::RememberIdempotent(tx, org, "RunEvaluation", req.request_id(), remembered);
  }));
  if (created) ctx_->worker->Enqueue(org, resp->id());
  // Replies stay small: the subject list is the caller's own input.
  resp->clear_subject_ids();
  return absl::OkStatus();
}

absl::Status EvaluationServiceImpl::DoGetEvaluationRun(const Call& call,
                                                       const v1::GetEvaluationRunRequest& req,
                                                       v1::EvaluationRun* resp) {
  if (req.id().empty()) return InvalidField("id", "must name an evaluation run");
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, LoadRun(tx, call.principal.org, req.id()));
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(CanSeeRun(call.principal, *resp));
  resp->clear_subject_ids();
  return absl::OkStatus();
}

absl::Status EvaluationServiceImpl::DoListEvaluations(const Call& call,
                                                      const v1::ListEvaluationsRequest& req,
                                                      v1::ListEvaluationsResponse* resp) {
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  const bool by_subject = req.order_by() == "subject";
  if (!by_subject && !req.order_by().empty() && req.order_by() != "score") {
    return InvalidField("order_by", absl::StrCat("must be \"score\" or \"subject\", got \"",
                                                 req.order_by(), "\""));
  }
  std::string where = "org_id = ?";
  std::vector<storage::Value> params = {org};
  if (!req.run_id().empty()) {
    v1::EvaluationRun run;
    RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(run, LoadRun(tx, org, req.run_id()));
      return absl::OkStatus();
    }));
    RETURN_IF_ERROR(CanSeeRun(call.principal, run));
    absl::StrAppend(&where, " AND run_id = ?");
    params.push_back(req.run_id());
  } else {
    FieldViolations v;
    if (req.scheme_id().empty()) v.Add("scheme_id", "name a run_id, or a scheme_id and period");
    AddPeriodViolations(req.period(), v);
    RETURN_IF_ERROR(v.ToStatus());
    absl::StrAppend(&where, " AND scheme_id = ? AND period_key = ?");
    params.push_back(req.scheme_id());
    params.push_back(PeriodKey(req.period()));
    if (req.department_id().empty() && !call.principal.SeesOrg()) {
      // Without a department an employee lists what is theirs: their own evaluation.
      absl::StrAppend(&where, " AND subject_id = ?");
      params.push_back(call.principal.subject);
    } else if (!req.department_id().empty()) {
      ASSIGN_OR_RETURN(std::string path, ScopeOf(call.principal, req.department_id()));
      if (!call.principal.SeesOrg()) {
        // Members of a department see its ranking, not their colleagues' evaluations.
        RETURN_IF_ERROR(CanManageDepartment(*ctx_, call.principal, req.department_id()));
      }
      AddPathFilter(path, &where, &params);
    }
  }
  std::string order;
  if (by_subject) {
    order = " ORDER BY subject_id";
    if (!req.page_token().empty()) {
      auto token = DecodePageToken(req.page_token());
      if (!token.ok() || token->rfind("u|", 0) != 0) {
        return InvalidField("page_token", "is not a token this list issued");
      }
      absl::StrAppend(&where, " AND subject_id > ?");
      params.push_back(token->substr(2));
    }
  } else {
    // Evaluated first, highest score first, then subject id; failed ones last.
    order = " ORDER BY state, score DESC, subject_id";
    if (!req.page_token().empty()) {
      auto token = DecodePageToken(req.page_token());
      std::vector<std::string> parts;
      if (token.ok()) parts = absl::StrSplit(*token, absl::MaxSplits('|', 3));
      int64_t state = 0;
      double score = 0;
      if (parts.size() != 4 || parts[0] != "s" || !absl::SimpleAtoi(parts[1], &state) ||
          !absl::SimpleAtod(parts[2], &score)) {
        return InvalidField("page_token", "is not a token this list issued");
      }
      absl::StrAppend(&where,
                      " AND (state > ? OR (state = ? AND (score < ? OR (score = ? AND "
                      "subject_id > ?))))");
      params.insert(params.end(), {state, state, score, score, parts[3]});
    }
  }
  params.push_back(int64_t{size + 1});
  return ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows,
                     tx.Query(absl::StrCat("SELECT state, score, subject_id, ", kEvaluationColumns,
                                           " FROM evaluations WHERE ", where, order, " LIMIT ?"),
                              params));
    for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(size); ++i) {
      ASSIGN_OR_RETURN(*resp->add_evaluations(), ParseEvaluation(rows[i], 3));
    }
    if (rows.size() > static_cast<size_t>(size)) {
      const auto& last = rows[size - 1];
      resp->set_next_page_token(EncodePageToken(
          by_subject ? absl::StrCat("u|", last.Text(2))
                     : ScoreToken(last.Int(0), last.Double(1), last.Text(2))));
    }
    return absl::OkStatus();
  });
}

absl::Status EvaluationServiceImpl::DoGetEvaluation(const Call& call,
                                                    const v1::GetEvaluationRequest& req,
                                                    v1::Evaluation* resp) {
  const std::string& org = call.principal.org;
  if (req.id().empty()) {
    FieldViolations v;
    if (req.scheme_id().empty()) v.Add("scheme_id", "name an id, or a scheme_id, subject_id and period");
    if (req.subject_id().empty()) v.Add("subject_id", "name an id, or a scheme_id, subject_id and period");
    AddPeriodViolations(req.period(), v);
    RETURN_IF_ERROR(v.ToStatus());
  }
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    if (!req.id().empty()) {
      ASSIGN_OR_RETURN(*resp, LoadEvaluation(tx, org, req.id()));
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(auto found, FindEvaluation(tx, org, req.scheme_id(), PeriodKey(req.period()),
                                                req.subject_id()));
    if (!found) {
      return absl::NotFoundError(absl::StrCat("no evaluation of ", req.subject_id(), " under scheme ",
                                              req.scheme_id(), " for ", req.period().start_date()));
    }
    *resp = *std::move(found);
    return absl::OkStatus();
  }));
  return CanSee(*ctx_, call.principal, *resp);
}

absl::Status EvaluationServiceImpl::DoRecordChecklistAssessment(
    const Call& call, const v1::RecordChecklistAssessmentRequest& req,
    v1::ChecklistAssessment* resp) {
  const std::string& org = call.principal.org;
  FieldViolations v;
  if (req.scheme_id().empty()) v.Add("scheme_id", "must name a scheme");
  if (req.subject_id().empty()) v.Add("subject_id", "must name the assessed subject");
  RETURN_IF_ERROR(v.ToStatus());
  v1::Scheme scheme;
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    absl::StatusOr<v1::Scheme> s = LoadScheme(tx, org, req.scheme_id());
    if (absl::IsNotFound(s.status())) {
      return InvalidField("scheme_id", absl::StrCat("scheme ", req.scheme_id(), " not found"));
    }
    RETURN_IF_ERROR(s.status());
    scheme = *std::move(s);
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(CheckPeriod(scheme, req.period(), *ctx_->clock));
  const v1::Item* item = nullptr;
  for (const v1::Item& it : scheme.items()) {
    if (it.has_checklist() && (req.item_code().empty() || it.code() == req.item_code())) {
      item = &it;
      break;
    }
  }
  if (item == nullptr) {
    return req.item_code().empty()
               ? InvalidField("scheme_id", absl::StrCat("scheme ", scheme.id(), " has no checklist item"))
               : InvalidField("item_code", absl::StrCat("scheme ", scheme.id(),
                                                        " has no checklist item \"", req.item_code(), "\""));
  }
  absl::flat_hash_map<std::string, double> max_of;
  for (const v1::ChecklistSection& s : item->checklist().sections()) max_of[s.name()] = s.max_points();
  for (int i = 0; i < req.deductions_size(); ++i) {
    const v1::ChecklistDeduction& d = req.deductions(i);
    const std::string f = absl::StrCat("deductions[", i, "]");
    if (!max_of.contains(d.section())) {
      v.Add(f + ".section", absl::StrCat("\"", d.section(), "\" is not a section of item ", item->code()));
    }
    if (!(d.points() > 0) || !std::isfinite(d.points())) {
      v.Add(f + ".points", absl::StrCat("must be more than 0, got ", d.points()));
    }
    if (d.reason().empty()) v.Add(f + ".reason", "say why the points were deducted");
  }
  RETURN_IF_ERROR(v.ToStatus());

  // Who may assess: admins, and the managers of the subject (a department's managers, or an
  // employee's managers).
  if (!call.principal.SeesOrg()) {
    if (scheme.subject_kind() == v1::SUBJECT_KIND_DEPARTMENT) {
      RETURN_IF_ERROR(CanManageDepartment(*ctx_, call.principal, req.subject_id()));
    } else {
      ASSIGN_OR_RETURN(auto tree, ctx_->directory->Tree(org));
      ASSIGN_OR_RETURN(planning::v1::Employee e, ctx_->directory->GetEmployee(org, req.subject_id()));
      if (auth::RelationTo(call.principal, *tree, {e.id(), e.department_id(), e.manager_id()}) !=
          auth::Relation::kManager) {
        return absl::PermissionDeniedError(
            absl::StrCat("only managers of ", req.subject_id(), " and admins assess them"));
      }
    }
  } else if (scheme.subject_kind() == v1::SUBJECT_KIND_DEPARTMENT) {
    ASSIGN_OR_RETURN(auto tree, ctx_->directory->TreeWith(org, req.subject_id()));
    if (tree->Find(req.subject_id()) == nullptr) {
      return InvalidField("subject_id", absl::StrCat("department ", req.subject_id(), " not found"));
    }
  } else {
    absl::StatusOr<planning::v1::Employee> e = ctx_->directory->GetEmployee(org, req.subject_id());
    if (absl::IsNotFound(e.status())) {
      return InvalidField("subject_id", absl::StrCat("employee ", req.subject_id(), " not found"));
    }
    RETURN_IF_ERROR(e.status());
  }

  const std::string period_key = PeriodKey(req.period());
  return ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen, storage::LookupIdempotent(tx, org, "RecordChecklistAssessment",
                                                          req.request_id(), resp));
    if (seen) return absl::OkStatus();
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT version FROM checklist_assessments WHERE org_id = ?"
                                         " AND scheme_id = ? AND period_key = ? AND subject_id = ?"
                                         " AND item_code = ?",
                                         {org, scheme.id(), period_key, req.subject_id(), item->code()}));
    const int64_t version = rows.empty() ? 1 : rows[0].Int(0) + 1;
    const absl::Time now = ctx_->clock->Now();
    v1::ChecklistAssessment a;
    a.set_id(NewId("chk", now));
    a.set_scheme_id(scheme.id());
    a.set_item_code(item->code());
    a.set_subject_id(req.subject_id());
    *a.mutable_period() = req.period();
    *a.mutable_deductions() = req.deductions();
    a.set_assessor_id(call.principal.subject);
    *a.mutable_create_time() = ToProto(now);
    a.set_version(version);
    absl::flat_hash_map<std::string, double> deducted;
    for (const v1::ChecklistDeduction& d : req.deductions()) deducted[d.section()] += d.points();
    double max_total = 0, kept_total = 0;
    for (const v1::ChecklistSection& s : item->checklist().sections()) {
      v1::ChecklistSectionResult* r = a.add_sections();
      r->set_name(s.name());
      r->set_max_points(s.max_points());
      r->set_deducted(deducted[s.name()]);
      r->set_kept(std::max(0.0, s.max_points() - deducted[s.name()]));
      max_total += s.max_points();
      kept_total += r->kept();
    }
    a.set_max_points(max_total);
    a.set_kept_points(kept_total);
    const std::string body = a.SerializeAsString();
    if (rows.empty()) {
      RETURN_IF_ERROR(tx.Exec("INSERT INTO checklist_assessments (org_id, scheme_id, item_code, "
                              "subject_id, period_key, version, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              {org, scheme.id(), item->code(), req.subject_id(), period_key,
                               version, Blob{body}})
                          .status());
    } else {
      RETURN_IF_ERROR(tx.Exec("UPDATE checklist_assessments SET version = ?, body = ? WHERE "
                              "org_id = ? AND scheme_id = ? AND period_key = ? AND subject_id = ? "
                              "AND item_code = ?",
                              {version, Blob{body}, org, scheme.id(), period_key, req.subject_id(),
                               item->code()})
                          .status());
    }
    *resp = a;
    return storage::RememberIdempotent(tx, org, "RecordChecklistAssessment", req.request_id(), a);
  });
}

absl::Status EvaluationServiceImpl::DoAdjustEvaluation(const Call& call,
                                                       const v1::AdjustEvaluationRequest& req,
                                                       v1::Evaluation* resp) {
  const std::string& org = call.principal.org;
  FieldViolations v;
  if (req.id().empty()) v.Add("id", "must name an evaluation");
  if (!std::isfinite(req.score()) || req.score() < 0 || req.score() > 1000) {
    v.Add("score", absl::StrCat("must be between 0 and 1000, got ", req.score()));
  }
  if (req.reason().empty()) v.Add("reason", "say why the score is adjusted (it is audited)");
  RETURN_IF_ERROR(v.ToStatus());
  v1::Evaluation current;
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(current, LoadEvaluation(tx, org, req.id()));
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(CanSee(*ctx_, call.principal, current));
  if (current.subject_kind() != v1::SUBJECT_KIND_DEPARTMENT &&
      current.subject_id() == call.principal.subject && !call.principal.IsService()) {
    return absl::PermissionDeniedError("nobody adjusts their own evaluation");
  }
  std::string period_key;
  RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::Evaluation e, LoadEvaluation(tx, org, req.id()));
    if (e.state() != v1::EVALUATION_STATE_EVALUATED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "evaluation ", e.id(), " failed (", e.failure_reason(),
          "); re-run the evaluation once its inputs can be read, then adjust it"));
    }
    ASSIGN_OR_RETURN(v1::Scheme scheme, LoadScheme(tx, org, e.scheme_id()));
    const absl::Time now = ctx_->clock->Now();
    v1::Adjustment* a = e.add_adjustments();
    a->set_actor_id(call.principal.subject);
    *a->mutable_time() = ToProto(now);
    a->set_before(e.total_score());
    a->set_after(req.score());
    a->set_reason(req.reason());
    e.set_total_score(req.score());
    e.set_grade(GradeOf(scheme, req.score()));
    ASSIGN_OR_RETURN(Rows path, tx.Query("SELECT dept_path FROM evaluations WHERE org_id = ? AND id = ?",
                                         {org, e.id()}));
    RETURN_IF_ERROR(SaveEvaluation(tx, org, e, path.empty() ? "" : path[0].Text(0), false));
    RETURN_IF_ERROR(tx.Exec("INSERT INTO adjustments (org_id, evaluation_id, seq, actor_id, at, "
                            "before_score, after_score, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            {org, e.id(), int64_t{e.adjustments_size()}, call.principal.subject,
                             absl::ToUnixMillis(now), a->before(), a->after(), req.reason()})
                        .status());
    period_key = PeriodKey(e.period());
    *resp = std::move(e);
    return absl::OkStatus();
  }));
  ctx_->leaderboards->Invalidate(org, resp->scheme_id(), period_key);
  return absl::OkStatus();
}

absl::Status EvaluationServiceImpl::DoGetLeaderboard(const Call& call,
                                                     const v1::GetLeaderboardRequest& req,
                                                     v1::Leaderboard* resp) {
  FieldViolations v;
  if (req.scheme_id().empty()) v.Add("scheme_id", "must name a scheme");
  AddPeriodViolations(req.period(), v);
  if (req.top_n() < 0 || req.top_n() > 1000) {
    v.Add("top_n", absl::StrCat("must be between 1 and 1000 (0: 10), got ", req.top_n()));
  }
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(std::string path, ScopeOf(call.principal, req.department_id()));
  ASSIGN_OR_RETURN(*resp, ctx_->leaderboards->Top(call.principal.org, req.scheme_id(),
                                                  PeriodKey(req.period()), path,
                                                  req.top_n() == 0 ? 10 : req.top_n()));
  return absl::OkStatus();
}

absl::Status EvaluationServiceImpl::DoGetDistribution(const Call& call,
                                                      const v1::GetDistributionRequest& req,
                                                      v1::Distribution* resp) {
  FieldViolations v;
  if (req.scheme_id().empty()) v.Add("scheme_id", "must name a scheme");
  AddPeriodViolations(req.period(), v);
  if (!std::isfinite(req.bucket_width()) || req.bucket_width() < 0) {
    v.Add("bucket_width", absl::StrCat("must be positive (0: 10), got ", req.bucket_width()));
  }
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(std::string path, ScopeOf(call.principal, req.department_id()));
  std::vector<double> scores;
  std::vector<std::string> grades;
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    std::string where = "org_id = ? AND scheme_id = ? AND period_key = ? AND state = ?";
    std::vector<storage::Value> params = {call.principal.org, req.scheme_id(),
                                          PeriodKey(req.period()),
                                          int64_t{v1::EVALUATION_STATE_EVALUATED}};
    AddPathFilter(path, &where, &params);
    ASSIGN_OR_RETURN(Rows rows, tx.Query(absl::StrCat("SELECT score, grade FROM evaluations WHERE ",
                                                      where),
                                         params));
    scores.reserve(rows.size());
    grades.reserve(rows.size());
    for (const auto& row : rows) {
      scores.push_back(row.Double(0));
      grades.push_back(row.Text(1));
    }
    return absl::OkStatus();
  }));
  *resp = Distribute(scores, grades, req.bucket_width());
  return absl::OkStatus();
}

}  // namespace opsuite::scoring
