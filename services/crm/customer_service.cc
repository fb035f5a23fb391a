#include "services/crm/customer_service.h"

#include <algorithm>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/cache/cache_aside.h"
#include "common/ids.h"
#include "common/period.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/outbox.h"
#include "common/timestamps.h"
#include "common/wire.h"
#include "services/crm/customer_text.h"
#include "services/crm/domain/pool_rules.h"
#include "services/crm/domain/stage_rules.h"
#include "services/crm/domain/visit_rules.h"

namespace opsuite::crm {
namespace {

using server::Call;
using storage::Rows;

// Checks and completes the fields a caller sets; `prefix` is "customer" or "customers[i]".
void CheckCustomer(FieldViolations& v, v1::Customer& c, const std::string& prefix) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, ".", name); };
  if (absl::StripAsciiWhitespace(c.name()).empty()) v.Add(f("name"), "must not be empty");
  if (c.name().size() > 200) v.Add(f("name"), "must be at most 200 bytes");
  if (c.tier() == v1::TIER_UNSPECIFIED) c.set_tier(v1::TIER_OTHER);
  if (!v1::Tier_IsValid(c.tier())) v.Add(f("tier"), "must be KEY, TIER1, TIER2 or OTHER");
  if (c.stage() == v1::STAGE_UNSPECIFIED) c.set_stage(v1::STAGE_LEAD);
  if (!IsKnownStage(c.stage())) v.Add(f("stage"), "is not a known stage");
  if (c.credit_limit() < 0) v.Add(f("credit_limit"), "must not be negative");
  if (c.currency().empty()) c.set_currency("CNY");
  if (c.currency().size() != 3 || !absl::c_all_of(c.currency(), absl::ascii_isupper)) {
    v.Add(f("currency"), "must be an ISO 4217 code such as CNY");
  }
  if (c.annual_consumption_cents() < 0) v.Add(f("annual_consumption_cents"), "must not be negative");
  if (c.discount_percent() < 0 || c.discount_percent() > 100) {
    v.Add(f("discount_percent"), "must be 0..100");
  }
  if (c.tags_size() > 20) v.Add(f("tags"), "at most 20 tags");
  for (int i = 0; i < c.tags_size(); ++i) {
    if (c.tags(i).empty() || c.tags(i).size() > 32) {
      v.Add(absl::StrCat(prefix, ".tags[", i, "]"), "must be 1..32 bytes");
    }
  }
  if (c.contacts_size() > 50) v.Add(f("contacts"), "at most 50 contacts");
  int next = 1;
  for (const auto& contact : c.contacts()) {
    if (absl::StartsWith(contact.id(), "c")) {
      int n = 0;
      if (absl::SimpleAtoi(contact.id().substr(1), &n)) next = std::max(next, n + 1);
    }
  }
  for (int i = 0; i < c.contacts_size(); ++i) {
    v1::Contact* contact = c.mutable_contacts(i);
    std::string cf = absl::StrCat(prefix, ".contacts[", i, "]");
    if (contact->name().empty()) v.Add(cf + ".name", "must not be empty");
    if (!contact->email().empty() && !absl::StrContains(contact->email(), "@")) {
      v.Add(cf + ".email", "is not an email address");
    }
    if (!contact->birthday().empty()) {
      std::string day = contact->birthday();
      if (absl::StartsWith(day, "--")) day = "2000" + day.substr(1);  // --MM-DD: year unknown
      if (!ParseDate(day, "birthday").ok()) {
        v.Add(cf + ".birthday", "must be YYYY-MM-DD or --MM-DD");
      }
    }
    if (contact->id().empty()) contact->set_id(absl::StrCat("c", next++));
  }
}

v1::OwnerChange OwnerChange(const std::string& from, const std::string& to,
                            const std::string& actor, absl::Time now, const std::string& reason) {
  v1::OwnerChange ch;
  ch.set_from_owner_id(from);
  ch.set_to_owner_id(to);
  ch.set_actor_id(actor);
  *ch.mutable_time() = ToProto(now);
  ch.set_reason(reason);
  return ch;
}

// LIKE pattern for a substring, with the wildcard characters of the needle escaped.
std::string ContainsPattern(absl::string_view needle) {
  std::string out = "%";
  for (char ch : needle) {
    if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  out.push_back('%');
  return out;
}

}  // namespace

namespace {

// The write every create path shares (CreateCustomer and each imported row): duplicate
// guard, ids, histories, the row. `c` has been checked by CheckCustomer.
absl::Status InsertCustomer(Context& ctx, Tx& tx, const std::string& org, const std::string& actor,
                            v1::Customer& c, const std::string& owner_path, absl::Time now,
                            const std::string& field_prefix) {
  std::string name_key = NameKey(*ctx.folder, c);
  ASSIGN_OR_RETURN(Rows dup, tx.Query("SELECT id FROM customers WHERE org_id = ? AND city = ? AND "
                                      "name_key = ? AND deleted = 0",
                                      {org, c.region().city(), name_key}));
  if (!dup.empty()) {
    return absl::AlreadyExistsError(absl::StrCat(
        "customer \"", c.name(), "\" already exists", c.region().city().empty() ? "" : " in ",
        c.region().city(), ": ", dup[0].Text(0)));
  }
  c.set_id(NewId("cus", now));
  c.clear_stage_history();
  c.clear_owner_history();
  c.clear_open_receivables();
  c.clear_last_effective_activity_time();
  v1::StageChange* stage = c.add_stage_history();
  stage->set_to(c.stage());
  stage->set_actor_id(actor);
  *stage->mutable_time() = ToProto(now);
  stage->set_reason("created");
  *c.add_owner_history() = OwnerChange("", c.owner_id(), actor, now, "created");
  c.set_etag(storage::EtagOf(1));
  *c.mutable_create_time() = ToProto(now);
  *c.mutable_update_time() = ToProto(now);
  CustomerRow row;
  row.customer = c;
  row.version = 1;
  row.owner_path = owner_path;
  row.assigned_at_ms = absl::ToUnixMillis(now);
  absl::Status s = SaveCustomer(tx, org, row, name_key, SearchText(*ctx.folder, c), true);
  if (absl::IsAlreadyExists(s)) {
    return absl::AlreadyExistsError(absl::StrCat("customer \"", c.name(), "\" already exists",
                                                 c.region().city().empty() ? "" : " in ",
                                                 c.region().city()));
  }
  return s;
}

// The owner a create names (empty: the caller, or the pool for admins) and its department
// path; PERMISSION_DENIED when the caller may not give customers to that owner.
absl::StatusOr<std::pair<std::string, std::string>> ResolveOwner(Context& ctx, const Call& call,
                                                                 const View& view,
                                                                 std::string owner,
                                                                 const std::string& field) {
  if (owner.empty() && !call.principal.SeesOrg()) owner = call.principal.subject;
  if (owner.empty()) return std::make_pair(std::string(), std::string());
  auto path = ctx.directory->DepartmentPathOf(call.principal.org, owner);
  if (absl::IsNotFound(path.status())) {
    return InvalidField(field, absl::StrCat("no employee ", owner, " in this org"));
  }
  RETURN_IF_ERROR(path.status());
  if (!view.Manages(owner, *path)) {
    return absl::PermissionDeniedError(
        absl::StrCat("you cannot give customers to ", owner, ": only to yourself or to people "
                                                             "in departments you manage"));
  }
  return std::make_pair(owner, *path);
}

}  // namespace

absl::Status CustomerServiceImpl::DoCreateCustomer(const Call& call,
                                                   const v1::CreateCustomerRequest& req,
                                                   v1::Customer* resp) {
  v1::Customer c = req.customer();
  FieldViolations v;
  CheckCustomer(v, c, "customer");
  RETURN_IF_ERROR(v.ToStatus());
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));
  ASSIGN_OR_RETURN(auto owner, ResolveOwner(*ctx_, call, view, c.owner_id(), "customer.owner_id"));
  c.set_owner_id(owner.first);
  return ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "CreateCustomer", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    v1::Customer fresh = c;
    RETURN_IF_ERROR(InsertCustomer(*ctx_, tx, org, call.principal.subject, fresh, owner.second,
                                   ctx_->clock->Now(), "customer"));
    *resp = fresh;
    return storage::RememberIdempotent(tx, org, "CreateCustomer", req.request_id(), *resp);
  });
}

namespace {

// Customer.owner_id's field number, for reading it off a cached customer's bytes.
constexpr int kCustomerOwnerIdField = v1::Customer::kOwnerIdFieldNumber;

// Whether the caller sees customer `c` without asking the directory: their org's view, a
// customer nobody owns, or their own.
bool PlainlyVisible(const server::Call& call, std::string_view owner_id) {
  return call.principal.SeesOrg() || owner_id.empty() || owner_id == call.principal.subject;
}

}  // namespace

absl::StatusOr<v1::Customer> CustomerServiceImpl::ReadCustomer(const std::string& org,
                                                               const std::string& id) {
  v1::Customer c;
  RETURN_IF_ERROR(ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, id));
    c = std::move(row.customer);
    return absl::OkStatus();
  }));
  return c;
}

absl::Status CustomerServiceImpl::CheckVisible(const Call& call, const v1::Customer& c) {
  if (PlainlyVisible(call, c.owner_id())) return absl::OkStatus();
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));
  auto path = ctx_->directory->DepartmentPathOf(org, c.owner_id());
  if (!path.ok() && !absl::IsNotFound(path.status())) return path.status();
  if (!view.Sees(c.owner_id(), path.ok() ? *path : "")) {
    return absl::PermissionDeniedError(
        absl::StrCat("customer ", c.id(), " belongs to someone you do not manage"));
  }
  return absl::OkStatus();
}

void CustomerServiceImpl::StartGetCustomer(const Call& call, const v1::GetCustomerRequest& req,
                                           v1::Customer* resp, server::Edge::Later& later) {
  if (req.id().empty()) return;
  const std::string key = CustomerKey(call.principal.org, req.id());
  if (std::optional<std::string> c = ctx_->cache->Peek(key)) {
    // A near hit, sent as the bytes it was cached as. Whether the caller plainly sees it needs
    // only the owner, read off the bytes; otherwise the directory decides, on the worker pool.
    // The bytes are not checked here: a near entry was parsed once when it reached the process
    // (GetOrLoadAsync; one that does not parse is deleted), so a corrupt value in Redis reaches
    // only near hits in the moment between its arrival and its deletion
    // (CrmIT.ACorruptCachedCustomerIsReadAgainFromTheDatabase).
    if (!call.principal.SeesOrg()) {  // else the owner does not matter
      std::optional<std::string_view> owner = wire::StringField(*c, kCustomerOwnerIdField);
      if (!owner.has_value() || !PlainlyVisible(call, *owner)) return;
    }
    return later.FinishSerialized(*std::move(c));
  }
  // The load is a short read (the read pool); the directory's answer may be a call to another
  // process, so the check waits on the main pool.
  Executor* executor = ctx_->edge->executor();
  cache::GetOrLoadAsync<v1::Customer>(
      *ctx_->cache, ctx_->flight, *ctx_->edge->read_executor(), key, kCacheTtl,
      [this, org = call.principal.org, id = req.id()] { return ReadCustomer(org, id); },
      [this, call, resp, executor, done = later.Take()](absl::StatusOr<v1::Customer> c) mutable {
        if (!c.ok()) return done(c.status());
        *resp = *std::move(c);
        if (PlainlyVisible(call, resp->owner_id())) return done(absl::OkStatus());
        auto finish = std::make_shared<server::Edge::Done>(std::move(done));
        executor->Submit([this, call, resp, finish] { (*finish)(CheckVisible(call, *resp)); });
      });
}

absl::Status CustomerServiceImpl::DoGetCustomer(const Call& call, const v1::GetCustomerRequest& req,
                                                v1::Customer* resp) {
  if (req.id().empty()) return InvalidField("id", "must name a customer");
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(*resp, cache::GetOrLoad<v1::Customer>(
                              *ctx_->cache, ctx_->flight, CustomerKey(org, req.id()), kCacheTtl,
                              [&] { return ReadCustomer(org, req.id()); }));
  return CheckVisible(call, *resp);
}

absl::Status CustomerServiceImpl::DoBatchGetCustomers(const Call& call,
                                                      const v1::BatchGetCustomersRequest& req,
                                                      v1::BatchGetCustomersResponse* resp) {
  RETURN_IF_ERROR(CheckIdList(req.ids(), "ids"));
  for (int i = 0; i < req.ids_size(); ++i) {
    v1::GetCustomerRequest one;
    one.set_id(req.ids(i));
    RETURN_IF_ERROR(DoGetCustomer(call, one, resp->add_customers()));
  }
  return absl::OkStatus();
}

absl::Status CustomerServiceImpl::DoUpdateCustomer(const Call& call,
                                                   const v1::UpdateCustomerRequest& req,
                                                   v1::Customer* resp) {
  const v1::Customer& in = req.customer();
  if (in.id().empty()) return InvalidField("customer.id", "must name a customer");
  if (req.update_mask().paths_size() == 0) {
    return InvalidField("update_mask", "name the fields to change, e.g. \"tier,contacts\"");
  }
  static const auto* kPaths = new std::vector<std::string>{
      "name", "kind", "tier", "stage", "region", "industry", "credit_limit", "currency",
      "contacts", "tags", "notes", "annual_consumption_cents", "discount_percent"};
  for (int i = 0; i < req.update_mask().paths_size(); ++i) {
    if (!absl::c_linear_search(*kPaths, req.update_mask().paths(i))) {
      return InvalidField(absl::StrCat("update_mask.paths[", i, "]"),
                          absl::StrCat("\"", req.update_mask().paths(i), "\" cannot be updated (",
                                       absl::StrJoin(*kPaths, ", "), ")"));
    }
  }
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, in.id()));
    if (!view.Manages(row.customer.owner_id(), row.owner_path)) {
      return absl::PermissionDeniedError(
          "a customer is changed by its owner, the owner's managers or an admin (claim a pool "
          "customer first)");
    }
    RETURN_IF_ERROR(storage::CheckEtag(in.etag(), row.version, absl::StrCat("customer ", in.id())));
    v1::Customer c = row.customer;
    v1::Stage old_stage = c.stage();
    for (const std::string& p : req.update_mask().paths()) {
      if (p == "name") c.set_name(in.name());
      if (p == "kind") c.set_kind(in.kind());
      if (p == "tier") c.set_tier(in.tier());
      if (p == "stage") c.set_stage(in.stage());
      if (p == "region") *c.mutable_region() = in.region();
      if (p == "industry") c.set_industry(in.industry());
      if (p == "credit_limit") c.set_credit_limit(in.credit_limit());
      if (p == "currency") c.set_currency(in.currency());
      if (p == "contacts") *c.mutable_contacts() = in.contacts();
      if (p == "tags") *c.mutable_tags() = in.tags();
      if (p == "notes") c.set_notes(in.notes());
      if (p == "annual_consumption_cents") c.set_annual_consumption_cents(in.annual_consumption_cents());
      if (p == "discount_percent") c.set_discount_percent(in.discount_percent());
    }
    FieldViolations v;
    CheckCustomer(v, c, "customer");
    RETURN_IF_ERROR(v.ToStatus());
    absl::Time now = ctx_->clock->Now();
    if (c.stage() != old_stage) {
      RETURN_IF_ERROR(CheckManualStage(old_stage, c.stage()));
      v1::StageChange* ch = c.add_stage_history();
      ch->set_from(old_stage);
      ch->set_to(c.stage());
      ch->set_actor_id(call.principal.subject);
      *ch->mutable_time() = ToProto(now);
    }
    std::string name_key = NameKey(*ctx_->folder, c);
    if (name_key != NameKey(*ctx_->folder, row.customer) ||
        c.region().city() != row.customer.region().city()) {
      ASSIGN_OR_RETURN(Rows dup, tx.Query("SELECT id FROM customers WHERE org_id = ? AND city = ? "
                                          "AND name_key = ? AND deleted = 0 AND id <> ?",
                                          {org, c.region().city(), name_key, c.id()}));
      if (!dup.empty()) {
        return absl::AlreadyExistsError(absl::StrCat("customer \"", c.name(), "\" already exists: ",
                                                     dup[0].Text(0)));
      }
    }
    row.version += 1;
    c.set_etag(storage::EtagOf(row.version));
    *c.mutable_update_time() = ToProto(now);
    row.customer = c;
    RETURN_IF_ERROR(SaveCustomer(tx, org, row, name_key, SearchText(*ctx_->folder, c), false));
    *resp = c;
    return absl::OkStatus();
  }));
  ctx_->cache->Delete({CustomerKey(org, in.id())});
  return absl::OkStatus();
}

absl::Status CustomerServiceImpl::DoDeleteCustomer(const Call& call,
                                                   const v1::DeleteCustomerRequest& req,
                                                   v1::DeleteCustomerResponse*) {
  if (req.id().empty()) return InvalidField("id", "must name a customer");
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, req.id()));
    if (!view.Manages(row.customer.owner_id(), row.owner_path)) {
      return absl::PermissionDeniedError(
          "a customer is deleted by its owner, the owner's managers or an admin");
    }
    RETURN_IF_ERROR(storage::CheckEtag(req.etag(), row.version, absl::StrCat("customer ", req.id())));
    row.deleted = true;
    return SaveChangedCustomer(tx, *ctx_->folder, org, row, ctx_->clock->Now());
  }));
  ctx_->cache->Delete({CustomerKey(org, req.id())});
  return absl::OkStatus();
}

absl::Status CustomerServiceImpl::DoListCustomers(const Call& call,
                                                  const v1::ListCustomersRequest& req,
                                                  v1::ListCustomersResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(req.page_token()));
  if (req.query().size() > 200) return InvalidField("query", "must be at most 200 bytes");
  if (!v1::Tier_IsValid(req.tier())) return InvalidField("tier", "is not a known tier");
  if (!v1::Stage_IsValid(req.stage())) return InvalidField("stage", "is not a known stage");
  // Ordered by a sort key and the id; the page token carries both.
  std::string key_column, direction = "ASC";
  if (req.order_by().empty() || req.order_by() == "id") {
    key_column = "id";
  } else if (req.order_by() == "name") {
    key_column = "name_key";
  } else if (req.order_by() == "-update_time") {
    key_column = "update_at";
    direction = "DESC";
  } else if (req.order_by() == "-last_effective_activity_time") {
    key_column = "last_effective_at";
    direction = "DESC";
  } else {
    return InvalidField("order_by",
                        "one of id, name, -update_time, -last_effective_activity_time");
  }
  const bool numeric_key = key_column == "update_at" || key_column == "last_effective_at";
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));

  std::string sql = absl::StrCat("SELECT id, body, ", key_column,
                                 " FROM customers WHERE org_id = ? AND deleted = 0");
  std::vector<storage::Value> params = {org};
  if (!after.empty()) {
    std::pair<std::string, std::string> token = absl::StrSplit(after, absl::MaxSplits('\x1f', 1));
    const char* cmp = direction == "ASC" ? ">" : "<";
    storage::Value key = token.first;
    if (numeric_key) {
      int64_t n = 0;
      if (!absl::SimpleAtoi(token.first, &n)) return InvalidField("page_token", "is not ours");
      key = n;
    }
    if (key_column == "id") {
      absl::StrAppend(&sql, " AND id ", cmp, " ?");
      params.push_back(token.first);
    } else {
      absl::StrAppend(&sql, " AND (", key_column, " ", cmp, " ? OR (", key_column, " = ? AND id ",
                      cmp, " ?))");
      params.push_back(key);
      params.push_back(key);
      params.push_back(token.second);
    }
  }
  if (!view.org_wide) {
    // Their own, the pool, and what sits below the departments they manage.
    std::string visible = "owner_id = ? OR owner_id = ''";
    params.push_back(view.subject);
    for (const std::string& path : view.managed_paths) {
      absl::StrAppend(&visible, " OR substr(owner_path, 1, length(?)) = ?");
      params.push_back(path);
      params.push_back(path);
    }
    absl::StrAppend(&sql, " AND (", visible, ")");
  }
  if (!req.owner_id().empty()) {
    sql += " AND owner_id = ?";
    params.push_back(req.owner_id() == "-" ? std::string() : req.owner_id());
  }
  if (req.tier() != v1::TIER_UNSPECIFIED) {
    sql += " AND tier = ?";
    params.push_back(int64_t{req.tier()});
  }
  if (req.stage() != v1::STAGE_UNSPECIFIED) {
    sql += " AND stage = ?";
    params.push_back(int64_t{req.stage()});
  }
  if (!req.province().empty()) {
    sql += " AND province = ?";
    params.push_back(req.province());
  }
  if (!req.city().empty()) {
    sql += " AND city = ?";
    params.push_back(req.city());
  }
  if (!req.tag().empty()) {
    sql += " AND id IN (SELECT customer_id FROM customer_tags WHERE org_id = ? AND tag = ?)";
    params.push_back(org);
    params.push_back(req.tag());
  }
  if (std::string needle = ctx_->folder->Fold(req.query()); !needle.empty()) {
    sql += " AND search LIKE ? ESCAPE '\\'";
    params.push_back(ContainsPattern(needle));
  }
  absl::StrAppend(&sql, " ORDER BY ", key_column, " ", direction,
                  key_column == "id" ? "" : absl::StrCat(", id ", direction), " LIMIT ?");
  params.push_back(int64_t{size + 1});
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(size); ++i) {
      if (!resp->add_customers()->ParseFromString(rows[i].Text(1))) {
        return absl::DataLossError("a customer is stored corrupt");
      }
    }
    if (rows.size() > static_cast<size_t>(size)) {
      const storage::Row& last = rows[size - 1];
      std::string key = numeric_key ? absl::StrCat(last.Int(2)) : last.Text(2);
      resp->set_next_page_token(
          EncodePageToken(key_column == "id" ? last.Text(0) : absl::StrCat(key, "\x1f", last.Text(0))));
    }
    return absl::OkStatus();
  });
}

absl::Status CustomerServiceImpl::DoTransferCustomer(const Call& call,
                                                     const v1::TransferCustomerRequest& req,
                                                     v1::Customer* resp) {
  if (req.id().empty()) return InvalidField("id", "must name a customer");
  if (req.new_owner_id().empty()) return InvalidField("new_owner_id", "must name an employee");
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));
  ASSIGN_OR_RETURN(auto owner, ResolveOwner(*ctx_, call, view, req.new_owner_id(), "new_owner_id"));
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, req.id()));
    bool managed = view.org_wide || (row.customer.owner_id() != view.subject &&
                                     view.Manages(row.customer.owner_id(), row.owner_path));
    if (!managed) {
      return absl::PermissionDeniedError(
          "customers are transferred by the owner's managers or an admin");
    }
    if (row.customer.owner_id() == owner.first) {
      return absl::FailedPreconditionError(absl::StrCat("customer ", req.id(), " already belongs to ",
                                                        owner.first));
    }
    absl::Time now = ctx_->clock->Now();
    *row.customer.add_owner_history() =
        OwnerChange(row.customer.owner_id(), owner.first, call.principal.subject, now,
                    req.reason().empty() ? "transfer" : req.reason());
    row.customer.set_owner_id(owner.first);
    row.owner_path = owner.second;
    row.assigned_at_ms = absl::ToUnixMillis(now);
    RETURN_IF_ERROR(SaveChangedCustomer(tx, *ctx_->folder, org, row, now));
    *resp = row.customer;
    return absl::OkStatus();
  }));
  ctx_->cache->Delete({CustomerKey(org, req.id())});
  return absl::OkStatus();
}

namespace {

// Moves `row` to the public pool and writes the event, in the caller's transaction.
absl::Status ToPool(Context& ctx, Tx& tx, const std::string& org, CustomerRow& row,
                    const std::string& actor, const std::string& reason, absl::Time now) {
  const std::string previous = row.customer.owner_id();
  *row.customer.add_owner_history() = OwnerChange(previous, "", actor, now, reason);
  row.customer.clear_owner_id();
  row.owner_path.clear();
  row.assigned_at_ms = absl::ToUnixMillis(now);
  RETURN_IF_ERROR(SaveChangedCustomer(tx, *ctx.folder, org, row, now));
  google::protobuf::Struct p;
  Put(p, "customer_id", row.customer.id());
  Put(p, "customer_name", row.customer.name());
  Put(p, "previous_owner_id", previous);
  Put(p, "reason", reason);
  return storage::AppendOutbox(
      tx, NewEvent(*ctx.clock, "crm.customer.released_to_pool", org, previous, actor, std::move(p)));
}

}  // namespace

absl::Status CustomerServiceImpl::DoReleaseCustomer(const Call& call,
                                                    const v1::ReleaseCustomerRequest& req,
                                                    v1::Customer* resp) {
  if (req.id().empty()) return InvalidField("id", "must name a customer");
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, req.id()));
    if (row.customer.owner_id().empty()) {
      return absl::FailedPreconditionError(absl::StrCat("customer ", req.id(), " is already in the pool"));
    }
    if (!view.Manages(row.customer.owner_id(), row.owner_path)) {
      return absl::PermissionDeniedError(
          "a customer is released by its owner, the owner's managers or an admin");
    }
    RETURN_IF_ERROR(ToPool(*ctx_, tx, org, row, call.principal.subject,
                           req.reason().empty() ? "released" : req.reason(), ctx_->clock->Now()));
    *resp = row.customer;
    return absl::OkStatus();
  }));
  ctx_->cache->Delete({CustomerKey(org, req.id())});
  return absl::OkStatus();
}

absl::Status CustomerServiceImpl::DoClaimCustomer(const Call& call,
                                                  const v1::ClaimCustomerRequest& req,
                                                  v1::Customer* resp) {
  if (req.id().empty()) return InvalidField("id", "must name a customer");
  const std::string& org = call.principal.org;
  const std::string& me = call.principal.subject;
  auto path = ctx_->directory->DepartmentPathOf(org, me);
  if (absl::IsNotFound(path.status())) {
    return absl::PermissionDeniedError("only employees claim customers from the pool");
  }
  RETURN_IF_ERROR(path.status());
  RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, req.id()));
    if (!row.customer.owner_id().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("customer ", req.id(), " is not in the pool (it belongs to ",
                       row.customer.owner_id(), ")"));
    }
    ASSIGN_OR_RETURN(v1::CrmPolicy policy, LoadCrmPolicy(tx, org, nullptr));
    absl::Time now = ctx_->clock->Now();
    std::string today = FormatDate(absl::ToCivilDay(now, DefaultOrgZone()));
    ASSIGN_OR_RETURN(Rows claims, tx.Query("SELECT count FROM claims WHERE org_id = ? AND "
                                           "employee_id = ? AND day = ?",
                                           {org, me, today}));
    RETURN_IF_ERROR(CheckClaimCap(claims.empty() ? 0 : static_cast<int>(claims[0].Int(0)),
                                  policy.pool_claims_per_day()));
    RETURN_IF_ERROR(tx.Exec("INSERT INTO claims (org_id, employee_id, day, count) VALUES (?, ?, ?, "
                            "1) ON CONFLICT (org_id, employee_id, day) DO UPDATE SET count = "
                            "claims.count + 1",
                            {org, me, today})
                        .status());
    *row.customer.add_owner_history() = OwnerChange("", me, me, now, "claimed");
    row.customer.set_owner_id(me);
    row.owner_path = *path;
    row.assigned_at_ms = absl::ToUnixMillis(now);
    RETURN_IF_ERROR(SaveChangedCustomer(tx, *ctx_->folder, org, row, now));
    *resp = row.customer;
    return absl::OkStatus();
  }));
  ctx_->cache->Delete({CustomerKey(org, req.id())});
  return absl::OkStatus();
}

absl::Status CustomerServiceImpl::DoReleaseIdleCustomers(const Call& call,
                                                         const v1::ReleaseIdleCustomersRequest& req,
                                                         v1::ReleaseIdleCustomersResponse* resp) {
  if (!call.principal.SeesOrg()) {
    return absl::PermissionDeniedError("only an admin or the scheduler runs the pool sweep");
  }
  const std::string& org = call.principal.org;
  absl::Time as_of = req.has_as_of() ? FromProto(req.as_of()) : ctx_->clock->Now();
  std::vector<std::string> released;
  // A batch per transaction keeps writes short; the sweep is safe to repeat.
  for (;;) {
    size_t before = released.size();
    RETURN_IF_ERROR(ctx_->db->Write([&](Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(v1::CrmPolicy policy, LoadCrmPolicy(tx, org, nullptr));
      int64_t cutoff = absl::ToUnixMillis(as_of - absl::Hours(24) * policy.pool_idle_days());
      ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id FROM customers WHERE org_id = ? AND deleted = "
                                           "0 AND owner_id <> '' AND last_effective_at < ? AND "
                                           "assigned_at < ? ORDER BY id LIMIT 200",
                                           {org, cutoff, cutoff}));
      for (const auto& r : rows) {
        ASSIGN_OR_RETURN(CustomerRow row, LoadCustomer(tx, org, r.Text(0)));
        RETURN_IF_ERROR(ToPool(*ctx_, tx, org, row, call.principal.subject,
                               absl::StrCat("no effective activity for ", policy.pool_idle_days(),
                                            " days"),
                               as_of));
        released.push_back(row.customer.id());
      }
      return absl::OkStatus();
    }));
    if (released.size() - before < 200) break;
  }
  std::vector<std::string> keys;
  for (const auto& id : released) {
    keys.push_back(CustomerKey(org, id));
    resp->add_released_ids(id);
  }
  ctx_->cache->Delete(keys);
  return absl::OkStatus();
}

absl::Status CustomerServiceImpl::DoImportCustomers(const Call& call,
                                                    const v1::ImportCustomersRequest& req,
                                                    v1::ImportCustomersResponse* resp) {
  if (req.customers_size() == 0) return InvalidField("customers", "send at least one row");
  if (req.customers_size() > 5000) return InvalidField("customers", "at most 5000 rows per call");
  const std::string& org = call.principal.org;
  ASSIGN_OR_RETURN(View view, ViewOf(*ctx_, call.principal));
  // Check every row first (fields and owners), then write the good ones in one transaction.
  std::vector<v1::Customer> rows(req.customers().begin(), req.customers().end());
  std::vector<std::string> paths(rows.size());
  std::vector<bool> ok(rows.size(), true);
  auto fail = [&](size_t i, std::string field, std::string reason) {
    auto* e = resp->add_errors();
    e->set_row(static_cast<int>(i) + 1);
    e->set_field(std::move(field));
    e->set_reason(std::move(reason));
    ok[i] = false;
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    FieldViolations v;
    CheckCustomer(v, rows[i], "customer");
    absl::Status s = v.ToStatus();
    if (!s.ok()) {
      std::vector<std::string> fields = ViolatedFields(s);
      fail(i, fields.empty() ? "" : fields[0], std::string(s.message()));
      continue;
    }
    auto owner = ResolveOwner(*ctx_, call, view, rows[i].owner_id(), "customer.owner_id");
    if (!owner.ok()) {
      fail(i, "customer.owner_id", std::string(owner.status().message()));
      continue;
    }
    rows[i].set_owner_id(owner->first);
    paths[i] = owner->second;
  }
  v1::ImportCustomersResponse checked = *resp;
  std::vector<bool> checked_ok = ok;
  return ctx_->db->Write([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "ImportCustomers", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    *resp = checked;  // the transaction may run again: start from the field checks
    ok = checked_ok;
    // Duplicates, against the org and within the file, before anything is written, so
    // all_or_nothing can report them instead of failing half-way.
    absl::flat_hash_map<std::string, size_t> in_file;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!ok[i]) continue;
      std::string key = absl::StrCat(rows[i].region().city(), "\x1f", NameKey(*ctx_->folder, rows[i]));
      if (auto [it, fresh] = in_file.emplace(key, i); !fresh) {
        fail(i, "customer.name", absl::StrCat("the same customer as row ", it->second + 1));
        continue;
      }
      ASSIGN_OR_RETURN(Rows dup, tx.Query("SELECT id FROM customers WHERE org_id = ? AND city = ? "
                                          "AND name_key = ? AND deleted = 0",
                                          {org, rows[i].region().city(),
                                           NameKey(*ctx_->folder, rows[i])}));
      if (!dup.empty()) {
        fail(i, "customer.name", absl::StrCat("customer \"", rows[i].name(), "\" already exists: ",
                                              dup[0].Text(0)));
      }
    }
    if (req.all_or_nothing() && resp->errors_size() > 0) return absl::OkStatus();
    absl::Time now = ctx_->clock->Now();
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!ok[i]) continue;
      v1::Customer c = rows[i];
      RETURN_IF_ERROR(InsertCustomer(*ctx_, tx, org, call.principal.subject, c, paths[i], now,
                                     "customer"));
      resp->add_created_ids(c.id());
    }
    std::sort(resp->mutable_errors()->begin(), resp->mutable_errors()->end(),
              [](const auto& a, const auto& b) { return a.row() < b.row(); });
    return storage::RememberIdempotent(tx, org, "ImportCustomers", req.request_id(), *resp);
  });
}

absl::Status CustomerServiceImpl::DoGetCrmPolicy(const Call& call, const v1::GetCrmPolicyRequest&,
                                                 v1::CrmPolicy* resp) {
  return ctx_->db->Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, LoadCrmPolicy(tx, call.principal.org, nullptr));
    return absl::OkStatus();
  });
}

absl::Status CustomerServiceImpl::DoUpdateCrmPolicy(const Call& call,
                                                    const v1::UpdateCrmPolicyRequest& req,
                                                    v1::CrmPolicy* resp) {
  if (!call.principal.IsAdmin()) return absl::PermissionDeniedError("only an admin changes the crm policy");
  if (req.update_mask().paths_size() == 0) {
    return InvalidField("update_mask", "name the fields to change, e.g. \"pool_idle_days\"");
  }
  const std::string& org = call.principal.org;
  return ctx_->db->Write([&](Tx& tx) -> absl::Status {
    int64_t version = 0;
    ASSIGN_OR_RETURN(v1::CrmPolicy policy, LoadCrmPolicy(tx, org, &version));
    RETURN_IF_ERROR(storage::CheckEtag(req.policy().etag(), version, "the crm policy"));
    const auto* descriptor = v1::CrmPolicy::descriptor();
    const auto* reflection = v1::CrmPolicy::GetReflection();
    for (int i = 0; i < req.update_mask().paths_size(); ++i) {
      const auto* field = descriptor->FindFieldByName(req.update_mask().paths(i));
      if (field == nullptr || field->name() == "etag") {
        return InvalidField(absl::StrCat("update_mask.paths[", i, "]"),
                            absl::StrCat("\"", req.update_mask().paths(i), "\" is not a policy field"));
      }
      reflection->SetInt32(&policy, field, reflection->GetInt32(req.policy(), field));
    }
    RETURN_IF_ERROR(PrefixFields(ValidateCrmPolicy(policy), "policy"));
    policy.set_etag(storage::EtagOf(version + 1));
    RETURN_IF_ERROR(SaveCrmPolicy(tx, org, policy, version + 1));
    *resp = policy;
    return absl::OkStatus();
  });
}

}  // namespace opsuite::crm
