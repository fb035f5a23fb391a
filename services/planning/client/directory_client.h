// What other services (crm, scoring, notify) ask planning about people: an employee, many
// employees, and the org's department tree for "manager of" checks. Calls go over gRPC with
// a service token, a deadline and the current trace; answers are kept in process briefly.
//
//   DirectoryClient directory([&] { return env.peer_channel("planning"); }, env.service_token,
//                             env.clock);
//   ASSIGN_OR_RETURN(auto tree, directory.Tree(org));
//   ASSIGN_OR_RETURN(Employee e, directory.GetEmployee(org, id));   // NOT_FOUND passes through
#pragma once

#include <atomic>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/rbac.h"
#include "common/clock.h"
#include "grpcpp/grpcpp.h"
#include "opsuite/planning/v1/directory.grpc.pb.h"

namespace opsuite::planning {

class DirectoryClient {
 public:
  struct Options {
    absl::Duration tree_ttl = absl::Seconds(10);      // department changes show within this
    absl::Duration employee_ttl = absl::Seconds(30);  // and employee moves within this
    absl::Duration timeout = absl::Seconds(3);
    // TreeWith re-reads a tree lacking the department at most this often per org.
    absl::Duration miss_refresh = absl::Seconds(1);
  };

  DirectoryClient(std::function<std::shared_ptr<grpc::Channel>()> channel,
                  std::function<std::string(const std::string& org)> token, const Clock* clock,
                  Options options);
  DirectoryClient(std::function<std::shared_ptr<grpc::Channel>()> channel,
                  std::function<std::string(const std::string& org)> token, const Clock* clock)
      : DirectoryClient(std::move(channel), std::move(token), clock, Options()) {}

  // The org's department tree, with each department's path computed from the parent links.
  absl::StatusOr<std::shared_ptr<const auth::OrgTree>> Tree(const std::string& org);
  // Tree, re-read at once when it lacks `dept_id` (a department created since the cached
  // copy is then found without waiting for the TTL); bogus ids cost at most one re-read per
  // `miss_refresh`.
  absl::StatusOr<std::shared_ptr<const auth::OrgTree>> TreeWith(const std::string& org,
                                                                const std::string& dept_id);
  absl::StatusOr<v1::Employee> GetEmployee(const std::string& org, const std::string& id);
  // Reads the employees among `ids` that are not held yet, with one BatchGetEmployees call per
  // 1,000, and holds them as GetEmployee does: for a caller about to look up many people (the
  // notify consumer, a read of 256 events). A batch naming an unknown id is skipped (GetEmployee
  // then asks for each, and reports NOT_FOUND). Any other failure ends it and is returned
  // (planning unreachable: the caller need not wait out a timeout per person as well).
  absl::Status Prefetch(const std::string& org, const std::vector<std::string>& ids);
  // RPCs sent to planning so far (for tests and metrics).
  int64_t calls() const { return calls_.load(std::memory_order_relaxed); }
  // The path of the department an employee sits in ("" when unknown).
  absl::StatusOr<std::string> DepartmentPathOf(const std::string& org, const std::string& id);
  // Forgets what is cached for `org` (tests, or after a known change).
  void Invalidate(const std::string& org);

 private:
  std::unique_ptr<grpc::ClientContext> Context(const std::string& org);

  std::function<std::shared_ptr<grpc::Channel>()> channel_;
  std::function<std::string(const std::string& org)> token_;
  const Clock* clock_;
  Options options_;
  std::atomic<int64_t> calls_{0};
  absl::Mutex mu_;
  struct TreeEntry {
    std::shared_ptr<const auth::OrgTree> tree;
    absl::Time expires;
  };
  struct EmployeeEntry {
    v1::Employee employee;
    absl::Time expires;
  };
  absl::flat_hash_map<std::string, TreeEntry> trees_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, EmployeeEntry> employees_ ABSL_GUARDED_BY(mu_);  // org/id
  absl::flat_hash_map<std::string, absl::Time> refreshed_ ABSL_GUARDED_BY(mu_);  // by TreeWith
};

}  // namespace opsuite::planning
