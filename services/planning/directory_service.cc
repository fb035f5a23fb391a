#include "services/planning/directory_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/storage/idempotency.h"
#include "common/timestamps.h"

namespace opsuite::planning {
namespace {

using storage::Blob;
using storage::Rows;

void CheckName(FieldViolations& v, const std::string& field, const std::string& name) {
  if (name.empty()) v.Add(field, "must not be empty");
  if (name.size() > 200) v.Add(field, "must be at most 200 bytes");
}

// Fills defaults and checks the fields a caller sets on an employee.
void CheckEmployeeFields(FieldViolations& v, v1::Employee& e) {
  CheckName(v, "employee.name", e.name());
  if (e.department_id().empty()) v.Add("employee.department_id", "must name a department");
  if (e.role_class() == v1::ROLE_CLASS_UNSPECIFIED || !v1::RoleClass_IsValid(e.role_class())) {
    v.Add("employee.role_class",
          "must be STAFF, RESEARCHER, MIDDLE_MANAGER, SALES or SENIOR_MANAGER");
  }
  if (!e.email().empty() &&
      (e.email().size() > 254 || !absl::StrContains(e.email(), "@") ||
       absl::StartsWith(e.email(), "@") || absl::EndsWith(e.email(), "@"))) {
    v.Add("employee.email", "is not an email address");
  }
  if (e.locale().empty()) e.set_locale("zh-CN");
  if (e.locale() != "zh-CN" && e.locale() != "en") v.Add("employee.locale", "must be zh-CN or en");
  if (e.timezone().empty()) e.set_timezone("Asia/Shanghai");
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(e.timezone(), &tz)) {
    v.Add("employee.timezone", absl::StrCat("unknown IANA time zone \"", e.timezone(), "\""));
  }
}

absl::Status SaveEmployee(Tx& tx, const std::string& org, const v1::Employee& e,
                          const std::string& dept_path, int64_t version, bool insert) {
  std::string body = e.SerializeAsString();
  if (insert) {
    return tx
        .Exec("INSERT INTO employees (org_id, id, department_id, dept_path, manager_id, version, "
              "body) VALUES (?, ?, ?, ?, ?, ?, ?)",
              {org, e.id(), e.department_id(), dept_path, e.manager_id(), version, Blob{body}})
        .status();
  }
  return tx
      .Exec("UPDATE employees SET department_id = ?, dept_path = ?, manager_id = ?, version = ?, "
            "body = ? WHERE org_id = ? AND id = ?",
            {e.department_id(), dept_path, e.manager_id(), version, Blob{body}, org, e.id()})
      .status();
}

}  // namespace

absl::StatusOr<v1::Employee> DirectoryServiceImpl::ReadEmployee(const std::string& org,
                                                               const std::string& id) {
  v1::Employee e;
  RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(e, LoadEmployee(tx, org, id));
    return absl::OkStatus();
  }));
  return e;
}

absl::StatusOr<v1::Employee> DirectoryServiceImpl::CachedEmployee(const std::string& org,
                                                                 const std::string& id) {
  return cache::GetOrLoad<v1::Employee>(*ctx_->cache, ctx_->flight, EmployeeKey(org, id),
                                        kCacheTtl, [&] { return ReadEmployee(org, id); });
}

absl::Status DirectoryServiceImpl::DoCreateDepartment(const Call& call,
                                                      const v1::CreateDepartmentRequest& req,
                                                      v1::Department* resp) {
  RETURN_IF_ERROR(RequireAdmin(call.principal, "create departments"));
  FieldViolations v;
  CheckName(v, "department.name", req.department().name());
  RETURN_IF_ERROR(v.ToStatus());
  const std::string& org = call.principal.org;
  return ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "CreateDepartment", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    v1::Department d = req.department();
    d.set_id(NewId("dep", ctx_->clock->Now()));
    std::string path = "/";
    if (!d.parent_id().empty()) {
      const OrgTree::Dept* parent = tree->Find(d.parent_id());
      if (parent == nullptr) {
        return InvalidField("department.parent_id",
                            absl::StrCat("no department ", d.parent_id(), " in this org"));
      }
      path = parent->path;
    }
    absl::StrAppend(&path, d.id(), "/");
    if (!d.manager_id().empty()) {
      RETURN_IF_ERROR(RequireEmployee(tx, org, d.manager_id(), "department.manager_id"));
    }
    d.set_etag(EtagOf(1));
    *d.mutable_create_time() = ToProto(ctx_->clock->Now());
    RETURN_IF_ERROR(tx.Exec("INSERT INTO departments (org_id, id, parent_id, manager_id, path, "
                            "version, body) VALUES (?, ?, ?, ?, ?, 1, ?)",
                            {org, d.id(), d.parent_id(), d.manager_id(), path,
                             Blob{d.SerializeAsString()}})
                        .status());
    RETURN_IF_ERROR(BumpDirectoryVersion(tx, org));
    *resp = d;
    return storage::RememberIdempotent(tx, org, "CreateDepartment", req.request_id(), *resp);
  });
}

absl::Status DirectoryServiceImpl::DoGetDepartment(const Call& call,
                                                   const v1::GetDepartmentRequest& req,
                                                   v1::Department* resp) {
  if (req.id().empty()) return InvalidField("id", "must name a department");
  return ctx_->db->Read([&](Tx& tx) {
    return LoadBody(tx, "departments", "department", call.principal.org, req.id(), resp);
  });
}

absl::Status DirectoryServiceImpl::DoListDepartments(const Call& call,
                                                     const v1::ListDepartmentsRequest& req,
                                                     v1::ListDepartmentsResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(req.page_token()));
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(
        Rows rows,
        req.parent_id().empty()
            ? tx.Query("SELECT id, body FROM departments WHERE org_id = ? AND id > ? ORDER BY id "
                       "LIMIT ?",
                       {call.principal.org, after, int64_t{size + 1}})
            : tx.Query("SELECT id, body FROM departments WHERE org_id = ? AND parent_id = ? AND "
                       "id > ? ORDER BY id LIMIT ?",
                       {call.principal.org, req.parent_id(), after, int64_t{size + 1}}));
    return FillPage(rows, size, "department", [&] { return resp->add_departments(); },
                    resp->mutable_next_page_token());
  });
}

absl::Status DirectoryServiceImpl::DoCreateEmployee(const Call& call,
                                                    const v1::CreateEmployeeRequest& req,
                                                    v1::Employee* resp) {
  RETURN_IF_ERROR(RequireAdmin(call.principal, "create employees"));
  v1::Employee e = req.employee();
  FieldViolations v;
  CheckEmployeeFields(v, e);
  RETURN_IF_ERROR(v.ToStatus());
  const std::string& org = call.principal.org;
  return ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "CreateEmployee", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    const OrgTree::Dept* dept = tree->Find(e.department_id());
    if (dept == nullptr) {
      return InvalidField("employee.department_id",
                          absl::StrCat("no department ", e.department_id(), " in this org"));
    }
    if (!e.manager_id().empty()) {
      RETURN_IF_ERROR(RequireEmployee(tx, org, e.manager_id(), "employee.manager_id"));
    }
    absl::Time now = ctx_->clock->Now();
    e.set_id(NewId("emp", now));
    e.set_etag(EtagOf(1));
    *e.mutable_create_time() = ToProto(now);
    *e.mutable_update_time() = ToProto(now);
    RETURN_IF_ERROR(SaveEmployee(tx, org, e, dept->path, 1, /*insert=*/true));
    RETURN_IF_ERROR(BumpDirectoryVersion(tx, org));
    *resp = e;
    return storage::RememberIdempotent(tx, org, "CreateEmployee", req.request_id(), *resp);
  });
}

void DirectoryServiceImpl::StartGetEmployee(const Call& call, const v1::GetEmployeeRequest& req,
                                            v1::Employee* resp, server::Edge::Later& later) {
  if (req.id().empty()) return;
  if (!call.principal.SeesOrg() && call.principal.subject != req.id()) return;
  const std::string key = EmployeeKey(call.principal.org, req.id());
  if (std::optional<std::string> e = ctx_->cache->Peek(key)) {
    // A near hit: answered here with the bytes as cached, nothing parsed or allocated for later.
    return later.FinishSerialized(*std::move(e));
  }
  cache::GetOrLoadAsync<v1::Employee>(
      *ctx_->cache, ctx_->flight, *ctx_->edge->read_executor(), key, kCacheTtl,
      [this, org = call.principal.org, id = req.id()] { return ReadEmployee(org, id); },
      [resp, done = later.Take()](absl::StatusOr<v1::Employee> e) mutable {
        if (e.ok()) *resp = *std::move(e);
        done(e.status());
      });
}

absl::Status DirectoryServiceImpl::DoGetEmployee(const Call& call,
                                                 const v1::GetEmployeeRequest& req,
                                                 v1::Employee* resp) {
  if (req.id().empty()) return InvalidField("id", "must name an employee");
  ASSIGN_OR_RETURN(*resp, CachedEmployee(call.principal.org, req.id()));
  if (call.principal.SeesOrg() || call.principal.subject == resp->id()) return absl::OkStatus();
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, call.principal.org));
    return CanRead(call.principal, *tree, *resp);
  });
}

absl::Status DirectoryServiceImpl::DoBatchGetEmployees(const Call& call,
                                                       const v1::BatchGetEmployeesRequest& req,
                                                       v1::BatchGetEmployeesResponse* resp) {
  RETURN_IF_ERROR(CheckIdList(req.ids(), "ids"));
  std::shared_ptr<const OrgTree> tree;
  if (!call.principal.SeesOrg()) {
    RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(tree, ctx_->trees.Get(tx, call.principal.org));
      return absl::OkStatus();
    }));
  }
  for (int i = 0; i < req.ids_size(); ++i) {
    ASSIGN_OR_RETURN(v1::Employee e, CachedEmployee(call.principal.org, req.ids(i)));
    if (tree) RETURN_IF_ERROR(CanRead(call.principal, *tree, e));
    *resp->add_employees() = std::move(e);
  }
  return absl::OkStatus();
}

absl::Status DirectoryServiceImpl::DoListEmployees(const Call& call,
                                                   const v1::ListEmployeesRequest& req,
                                                   v1::ListEmployeesResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(req.page_token()));
  const std::string& org = call.principal.org;
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    std::string path = "/";
    if (!req.department_id().empty()) {
      const OrgTree::Dept* d = tree->Find(req.department_id());
      if (d == nullptr) return absl::NotFoundError(absl::StrCat("department ", req.department_id(), " not found"));
      path = d->path;
    }
    if (!call.principal.SeesOrg() &&
        (req.department_id().empty() || !tree->Manages(call.principal.subject, req.department_id()))) {
      return absl::PermissionDeniedError(
          "listing employees needs an admin, or a manager naming a department they manage "
          "(department_id)");
    }
    ASSIGN_OR_RETURN(Rows rows,
                     tx.Query("SELECT id, body FROM employees WHERE org_id = ? AND "
                              "substr(dept_path, 1, length(?)) = ? AND id > ? ORDER BY id LIMIT ?",
                              {org, path, path, after, int64_t{size + 1}}));
    return FillPage(rows, size, "employee", [&] { return resp->add_employees(); },
                    resp->mutable_next_page_token());
  });
}

absl::Status DirectoryServiceImpl::DoUpdateEmployee(const Call& call,
                                                    const v1::UpdateEmployeeRequest& req,
                                                    v1::Employee* resp) {
  const std::string& org = call.principal.org;
  const std::string& id = req.employee().id();
  if (id.empty()) return InvalidField("employee.id", "must name an employee");
  if (req.update_mask().paths_size() == 0) {
    return InvalidField("update_mask", "name the fields to change, e.g. \"email,locale\"");
  }
  bool self_fields_only = true;
  for (int i = 0; i < req.update_mask().paths_size(); ++i) {
    const std::string& p = req.update_mask().paths(i);
    if (p == "email" || p == "locale" || p == "timezone") continue;
    if (p == "name" || p == "department_id" || p == "role_class" || p == "manager_id") {
      self_fields_only = false;
      continue;
    }
    return InvalidField(absl::StrCat("update_mask.paths[", i, "]"),
                        absl::StrCat("\"", p, "\" cannot be updated"));
  }
  bool self = call.principal.subject == id;
  if (!(call.principal.IsAdmin() || (self && self_fields_only))) {
    return absl::PermissionDeniedError(
        "employees may change their own email, locale and timezone; everything else needs an "
        "admin");
  }
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT version FROM employees WHERE org_id = ? AND id = ?",
                                         {org, id}));
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("employee ", id, " not found"));
    int64_t version = rows[0].Int(0);
    RETURN_IF_ERROR(CheckEtag(req.employee().etag(), version, absl::StrCat("employee ", id)));
    ASSIGN_OR_RETURN(v1::Employee e, LoadEmployee(tx, org, id));
    const v1::Employee& in = req.employee();
    bool tree_changed = false;
    for (const std::string& p : req.update_mask().paths()) {
      if (p == "name") e.set_name(in.name());
      if (p == "department_id") { e.set_department_id(in.department_id()); tree_changed = true; }
      if (p == "role_class") e.set_role_class(in.role_class());
      if (p == "manager_id") { e.set_manager_id(in.manager_id()); tree_changed = true; }
      if (p == "email") e.set_email(in.email());
      if (p == "locale") e.set_locale(in.locale());
      if (p == "timezone") e.set_timezone(in.timezone());
    }
    FieldViolations v;
    CheckEmployeeFields(v, e);
    RETURN_IF_ERROR(v.ToStatus());
    ASSIGN_OR_RETURN(auto tree, ctx_->trees.Get(tx, org));
    const OrgTree::Dept* dept = tree->Find(e.department_id());
    if (dept == nullptr) {
      return InvalidField("employee.department_id",
                          absl::StrCat("no department ", e.department_id(), " in this org"));
    }
    if (!e.manager_id().empty()) {
      if (e.manager_id() == e.id()) return InvalidField("employee.manager_id", "cannot be themselves");
      RETURN_IF_ERROR(RequireEmployee(tx, org, e.manager_id(), "employee.manager_id"));
    }
    e.set_etag(EtagOf(version + 1));
    *e.mutable_update_time() = ToProto(ctx_->clock->Now());
    RETURN_IF_ERROR(SaveEmployee(tx, org, e, dept->path, version + 1, /*insert=*/false));
    if (tree_changed) RETURN_IF_ERROR(BumpDirectoryVersion(tx, org));
    *resp = std::move(e);
    return absl::OkStatus();
  }));
  ctx_->cache->Delete({EmployeeKey(org, id)});
  return absl::OkStatus();
}

}  // namespace opsuite::planning
