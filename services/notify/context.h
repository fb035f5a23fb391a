// What the notify parts share: database, clock, the planning directory, the channels, the
// inbox hub (live watchers) and the dispatcher's wake-up.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/server/edge.h"
#include "common/storage/database.h"
#include "services/notify/channels/channels.h"
#include "services/notify/notify_store.h"
#include "services/planning/client/directory_client.h"

namespace opsuite::notify {

class InboxHub;

struct NotifyOptions {
  std::string smtp_addr;  // host:port; empty: no EMAIL channel
  std::string smtp_from = "opsuite <noreply@opsuite.local>";
  std::vector<std::string> webhook_allow;  // host:port entries webhooks may call
  int max_attempts = 5;                    // per delivery, then FAILED (and the fallback)
  int dead_letter_after = 5;               // stream deliveries of an event before parking it
  absl::Duration claim_idle = absl::Seconds(30);  // reclaim entries pending this long
};

struct Context {
  storage::Database* db = nullptr;
  const Clock* clock = nullptr;
  server::Edge* edge = nullptr;
  planning::DirectoryClient* directory = nullptr;
  EmailSender* email = nullptr;  // null: no SMTP configured
  WebhookSender* webhook = nullptr;
  InboxHub* hub = nullptr;
  std::function<void()> wake_dispatcher;
  NotifyOptions options;
};

}  // namespace opsuite::notify
