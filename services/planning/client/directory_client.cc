#include "services/planning/client/directory_client.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/server/client.h"
#include "common/status.h"

namespace opsuite::planning {

DirectoryClient::DirectoryClient(std::function<std::shared_ptr<grpc::Channel>()> channel,
                                 std::function<std::string(const std::string& org)> token,
                                 const Clock* clock, Options options)
    : channel_(std::move(channel)),
      token_(std::move(token)),
      clock_(clock),
      options_(options) {}

std::unique_ptr<grpc::ClientContext> DirectoryClient::Context(const std::string& org) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  auto ctx = std::make_unique<grpc::ClientContext>();
  server::PrepareOutgoing(ctx.get(), options_.timeout);
  ctx->AddMetadata("authorization", "Bearer " + token_(org));
  return ctx;
}

absl::StatusOr<std::shared_ptr<const auth::OrgTree>> DirectoryClient::Tree(const std::string& org) {
  absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = trees_.find(org);
    if (it != trees_.end() && now < it->second.expires) return it->second.tree;
  }
  auto stub = v1::DirectoryService::NewStub(channel_());
  auto tree = std::make_shared<auth::OrgTree>();
  std::string token;
  do {
    v1::ListDepartmentsRequest req;
    req.set_page_size(1000);
    req.set_page_token(token);
    v1::ListDepartmentsResponse resp;
    auto ctx = Context(org);
    grpc::Status s = stub->ListDepartments(ctx.get(), req, &resp);
    if (!s.ok()) {
      absl::Status st = FromGrpcStatus(s);
      return absl::Status(st.code(), absl::StrCat("planning ListDepartments: ", st.message()));
    }
    for (const auto& d : resp.departments()) {
      tree->depts[d.id()] = auth::OrgTree::Dept{d.id(), d.parent_id(), d.manager_id(), ""};
    }
    token = resp.next_page_token();
  } while (!token.empty());
  // Paths from the parent links (bounded depth guards against a corrupt cycle).
  for (auto& [id, dept] : tree->depts) {
    std::vector<std::string> chain;
    const auth::OrgTree::Dept* d = &dept;
    for (int depth = 0; d != nullptr && depth < 64; ++depth) {
      chain.push_back(d->id);
      d = d->parent_id.empty() ? nullptr : tree->Find(d->parent_id);
    }
    std::string path = "/";
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) absl::StrAppend(&path, *it, "/");
    dept.path = std::move(path);
  }
  absl::MutexLock lock(&mu_);
  trees_[org] = TreeEntry{tree, now + options_.tree_ttl};
  return std::shared_ptr<const auth::OrgTree>(tree);
}

absl::StatusOr<std::shared_ptr<const auth::OrgTree>> DirectoryClient::TreeWith(
    const std::string& org, const std::string& dept_id) {
  ASSIGN_OR_RETURN(auto tree, Tree(org));
  if (dept_id.empty() || tree->Find(dept_id) != nullptr) return tree;
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    absl::Time& last = refreshed_[org];
    if (now - last < options_.miss_refresh) return tree;  // asked very recently: still absent
    last = now;
    trees_.erase(org);
  }
  return Tree(org);
}

absl::StatusOr<v1::Employee> DirectoryClient::GetEmployee(const std::string& org,
                                                         const std::string& id) {
  absl::Time now = clock_->Now();
  std::string key = absl::StrCat(org, "/", id);
  {
    absl::MutexLock lock(&mu_);
    auto it = employees_.find(key);
    if (it != employees_.end() && now < it->second.expires) return it->second.employee;
  }
  auto stub = v1::DirectoryService::NewStub(channel_());
  v1::GetEmployeeRequest req;
  req.set_id(id);
  v1::Employee e;
  auto ctx = Context(org);
  grpc::Status s = stub->GetEmployee(ctx.get(), req, &e);
  if (!s.ok()) {
    absl::Status st = FromGrpcStatus(s);
    if (absl::IsNotFound(st)) return absl::NotFoundError(absl::StrCat("employee ", id, " not found"));
    return absl::Status(st.code(), absl::StrCat("planning GetEmployee: ", st.message()));
  }
  absl::MutexLock lock(&mu_);
  employees_[key] = EmployeeEntry{e, now + options_.employee_ttl};
  return e;
}

absl::Status DirectoryClient::Prefetch(const std::string& org,
                                       const std::vector<std::string>& ids) {
  const absl::Time now = clock_->Now();
  std::vector<std::string> wanted;
  {
    absl::flat_hash_set<std::string> seen;
    absl::MutexLock lock(&mu_);
    for (const std::string& id : ids) {
      if (id.empty() || !seen.insert(id).second) continue;
      auto it = employees_.find(absl::StrCat(org, "/", id));
      if (it == employees_.end() || now >= it->second.expires) wanted.push_back(id);
    }
  }
  if (wanted.empty()) return absl::OkStatus();
  auto stub = v1::DirectoryService::NewStub(channel_());
  constexpr size_t kBatch = 1000;  // BatchGetEmployees' limit
  for (size_t i = 0; i < wanted.size(); i += kBatch) {
    v1::BatchGetEmployeesRequest req;
    for (size_t j = i; j < std::min(wanted.size(), i + kBatch); ++j) req.add_ids(wanted[j]);
    v1::BatchGetEmployeesResponse resp;
    auto ctx = Context(org);
    grpc::Status s = stub->BatchGetEmployees(ctx.get(), req, &resp);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) continue;
    if (!s.ok()) {
      absl::Status st = FromGrpcStatus(s);
      return absl::Status(st.code(), absl::StrCat("planning BatchGetEmployees: ", st.message()));
    }
    absl::MutexLock lock(&mu_);
    for (v1::Employee& e : *resp.mutable_employees()) {
      std::string key = absl::StrCat(org, "/", e.id());
      employees_[key] = EmployeeEntry{std::move(e), now + options_.employee_ttl};
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DirectoryClient::DepartmentPathOf(const std::string& org,
                                                             const std::string& id) {
  ASSIGN_OR_RETURN(v1::Employee e, GetEmployee(org, id));
  ASSIGN_OR_RETURN(auto tree, Tree(org));
  const auth::OrgTree::Dept* d = tree->Find(e.department_id());
  return d ? d->path : std::string();
}

void DirectoryClient::Invalidate(const std::string& org) {
  absl::MutexLock lock(&mu_);
  trees_.erase(org);
  std::string prefix = absl::StrCat(org, "/");
  for (auto it = employees_.begin(); it != employees_.end();) {
    if (it->first.compare(0, prefix.size(), prefix) == 0) {
      employees_.erase(it++);
    } else {
      ++it;
    }
  }
}

}  // namespace opsuite::planning
