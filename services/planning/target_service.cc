#include "services/planning/target_service.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/period.h"
#include "common/storage/idempotency.h"
#include "common/timestamps.h"
#include "services/planning/domain/decompose.h"
#include "services/planning/domain/progress.h"

namespace opsuite::planning {
namespace {

using storage::Blob;
using storage::Rows;
using OwnerInfo = TargetServiceImpl::OwnerInfo;

constexpr int kMaxChildren = 400;  // a year of days at most (366), with room

// What is wrong with a metric name ("" when nothing).
std::string MetricProblem(const std::string& metric) {
  if (metric.empty()) return "must name a metric, e.g. \"sales\"";
  if (metric.size() > 64) return "must be at most 64 characters";
  for (char c : metric) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
          c == ':' || c == '-')) {
      return "may hold letters, digits and _ . : - only";
    }
  }
  return "";
}

absl::StatusOr<OwnerInfo> ResolveOwner(Tx& tx, const std::string& org, const OrgTree& tree,
                                       const v1::Owner& owner, const std::string& field) {
  OwnerInfo info;
  info.owner = owner;
  switch (owner.kind()) {
    case v1::OWNER_KIND_ORG:
      if (!owner.id().empty() && owner.id() != org) {
        return absl::NotFoundError(absl::StrCat("org ", owner.id(), " not found"));
      }
      info.owner.set_id(org);
      return info;
    case v1::OWNER_KIND_DEPARTMENT: {
      const OrgTree::Dept* d = tree.Find(owner.id());
      if (d == nullptr) {
        return InvalidField(absl::StrCat(field, ".id"),
                            absl::StrCat("no department ", owner.id(), " in this org"));
      }
      info.dept_path = d->path;
      info.dept_id = d->id;
      return info;
    }
    case v1::OWNER_KIND_EMPLOYEE: {
      auto e = LoadEmployee(tx, org, owner.id());
      if (absl::IsNotFound(e.status())) {
        return InvalidField(absl::StrCat(field, ".id"),
                            absl::StrCat("no employee ", owner.id(), " in this org"));
      }
      RETURN_IF_ERROR(e.status());
      const OrgTree::Dept* d = tree.Find(e->department_id());
      info.dept_path = d ? d->path : "";
      info.dept_id = e->department_id();
      info.manager_id = e->manager_id();
      return info;
    }
    default:
      return InvalidField(absl::StrCat(field, ".kind"), "must be ORG, DEPARTMENT or EMPLOYEE");
  }
}

// Admins, and managers for what sits below them, set and split targets.
bool MayManage(const auth::Principal& p, const OrgTree& tree, const OwnerInfo& o) {
  if (p.IsAdmin()) return true;
  switch (o.owner.kind()) {
    case v1::OWNER_KIND_DEPARTMENT: return tree.Manages(p.subject, o.dept_id);
    case v1::OWNER_KIND_EMPLOYEE:
      return (o.manager_id == p.subject && !p.subject.empty()) ||
             tree.Manages(p.subject, o.dept_id);
    default: return false;
  }
}

// Org targets are visible to the whole org, a department's to its people and managers, an
// employee's to them and their managers. `mine` is the caller's own department (nullptr when
// unknown or when the caller is no employee of the org).
bool MayReadKnowing(const auth::Principal& p, const OrgTree& tree, const OwnerInfo& o,
                    const OrgTree::Dept* mine) {
  if (p.SeesOrg() || o.owner.kind() == v1::OWNER_KIND_ORG) return true;
  if (o.owner.kind() == v1::OWNER_KIND_EMPLOYEE && o.owner.id() == p.subject) return true;
  if (MayManage(p, tree, o)) return true;
  if (o.owner.kind() == v1::OWNER_KIND_DEPARTMENT) {
    return mine != nullptr && mine->path.compare(0, o.dept_path.size(), o.dept_path) == 0;
  }
  return false;
}

// MayReadKnowing, loading the caller's department only when it decides.
absl::StatusOr<bool> MayRead(Tx& tx, const auth::Principal& p, const OrgTree& tree,
                             const OwnerInfo& o) {
  if (MayReadKnowing(p, tree, o, nullptr)) return true;
  if (o.owner.kind() != v1::OWNER_KIND_DEPARTMENT) return false;
  auto me = LoadEmployee(tx, p.org, p.subject);
  if (absl::IsNotFound(me.status())) return false;
  RETURN_IF_ERROR(me.status());
  return MayReadKnowing(p, tree, o, tree.Find(me->department_id()));
}

absl::Status SaveTarget(Tx& tx, const std::string& org, const v1::Target& t, int64_t version,
                        bool insert) {
  std::string body = t.SerializeAsString();
  if (insert) {
    return tx
        .Exec("INSERT INTO targets (org_id, id, parent_id, owner_kind, owner_id, metric, "
              "start_date, end_date, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {org, t.id(), t.parent_id(), int64_t{t.owner().kind()}, t.owner().id(), t.metric(),
               t.start_date(), t.end_date(), version, Blob{body}})
        .status();
  }
  return tx
      .Exec("UPDATE targets SET version = ?, body = ? WHERE org_id = ? AND id = ?",
            {version, Blob{body}, org, t.id()})
      .status();
}

absl::StatusOr<v1::Target> LoadTarget(Tx& tx, const std::string& org, const std::string& id) {
  v1::Target t;
  RETURN_IF_ERROR(LoadBody(tx, "targets", "target", org, id, &t));
  return t;
}

absl::StatusOr<std::vector<v1::Target>> LoadChildren(Tx& tx, const std::string& org,
                                                     const std::string& parent_id) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT body FROM targets WHERE org_id = ? AND parent_id = "
                                       "? ORDER BY start_date, id",
                                       {org, parent_id}));
  std::vector<v1::Target> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!out[i].ParseFromString(rows[i].Text(0))) return absl::DataLossError("corrupt target");
  }
  return out;
}

// The SQL condition and parameters selecting the actuals that roll up into `t`'s owner.
struct ActualScope {
  std::string where;
  std::vector<storage::Value> params;
};

absl::StatusOr<ActualScope> ScopeOf(Tx& tx, const std::string& org, const OrgTree& tree,
                                    const v1::Target& t) {
  ActualScope s;
  s.params = {org, t.metric()};
  switch (t.owner().kind()) {
    case v1::OWNER_KIND_ORG:
      s.where = "org_id = ? AND metric = ?";
      break;
    case v1::OWNER_KIND_DEPARTMENT: {
      const OrgTree::Dept* d = tree.Find(t.owner().id());
      if (d == nullptr) return absl::FailedPreconditionError("the target's department is gone");
      s.where = "org_id = ? AND metric = ? AND substr(dept_path, 1, length(?)) = ?";
      s.params.push_back(d->path);
      s.params.push_back(d->path);
      break;
    }
    default:
      s.where = "org_id = ? AND metric = ? AND owner_kind = 3 AND owner_id = ?";
      s.params.push_back(t.owner().id());
  }
  return s;
}

absl::StatusOr<std::pair<int64_t, int64_t>> SumActuals(Tx& tx, const ActualScope& scope,
                                                       const std::string& from,
                                                       const std::string& to) {
  std::vector<storage::Value> params = scope.params;
  params.push_back(from);
  params.push_back(to);
  ASSIGN_OR_RETURN(Rows rows, tx.Query(absl::StrCat("SELECT COALESCE(SUM(value), 0), COUNT(*) "
                                                    "FROM actuals WHERE ",
                                                    scope.where, " AND day >= ? AND day <= ?"),
                                       params));
  return std::make_pair(rows[0].Int(0), rows[0].Int(1));
}

absl::StatusOr<PlanNode> LoadPlan(Tx& tx, const std::string& org, const v1::Target& t,
                                  int depth = 0) {
  PlanNode node;
  ASSIGN_OR_RETURN(node.range.first, ParseDate(t.start_date(), "start_date"));
  ASSIGN_OR_RETURN(node.range.last, ParseDate(t.end_date(), "end_date"));
  node.value = t.value();
  if (t.decomposition() == v1::DECOMPOSITION_BY_TIME && depth < 8) {
    ASSIGN_OR_RETURN(auto children, LoadChildren(tx, org, t.id()));
    for (const auto& c : children) {
      ASSIGN_OR_RETURN(PlanNode child, LoadPlan(tx, org, c, depth + 1));
      node.time_children.push_back(std::move(child));
    }
  }
  return node;
}

// Targets by parent id, each list in date order (start_date, id), as LoadChildren reads them.
using ChildIndex = absl::flat_hash_map<std::string, std::vector<const v1::Target*>>;

// LoadPlan over targets already in memory: `children` must hold every time-child below `t`.
absl::StatusOr<PlanNode> PlanFrom(const v1::Target& t, const ChildIndex& children,
                                  int depth = 0) {
  PlanNode node;
  ASSIGN_OR_RETURN(node.range.first, ParseDate(t.start_date(), "start_date"));
  ASSIGN_OR_RETURN(node.range.last, ParseDate(t.end_date(), "end_date"));
  node.value = t.value();
  if (t.decomposition() == v1::DECOMPOSITION_BY_TIME && depth < 8) {
    auto it = children.find(t.id());
    if (it != children.end()) {
      for (const v1::Target* c : it->second) {
        ASSIGN_OR_RETURN(PlanNode child, PlanFrom(*c, children, depth + 1));
        node.time_children.push_back(std::move(child));
      }
    }
  }
  return node;
}

// How `t`, planned as `plan`, stands on `as_of` with `actual` achieved (the actuals dated from
// its first day through `as_of` clamped into its days; 0 when `as_of` is before them).
void FillProgress(const v1::Target& t, const PlanNode& plan, int64_t actual,
                  absl::CivilDay as_of, v1::Progress* out) {
  ProgressFigures f = ComputeProgress(plan, actual, as_of);
  if (as_of < plan.range.first) {
    // Not started yet: nothing is expected, so nothing can be behind.
    f.plan_to_date = 0;
    f.expected_ratio = 0;
    f.elapsed_ratio = 0;
    f.variance = f.actual;
    f.gap = 0;
    if (f.status != v1::PROGRESS_STATUS_ACHIEVED) f.status = v1::PROGRESS_STATUS_ON_TRACK;
  }
  out->set_target_id(t.id());
  out->set_as_of(FormatDate(f.as_of));
  out->set_value(f.value);
  out->set_actual(f.actual);
  out->set_plan_to_date(f.plan_to_date);
  out->set_completion_ratio(f.completion_ratio);
  out->set_expected_ratio(f.expected_ratio);
  out->set_elapsed_ratio(f.elapsed_ratio);
  out->set_variance(f.variance);
  out->set_status(f.status);
  out->set_gap(f.gap);
}

// True when `a` was created after `b` (ids, which sort by creation, break ties).
bool CreatedAfter(const v1::Target& a, const v1::Target& b) {
  return std::forward_as_tuple(a.create_time().seconds(), a.create_time().nanos(), a.id()) >
         std::forward_as_tuple(b.create_time().seconds(), b.create_time().nanos(), b.id());
}

std::string OwnerKey(const v1::Owner& o) { return absl::StrCat(o.kind(), "/", o.id()); }

// Deletes the children of `parent_id` and everything below them; returns the deleted ids.
absl::Status DeleteSubtree(Tx& tx, const std::string& org, const std::string& parent_id,
                           std::vector<std::string>* deleted, int depth = 0) {
  if (depth > 8) return absl::OkStatus();
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id FROM targets WHERE org_id = ? AND parent_id = ?",
                                       {org, parent_id}));
  for (const auto& row : rows) {
    RETURN_IF_ERROR(DeleteSubtree(tx, org, row.Text(0), deleted, depth + 1));
    RETURN_IF_ERROR(
        tx.Exec("DELETE FROM targets WHERE org_id = ? AND id = ?", {org, row.Text(0)}).status());
    deleted->push_back(row.Text(0));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Target> TargetServiceImpl::CachedTarget(const std::string& org,
                                                          const std::string& id) {
  return cache::GetOrLoad<v1::Target>(*ctx_->cache, ctx_->flight, TargetKey(org, id), kCacheTtl,
                                      [&]() -> absl::StatusOr<v1::Target> {
                                        v1::Target t;
                                        RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
                                          ASSIGN_OR_RETURN(t, LoadTarget(tx, org, id));
                                          return absl::OkStatus();
                                        }));
                                        return t;
                                      });
}

absl::Status TargetServiceImpl::DoCreateTarget(const Call& call,
                                               const v1::CreateTargetRequest& req,
                                               v1::Target* resp) {
  v1::Target t = req.target();
  FieldViolations v;
  if (std::string p = MetricProblem(t.metric()); !p.empty()) v.Add("target.metric", p);
  if (t.unit().size() > 16) v.Add("target.unit", "must be at most 16 characters");
  if (t.value() < 0) v.Add("target.value", "must not be negative");
  if (!t.parent_id().empty()) v.Add("target.parent_id", "is set by DecomposeTarget, not by callers");
  if (t.name().size() > 200) v.Add("target.name", "must be at most 200 bytes");
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(DateRange range, PeriodRange(t.period(), "target.period"));
  const std::string& org = call.principal.org;
  return ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "CreateTarget", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    ASSIGN_OR_RETURN(OwnerInfo owner, ResolveOwner(tx, org, *tree, t.owner(), "target.owner"));
    if (!MayManage(call.principal, *tree, owner)) {
      return absl::PermissionDeniedError(
          "targets are set by admins, and by managers for the departments and people they manage");
    }
    absl::Time now = ctx_->clock->Now();
    *t.mutable_owner() = owner.owner;
    t.set_id(NewId("tgt", now));
    t.set_start_date(FormatDate(range.first));
    t.set_end_date(FormatDate(range.last));
    t.set_decomposition(v1::DECOMPOSITION_UNSPECIFIED);
    t.set_etag(EtagOf(1));
    *t.mutable_create_time() = ToProto(now);
    RETURN_IF_ERROR(SaveTarget(tx, org, t, 1, /*insert=*/true));
    *resp = t;
    return storage::RememberIdempotent(tx, org, "CreateTarget", req.request_id(), *resp);
  });
}

absl::Status TargetServiceImpl::DoGetTarget(const Call& call, const v1::GetTargetRequest& req,
                                            v1::Target* resp) {
  if (req.id().empty()) return InvalidField("id", "must name a target");
  ASSIGN_OR_RETURN(*resp, CachedTarget(call.principal.org, req.id()));
  if (call.principal.SeesOrg()) return absl::OkStatus();
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, call.principal.org));
    ASSIGN_OR_RETURN(OwnerInfo o, ResolveOwner(tx, call.principal.org, *tree, resp->owner(), "owner"));
    ASSIGN_OR_RETURN(bool ok, MayRead(tx, call.principal, *tree, o));
    if (!ok) return absl::PermissionDeniedError(absl::StrCat("target ", req.id(), " is not visible to you"));
    return absl::OkStatus();
  });
}

absl::Status TargetServiceImpl::DoListTargets(const Call& call, const v1::ListTargetsRequest& req,
                                              v1::ListTargetsResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(req.page_token()));
  if (std::string p = MetricProblem(req.metric()); !req.metric().empty() && !p.empty()) {
    return InvalidField("metric", p);
  }
  const std::string& org = call.principal.org;
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    std::string sql = "SELECT id, body FROM targets WHERE org_id = ? AND id > ?";
    std::vector<storage::Value> params = {org, after};
    if (req.has_owner() && req.owner().kind() != v1::OWNER_KIND_UNSPECIFIED) {
      sql += " AND owner_kind = ? AND owner_id = ?";
      params.push_back(int64_t{req.owner().kind()});
      params.push_back(req.owner().kind() == v1::OWNER_KIND_ORG ? org : req.owner().id());
    }
    if (!req.metric().empty()) {
      sql += " AND metric = ?";
      params.push_back(req.metric());
    }
    if (!req.parent_id().empty()) {
      sql += " AND parent_id = ?";
      params.push_back(req.parent_id());
    }
    sql += " ORDER BY id LIMIT ?";
    params.push_back(int64_t{size + 1});
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(size); ++i) {
      v1::Target t;
      if (!t.ParseFromString(rows[i].Text(1))) return absl::DataLossError("corrupt target");
      if (!call.principal.SeesOrg()) {
        auto o = ResolveOwner(tx, org, *tree, t.owner(), "owner");
        if (!o.ok()) continue;
        ASSIGN_OR_RETURN(bool visible, MayRead(tx, call.principal, *tree, *o));
        if (!visible) continue;
      }
      *resp->add_targets() = std::move(t);
    }
    if (rows.size() > static_cast<size_t>(size)) {
      resp->set_next_page_token(EncodePageToken(rows[size - 1].Text(0)));
    }
    return absl::OkStatus();
  });
}

absl::Status TargetServiceImpl::DoDecomposeTarget(const Call& call,
                                                  const v1::DecomposeTargetRequest& req,
                                                  v1::DecomposeTargetResponse* resp) {
  if (req.target_id().empty()) return InvalidField("target_id", "must name a target");
  if (req.by_case() == v1::DecomposeTargetRequest::BY_NOT_SET) {
    return InvalidField("by", "set by_time or by_owner");
  }
  const std::string& org = call.principal.org;
  std::vector<std::string> invalidated;
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    ASSIGN_OR_RETURN(v1::Target parent, LoadTarget(tx, org, req.target_id()));
    ASSIGN_OR_RETURN(OwnerInfo parent_owner, ResolveOwner(tx, org, *tree, parent.owner(), "owner"));
    if (!MayManage(call.principal, *tree, parent_owner)) {
      return absl::PermissionDeniedError(
          "targets are split by admins, and by managers for what they manage");
    }
    ASSIGN_OR_RETURN(DateRange parent_range, PeriodRange(parent.period(), "period"));

    // Build the new children.
    std::vector<v1::Target> children;
    absl::Time now = ctx_->clock->Now();
    if (req.has_by_time()) {
      ASSIGN_OR_RETURN(auto slices,
                       TimeSlices(parent_range, parent.period().granularity(),
                                  req.by_time().granularity(), req.by_time().skip_weekends()));
      if (slices.size() > static_cast<size_t>(kMaxChildren)) {
        return InvalidField("by_time.granularity", absl::StrCat("would make ", slices.size(),
                                                                " children; at most ", kMaxChildren));
      }
      std::vector<int64_t> weights(req.by_time().weights().begin(), req.by_time().weights().end());
      ASSIGN_OR_RETURN(auto values, DecomposeByTime(parent.value(), slices, weights));
      for (size_t i = 0; i < slices.size(); ++i) {
        v1::Target c;
        *c.mutable_owner() = parent.owner();
        c.set_metric(parent.metric());
        c.set_unit(parent.unit());
        *c.mutable_period() = slices[i].period;
        c.set_start_date(FormatDate(slices[i].range.first));
        c.set_end_date(FormatDate(slices[i].range.last));
        c.set_value(values[i]);
        children.push_back(std::move(c));
      }
    } else {
      const auto& shares = req.by_owner().shares();
      std::vector<int64_t> weights;
      absl::flat_hash_set<std::string> seen;
      for (int i = 0; i < shares.size(); ++i) {
        std::string field = absl::StrCat("by_owner.shares[", i, "].owner");
        ASSIGN_OR_RETURN(OwnerInfo o, ResolveOwner(tx, org, *tree, shares[i].owner(), field));
        if (o.owner.kind() == v1::OWNER_KIND_ORG) return InvalidField(field, "a share goes to a department or an employee");
        if (!seen.insert(absl::StrCat(o.owner.kind(), "/", o.owner.id())).second) {
          return InvalidField(field, "each owner may appear once");
        }
        if (!parent_owner.dept_path.empty() &&
            o.dept_path.compare(0, parent_owner.dept_path.size(), parent_owner.dept_path) != 0) {
          return InvalidField(field, "must sit inside the parent target's owner");
        }
        if (!MayManage(call.principal, *tree, o)) {
          return absl::PermissionDeniedError(absl::StrCat("you do not manage ", o.owner.id()));
        }
        weights.push_back(shares[i].weight());
        v1::Target c;
        *c.mutable_owner() = o.owner;
        c.set_metric(parent.metric());
        c.set_unit(parent.unit());
        *c.mutable_period() = parent.period();
        c.set_start_date(parent.start_date());
        c.set_end_date(parent.end_date());
        children.push_back(std::move(c));
      }
      ASSIGN_OR_RETURN(auto values, DecomposeByOwner(parent.value(), weights));
      for (size_t i = 0; i < children.size(); ++i) children[i].set_value(values[i]);
    }

    // Replace the old children only while none of them has actuals.
    ASSIGN_OR_RETURN(auto old_children, LoadChildren(tx, org, parent.id()));
    for (const auto& old : old_children) {
      ASSIGN_OR_RETURN(ActualScope scope, ScopeOf(tx, org, *tree, old));
      ASSIGN_OR_RETURN(auto sum, SumActuals(tx, scope, old.start_date(), old.end_date()));
      if (sum.second > 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "target ", parent.id(), " already has children with actuals (", old.id(), " has ",
            sum.second, "); its decomposition can no longer be replaced"));
      }
    }
    RETURN_IF_ERROR(DeleteSubtree(tx, org, parent.id(), &invalidated));

    ASSIGN_OR_RETURN(Rows vrow, tx.Query("SELECT version FROM targets WHERE org_id = ? AND id = ?",
                                         {org, parent.id()}));
    int64_t version = vrow[0].Int(0) + 1;
    parent.set_decomposition(req.has_by_time() ? v1::DECOMPOSITION_BY_TIME
                                               : v1::DECOMPOSITION_BY_OWNER);
    parent.set_etag(EtagOf(version));
    RETURN_IF_ERROR(SaveTarget(tx, org, parent, version, /*insert=*/false));
    for (auto& c : children) {
      c.set_id(NewId("tgt", now));
      c.set_parent_id(parent.id());
      c.set_etag(EtagOf(1));
      *c.mutable_create_time() = ToProto(now);
      RETURN_IF_ERROR(SaveTarget(tx, org, c, 1, /*insert=*/true));
      *resp->add_children() = c;
    }
    *resp->mutable_parent() = parent;
    invalidated.push_back(parent.id());
    return absl::OkStatus();
  }));
  std::vector<std::string> keys;
  for (const auto& id : invalidated) keys.push_back(TargetKey(org, id));
  ctx_->cache->Delete(keys);
  return absl::OkStatus();
}

absl::Status TargetServiceImpl::DoRecordActual(const Call& call,
                                               const v1::RecordActualRequest& req,
                                               v1::Actual* resp) {
  FieldViolations v;
  if (std::string p = MetricProblem(req.metric()); !p.empty()) v.Add("metric", p);
  auto day = ParseDate(req.date(), "date");
  if (!day.ok()) v.Add("date", "must be a YYYY-MM-DD calendar day");
  if (req.request_id().size() > 128) v.Add("request_id", "must be at most 128 characters");
  RETURN_IF_ERROR(v.ToStatus());
  const std::string& org = call.principal.org;
  return ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "RecordActual", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    ASSIGN_OR_RETURN(OwnerInfo owner, ResolveOwner(tx, org, *tree, req.owner(), "owner"));
    bool self = owner.owner.kind() == v1::OWNER_KIND_EMPLOYEE &&
                owner.owner.id() == call.principal.subject;
    if (!(call.principal.SeesOrg() || self || MayManage(call.principal, *tree, owner))) {
      return absl::PermissionDeniedError(
          "actuals are recorded by the employee, their managers, admins and services");
    }
    absl::Time now = ctx_->clock->Now();
    v1::Actual a;
    a.set_id(NewId("act", now));
    *a.mutable_owner() = owner.owner;
    a.set_metric(req.metric());
    a.set_date(FormatDate(*day));
    a.set_value(req.value());
    a.set_request_id(req.request_id());
    *a.mutable_create_time() = ToProto(now);
    RETURN_IF_ERROR(tx.Exec("INSERT INTO actuals (org_id, id, owner_kind, owner_id, dept_path, "
                            "metric, day, value, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            {org, a.id(), int64_t{a.owner().kind()}, a.owner().id(),
                             owner.dept_path, a.metric(), a.date(), a.value(),
                             Blob{a.SerializeAsString()}})
                        .status());
    *resp = a;
    return storage::RememberIdempotent(tx, org, "RecordActual", req.request_id(), *resp);
  });
}

absl::Status TargetServiceImpl::Progress(const Call& call, const std::string& target_id,
                                         const std::string& as_of_text, v1::Progress* out) {
  absl::CivilDay as_of;
  if (as_of_text.empty()) {
    as_of = absl::ToCivilDay(ctx_->clock->Now(), DefaultOrgZone());
  } else {
    ASSIGN_OR_RETURN(as_of, ParseDate(as_of_text, "as_of"));
  }
  const std::string& org = call.principal.org;
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    ASSIGN_OR_RETURN(v1::Target t, LoadTarget(tx, org, target_id));
    if (!call.principal.SeesOrg()) {
      ASSIGN_OR_RETURN(OwnerInfo o, ResolveOwner(tx, org, *tree, t.owner(), "owner"));
      ASSIGN_OR_RETURN(bool ok, MayRead(tx, call.principal, *tree, o));
      if (!ok) return absl::PermissionDeniedError(absl::StrCat("target ", target_id, " is not visible to you"));
    }
    ASSIGN_OR_RETURN(PlanNode plan, LoadPlan(tx, org, t));
    absl::CivilDay clamped = std::clamp(as_of, plan.range.first, plan.range.last);
    int64_t actual = 0;
    if (as_of >= plan.range.first) {
      ASSIGN_OR_RETURN(ActualScope scope, ScopeOf(tx, org, *tree, t));
      ASSIGN_OR_RETURN(auto sum, SumActuals(tx, scope, t.start_date(), FormatDate(clamped)));
      actual = sum.first;
    }
    FillProgress(t, plan, actual, as_of, out);
    return absl::OkStatus();
  });
}

absl::Status TargetServiceImpl::DoGetProgress(const Call& call, const v1::GetProgressRequest& req,
                                              v1::Progress* resp) {
  if (req.target_id().empty()) return InvalidField("target_id", "must name a target");
  return Progress(call, req.target_id(), req.as_of(), resp);
}

absl::Status TargetServiceImpl::DoBatchGetProgress(const Call& call,
                                                   const v1::BatchGetProgressRequest& req,
                                                   v1::BatchGetProgressResponse* resp) {
  RETURN_IF_ERROR(CheckIdList(req.target_ids(), "target_ids"));
  for (int i = 0; i < req.target_ids_size(); ++i) {
    RETURN_IF_ERROR(Progress(call, req.target_ids(i), req.as_of(), resp->add_progress()));
  }
  return absl::OkStatus();
}

absl::Status TargetServiceImpl::DoBatchGetOwnerProgress(
    const Call& call, const v1::BatchGetOwnerProgressRequest& req,
    v1::BatchGetOwnerProgressResponse* resp) {
  constexpr int kMaxOwners = 1000;
  const auth::Principal& me = call.principal;
  const std::string& org = me.org;
  FieldViolations v;
  if (req.owners_size() > kMaxOwners) {
    v.Add("owners", absl::StrCat("at most ", kMaxOwners, " per call, got ", req.owners_size()));
  } else {
    for (int i = 0; i < req.owners_size(); ++i) {
      const v1::Owner& o = req.owners(i);
      switch (o.kind()) {
        case v1::OWNER_KIND_ORG:
          if (!o.id().empty() && o.id() != org) {
            v.Add(absl::StrCat("owners[", i, "].id"), "must be empty or the caller's org");
          }
          break;
        case v1::OWNER_KIND_DEPARTMENT:
        case v1::OWNER_KIND_EMPLOYEE:
          if (o.id().empty()) v.Add(absl::StrCat("owners[", i, "].id"), "must not be empty");
          break;
        default:
          v.Add(absl::StrCat("owners[", i, "].kind"), "must be ORG, DEPARTMENT or EMPLOYEE");
      }
    }
  }
  if (std::string p = MetricProblem(req.metric()); !p.empty()) v.Add("metric", p);
  absl::CivilDay as_of;
  if (!req.as_of().empty()) {
    auto day = ParseDate(req.as_of(), "as_of");
    if (day.ok()) as_of = *day;
    else v.Add("as_of", "must be a YYYY-MM-DD calendar day");
  }
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(DateRange period, PeriodRange(req.period(), "period"));
  if (req.as_of().empty()) {
    as_of = std::min(period.last, absl::ToCivilDay(ctx_->clock->Now(), DefaultOrgZone()));
  }
  const int n = req.owners_size();
  if (n == 0) return absl::OkStatus();

  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    resp->clear_progress();
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));

    // The employees named, and the caller when their department decides what they see: one
    // query.
    std::vector<std::string> employee_ids;
    bool any_department = false;
    for (const v1::Owner& o : req.owners()) {
      if (o.kind() == v1::OWNER_KIND_EMPLOYEE) employee_ids.push_back(o.id());
      any_department |= o.kind() == v1::OWNER_KIND_DEPARTMENT;
    }
    if (!me.SeesOrg() && any_department && !me.subject.empty()) employee_ids.push_back(me.subject);
    ASSIGN_OR_RETURN(auto employees, LoadEmployeeRefs(tx, org, employee_ids));

    // Resolve every owner (as ResolveOwner does), then check that the caller may read them.
    std::vector<OwnerInfo> owners(n);
    FieldViolations unknown;
    for (int i = 0; i < n; ++i) {
      const v1::Owner& o = req.owners(i);
      OwnerInfo& info = owners[i];
      info.owner = o;
      if (o.kind() == v1::OWNER_KIND_ORG) {
        info.owner.set_id(org);
      } else if (o.kind() == v1::OWNER_KIND_DEPARTMENT) {
        const OrgTree::Dept* d = tree->Find(o.id());
        if (d == nullptr) {
          unknown.Add(absl::StrCat("owners[", i, "].id"),
                      absl::StrCat("no department ", o.id(), " in this org"));
          continue;
        }
        info.dept_path = d->path;
        info.dept_id = d->id;
      } else {
        auto e = employees.find(o.id());
        if (e == employees.end()) {
          unknown.Add(absl::StrCat("owners[", i, "].id"),
                      absl::StrCat("no employee ", o.id(), " in this org"));
          continue;
        }
        const OrgTree::Dept* d = tree->Find(e->second.department_id());
        info.dept_path = d ? d->path : "";
        info.dept_id = e->second.department_id();
        info.manager_id = e->second.manager_id();
      }
    }
    RETURN_IF_ERROR(unknown.ToStatus());
    if (!me.SeesOrg()) {
      auto self = employees.find(me.subject);
      const OrgTree::Dept* mine =
          self == employees.end() ? nullptr : tree->Find(self->second.department_id());
      for (const OwnerInfo& o : owners) {
        if (!MayReadKnowing(me, *tree, o, mine)) {
          return absl::PermissionDeniedError(absl::StrCat(
              "the targets of ", o.owner.kind() == v1::OWNER_KIND_DEPARTMENT ? "department "
                                                                             : "employee ",
              o.owner.id(), " are visible only to their people, their managers and admins"));
        }
      }
    }

    // Every target of these owners and metric that starts inside the period, one query per
    // owner kind: those with exactly this period, and every time-child below them (a child
    // keeps its parent's owner and metric and lies inside its days). Only a week at the edge
    // of its parent starts after its period's first day, so a target of this period starts
    // inside it.
    absl::flat_hash_map<int, std::vector<std::string>> ids_by_kind;
    absl::flat_hash_set<std::string> seen;
    for (const OwnerInfo& o : owners) {
      if (seen.insert(OwnerKey(o.owner)).second) {
        ids_by_kind[o.owner.kind()].push_back(o.owner.id());
      }
    }
    const std::string first = FormatDate(period.first);
    const std::string last = FormatDate(period.last);
    std::vector<v1::Target> rows;
    for (int kind : {v1::OWNER_KIND_ORG, v1::OWNER_KIND_DEPARTMENT, v1::OWNER_KIND_EMPLOYEE}) {
      auto ids = ids_by_kind.find(kind);
      if (ids == ids_by_kind.end()) continue;
      std::vector<storage::Value> params = {org, int64_t{kind}};
      std::string in = AppendInList(ids->second, &params);
      params.insert(params.end(), {req.metric(), first, last});
      ASSIGN_OR_RETURN(Rows found,
                       tx.Query(absl::StrCat("SELECT body FROM targets WHERE org_id = ? AND "
                                             "owner_kind = ? AND owner_id IN (",
                                             in,
                                             ") AND metric = ? AND start_date >= ? AND "
                                             "start_date <= ?"),
                                params));
      for (const auto& row : found) {
        if (!rows.emplace_back().ParseFromString(row.Text(0))) {
          return absl::DataLossError("corrupt target");
        }
      }
    }
    // The latest target of each owner with exactly this period; the children of each target.
    absl::flat_hash_map<std::string, const v1::Target*> chosen;
    ChildIndex children;
    for (const v1::Target& t : rows) {
      if (!t.parent_id().empty()) children[t.parent_id()].push_back(&t);
      if (t.period().granularity() == req.period().granularity() &&
          t.period().start_date() == req.period().start_date()) {
        const v1::Target*& slot = chosen[OwnerKey(t.owner())];
        if (slot == nullptr || CreatedAfter(t, *slot)) slot = &t;
      }
    }
    for (auto& [parent, list] : children) {
      std::sort(list.begin(), list.end(), [](const v1::Target* a, const v1::Target* b) {
        return std::tie(a->start_date(), a->id()) < std::tie(b->start_date(), b->id());
      });
    }

    // Each chosen target's plan, and the range of days its actual sums.
    struct Measure {
      const v1::Target* target;
      const OwnerInfo* owner;
      PlanNode plan;
      int64_t actual = 0;
    };
    absl::node_hash_map<std::string, Measure> measures;  // by owner key; stable addresses
    std::map<std::pair<std::string, std::string>, std::vector<Measure*>> by_range;
    for (const OwnerInfo& o : owners) {
      std::string key = OwnerKey(o.owner);
      auto it = chosen.find(key);
      if (it == chosen.end() || measures.contains(key)) continue;
      ASSIGN_OR_RETURN(PlanNode plan, PlanFrom(*it->second, children));
      Measure& m = measures[key];
      m.target = it->second;
      m.owner = &o;
      m.plan = std::move(plan);
      if (as_of >= m.plan.range.first) {
        absl::CivilDay to = std::clamp(as_of, m.plan.range.first, m.plan.range.last);
        by_range[{m.target->start_date(), FormatDate(to)}].push_back(&m);
      }
    }

    // The actuals, per range (targets of one period share it, but for a week cut at the edge
    // of its parent): the employees' own in one query, the department and org roll-ups from
    // the sums per department path in another (as ScopeOf selects them).
    for (auto& [range, list] : by_range) {
      std::vector<std::string> employee_owners;
      bool rollups = false;
      for (const Measure* m : list) {
        if (m->owner->owner.kind() == v1::OWNER_KIND_EMPLOYEE) {
          employee_owners.push_back(m->owner->owner.id());
        } else {
          rollups = true;
        }
      }
      absl::flat_hash_map<std::string, int64_t> by_employee;
      if (!employee_owners.empty()) {
        std::vector<storage::Value> params = {org, int64_t{v1::OWNER_KIND_EMPLOYEE}};
        std::string in = AppendInList(employee_owners, &params);
        params.insert(params.end(), {req.metric(), range.first, range.second});
        ASSIGN_OR_RETURN(Rows sums, tx.Query(absl::StrCat("SELECT owner_id, COALESCE(SUM(value), "
                                                          "0) FROM actuals WHERE org_id = ? AND "
                                                          "owner_kind = ? AND owner_id IN (",
                                                          in,
                                                          ") AND metric = ? AND day >= ? AND "
                                                          "day <= ? GROUP BY owner_id"),
                                             params));
        for (const auto& row : sums) by_employee[row.Text(0)] = row.Int(1);
      }
      std::vector<std::pair<std::string, int64_t>> by_path;
      if (rollups) {
        ASSIGN_OR_RETURN(Rows sums, tx.Query("SELECT dept_path, COALESCE(SUM(value), 0) FROM "
                                             "actuals WHERE org_id = ? AND metric = ? AND day >= ? "
                                             "AND day <= ? GROUP BY dept_path",
                                             {org, req.metric(), range.first, range.second}));
        for (const auto& row : sums) by_path.emplace_back(row.Text(0), row.Int(1));
      }
      for (Measure* m : list) {
        switch (m->owner->owner.kind()) {
          case v1::OWNER_KIND_EMPLOYEE: {
            auto it = by_employee.find(m->owner->owner.id());
            m->actual = it == by_employee.end() ? 0 : it->second;
            break;
          }
          case v1::OWNER_KIND_ORG:
            for (const auto& [path, sum] : by_path) m->actual += sum;
            break;
          default:
            for (const auto& [path, sum] : by_path) {
              if (absl::StartsWith(path, m->owner->dept_path)) m->actual += sum;
            }
        }
      }
    }

    for (const OwnerInfo& o : owners) {
      v1::OwnerProgress* out = resp->add_progress();
      *out->mutable_owner() = o.owner;
      auto it = measures.find(OwnerKey(o.owner));
      if (it == measures.end()) continue;
      out->set_found(true);
      FillProgress(*it->second.target, it->second.plan, it->second.actual, as_of,
                   out->mutable_progress());
    }
    return absl::OkStatus();
  });
}

}  // namespace opsuite::planning
