#include "services/crm/order_service.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "common/auth/rbac.h"
#include "common/ids.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/outbox.h"
#include "common/storage/page.h"
#include "common/timestamps.h"
#include "services/crm/customer_text.h"
#include "services/crm/domain/credit_rules.h"
#include "services/crm/domain/sales_stats.h"
#include "services/crm/domain/stage_rules.h"

namespace opsuite::crm {
namespace {

using storage::Placeholders;

using storage::Blob;
using storage::Rows;

// The zone whose calendar days orders are signed, payments received and periods counted in.
constexpr size_t kMaxProductLine = 64;
constexpr int64_t kMaxCents = std::numeric_limits<int64_t>::max();

std::string KindName(v1::OrderKind kind) {
  switch (kind) {
    case v1::ORDER_KIND_SAMPLE: return "SAMPLE";
    case v1::ORDER_KIND_REGULAR: return "REGULAR";
    default: return "UNSPECIFIED";
  }
}

bool IsProductLineChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Adds the violation of a ParseDate-style status (which names `field`) to `v`.
void AddFieldError(FieldViolations& v, const std::string& field, const absl::Status& s) {
  absl::string_view message = s.message();
  absl::ConsumePrefix(&message, absl::StrCat(field, ": "));
  v.Add(field, std::string(message));
}

absl::StatusOr<v1::Order> LoadOrder(Tx& tx, const std::string& org, const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows,
                   tx.Query("SELECT body FROM orders WHERE org_id = ? AND id = ?", {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("order ", id, " not found"));
  v1::Order order;
  if (!order.ParseFromString(rows[0].Text(0))) {
    return absl::DataLossError(absl::StrCat("order ", id, " is stored corrupt"));
  }
  return order;
}

// A customer as access checks see it, deleted or not: a soft-deleted customer's orders
// stay readable and payable (customer.proto: "orders keep referring to it").
struct CustomerRef {
  v1::Customer customer;
  std::string owner_path;
  bool deleted = false;
};

absl::StatusOr<CustomerRef> LoadCustomerRef(Tx& tx, const std::string& org,
                                            const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT owner_path, deleted, body FROM customers WHERE "
                                       "org_id = ? AND id = ?",
                                       {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("customer ", id, " not found"));
  CustomerRef ref;
  ref.owner_path = rows[0].Text(0);
  ref.deleted = rows[0].Int(1) != 0;
  if (!ref.customer.ParseFromString(rows[0].Text(2))) {
    return absl::DataLossError(absl::StrCat("customer ", id, " is stored corrupt"));
  }
  return ref;
}

// What the customer's orders still have open: Σ(amount − paid), summed without overflow
// (saturating at the largest int64, which CreateOrder never lets a customer reach).
absl::StatusOr<int64_t> OpenReceivables(Tx& tx, const std::string& org,
                                        const std::string& customer_id) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT amount, paid FROM orders WHERE org_id = ? AND "
                                       "customer_id = ? AND paid < amount",
                                       {org, customer_id}));
  absl::int128 open = 0;
  for (const auto& row : rows) open += absl::int128(row.Int(0)) - absl::int128(row.Int(1));
  return open > absl::int128(kMaxCents) ? kMaxCents : static_cast<int64_t>(open);
}

absl::StatusOr<int> CountRegularOrders(Tx& tx, const std::string& org,
                                       const std::string& customer_id) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM orders WHERE org_id = ? AND "
                                       "customer_id = ? AND kind = ?",
                                       {org, customer_id, int64_t{v1::ORDER_KIND_REGULAR}}));
  int64_t n = rows.empty() ? 0 : rows[0].Int(0);
  return static_cast<int>(std::min<int64_t>(n, std::numeric_limits<int>::max()));
}

// Moves the customer to `next` (when it differs), recording the change as the system's.
void MoveStage(v1::Customer& c, v1::Stage next, absl::Time now, const std::string& reason) {
  if (next == c.stage()) return;
  v1::StageChange* change = c.add_stage_history();
  change->set_from(c.stage());
  change->set_to(next);
  change->set_actor_id("system");
  *change->mutable_time() = ToProto(now);
  change->set_reason(reason);
  c.set_stage(next);
}

// The calendar day (in the org's zone) of each payment, the statistics' view of an order.
absl::StatusOr<OrderFacts> FactsOf(const v1::Order& order, const absl::TimeZone& tz) {
  OrderFacts facts;
  facts.product_line = order.product_line();
  facts.amount = order.amount();
  auto signed_on = ParseDate(order.signed_at(), "signed_at");
  if (!signed_on.ok()) {
    return absl::DataLossError(absl::StrCat("order ", order.id(), " has a corrupt signed_at"));
  }
  facts.signed_on = *signed_on;
  for (const v1::Payment& p : order.payments()) {
    facts.payments.push_back({p.amount(), absl::ToCivilDay(FromProto(p.received_at()), tz)});
  }
  return facts;
}

bool IsAccessDenial(const absl::Status& s) {
  return absl::IsPermissionDenied(s) || absl::IsNotFound(s);
}

}  // namespace

absl::Status OrderServiceImpl::CanSeeEmployee(const auth::Principal& p,
                                              const std::string& employee_id) {
  if (p.SeesOrg() || (!p.subject.empty() && p.subject == employee_id)) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto tree, ctx_->directory->Tree(p.org));
  absl::StatusOr<planning::v1::Employee> e = ctx_->directory->GetEmployee(p.org, employee_id);
  if (absl::IsNotFound(e.status())) {
    return absl::NotFoundError(absl::StrCat("employee ", employee_id, " not found"));
  }
  RETURN_IF_ERROR(e.status());
  if (auth::RelationTo(p, *tree, {employee_id, e->department_id(), e->manager_id()}) ==
      auth::Relation::kNone) {
    return absl::PermissionDeniedError(absl::StrCat(
        "only ", employee_id, " themselves, their managers and admins see their orders"));
  }
  return absl::OkStatus();
}

absl::Status OrderServiceImpl::DoCreateOrder(const Call& call, const v1::CreateOrderRequest& req,
                                             v1::Order* resp) {
  const absl::TimeZone tz = DefaultOrgZone();
  FieldViolations v;
  if (req.customer_id().empty()) v.Add("customer_id", "must name a customer");
  if (req.kind() == v1::ORDER_KIND_UNSPECIFIED || !v1::OrderKind_IsValid(req.kind())) {
    v.Add("kind", "must be SAMPLE or REGULAR");
  }
  if (req.product_line().empty()) {
    v.Add("product_line", "must name a product line, e.g. \"central_ac\"");
  } else if (req.product_line().size() > kMaxProductLine) {
    v.Add("product_line", absl::StrCat("must be at most ", kMaxProductLine, " bytes"));
  } else if (!std::all_of(req.product_line().begin(), req.product_line().end(),
                          IsProductLineChar)) {
    v.Add("product_line", "may hold only a-z, 0-9, '_' and '-'");
  }
  if (req.amount() <= 0) {
    v.Add("amount", absl::StrCat("must be more than 0 cents, got ", req.amount()));
  }
  absl::CivilDay signed_on;
  if (auto parsed = ParseDate(req.signed_at(), "signed_at"); !parsed.ok()) {
    AddFieldError(v, "signed_at", parsed.status());
  } else {
    signed_on = *parsed;
    const absl::CivilDay latest = absl::ToCivilDay(ctx_->clock->Now(), tz) + 1;
    if (signed_on > latest) {
      v.Add("signed_at", absl::StrCat(req.signed_at(), " is in the future (at the latest ",
                                      FormatDate(latest), ")"));
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "CreateOrder", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, req.customer_id()));
    v1::Customer& customer = row.customer;
    if (customer.owner_id().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("customer ", req.customer_id(),
                       " is in the public pool and cannot take orders: claim it first"));
    }
    if (!view.Manages(customer.owner_id(), row.owner_path)) {
      return absl::PermissionDeniedError(
          absl::StrCat("orders for customer ", req.customer_id(),
                       " are taken by its owner, their managers or an admin"));
    }
    ASSIGN_OR_RETURN(int64_t open, OpenReceivables(tx, org, customer.id()));
    const std::string currency =
        customer.currency().empty() ? std::string(kDefaultCurrency) : customer.currency();
    RETURN_IF_ERROR(CheckCredit(customer.credit_limit(), open, req.amount(), currency));
    if (open > kMaxCents - req.amount()) {
      return InvalidField("amount", absl::StrCat("would take the customer's open receivables (",
                                                 FormatMoney(open),
                                                 ") past the largest amount recordable"));
    }
    ASSIGN_OR_RETURN(int regular_before, CountRegularOrders(tx, org, customer.id()));
    const absl::Time now = ctx_->clock->Now();
    v1::Order order;
    order.set_id(NewId("ord", now));
    order.set_customer_id(customer.id());
    order.set_owner_id(customer.owner_id());
    order.set_kind(req.kind());
    order.set_product_line(req.product_line());
    order.set_amount(req.amount());
    order.set_currency(currency);
    order.set_signed_at(FormatDate(signed_on));
    order.set_request_id(req.request_id());
    *order.mutable_create_time() = ToProto(now);
    RETURN_IF_ERROR(tx.Exec("INSERT INTO orders (org_id, id, customer_id, owner_id, kind, "
                            "signed_at, amount, paid, body) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
                            {org, order.id(), order.customer_id(), order.owner_id(),
                             int64_t{order.kind()}, order.signed_at(), order.amount(),
                             Blob{order.SerializeAsString()}})
                        .status());
    // A sample moves the stage only once paid in full (RecordPayment).
    MoveStage(customer,
              StageAfterOrder(customer.stage(), order.kind(), regular_before,
                              /*sample_paid_in_full=*/false),
              now, absl::StrCat("order ", order.id(), " (", KindName(order.kind()), ")"));
    customer.set_open_receivables(open + order.amount());
    RETURN_IF_ERROR(SaveChangedCustomer(tx, *ctx_->folder, org, row, now));
    *resp = order;
    return storage::RememberIdempotent(tx, org, "CreateOrder", req.request_id(), *resp);
  }));
  ctx_->cache->Delete({CustomerKey(org, resp->customer_id())});
  return absl::OkStatus();
}

absl::Status OrderServiceImpl::DoGetOrder(const Call& call, const v1::GetOrderRequest& req,
                                          v1::Order* resp) {
  if (req.id().empty()) return InvalidField("id", "must name an order");
  const auth::Principal& p = call.principal;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, p));
  bool customer_visible = false;
  RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, LoadOrder(tx, p.org, req.id()));
    absl::StatusOr<CustomerRef> ref = LoadCustomerRef(tx, p.org, resp->customer_id());
    if (absl::IsNotFound(ref.status())) return absl::OkStatus();
    RETURN_IF_ERROR(ref.status());
    customer_visible = view.Sees(ref->customer.owner_id(), ref->owner_path);
    return absl::OkStatus();
  }));
  if (customer_visible || resp->owner_id() == p.subject) return absl::OkStatus();
  // The salesperson credited, and their managers, keep seeing it after a transfer.
  absl::Status s = CanSeeEmployee(p, resp->owner_id());
  if (s.ok()) return s;
  resp->Clear();
  if (!IsAccessDenial(s)) return s;
  return absl::PermissionDeniedError(absl::StrCat(
      "order ", req.id(), " is seen by those who see its customer or its salesperson"));
}

absl::Status OrderServiceImpl::DoListOrders(const Call& call, const v1::ListOrdersRequest& req,
                                            v1::ListOrdersResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(req.page_token()));
  const auth::Principal& p = call.principal;
  std::string owner_id = req.owner_id();
  if (req.customer_id().empty() && owner_id.empty() && !p.SeesOrg()) {
    owner_id = p.subject;  // "my orders"
  }
  bool allowed = p.SeesOrg();
  if (!req.customer_id().empty()) {
    // The customer must exist (deleted ones too: their orders stay listable).
    ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, p));
    RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(CustomerRef ref, LoadCustomerRef(tx, p.org, req.customer_id()));
      allowed = allowed || view.Sees(ref.customer.owner_id(), ref.owner_path);
      return absl::OkStatus();
    }));
  }
  if (!allowed) {
    if (owner_id.empty()) {
      return absl::PermissionDeniedError(
          absl::StrCat("customer ", req.customer_id(), " is not visible to you"));
    }
    RETURN_IF_ERROR(CanSeeEmployee(p, owner_id));
  }
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    std::string sql = "SELECT id, body FROM orders WHERE org_id = ? AND id > ?";
    std::vector<storage::Value> params = {p.org, after};
    if (!req.customer_id().empty()) {
      sql += " AND customer_id = ?";
      params.push_back(req.customer_id());
    }
    if (!owner_id.empty()) {
      sql += " AND owner_id = ?";
      params.push_back(owner_id);
    }
    sql += " ORDER BY id LIMIT ?";
    params.push_back(int64_t{size + 1});
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    return storage::FillPage(rows, size, "order", [&] { return resp->add_orders(); },
                             resp->mutable_next_page_token());
  });
}

absl::Status OrderServiceImpl::DoRecordPayment(const Call& call,
                                               const v1::RecordPaymentRequest& req,
                                               v1::Order* resp) {
  const absl::TimeZone tz = DefaultOrgZone();
  FieldViolations v;
  if (req.order_id().empty()) v.Add("order_id", "must name an order");
  if (req.amount() <= 0) {
    v.Add("amount", absl::StrCat("must be more than 0 cents, got ", req.amount()));
  }
  if (req.has_received_at()) {
    const auto& t = req.received_at();
    const absl::Time latest = ctx_->clock->Now() + absl::Hours(24);
    if (t.nanos() < 0 || t.nanos() > 999999999 || t.seconds() < 0 ||
        t.seconds() > absl::ToUnixSeconds(latest)) {
      v.Add("received_at", "must be a valid time, not in the future");
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "RecordPayment", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    ASSIGN_OR_RETURN(v1::Order order, LoadOrder(tx, org, req.order_id()));
    ASSIGN_OR_RETURN(CustomerRef ref, LoadCustomerRef(tx, org, order.customer_id()));
    if (!view.Manages(ref.customer.owner_id(), ref.owner_path)) {
      return absl::PermissionDeniedError(
          absl::StrCat("payments on order ", order.id(), " are recorded by the customer's owner, "
                       "their managers, an admin or finance"));
    }
    RETURN_IF_ERROR(CheckPayment(req.amount(), order.amount(), order.paid()));
    const absl::Time now = ctx_->clock->Now();
    const absl::Time received_at = req.has_received_at() ? FromProto(req.received_at()) : now;
    const absl::CivilDay received_on = absl::ToCivilDay(received_at, tz);
    const bool was_paid_in_full = order.paid_in_full();

    v1::Payment* payment = order.add_payments();
    payment->set_id(NewId("pay", now));
    payment->set_amount(req.amount());
    *payment->mutable_received_at() = ToProto(received_at);
    payment->set_request_id(req.request_id());
    order.set_paid(order.paid() + req.amount());
    order.set_paid_in_full(order.paid() >= order.amount());
    if (order.paid_in_full()) {
      // The day the last payment arrived: payments may be recorded out of order.
      absl::CivilDay last = received_on;
      for (const v1::Payment& p : order.payments()) {
        last = std::max(last, absl::ToCivilDay(FromProto(p.received_at()), tz));
      }
      order.set_paid_in_full_on(FormatDate(last));
    }
    RETURN_IF_ERROR(tx.Exec("INSERT INTO payments (org_id, id, order_id, owner_id, amount, "
                            "received_on) VALUES (?, ?, ?, ?, ?, ?)",
                            {org, payment->id(), order.id(), order.owner_id(), req.amount(),
                             FormatDate(received_on)})
                        .status());
    RETURN_IF_ERROR(tx.Exec("UPDATE orders SET paid = ?, body = ? WHERE org_id = ? AND id = ?",
                            {order.paid(), Blob{order.SerializeAsString()}, org, order.id()})
                        .status());

    std::string customer_name = ref.customer.name();
    if (!ref.deleted) {
      ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, order.customer_id()));
      v1::Customer& customer = row.customer;
      ASSIGN_OR_RETURN(int64_t open, OpenReceivables(tx, org, customer.id()));
      customer.set_open_receivables(open);
      if (order.kind() == v1::ORDER_KIND_SAMPLE && order.paid_in_full() && !was_paid_in_full) {
        ASSIGN_OR_RETURN(int regular, CountRegularOrders(tx, org, customer.id()));
        MoveStage(customer,
                  StageAfterOrder(customer.stage(), v1::ORDER_KIND_SAMPLE, regular,
                                  /*sample_paid_in_full=*/true),
                  now, absl::StrCat("order ", order.id(), " (SAMPLE) paid in full"));
      }
      RETURN_IF_ERROR(SaveChangedCustomer(tx, *ctx_->folder, org, row, now));
      customer_name = customer.name();
    }

    google::protobuf::Struct payload;
    Put(payload, "order_id", order.id());
    Put(payload, "customer_id", order.customer_id());
    Put(payload, "customer_name", customer_name);
    Put(payload, "amount", FormatMoney(req.amount()));
    Put(payload, "currency", order.currency());
    Put(payload, "paid_in_full", order.paid_in_full() ? "true" : "false");
    Put(payload, "owner_id", order.owner_id());
    RETURN_IF_ERROR(storage::AppendOutbox(
        tx, NewEvent(*ctx_->clock, "crm.order.payment_received", org, order.owner_id(),
                     call.principal.subject, std::move(payload))));
    *resp = std::move(order);
    return storage::RememberIdempotent(tx, org, "RecordPayment", req.request_id(), *resp);
  }));
  ctx_->cache->Delete({CustomerKey(org, resp->customer_id())});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::SalesStats>> OrderServiceImpl::SalesStatsOf(
    const std::string& org, const std::vector<std::string>& employee_ids,
    const DateRange& range) {
  std::vector<v1::SalesStats> out;
  if (employee_ids.empty()) return out;
  const absl::TimeZone tz = DefaultOrgZone();
  const std::string first = FormatDate(range.first);
  const std::string last = FormatDate(range.last);
  // The owners' orders signed in the period, and those with a payment received in it
  // (signed earlier: they count as received, not as signed or settled).
  const std::string in = Placeholders(employee_ids.size());
  std::string sql = absl::StrCat(
      "SELECT owner_id, body FROM orders WHERE org_id = ? AND owner_id IN (", in,
      ") AND ((signed_at >= ? AND signed_at <= ?) OR id IN (SELECT order_id FROM payments "
      "WHERE org_id = ? AND owner_id IN (", in, ") AND received_on >= ? AND received_on <= ?))");
  std::vector<storage::Value> params;
  params.reserve(2 * employee_ids.size() + 6);
  params.push_back(org);
  for (const std::string& id : employee_ids) params.push_back(id);
  params.push_back(first);
  params.push_back(last);
  params.push_back(org);
  for (const std::string& id : employee_ids) params.push_back(id);
  params.push_back(first);
  params.push_back(last);
  absl::flat_hash_map<std::string, std::vector<OrderFacts>> facts;
  RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
    facts.clear();
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    for (const auto& row : rows) {
      v1::Order order;
      if (!order.ParseFromString(row.Text(1))) return absl::DataLossError("an order is stored corrupt");
      ASSIGN_OR_RETURN(OrderFacts f, FactsOf(order, tz));
      facts[row.Text(0)].push_back(std::move(f));
    }
    return absl::OkStatus();
  }));
  static const std::vector<OrderFacts> kNone;
  for (const std::string& id : employee_ids) {
    auto it = facts.find(id);
    v1::SalesStats stats = ComputeSalesStats(it == facts.end() ? kNone : it->second, range);
    stats.set_employee_id(id);
    out.push_back(std::move(stats));
  }
  return out;
}

absl::Status OrderServiceImpl::DoGetSalesStats(const Call& call,
                                               const v1::GetSalesStatsRequest& req,
                                               v1::SalesStats* resp) {
  if (req.employee_id().empty()) return InvalidField("employee_id", "must name an employee");
  ASSIGN_OR_RETURN(DateRange range, PeriodRange(req.period(), "period"));
  RETURN_IF_ERROR(CanSeeEmployee(call.principal, req.employee_id()));
  ASSIGN_OR_RETURN(std::vector<v1::SalesStats> stats,
                   SalesStatsOf(call.principal.org, {req.employee_id()}, range));
  *resp = std::move(stats[0]);
  *resp->mutable_period() = req.period();
  return absl::OkStatus();
}

absl::Status OrderServiceImpl::DoBatchGetSalesStats(const Call& call,
                                                    const v1::BatchGetSalesStatsRequest& req,
                                                    v1::BatchGetSalesStatsResponse* resp) {
  RETURN_IF_ERROR(CheckIdList(req.employee_ids(), "employee_ids", kMaxBatch));
  ASSIGN_OR_RETURN(DateRange range, PeriodRange(req.period(), "period"));
  std::vector<std::string> distinct;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& id : req.employee_ids()) {
    if (seen.insert(id).second) distinct.push_back(id);
  }
  for (const std::string& id : distinct) RETURN_IF_ERROR(CanSeeEmployee(call.principal, id));
  ASSIGN_OR_RETURN(std::vector<v1::SalesStats> stats,
                   SalesStatsOf(call.principal.org, distinct, range));
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < distinct.size(); ++i) index[distinct[i]] = i;
  for (const std::string& id : req.employee_ids()) {
    v1::SalesStats* s = resp->add_stats();
    *s = stats[index[id]];
    *s->mutable_period() = req.period();
  }
  return absl::OkStatus();
}

}  // namespace opsuite::crm
