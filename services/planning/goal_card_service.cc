#include "services/planning/goal_card_service.h"

#include <optional>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/period.h"
#include "common/storage/idempotency.h"
#include "common/storage/outbox.h"
#include "common/timestamps.h"

namespace opsuite::planning {
namespace {

using storage::Blob;
using storage::Rows;

// The event verb of each step (planning.goal_card.<verb>); empty: no event.
std::string EventVerb(Action action) {
  switch (action) {
    case Action::kSubmit: return "submitted";
    case Action::kReturn: return "returned";
    case Action::kApprove: return "approved";
    case Action::kSelfAssess: return "self_assessed";
    case Action::kScore: return "scored";
    case Action::kClose: return "closed";
    default: return "";
  }
}

google::protobuf::Struct CardPayload(const v1::GoalCard& card, const std::string& manager_id) {
  google::protobuf::Struct p;
  Put(p, "goal_card_id", card.id());
  Put(p, "employee_id", card.employee_id());
  Put(p, "department_id", card.department_id());
  Put(p, "manager_id", manager_id);
  Put(p, "period_start", card.period().start_date());
  Put(p, "granularity", GranularityName(card.period().granularity()));
  Put(p, "state", GoalCardStateName(card.state()));
  if (!card.return_reason().empty() && card.state() == v1::GOAL_CARD_STATE_RETURNED) {
    Put(p, "reason", card.return_reason());
  }
  if (card.has_score()) PutNumber(p, "score", card.score());
  if (!card.feedback().empty()) Put(p, "feedback", card.feedback());
  return p;
}

absl::StatusOr<std::pair<v1::GoalCard, int64_t>> LoadCard(Tx& tx, const std::string& org,
                                                         const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT version, body FROM goal_cards WHERE org_id = ? "
                                       "AND id = ?",
                                       {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("goal card ", id, " not found"));
  v1::GoalCard card;
  if (!card.ParseFromString(rows[0].Text(1))) return absl::DataLossError("corrupt goal card");
  return std::make_pair(std::move(card), rows[0].Int(0));
}

absl::Status SaveCard(Tx& tx, const std::string& org, const v1::GoalCard& card,
                      const std::string& dept_path, int64_t version, bool insert) {
  std::string body = card.SerializeAsString();
  if (insert) {
    return tx
        .Exec("INSERT INTO goal_cards (org_id, id, employee_id, dept_path, granularity, "
              "period_start, state, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {org, card.id(), card.employee_id(), dept_path,
               int64_t{card.period().granularity()}, card.period().start_date(),
               int64_t{card.state()}, version, Blob{body}})
        .status();
  }
  return tx
      .Exec("UPDATE goal_cards SET state = ?, granularity = ?, period_start = ?, version = ?, "
            "body = ? WHERE org_id = ? AND id = ?",
            {int64_t{card.state()}, int64_t{card.period().granularity()},
             card.period().start_date(), version, Blob{body}, org, card.id()})
      .status();
}

absl::Status CheckCardPeriod(const v1::GoalCard& card, const std::string& field) {
  RETURN_IF_ERROR(PeriodRange(card.period(), field).status());
  int rank = GranularityRank(card.period().granularity());
  if (rank > GranularityRank(common::v1::GRANULARITY_MONTH)) {
    return InvalidField(absl::StrCat(field, ".granularity"),
                        "a goal card covers a MONTH, QUARTER, HALF or YEAR (003:202)");
  }
  return absl::OkStatus();
}

// The capacities in which the caller may act on `employee`'s card, most specific first.
std::vector<Actor> Capacities(const auth::Principal& p, const OrgTree& tree,
                              const v1::Employee& employee) {
  std::vector<Actor> out;
  if (p.subject == employee.id()) out.push_back(Actor::kEmployee);
  if (p.subject != employee.id() &&
      ((!employee.manager_id().empty() && employee.manager_id() == p.subject) ||
       tree.Manages(p.subject, employee.department_id()))) {
    out.push_back(Actor::kManager);
  }
  if (p.IsAdmin()) out.push_back(Actor::kAdmin);
  return out;
}

}  // namespace

absl::Status GoalCardServiceImpl::DoCreateGoalCard(const Call& call,
                                                   const v1::CreateGoalCardRequest& req,
                                                   v1::GoalCard* resp) {
  v1::GoalCard card;
  card.set_employee_id(req.employee_id().empty() ? call.principal.subject : req.employee_id());
  *card.mutable_period() = req.period();
  *card.mutable_tasks() = req.tasks();
  RETURN_IF_ERROR(CheckCardPeriod(card, "period"));
  RETURN_IF_ERROR(ValidateTasks(card.tasks(), "tasks"));
  for (auto& t : *card.mutable_tasks()) {
    t.clear_id();
    t.clear_progress_percent();
    t.clear_progress_note();
    t.clear_self_score();
    t.clear_self_note();
    t.clear_score();
  }
  const std::string& org = call.principal.org;
  std::string event_manager;
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "CreateGoalCard", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    auto employee = LoadEmployee(tx, org, card.employee_id());
    if (absl::IsNotFound(employee.status())) {
      return InvalidField("employee_id", absl::StrCat("no employee ", card.employee_id(), " in this org"));
    }
    RETURN_IF_ERROR(employee.status());
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    if (Capacities(call.principal, *tree, *employee).empty()) {
      return absl::PermissionDeniedError(
          "a goal card is created by the employee, their manager or an admin");
    }
    ASSIGN_OR_RETURN(Rows existing,
                     tx.Query("SELECT id FROM goal_cards WHERE org_id = ? AND employee_id = ? AND "
                              "granularity = ? AND period_start = ?",
                              {org, card.employee_id(), int64_t{card.period().granularity()},
                               card.period().start_date()}));
    if (!existing.empty()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "employee ", card.employee_id(), " already has goal card ", existing[0].Text(0),
          " for ", GranularityName(card.period().granularity()), " ",
          card.period().start_date()));
    }
    absl::Time now = ctx_->clock->Now();
    card.set_id(NewId("gc", now));
    card.set_department_id(employee->department_id());
    card.set_state(v1::GOAL_CARD_STATE_DRAFT);
    AssignTaskIds(card);
    card.set_etag(EtagOf(1));
    *card.mutable_create_time() = ToProto(now);
    *card.mutable_update_time() = ToProto(now);
    const OrgTree::Dept* dept = tree->Find(employee->department_id());
    RETURN_IF_ERROR(SaveCard(tx, org, card, dept ? dept->path : "", 1, /*insert=*/true));
    RETURN_IF_ERROR(storage::AppendOutbox(
        tx, NewEvent(*ctx_->clock, "planning.goal_card.created", org, card.employee_id(),
                     call.principal.subject, CardPayload(card, employee->manager_id()))));
    *resp = card;
    return storage::RememberIdempotent(tx, org, "CreateGoalCard", req.request_id(), *resp);
  }));
  return absl::OkStatus();
}

absl::Status GoalCardServiceImpl::DoGetGoalCard(const Call& call,
                                                const v1::GetGoalCardRequest& req,
                                                v1::GoalCard* resp) {
  if (req.id().empty()) return InvalidField("id", "must name a goal card");
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(*resp, cache::GetOrLoad<v1::GoalCard>(
                              *ctx_->cache, ctx_->flight, GoalCardKey(org, req.id()), kCacheTtl,
                              [&]() -> absl::StatusOr<v1::GoalCard> {
                                v1::GoalCard card;
                                RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
                                  ASSIGN_OR_RETURN(auto loaded, LoadCard(tx, org, req.id()));
                                  card = std::move(loaded.first);
                                  return absl::OkStatus();
                                }));
                                return card;
                              }));
  if (call.principal.SeesOrg() || call.principal.subject == resp->employee_id()) {
    return absl::OkStatus();
  }
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    ASSIGN_OR_RETURN(v1::Employee e, LoadEmployee(tx, org, resp->employee_id()));
    return CanRead(call.principal, *tree, e);
  });
}

absl::Status GoalCardServiceImpl::DoListGoalCards(const Call& call,
                                                  const v1::ListGoalCardsRequest& req,
                                                  v1::ListGoalCardsResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(req.page_token()));
  const std::string& org = call.principal.org;
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    std::string employee_id = req.employee_id();
    if (employee_id.empty() && req.department_id().empty() && !call.principal.SeesOrg()) {
      employee_id = call.principal.subject;  // "my goal cards"
    }
    std::string sql = "SELECT id, body FROM goal_cards WHERE org_id = ? AND id > ?";
    std::vector<storage::Value> params = {org, after};
    if (!employee_id.empty()) {
      auto e = LoadEmployee(tx, org, employee_id);
      if (absl::IsNotFound(e.status())) return absl::NotFoundError(absl::StrCat("employee ", employee_id, " not found"));
      RETURN_IF_ERROR(e.status());
      RETURN_IF_ERROR(CanRead(call.principal, *tree, *e));
      sql += " AND employee_id = ?";
      params.push_back(employee_id);
    }
    if (!req.department_id().empty()) {
      const OrgTree::Dept* d = tree->Find(req.department_id());
      if (d == nullptr) return absl::NotFoundError(absl::StrCat("department ", req.department_id(), " not found"));
      if (!call.principal.SeesOrg() && !tree->Manages(call.principal.subject, d->id)) {
        return absl::PermissionDeniedError("only its managers and admins list a department's cards");
      }
      sql += " AND substr(dept_path, 1, length(?)) = ?";
      params.push_back(d->path);
      params.push_back(d->path);
    }
    if (req.state() != v1::GOAL_CARD_STATE_UNSPECIFIED) {
      sql += " AND state = ?";
      params.push_back(int64_t{req.state()});
    }
    if (req.has_period() && req.period().granularity() != common::v1::GRANULARITY_UNSPECIFIED) {
      RETURN_IF_ERROR(PeriodRange(req.period(), "period").status());
      sql += " AND granularity = ? AND period_start = ?";
      params.push_back(int64_t{req.period().granularity()});
      params.push_back(req.period().start_date());
    }
    sql += " ORDER BY id LIMIT ?";
    params.push_back(int64_t{size + 1});
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    return FillPage(rows, size, "goal card", [&] { return resp->add_goal_cards(); },
                    resp->mutable_next_page_token());
  });
}

absl::Status GoalCardServiceImpl::Step(const Call& call, const std::string& id,
                                       const std::string& etag, Action action,
                                       const std::string& reason,
                                       const std::function<absl::Status(v1::GoalCard&)>& mutate,
                                       v1::GoalCard* out) {
  if (id.empty()) return InvalidField("id", "must name a goal card");
  const std::string& org = call.principal.org;
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto loaded, LoadCard(tx, org, id));
    auto& [card, version] = loaded;
    ASSIGN_OR_RETURN(v1::Employee employee, LoadEmployee(tx, org, card.employee_id()));
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    std::vector<Actor> capacities = Capacities(call.principal, *tree, employee);
    if (capacities.empty()) {
      if (call.principal.IsService()) {
        return absl::PermissionDeniedError("services read goal cards; people change them");
      }
      return CanRead(call.principal, *tree, employee);
    }
    absl::Status verdict = absl::PermissionDeniedError("no capacity");
    for (Actor actor : capacities) {
      absl::Status s = CheckTransition(card.state(), action, actor);
      if (s.ok()) {
        verdict = s;
        break;
      }
      // A state problem says more than "not allowed" when some capacity could act.
      if (verdict.code() != absl::StatusCode::kFailedPrecondition) verdict = s;
    }
    RETURN_IF_ERROR(verdict);
    RETURN_IF_ERROR(CheckEtag(etag, version, absl::StrCat("goal card ", id)));
    GoalCardState from = card.state();
    RETURN_IF_ERROR(mutate(card));
    absl::Time now = ctx_->clock->Now();
    GoalCardState to = NextState(from, action);
    card.set_state(to);
    if (to != from) {
      v1::StateChange* change = card.add_history();
      change->set_from(from);
      change->set_to(to);
      change->set_actor_id(call.principal.subject);
      *change->mutable_time() = ToProto(now);
      change->set_reason(reason);
    }
    card.set_etag(EtagOf(version + 1));
    *card.mutable_update_time() = ToProto(now);
    const OrgTree::Dept* dept = tree->Find(card.department_id());
    RETURN_IF_ERROR(SaveCard(tx, org, card, dept ? dept->path : "", version + 1, false));
    if (std::string verb = EventVerb(action); !verb.empty()) {
      RETURN_IF_ERROR(storage::AppendOutbox(
          tx, NewEvent(*ctx_->clock, absl::StrCat("planning.goal_card.", verb), org,
                       card.employee_id(), call.principal.subject,
                       CardPayload(card, employee.manager_id()))));
    }
    *out = card;
    return absl::OkStatus();
  }));
  ctx_->cache->Delete({GoalCardKey(org, id)});
  return absl::OkStatus();
}

absl::Status GoalCardServiceImpl::DoUpdateGoalCard(const Call& call,
                                                   const v1::UpdateGoalCardRequest& req,
                                                   v1::GoalCard* resp) {
  const v1::GoalCard& in = req.goal_card();
  if (req.update_mask().paths_size() == 0) {
    return InvalidField("update_mask", "name the fields to change: tasks, period");
  }
  bool tasks = false, period = false;
  for (int i = 0; i < req.update_mask().paths_size(); ++i) {
    const std::string& p = req.update_mask().paths(i);
    if (p == "tasks") tasks = true;
    else if (p == "period") period = true;
    else return InvalidField(absl::StrCat("update_mask.paths[", i, "]"),
                             absl::StrCat("\"", p, "\" cannot be updated (tasks, period)"));
  }
  if (tasks) RETURN_IF_ERROR(ValidateTasks(in.tasks(), "goal_card.tasks"));
  if (period) RETURN_IF_ERROR(CheckCardPeriod(in, "goal_card.period"));
  return Step(call, in.id(), in.etag(), Action::kUpdate, "", [&](v1::GoalCard& card) {
    if (tasks) {
      // Keep the ids of tasks that are still there (matched by id); new ones get new ids.
      *card.mutable_tasks() = in.tasks();
      for (auto& t : *card.mutable_tasks()) {
        t.clear_progress_percent();
        t.clear_self_score();
        t.clear_score();
      }
      AssignTaskIds(card);
    }
    if (period) *card.mutable_period() = in.period();
    return absl::OkStatus();
  }, resp);
}

absl::Status GoalCardServiceImpl::DoSubmitGoalCard(const Call& call,
                                                   const v1::SubmitGoalCardRequest& req,
                                                   v1::GoalCard* resp) {
  return Step(call, req.id(), req.etag(), Action::kSubmit, "",
              [](v1::GoalCard&) { return absl::OkStatus(); }, resp);
}

absl::Status GoalCardServiceImpl::DoReturnGoalCard(const Call& call,
                                                   const v1::ReturnGoalCardRequest& req,
                                                   v1::GoalCard* resp) {
  RETURN_IF_ERROR(ValidateReturnReason(req.reason()));
  return Step(call, req.id(), req.etag(), Action::kReturn, req.reason(),
              [&](v1::GoalCard& card) {
                card.set_return_reason(req.reason());
                return absl::OkStatus();
              },
              resp);
}

absl::Status GoalCardServiceImpl::DoApproveGoalCard(const Call& call,
                                                    const v1::ApproveGoalCardRequest& req,
                                                    v1::GoalCard* resp) {
  return Step(call, req.id(), req.etag(), Action::kApprove, "",
              [](v1::GoalCard&) { return absl::OkStatus(); }, resp);
}

absl::Status GoalCardServiceImpl::DoRecordTaskProgress(const Call& call,
                                                       const v1::RecordTaskProgressRequest& req,
                                                       v1::GoalCard* resp) {
  RETURN_IF_ERROR(ValidateProgressPercent(req.percent()));
  if (req.note().size() > 2000) return InvalidField("note", "must be at most 2000 bytes");
  return Step(call, req.id(), "", Action::kRecordProgress, "",
              [&](v1::GoalCard& card) {
                return ApplyTaskProgress(card, req.task_id(), req.percent(), req.note());
              },
              resp);
}

absl::Status GoalCardServiceImpl::DoSelfAssessGoalCard(const Call& call,
                                                       const v1::SelfAssessGoalCardRequest& req,
                                                       v1::GoalCard* resp) {
  return Step(call, req.id(), "", Action::kSelfAssess, "",
              [&](v1::GoalCard& card) { return ApplySelfAssessment(card, req.tasks()); }, resp);
}

absl::Status GoalCardServiceImpl::DoScoreGoalCard(const Call& call,
                                                  const v1::ScoreGoalCardRequest& req,
                                                  v1::GoalCard* resp) {
  return Step(call, req.id(), "", Action::kScore, "",
              [&](v1::GoalCard& card) { return ApplyScores(card, req.tasks()); }, resp);
}

absl::Status GoalCardServiceImpl::DoCloseGoalCard(const Call& call,
                                                  const v1::CloseGoalCardRequest& req,
                                                  v1::GoalCard* resp) {
  if (req.feedback().size() > 10000) return InvalidField("feedback", "must be at most 10000 bytes");
  return Step(call, req.id(), "", Action::kClose, "",
              [&](v1::GoalCard& card) {
                card.set_feedback(req.feedback());
                return absl::OkStatus();
              },
              resp);
}

absl::Status GoalCardServiceImpl::DoBatchGetGoalCardScores(
    const Call& call, const v1::BatchGetGoalCardScoresRequest& req,
    v1::BatchGetGoalCardScoresResponse* resp) {
  RETURN_IF_ERROR(CheckIdList(req.employee_ids(), "employee_ids"));
  RETURN_IF_ERROR(PeriodRange(req.period(), "period").status());
  if (req.employee_ids().empty()) return absl::OkStatus();
  const std::string& org = call.principal.org;
  std::vector<std::string> ids(req.employee_ids().begin(), req.employee_ids().end());
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    resp->clear_scores();
    ASSIGN_OR_RETURN(auto employees, LoadEmployeeRefs(tx, org, ids));
    FieldViolations unknown;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!employees.contains(ids[i])) {
        unknown.Add(absl::StrCat("employee_ids[", i, "]"),
                    absl::StrCat("no employee ", ids[i], " in this org"));
      }
    }
    RETURN_IF_ERROR(unknown.ToStatus());
    if (!call.principal.SeesOrg()) {
      ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
      for (const std::string& id : ids) {
        RETURN_IF_ERROR(CanRead(call.principal, *tree, employees[id]));
      }
    }
    // One card per employee and period (a unique key); should there be more, the latest.
    std::vector<storage::Value> params = {org};
    std::string in = AppendInList(ids, &params);
    params.push_back(int64_t{req.period().granularity()});
    params.push_back(req.period().start_date());
    ASSIGN_OR_RETURN(Rows rows,
                     tx.Query(absl::StrCat("SELECT body FROM goal_cards WHERE org_id = ? AND "
                                           "employee_id IN (",
                                           in, ") AND granularity = ? AND period_start = ?"),
                              params));
    absl::flat_hash_map<std::string, v1::GoalCard> cards;
    for (const auto& row : rows) {
      v1::GoalCard card;
      if (!card.ParseFromString(row.Text(0))) return absl::DataLossError("corrupt goal card");
      auto [it, inserted] = cards.try_emplace(card.employee_id());
      const v1::GoalCard& held = it->second;
      if (inserted || std::forward_as_tuple(card.create_time().seconds(),
                                            card.create_time().nanos(), card.id()) >
                          std::forward_as_tuple(held.create_time().seconds(),
                                                held.create_time().nanos(), held.id())) {
        it->second = std::move(card);
      }
    }
    for (const std::string& id : ids) {
      v1::GoalCardScore* out = resp->add_scores();
      out->set_employee_id(id);
      auto it = cards.find(id);
      if (it == cards.end()) continue;
      const v1::GoalCard& card = it->second;
      out->set_found(true);
      out->set_goal_card_id(card.id());
      out->set_state(card.state());
      if (card.has_score() && (card.state() == v1::GOAL_CARD_STATE_SCORED ||
                               card.state() == v1::GOAL_CARD_STATE_CLOSED)) {
        out->set_score(card.score());
      }
      if (std::optional<double> self = CardSelfScore(card)) out->set_self_score(*self);
    }
    return absl::OkStatus();
  });
}

}  // namespace opsuite::planning
