#include "services/notify/notification_service.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/auth/rbac.h"
#include "common/ids.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/page.h"
#include "common/timestamps.h"
#include "services/notify/domain/policy.h"
#include "services/notify/domain/template.h"
#include "services/notify/fanout.h"
#include "services/notify/inbox_hub.h"

namespace opsuite::notify {
namespace {

using storage::Placeholders;

using storage::Blob;
using storage::Rows;

constexpr int kMaxRecipients = 1000;

// A stream refused before it started (bad credentials).
class RefusedWriter final : public grpc::ServerWriteReactor<v1::Notice> {
 public:
  explicit RefusedWriter(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

absl::StatusOr<int32_t> UnreadCount(storage::Tx& tx, const std::string& org,
                                    const std::string& recipient) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM notices WHERE org_id = ? AND "
                                       "recipient_id = ? AND is_read = 0",
                                       {org, recipient}));
  return static_cast<int32_t>(rows.empty() ? 0 : rows[0].Int(0));
}

bool KnownLocale(const std::string& l) { return l == "zh-CN" || l == "en"; }

bool KnownChannel(v1::Channel c) {
  return c == v1::CHANNEL_IN_APP || c == v1::CHANNEL_EMAIL || c == v1::CHANNEL_WEBHOOK;
}

}  // namespace

// ---- NotificationService --------------------------------------------------------------------

absl::Status NotificationServiceImpl::DoSend(const Call& call, const v1::SendRequest& req,
                                             v1::SendResponse* resp) {
  const std::string& org = call.principal.org;
  FieldViolations v;
  if (req.recipient_ids_size() == 0) v.Add("recipient_ids", "name at least one recipient");
  if (req.recipient_ids_size() > kMaxRecipients) {
    v.Add("recipient_ids", absl::StrCat("at most ", kMaxRecipients, " recipients per call, got ",
                                        req.recipient_ids_size()));
  }
  if (req.template_key().empty()) v.Add("template_key", "name a template, e.g. scheduler.reminder");
  RETURN_IF_ERROR(v.ToStatus());
  std::vector<std::string> ids;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& id : req.recipient_ids()) {
    if (!id.empty() && seen.insert(id).second) ids.push_back(id);
  }
  std::vector<std::string> missing;
  ASSIGN_OR_RETURN(std::vector<Recipient> recipients, ResolveRecipients(*ctx_, org, ids, &missing));
  if (!missing.empty()) {
    for (int i = 0; i < req.recipient_ids_size(); ++i) {
      if (std::find(missing.begin(), missing.end(), req.recipient_ids(i)) != missing.end()) {
        v.Add(absl::StrCat("recipient_ids[", i, "]"),
              absl::StrCat("employee ", req.recipient_ids(i), " not found"));
      }
    }
    return v.ToStatus();
  }
  if (!call.principal.SeesOrg()) {
    ASSIGN_OR_RETURN(auto tree, ctx_->directory->Tree(org));
    for (const Recipient& r : recipients) {
      ASSIGN_OR_RETURN(planning::v1::Employee e, ctx_->directory->GetEmployee(org, r.id));
      if (auth::RelationTo(call.principal, *tree, {e.id(), e.department_id(), e.manager_id()}) !=
          auth::Relation::kManager) {
        return absl::PermissionDeniedError(absl::StrCat(
            "only admins, services and their managers send notices to ", r.id));
      }
    }
  }
  FanoutInput in;
  in.type = req.template_key();
  in.data = req.data();
  in.critical = req.critical();
  RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    resp->Clear();
    ASSIGN_OR_RETURN(bool done, storage::LookupIdempotent(tx, org, "Send", req.transaction_id(), resp));
    if (done) return absl::OkStatus();
    absl::StatusOr<v1::Template> t = TemplateFor(tx, org, req.template_key(), "zh-CN", v1::CHANNEL_IN_APP);
    if (absl::IsNotFound(t.status())) {
      return InvalidField("template_key", absl::StrCat("no template \"", req.template_key(), "\""));
    }
    RETURN_IF_ERROR(t.status());
    std::vector<std::string> notices;
    RETURN_IF_ERROR(WriteFanout(*ctx_, tx, org, in, recipients, &notices));
    for (std::string& id : notices) resp->add_notice_ids(std::move(id));
    return storage::RememberIdempotent(tx, org, "Send", req.transaction_id(), *resp);
  }));
  ctx_->hub->Notify();
  if (ctx_->wake_dispatcher) ctx_->wake_dispatcher();
  return absl::OkStatus();
}

absl::Status NotificationServiceImpl::DoListInbox(const Call& call, const v1::ListInboxRequest& req,
                                                  v1::ListInboxResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size(), 50, 500));
  std::string before;
  if (!req.page_token().empty()) {
    auto token = DecodePageToken(req.page_token());
    if (!token.ok()) return InvalidField("page_token", "is not a token this list issued");
    before = *token;
  }
  const std::string& org = call.principal.org;
  return ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    std::string sql = "SELECT id, body FROM notices WHERE org_id = ? AND recipient_id = ?";
    std::vector<storage::Value> params = {org, call.principal.subject};
    if (req.unread_only()) absl::StrAppend(&sql, " AND is_read = 0");
    if (!before.empty()) {
      absl::StrAppend(&sql, " AND id < ?");
      params.push_back(before);
    }
    absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?");
    params.push_back(int64_t{size + 1});
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    RETURN_IF_ERROR(storage::FillPage(rows, size, "notice", [&] { return resp->add_notices(); },
                                      resp->mutable_next_page_token()));
    ASSIGN_OR_RETURN(int32_t unread, UnreadCount(tx, org, call.principal.subject));
    resp->set_unread_count(unread);
    return absl::OkStatus();
  });
}

absl::Status NotificationServiceImpl::DoMarkRead(const Call& call, const v1::MarkReadRequest& req,
                                                 v1::MarkReadResponse* resp) {
  if (!req.all() && req.ids_size() == 0) return InvalidField("ids", "name notices, or set all");
  if (req.ids_size() > 1000) return InvalidField("ids", "at most 1000 per call");
  const std::string& org = call.principal.org;
  const absl::Time now = ctx_->clock->Now();
  return ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    std::string sql = "SELECT body FROM notices WHERE org_id = ? AND recipient_id = ? AND is_read = 0";
    std::vector<storage::Value> params = {org, call.principal.subject};
    if (!req.all()) {
      absl::StrAppend(&sql, " AND id IN (", Placeholders(req.ids_size()), ")");
      for (const std::string& id : req.ids()) params.push_back(id);
    }
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    int32_t marked = 0;
    for (const auto& row : rows) {
      v1::Notice n;
      if (!n.ParseFromString(row.Text(0))) continue;
      n.set_read(true);
      *n.mutable_read_time() = ToProto(now);
      RETURN_IF_ERROR(tx.Exec("UPDATE notices SET is_read = 1, body = ? WHERE org_id = ? AND id = ?",
                              {Blob{n.SerializeAsString()}, org, n.id()})
                          .status());
      ++marked;
    }
    resp->set_marked(marked);
    ASSIGN_OR_RETURN(int32_t unread, UnreadCount(tx, org, call.principal.subject));
    resp->set_unread_count(unread);
    return absl::OkStatus();
  });
}

absl::Status NotificationServiceImpl::DoListDeliveries(const Call& call,
                                                       const v1::ListDeliveriesRequest& req,
                                                       v1::ListDeliveriesResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  const std::string& org = call.principal.org;
  std::string recipient = req.recipient_id().empty() ? call.principal.subject : req.recipient_id();
  if (recipient != call.principal.subject && !call.principal.SeesOrg()) {
    return absl::PermissionDeniedError("only admins see other people's deliveries");
  }
  std::string after;
  if (!req.page_token().empty()) {
    auto token = DecodePageToken(req.page_token());
    if (!token.ok()) return InvalidField("page_token", "is not a token this list issued");
    after = *token;
  }
  return ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    std::string sql = "SELECT id, body FROM deliveries WHERE org_id = ? AND recipient_id = ? AND id > ?";
    std::vector<storage::Value> params = {org, recipient, after};
    if (!req.notice_id().empty()) {
      absl::StrAppend(&sql, " AND notice_id = ?");
      params.push_back(req.notice_id());
    }
    if (req.state() != v1::DELIVERY_STATE_UNSPECIFIED) {
      absl::StrAppend(&sql, " AND state = ?");
      params.push_back(int64_t{req.state()});
    }
    absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
    params.push_back(int64_t{size + 1});
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    return storage::FillPage(rows, size, "delivery", [&] { return resp->add_deliveries(); },
                             resp->mutable_next_page_token());
  });
}

grpc::ServerWriteReactor<v1::Notice>* NotificationServiceImpl::WatchInbox(
    grpc::CallbackServerContext* ctx, const v1::WatchInboxRequest* req) {
  absl::StatusOr<auth::Principal> p = ctx_->edge->Authenticate(ctx);
  if (!p.ok()) return new RefusedWriter(ToGrpcStatus(p.status()));
  if (p->subject.empty()) {
    return new RefusedWriter(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                          "the token names nobody (sub) whose inbox to watch"));
  }
  // Without after_id the stream starts after the newest notice stored so far. Not "an id made
  // now": notices are stored by any replica, and an id another replica makes in the same
  // millisecond (or with its clock a little behind) may sort below one made here.
  std::string after = req->after_id();
  if (after.empty()) {
    absl::Status read = ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(storage::Rows rows,
                       tx.Query("SELECT MAX(id) FROM notices WHERE org_id = ? AND recipient_id = ?",
                                {p->org, p->subject}));
      if (!rows.empty()) after = rows[0].Text(0);
      return absl::OkStatus();
    });
    if (!read.ok()) return new RefusedWriter(ToGrpcStatus(read));
  }
  return new InboxWatcher(ctx_->hub, p->org, p->subject, after);
}

// ---- TemplateService ------------------------------------------------------------------------

absl::Status TemplateServiceImpl::DoUpsertTemplate(const Call& call,
                                                   const v1::UpsertTemplateRequest& req,
                                                   v1::Template* resp) {
  if (!call.principal.IsAdmin()) return absl::PermissionDeniedError("only admins change templates");
  const v1::Template& t = req.template_();
  FieldViolations v;
  if (t.key().empty()) v.Add("template.key", "name the event type or template key");
  if (!KnownLocale(t.locale())) v.Add("template.locale", "must be zh-CN or en");
  if (!KnownChannel(t.channel())) v.Add("template.channel", "must be IN_APP, EMAIL or WEBHOOK");
  if (t.subject().empty()) v.Add("template.subject", "must not be empty");
  if (t.body().size() > 64 * 1024) v.Add("template.body", "at most 64 KiB");
  // Syntax: unclosed braces show with any data (a missing variable is fine here).
  for (const auto& [field, text] : {std::pair{"template.subject", t.subject()},
                                    std::pair{"template.body", t.body()}}) {
    absl::StatusOr<std::string> r = Render(text, google::protobuf::Struct(), false);
    if (!r.ok() && absl::c_linear_search(ViolatedFields(r.status()), std::string("template"))) {
      v.Add(field, std::string(r.status().message()));
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  v1::Template stored = t;
  stored.set_builtin(false);
  *stored.mutable_update_time() = ToProto(ctx_->clock->Now());
  RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    return tx
        .Exec("INSERT INTO templates (org_id, key, locale, channel, body) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (org_id, key, locale, channel) DO UPDATE SET body = excluded.body",
              {call.principal.org, stored.key(), stored.locale(), int64_t{stored.channel()},
               Blob{stored.SerializeAsString()}})
        .status();
  }));
  *resp = stored;
  return absl::OkStatus();
}

absl::Status TemplateServiceImpl::DoListTemplates(const Call& call,
                                                  const v1::ListTemplatesRequest& req,
                                                  v1::ListTemplatesResponse* resp) {
  absl::flat_hash_set<std::string> overridden;
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT body FROM templates WHERE org_id = ? ORDER BY key, "
                                         "locale, channel",
                                         {call.principal.org}));
    for (const auto& row : rows) {
      v1::Template t;
      if (!t.ParseFromString(row.Text(0))) continue;
      if (!req.key().empty() && t.key() != req.key()) continue;
      overridden.insert(absl::StrCat(t.key(), "|", t.locale(), "|", t.channel()));
      *resp->add_templates() = std::move(t);
    }
    return absl::OkStatus();
  }));
  for (const v1::Template& t : DefaultTemplates()) {
    if (!req.key().empty() && t.key() != req.key()) continue;
    if (overridden.contains(absl::StrCat(t.key(), "|", t.locale(), "|", t.channel()))) continue;
    *resp->add_templates() = t;
  }
  return absl::OkStatus();
}

absl::Status TemplateServiceImpl::DoRenderTemplate(const Call& call,
                                                   const v1::RenderTemplateRequest& req,
                                                   v1::RenderTemplateResponse* resp) {
  FieldViolations v;
  if (req.key().empty()) v.Add("key", "name a template");
  if (!req.locale().empty() && !KnownLocale(req.locale())) v.Add("locale", "must be zh-CN or en");
  RETURN_IF_ERROR(v.ToStatus());
  const v1::Channel channel =
      req.channel() == v1::CHANNEL_UNSPECIFIED ? v1::CHANNEL_IN_APP : req.channel();
  v1::Template t;
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    absl::StatusOr<v1::Template> found = TemplateFor(
        tx, call.principal.org, req.key(), req.locale().empty() ? "zh-CN" : req.locale(), channel);
    if (absl::IsNotFound(found.status())) {
      return InvalidField("key", std::string(found.status().message()));
    }
    RETURN_IF_ERROR(found.status());
    t = *std::move(found);
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(*resp, notify::RenderTemplate(t, req.data()));
  return absl::OkStatus();
}

// ---- PreferenceService ----------------------------------------------------------------------

absl::Status PreferenceServiceImpl::CanManage(const auth::Principal& p,
                                              const std::string& employee_id) {
  if (p.IsAdmin() || (!p.subject.empty() && p.subject == employee_id)) return absl::OkStatus();
  return absl::PermissionDeniedError("only the employee themselves and admins manage preferences");
}

absl::Status PreferenceServiceImpl::DoGetPreferences(const Call& call,
                                                     const v1::GetPreferencesRequest& req,
                                                     v1::Preferences* resp) {
  const std::string id = req.employee_id().empty() ? call.principal.subject : req.employee_id();
  RETURN_IF_ERROR(CanManage(call.principal, id));
  return ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    int64_t version = 0;
    ASSIGN_OR_RETURN(*resp, LoadPreferences(tx, call.principal.org, id, &version));
    resp->mutable_webhook()->clear_secret();
    resp->set_etag(storage::EtagOf(version));
    return absl::OkStatus();
  });
}

absl::Status PreferenceServiceImpl::DoUpdatePreferences(const Call& call,
                                                        const v1::UpdatePreferencesRequest& req,
                                                        v1::Preferences* resp) {
  const v1::Preferences& in = req.preferences();
  const std::string id = in.employee_id().empty() ? call.principal.subject : in.employee_id();
  RETURN_IF_ERROR(CanManage(call.principal, id));
  static const absl::flat_hash_set<std::string> kPaths = {
      "rules", "quiet_start", "quiet_end", "digest_minutes", "webhook", "fallback"};
  FieldViolations v;
  if (req.update_mask().paths_size() == 0) v.Add("update_mask", "name the fields to change");
  for (const std::string& path : req.update_mask().paths()) {
    if (!kPaths.contains(path)) v.Add("update_mask", absl::StrCat("cannot update \"", path, "\""));
  }
  for (int i = 0; i < in.rules_size(); ++i) {
    const v1::ChannelRule& r = in.rules(i);
    const std::string f = absl::StrCat("preferences.rules[", i, "]");
    if (r.event_type().empty()) v.Add(f + ".event_type", "name an event type or \"*\"");
    if (!KnownChannel(r.channel())) v.Add(f + ".channel", "must be IN_APP, EMAIL or WEBHOOK");
    if (r.channel() == v1::CHANNEL_IN_APP && !r.enabled()) {
      v.Add(f + ".enabled", "the inbox cannot be turned off");
    }
  }
  if (!in.quiet_start().empty() || !in.quiet_end().empty()) {
    if (auto s = ParseClock(in.quiet_start(), "preferences.quiet_start"); !s.ok()) {
      v.Add("preferences.quiet_start", std::string(s.status().message()));
    }
    if (auto s = ParseClock(in.quiet_end(), "preferences.quiet_end"); !s.ok()) {
      v.Add("preferences.quiet_end", std::string(s.status().message()));
    }
  }
  if (in.digest_minutes() < 0 || in.digest_minutes() > 1440) {
    v.Add("preferences.digest_minutes", "must be between 0 and 1440");
  }
  if (!in.webhook().url().empty()) {
    if (absl::Status ok = CheckWebhookUrl(in.webhook().url(), ctx_->options.webhook_allow);
        !ok.ok()) {
      v.Add("preferences.webhook.url", std::string(ok.message()));
    }
  }
  if (in.fallback() != v1::CHANNEL_UNSPECIFIED && !KnownChannel(in.fallback())) {
    v.Add("preferences.fallback", "must be EMAIL or WEBHOOK");
  }
  RETURN_IF_ERROR(v.ToStatus());
  return ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    int64_t version = 0;
    ASSIGN_OR_RETURN(v1::Preferences p, LoadPreferences(tx, call.principal.org, id, &version));
    RETURN_IF_ERROR(storage::CheckEtag(in.etag(), version, "preferences"));
    for (const std::string& path : req.update_mask().paths()) {
      if (path == "rules") *p.mutable_rules() = in.rules();
      if (path == "quiet_start") p.set_quiet_start(in.quiet_start());
      if (path == "quiet_end") p.set_quiet_end(in.quiet_end());
      if (path == "digest_minutes") p.set_digest_minutes(in.digest_minutes());
      if (path == "webhook") *p.mutable_webhook() = in.webhook();
      if (path == "fallback") p.set_fallback(in.fallback());
    }
    p.set_employee_id(id);
    p.clear_etag();
    RETURN_IF_ERROR(SavePreferences(tx, call.principal.org, p, version + 1, version == 0));
    *resp = p;
    resp->mutable_webhook()->clear_secret();
    resp->set_etag(storage::EtagOf(version + 1));
    return absl::OkStatus();
  });
}

}  // namespace opsuite::notify
