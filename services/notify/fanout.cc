#include "services/notify/fanout.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/ids.h"
#include "common/period.h"
#include "common/status.h"
#include "common/timestamps.h"
#include "services/notify/domain/policy.h"
#include "services/notify/domain/template.h"

namespace opsuite::notify {
namespace {

std::string Text(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? std::string() : it->second.string_value();
}

// The most specific rule for (type, channel): the type's own, else "*"; none: IN_APP only.
bool ChannelEnabled(const v1::Preferences& p, const std::string& type, v1::Channel channel) {
  const v1::ChannelRule* any = nullptr;
  for (const v1::ChannelRule& r : p.rules()) {
    if (r.channel() != channel) continue;
    if (r.event_type() == type) return r.enabled();
    if (r.event_type() == "*") any = &r;
  }
  return any != nullptr && any->enabled();
}

absl::TimeZone ZoneOf(const std::string& name) {
  absl::TimeZone tz;
  if (name.empty() || !absl::LoadTimeZone(name, &tz)) return DefaultOrgZone();
  return tz;
}

}  // namespace

std::string LinkOf(const common::v1::Event& e) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"goal_card_id", "goalCards/"}, {"evaluation_id", "evaluations/"},
      {"order_id", "orders/"},        {"customer_id", "customers/"},
      {"report_id", "reports/"}};
  for (const auto& [key, collection] : kKeys) {
    if (std::string id = Text(e.payload(), key); !id.empty()) return absl::StrCat(collection, id);
  }
  return e.subject_id().empty() ? "" : absl::StrCat("employees/", e.subject_id());
}

std::vector<std::string> RecipientsOf(
    const common::v1::Event& e, const std::function<std::string(const std::string&)>& manager_of) {
  std::vector<std::string> out;
  auto add = [&](const std::string& id) {
    if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  };
  const std::string& type = e.type();
  const google::protobuf::Struct& p = e.payload();
  if (type == "planning.goal_card.submitted" || type == "planning.goal_card.self_assessed") {
    add(Text(p, "manager_id").empty() ? manager_of(e.subject_id()) : Text(p, "manager_id"));
  } else if (type == "planning.goal_card.created") {
    if (e.actor_id() != e.subject_id()) add(e.subject_id());
  } else if (absl::StartsWith(type, "planning.goal_card.") ||
             absl::StartsWith(type, "planning.report.") ||
             type == "crm.customer.released_to_pool" || type == "crm.order.payment_received" ||
             type == "scoring.evaluation.completed") {
    add(e.subject_id());
  } else if (type == "crm.visit.overdue") {
    if (Text(p, "recipient") == "manager") {
      add(Text(p, "manager_id").empty() ? manager_of(e.subject_id()) : Text(p, "manager_id"));
    } else {
      add(e.subject_id());
    }
  } else if (type == "scoring.evaluation.flagged") {
    add(e.subject_id());
    add(manager_of(e.subject_id()));
  } else if (type == "scheduler.reminder") {
    auto it = p.fields().find("recipient_ids");
    if (it != p.fields().end()) {
      if (it->second.has_list_value()) {
        for (const auto& v : it->second.list_value().values()) add(v.string_value());
      } else {
        for (absl::string_view id : absl::StrSplit(it->second.string_value(), ',', absl::SkipEmpty())) {
          add(std::string(id));
        }
      }
    }
  }
  return out;
}

absl::StatusOr<std::vector<Recipient>> ResolveRecipients(Context& ctx, const std::string& org,
                                                         const std::vector<std::string>& ids,
                                                         std::vector<std::string>* missing) {
  std::vector<Recipient> out;
  for (const std::string& id : ids) {
    absl::StatusOr<planning::v1::Employee> e = ctx.directory->GetEmployee(org, id);
    if (absl::IsNotFound(e.status()) && missing != nullptr) {
      missing->push_back(id);
      continue;
    }
    RETURN_IF_ERROR(e.status());
    out.push_back({e->id(), e->name(), e->locale().empty() ? "zh-CN" : e->locale(),
                   e->timezone(), e->email()});
  }
  return out;
}

absl::StatusOr<v1::Template> TemplateFor(storage::Tx& tx, const std::string& org,
                                         const std::string& key, const std::string& locale,
                                         v1::Channel channel) {
  ASSIGN_OR_RETURN(auto stored, FindTemplate(tx, org, key, locale, channel));
  if (stored) return *stored;
  if (const v1::Template* t = FindDefaultTemplate(key, locale, channel)) return *t;
  return absl::NotFoundError(absl::StrCat("no template \"", key, "\" (", locale, ")"));
}

absl::Status WriteFanout(Context& ctx, storage::Tx& tx, const std::string& org,
                         const FanoutInput& in, const std::vector<Recipient>& recipients,
                         std::vector<std::string>* notice_ids) {
  const absl::Time now = ctx.clock->Now();
  for (const Recipient& r : recipients) {
    if (!in.event_id.empty()) {
      ASSIGN_OR_RETURN(storage::Rows seen,
                       tx.Query("SELECT id FROM notices WHERE org_id = ? AND recipient_id = ? AND "
                                "event_id = ?",
                                {org, r.id, in.event_id}));
      if (!seen.empty()) continue;
    }
    google::protobuf::Struct data = in.data;
    (*data.mutable_fields())["recipient_name"].set_string_value(r.name);
    (*data.mutable_fields())["event_type"].set_string_value(in.type);
    int64_t version = 0;
    ASSIGN_OR_RETURN(v1::Preferences prefs, LoadPreferences(tx, org, r.id, &version));

    v1::Notice notice;
    notice.set_id(NewId("ntc", now));
    notice.set_recipient_id(r.id);
    notice.set_event_id(in.event_id);
    notice.set_event_type(in.type);
    notice.set_critical(in.critical);
    notice.set_link(in.link);
    // 我的任务: what the recipient has to act on (revise, review, score).
    if (in.type == "planning.goal_card.returned" || in.type == "planning.goal_card.submitted" ||
        in.type == "planning.goal_card.self_assessed") {
      notice.set_category("my_tasks");
    }
    *notice.mutable_create_time() = ToProto(now);
    std::string render_error;
    absl::StatusOr<v1::Template> inbox = TemplateFor(tx, org, in.type, r.locale, v1::CHANNEL_IN_APP);
    absl::StatusOr<v1::RenderTemplateResponse> shown =
        inbox.ok() ? RenderTemplate(*inbox, data)
                   : absl::StatusOr<v1::RenderTemplateResponse>(inbox.status());
    if (shown.ok()) {
      notice.set_title(shown->subject());
      notice.set_body(shown->body());
    } else {
      // Kept on the delivery; the person still learns that something happened.
      render_error = shown.status().ToString();
      notice.set_title(in.type);
    }
    RETURN_IF_ERROR(InsertNotice(tx, org, notice));
    notice_ids->push_back(notice.id());

    v1::Delivery inapp;
    inapp.set_id(NewId("dlv", now));
    inapp.set_notice_id(notice.id());
    inapp.set_recipient_id(r.id);
    inapp.set_channel(v1::CHANNEL_IN_APP);
    inapp.set_target("inbox");
    inapp.set_state(v1::DELIVERY_STATE_SENT);
    inapp.set_attempts(1);
    inapp.set_render_error(render_error);
    *inapp.mutable_next_attempt_time() = ToProto(now);
    *inapp.mutable_create_time() = ToProto(now);
    *inapp.mutable_update_time() = ToProto(now);
    RETURN_IF_ERROR(InsertDelivery(tx, org, inapp, "", {notice.title(), notice.body()}));

    for (v1::Channel channel : {v1::CHANNEL_EMAIL, v1::CHANNEL_WEBHOOK}) {
      // A webhook's path and query often hold a robot's access token: keep only the host.
      std::string target = r.email;
      if (channel == v1::CHANNEL_WEBHOOK) {
        absl::string_view url = prefs.webhook().url();
        absl::ConsumePrefix(&url, "http://");
        target = std::string(url.substr(0, url.find('/')));
      }
      if (target.empty()) continue;
      if (!in.critical && !ChannelEnabled(prefs, in.type, channel)) continue;
      v1::Delivery d;
      d.set_id(NewId("dlv", now));
      d.set_notice_id(notice.id());
      d.set_recipient_id(r.id);
      d.set_channel(channel);
      d.set_target(target);
      d.set_state(v1::DELIVERY_STATE_PENDING);
      *d.mutable_create_time() = ToProto(now);
      *d.mutable_update_time() = ToProto(now);
      absl::Time at = now;
      std::string digest_key;
      if (!in.critical) {
        auto start = ParseClock(prefs.quiet_start(), "quiet_start");
        auto end = ParseClock(prefs.quiet_end(), "quiet_end");
        if (start.ok() && end.ok()) at = QuietUntil(now, *start, *end, ZoneOf(r.timezone));
        if (prefs.digest_minutes() > 0) {
          const absl::Time window_end = DigestWindowEnd(now, prefs.digest_minutes());
          at = std::max(at, window_end);
          digest_key = absl::StrCat(r.id, "|", in.type, "|", channel, "|",
                                    absl::ToUnixSeconds(window_end));
        }
      }
      if (at > now) d.set_state(v1::DELIVERY_STATE_DEFERRED);
      *d.mutable_next_attempt_time() = ToProto(at);
      Rendered rendered;
      absl::StatusOr<v1::Template> t = TemplateFor(tx, org, in.type, r.locale, channel);
      absl::StatusOr<v1::RenderTemplateResponse> out =
          t.ok() ? RenderTemplate(*t, data) : absl::StatusOr<v1::RenderTemplateResponse>(t.status());
      if (out.ok()) {
        rendered = {out->subject(), out->body()};
      } else {
        d.set_state(v1::DELIVERY_STATE_FAILED);
        d.set_render_error(out.status().ToString());
        d.set_last_error("the template could not be rendered");
      }
      RETURN_IF_ERROR(InsertDelivery(tx, org, d, digest_key, rendered));
    }
  }
  return absl::OkStatus();
}

}  // namespace opsuite::notify
