// OrderService: orders, payments, credit limits and sales statistics (domain.md §2.7, §3.1).
#pragma once

#include <string>
#include <vector>

#include "common/period.h"
#include "common/server/edge.h"
#include "opsuite/crm/v1/order.grpc.pb.h"
#include "services/crm/context.h"
#include "services/crm/crm_store.h"

namespace opsuite::crm {

class OrderServiceImpl final : public v1::OrderService::CallbackService {
 public:
  explicit OrderServiceImpl(Context* ctx) : ctx_(ctx) {}

#define CRM_ORDER(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.crm.v1.OrderService", M, Req, Resp)
  CRM_ORDER(CreateOrder, v1::CreateOrderRequest, v1::Order)
  CRM_ORDER(GetOrder, v1::GetOrderRequest, v1::Order)
  CRM_ORDER(ListOrders, v1::ListOrdersRequest, v1::ListOrdersResponse)
  CRM_ORDER(RecordPayment, v1::RecordPaymentRequest, v1::Order)
  CRM_ORDER(GetSalesStats, v1::GetSalesStatsRequest, v1::SalesStats)
  CRM_ORDER(BatchGetSalesStats, v1::BatchGetSalesStatsRequest, v1::BatchGetSalesStatsResponse)
#undef CRM_ORDER

  // At most this many employees per BatchGetSalesStats.
  static constexpr int kMaxBatch = 1000;

 private:
  using Call = server::Call;
  absl::Status DoCreateOrder(const Call&, const v1::CreateOrderRequest&, v1::Order*);
  absl::Status DoGetOrder(const Call&, const v1::GetOrderRequest&, v1::Order*);
  absl::Status DoListOrders(const Call&, const v1::ListOrdersRequest&, v1::ListOrdersResponse*);
  absl::Status DoRecordPayment(const Call&, const v1::RecordPaymentRequest&, v1::Order*);
  absl::Status DoGetSalesStats(const Call&, const v1::GetSalesStatsRequest&, v1::SalesStats*);
  absl::Status DoBatchGetSalesStats(const Call&, const v1::BatchGetSalesStatsRequest&,
                                    v1::BatchGetSalesStatsResponse*);

  // OK when the caller is `employee_id`, one of their managers (direct or up the department
  // tree), or sees the whole org; PERMISSION_DENIED otherwise (NOT_FOUND for an employee the
  // directory does not know, when that matters).
  absl::Status CanSeeEmployee(const auth::Principal& p, const std::string& employee_id);

  // The sales statistics of each of `employee_ids` (distinct, non-empty) over `range`, in
  // that order, from one query.
  absl::StatusOr<std::vector<v1::SalesStats>> SalesStatsOf(
      const std::string& org, const std::vector<std::string>& employee_ids,
      const DateRange& range);

  Context* ctx_;
};

}  // namespace opsuite::crm
