#include "services/planning/context.h"

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/timestamps.h"

namespace opsuite::planning {

Relation RelationTo(const auth::Principal& p, const OrgTree& tree, const v1::Employee& e) {
  return auth::RelationTo(p, tree, {e.id(), e.department_id(), e.manager_id()});
}

absl::Status CanRead(const auth::Principal& p, const OrgTree& tree, const v1::Employee& e) {
  if (RelationTo(p, tree, e) != Relation::kNone) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "employee ", e.id(), " is visible only to themselves, their managers and admins"));
}

absl::Status RequireAdmin(const auth::Principal& p, absl::string_view action, bool allow_service) {
  if (p.IsAdmin() || (allow_service && p.IsService())) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("only an admin can ", action));
}

common::v1::Event NewEvent(const Clock& clock, std::string type, const std::string& org,
                           const std::string& subject, const std::string& actor,
                           google::protobuf::Struct payload) {
  common::v1::Event e;
  absl::Time now = clock.Now();
  e.set_id(NewId("evt", now));
  e.set_type(std::move(type));
  e.set_org_id(org);
  *e.mutable_occurred_at() = ToProto(now);
  e.set_subject_id(subject);
  e.set_actor_id(actor);
  *e.mutable_payload() = std::move(payload);
  if (const log::RequestInfo* r = log::CurrentRequest()) {
    e.set_traceparent(r->trace.Child().ToHeader());
  }
  return e;
}

void Put(google::protobuf::Struct& s, const std::string& key, const std::string& value) {
  (*s.mutable_fields())[key].set_string_value(value);
}

void PutNumber(google::protobuf::Struct& s, const std::string& key, double value) {
  (*s.mutable_fields())[key].set_number_value(value);
}

std::string EmployeeKey(const std::string& org, const std::string& id) {
  return cache::Key(org, "planning", "employee", id);
}
std::string TargetKey(const std::string& org, const std::string& id) {
  return cache::Key(org, "planning", "target", id);
}
std::string GoalCardKey(const std::string& org, const std::string& id) {
  return cache::Key(org, "planning", "goal_card", id);
}

}  // namespace opsuite::planning
