// CustomerService: customer archives, the duplicate guard, Chinese-aware search, the stage
// pipeline, ownership and the public pool, CSV-driven imports.
#pragma once

#include "common/server/edge.h"
#include "opsuite/crm/v1/customer.grpc.pb.h"
#include "services/crm/context.h"
#include "services/crm/crm_store.h"

namespace opsuite::crm {

// GetCustomer is registered raw, so that a near-cache hit is sent as the bytes it was cached as
// (OPSUITE_UNARY_ASYNC).
class CustomerServiceImpl final
    : public v1::CustomerService::WithRawCallbackMethod_GetCustomer<
          v1::CustomerService::CallbackService> {
 public:
  explicit CustomerServiceImpl(Context* ctx) : ctx_(ctx) {}

#define CRM_CUSTOMER(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.crm.v1.CustomerService", M, Req, Resp)
  CRM_CUSTOMER(CreateCustomer, v1::CreateCustomerRequest, v1::Customer)
  OPSUITE_UNARY_ASYNC(ctx_->edge, "opsuite.crm.v1.CustomerService", GetCustomer,
                      v1::GetCustomerRequest, v1::Customer)
  CRM_CUSTOMER(BatchGetCustomers, v1::BatchGetCustomersRequest, v1::BatchGetCustomersResponse)
  CRM_CUSTOMER(UpdateCustomer, v1::UpdateCustomerRequest, v1::Customer)
  CRM_CUSTOMER(DeleteCustomer, v1::DeleteCustomerRequest, v1::DeleteCustomerResponse)
  CRM_CUSTOMER(ListCustomers, v1::ListCustomersRequest, v1::ListCustomersResponse)
  CRM_CUSTOMER(TransferCustomer, v1::TransferCustomerRequest, v1::Customer)
  CRM_CUSTOMER(ReleaseCustomer, v1::ReleaseCustomerRequest, v1::Customer)
  CRM_CUSTOMER(ClaimCustomer, v1::ClaimCustomerRequest, v1::Customer)
  CRM_CUSTOMER(ReleaseIdleCustomers, v1::ReleaseIdleCustomersRequest,
               v1::ReleaseIdleCustomersResponse)
  CRM_CUSTOMER(ImportCustomers, v1::ImportCustomersRequest, v1::ImportCustomersResponse)
  CRM_CUSTOMER(GetCrmPolicy, v1::GetCrmPolicyRequest, v1::CrmPolicy)
  CRM_CUSTOMER(UpdateCrmPolicy, v1::UpdateCrmPolicyRequest, v1::CrmPolicy)
#undef CRM_CUSTOMER

 private:
  using Call = server::Call;
  absl::Status DoCreateCustomer(const Call&, const v1::CreateCustomerRequest&, v1::Customer*);
  absl::Status DoGetCustomer(const Call&, const v1::GetCustomerRequest&, v1::Customer*);
  // On the gRPC thread: the customer from the cache without a worker waiting on Redis; a
  // caller who does not plainly see it (a manager of its owner?) is decided on a worker.
  void StartGetCustomer(const Call&, const v1::GetCustomerRequest&, v1::Customer*,
                        server::Edge::Later& later);
  // The customer row, from the database; and OK when `call` may see `c`.
  absl::StatusOr<v1::Customer> ReadCustomer(const std::string& org, const std::string& id);
  absl::Status CheckVisible(const Call& call, const v1::Customer& c);
  absl::Status DoBatchGetCustomers(const Call&, const v1::BatchGetCustomersRequest&,
                                   v1::BatchGetCustomersResponse*);
  absl::Status DoUpdateCustomer(const Call&, const v1::UpdateCustomerRequest&, v1::Customer*);
  absl::Status DoDeleteCustomer(const Call&, const v1::DeleteCustomerRequest&,
                                v1::DeleteCustomerResponse*);
  absl::Status DoListCustomers(const Call&, const v1::ListCustomersRequest&,
                               v1::ListCustomersResponse*);
  absl::Status DoTransferCustomer(const Call&, const v1::TransferCustomerRequest&, v1::Customer*);
  absl::Status DoReleaseCustomer(const Call&, const v1::ReleaseCustomerRequest&, v1::Customer*);
  absl::Status DoClaimCustomer(const Call&, const v1::ClaimCustomerRequest&, v1::Customer*);
  absl::Status DoReleaseIdleCustomers(const Call&, const v1::ReleaseIdleCustomersRequest&,
                                      v1::ReleaseIdleCustomersResponse*);
  absl::Status DoImportCustomers(const Call&, const v1::ImportCustomersRequest&,
                                 v1::ImportCustomersResponse*);
  absl::Status DoGetCrmPolicy(const Call&, const v1::GetCrmPolicyRequest&, v1::CrmPolicy*);
  absl::Status DoUpdateCrmPolicy(const Call&, const v1::UpdateCrmPolicyRequest&, v1::CrmPolicy*);

  Context* ctx_;
};

}  // namespace opsuite::crm
