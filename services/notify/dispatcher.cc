#include "services/notify/dispatcher.h"

#include <random>

#include "absl/container/flat_hash_set.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/status.h"
#include "common/thread_name.h"
#include "common/timestamps.h"
#include "google/protobuf/util/json_util.h"
#include "services/notify/domain/policy.h"

namespace opsuite::notify {
namespace {

using storage::Rows;

struct Due {
  std::string org;
  std::string digest_key;
  Rendered rendered;
  v1::Delivery delivery;
};

// Errors no retry can fix: the address or URL is refused, or the request is malformed.
bool Permanent(const absl::Status& s) {
  return absl::IsPermissionDenied(s) || absl::IsInvalidArgument(s) ||
         absl::IsFailedPrecondition(s) || absl::IsUnimplemented(s);
}

}  // namespace

void Dispatcher::Start() {
  thread_ = StartThread("notify-dispatch", [this] { Loop(); });
}

void Dispatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void Dispatcher::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || woken_; };
      mu_.AwaitWithTimeout(absl::Condition(&ready), poll_);
      if (stopping_) return;
      woken_ = false;
    }
    absl::StatusOr<int> n = RunOnce();
    if (!n.ok()) log::Warn("delivery pass failed", {{"error", n.status().ToString()}});
  }
}

// How long a replica holds a delivery it is sending: longer than any send takes (SMTP and
// webhook calls time out well before), so a replica that dies mid-send frees it after this.
constexpr absl::Duration kClaim = absl::Minutes(2);

absl::StatusOr<int> Dispatcher::RunOnce() {
  const absl::Time now = ctx_->clock->Now();
  std::vector<Due> due;
  RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows,
                     tx.Query("SELECT org_id, digest_key, subject, content, body FROM deliveries "
                              "WHERE state IN (?, ?) AND next_at <= ? ORDER BY next_at LIMIT 100",
                              {int64_t{v1::DELIVERY_STATE_PENDING}, int64_t{v1::DELIVERY_STATE_DEFERRED},
                               absl::ToUnixMillis(now)}));
    for (const auto& row : rows) {
      Due d{row.Text(0), row.Text(1), {row.Text(2), row.Text(3)}, {}};
      if (d.delivery.ParseFromString(row.Text(4))) due.push_back(std::move(d));
    }
    return absl::OkStatus();
  }));
  thread_local std::minstd_rand rng(std::random_device{}());
  int handled = 0;
  absl::flat_hash_set<std::string> carried;  // folded into a digest earlier in this pass
  for (Due& d : due) {
    v1::Delivery& delivery = d.delivery;
    if (carried.contains(delivery.id())) continue;
    // Claim it first: every notify replica reads the same table, and only the one whose UPDATE
    // moves next_at on sends it (the others find it claimed and skip it). The claim lasts
    // kClaim on the clock; the outcome recorded below sets next_at again.
    //
    // A digest is claimed as a group: only the open member with the smallest id may carry it,
    // and it stays open (PENDING or DEFERRED) until the write that marks the others FOLDED. So
    // while one replica sends a group, no other replica can claim a member as a second carrier
    // (two replicas once sent one window as two messages).
    bool claimed = false;
    RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(
          int64_t changed,
          tx.Exec("UPDATE deliveries SET next_at = ? WHERE org_id = ? AND id = ? AND "
                  "state IN (?, ?) AND next_at <= ? AND (digest_key = '' OR NOT EXISTS ("
                  "SELECT 1 FROM deliveries o WHERE o.org_id = ? AND o.digest_key = ? AND "
                  "o.state IN (?, ?) AND o.id < ?))",
                  {absl::ToUnixMillis(now + kClaim), d.org, delivery.id(),
                   int64_t{v1::DELIVERY_STATE_PENDING}, int64_t{v1::DELIVERY_STATE_DEFERRED},
                   absl::ToUnixMillis(now), d.org, d.digest_key,
                   int64_t{v1::DELIVERY_STATE_PENDING}, int64_t{v1::DELIVERY_STATE_DEFERRED},
                   delivery.id()}));
      claimed = changed == 1;
      return absl::OkStatus();
    }));
    if (!claimed) continue;
    // A digest: every delivery of the window goes as one message carried by this one.
    std::vector<v1::Delivery> folded;
    if (!d.digest_key.empty()) {
      RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
        ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT subject, body FROM deliveries WHERE org_id = ? "
                                             "AND digest_key = ? AND state = ? AND id <> ? "
                                             "ORDER BY id",
                                             {d.org, d.digest_key,
                                              int64_t{v1::DELIVERY_STATE_DEFERRED}, delivery.id()}));
        std::vector<std::string> subjects = {d.rendered.subject};
        for (const auto& row : rows) {
          v1::Delivery other;
          if (!other.ParseFromString(row.Text(1))) continue;
          subjects.push_back(row.Text(0));
          carried.insert(other.id());
          folded.push_back(std::move(other));
        }
        if (!folded.empty()) {
          const std::string sep = delivery.channel() == v1::CHANNEL_EMAIL ? "<br>\n" : "\n";
          d.rendered.body = absl::StrCat(d.rendered.body, sep, sep, "+ ",
                                         absl::StrJoin(subjects.begin() + 1, subjects.end(),
                                                       absl::StrCat(sep, "+ ")));
          d.rendered.subject = absl::StrCat(d.rendered.subject, " (+", folded.size(), ")");
        }
        return absl::OkStatus();
      }));
    }
    absl::Status sent;
    int64_t pref_version = 0;
    v1::Preferences prefs;
    RETURN_IF_ERROR(ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(prefs, LoadPreferences(tx, d.org, delivery.recipient_id(), &pref_version));
      return absl::OkStatus();
    }));
    if (delivery.channel() == v1::CHANNEL_EMAIL) {
      if (ctx_->email == nullptr) {
        sent = absl::FailedPreconditionError("no SMTP server is configured (--smtp_addr)");
      } else {
        Email email;
        email.from = ctx_->options.smtp_from;
        email.to = delivery.target();
        email.subject = d.rendered.subject;
        email.html_body = d.rendered.body;
        email.message_id = absl::StrCat(delivery.id(), "@opsuite");
        sent = ctx_->email->Send(email);
      }
    } else if (delivery.channel() == v1::CHANNEL_WEBHOOK) {
      WebhookCall call;
      call.url = prefs.webhook().url().empty() ? delivery.target() : prefs.webhook().url();
      call.format = prefs.webhook().format();
      call.secret = prefs.webhook().secret();
      call.title = d.rendered.subject;
      call.text = d.rendered.body;
      v1::Notice notice;
      notice.set_id(delivery.notice_id());
      notice.set_recipient_id(delivery.recipient_id());
      notice.set_title(d.rendered.subject);
      notice.set_body(d.rendered.body);
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(notice, &json);
      call.notice_json = json;
      sent = ctx_->webhook->Post(call);
    } else {
      sent = absl::OkStatus();
    }

    const absl::Time at = ctx_->clock->Now();
    delivery.set_attempts(delivery.attempts() + 1);
    *delivery.mutable_update_time() = ToProto(at);
    std::optional<v1::Delivery> fallback;
    if (sent.ok()) {
      delivery.set_state(v1::DELIVERY_STATE_SENT);
      delivery.set_last_error("");
      delivery.set_folded(static_cast<int32_t>(folded.size()) + (folded.empty() ? 0 : 1));
    } else {
      delivery.set_last_error(sent.ToString());
      if (Permanent(sent) || delivery.attempts() >= ctx_->options.max_attempts) {
        delivery.set_state(v1::DELIVERY_STATE_FAILED);
        const v1::Channel other = prefs.fallback();
        if (other != v1::CHANNEL_UNSPECIFIED && other != v1::CHANNEL_IN_APP &&
            other != delivery.channel() && delivery.fallback_of().empty()) {
          v1::Delivery f = delivery;
          f.set_id(NewId("dlv", at));
          f.set_channel(other);
          f.set_target(other == v1::CHANNEL_WEBHOOK ? prefs.webhook().url() : std::string());
          f.set_state(v1::DELIVERY_STATE_PENDING);
          f.set_attempts(0);
          f.set_last_error("");
          f.set_fallback_of(delivery.id());
          *f.mutable_next_attempt_time() = ToProto(at);
          *f.mutable_create_time() = ToProto(at);
          fallback = std::move(f);
        }
      } else {
        delivery.set_state(v1::DELIVERY_STATE_PENDING);
        *delivery.mutable_next_attempt_time() = ToProto(
            at + Backoff(delivery.attempts(), std::uniform_real_distribution<double>(0, 1)(rng)));
      }
    }
    RETURN_IF_ERROR(ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
      RETURN_IF_ERROR(UpdateDelivery(tx, d.org, delivery));
      for (v1::Delivery f : folded) {
        if (!sent.ok()) continue;  // they stay DEFERRED and ride the carrier's retry
        f.set_state(v1::DELIVERY_STATE_FOLDED);
        f.set_digest_id(delivery.id());
        *f.mutable_update_time() = ToProto(at);
        RETURN_IF_ERROR(UpdateDelivery(tx, d.org, f));
      }
      if (fallback) {
        if (fallback->channel() == v1::CHANNEL_EMAIL) {
          // The address is the employee's; the fan-out stored it on EMAIL deliveries only.
          absl::StatusOr<planning::v1::Employee> e =
              ctx_->directory->GetEmployee(d.org, delivery.recipient_id());
          if (e.ok()) fallback->set_target(e->email());
        }
        if (!fallback->target().empty()) {
          RETURN_IF_ERROR(InsertDelivery(tx, d.org, *fallback, "", d.rendered));
        }
      }
      return absl::OkStatus();
    }));
    ++handled;
  }
  return handled;
}

}  // namespace opsuite::notify
