// DirectoryService: departments and employees (the org tree other services ask about).
#pragma once

#include "common/server/edge.h"
#include "opsuite/planning/v1/directory.grpc.pb.h"
#include "services/planning/context.h"

namespace opsuite::planning {

// GetEmployee is registered raw, so that a near-cache hit is sent as the bytes it was cached as
// (OPSUITE_UNARY_ASYNC).
class DirectoryServiceImpl final
    : public v1::DirectoryService::WithRawCallbackMethod_GetEmployee<
          v1::DirectoryService::CallbackService> {
 public:
  explicit DirectoryServiceImpl(Context* ctx) : ctx_(ctx) {}

#define PLANNING_DIRECTORY(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.planning.v1.DirectoryService", M, Req, Resp)
  PLANNING_DIRECTORY(CreateDepartment, v1::CreateDepartmentRequest, v1::Department)
  PLANNING_DIRECTORY(GetDepartment, v1::GetDepartmentRequest, v1::Department)
  PLANNING_DIRECTORY(ListDepartments, v1::ListDepartmentsRequest, v1::ListDepartmentsResponse)
  PLANNING_DIRECTORY(CreateEmployee, v1::CreateEmployeeRequest, v1::Employee)
  OPSUITE_UNARY_ASYNC(ctx_->edge, "opsuite.planning.v1.DirectoryService", GetEmployee,
                      v1::GetEmployeeRequest, v1::Employee)
  PLANNING_DIRECTORY(BatchGetEmployees, v1::BatchGetEmployeesRequest,
                     v1::BatchGetEmployeesResponse)
  PLANNING_DIRECTORY(ListEmployees, v1::ListEmployeesRequest, v1::ListEmployeesResponse)
  PLANNING_DIRECTORY(UpdateEmployee, v1::UpdateEmployeeRequest, v1::Employee)
#undef PLANNING_DIRECTORY

 private:
  using Call = server::Call;
  absl::Status DoCreateDepartment(const Call&, const v1::CreateDepartmentRequest&, v1::Department*);
  absl::Status DoGetDepartment(const Call&, const v1::GetDepartmentRequest&, v1::Department*);
  absl::Status DoListDepartments(const Call&, const v1::ListDepartmentsRequest&,
                                 v1::ListDepartmentsResponse*);
  absl::Status DoCreateEmployee(const Call&, const v1::CreateEmployeeRequest&, v1::Employee*);
  absl::Status DoGetEmployee(const Call&, const v1::GetEmployeeRequest&, v1::Employee*);
  // On the gRPC thread: a caller who sees the org, or asks for themself, is answered from the
  // cache without a worker waiting on Redis; the others go to DoGetEmployee.
  void StartGetEmployee(const Call&, const v1::GetEmployeeRequest&, v1::Employee*,
                        server::Edge::Later& later);
  absl::Status DoBatchGetEmployees(const Call&, const v1::BatchGetEmployeesRequest&,
                                   v1::BatchGetEmployeesResponse*);
  absl::Status DoListEmployees(const Call&, const v1::ListEmployeesRequest&,
                               v1::ListEmployeesResponse*);
  absl::Status DoUpdateEmployee(const Call&, const v1::UpdateEmployeeRequest&, v1::Employee*);

  // The employee through the cache (NOT_FOUND when it does not exist in the org).
  absl::StatusOr<v1::Employee> CachedEmployee(const std::string& org, const std::string& id);
  // The employee row itself, from the database.
  absl::StatusOr<v1::Employee> ReadEmployee(const std::string& org, const std::string& id);

  Context* ctx_;
};

}  // namespace opsuite::planning
