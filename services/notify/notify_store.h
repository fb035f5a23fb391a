// Persistence of notify: notices (the inbox), deliveries (one per notice and channel, with
// their retry state), the events already turned into notices (dedup by event id), templates
// and preferences.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/database.h"
#include "opsuite/notify/v1/notify.pb.h"

namespace opsuite::notify {

using storage::Tx;

std::vector<storage::Migration> NotifyMigrations();

absl::Status InsertNotice(Tx& tx, const std::string& org, const v1::Notice& notice);
// What a delivery carries, rendered when it was created: the channel's subject and body.
struct Rendered {
  std::string subject;
  std::string body;
};
absl::Status InsertDelivery(Tx& tx, const std::string& org, const v1::Delivery& d,
                            const std::string& digest_key, const Rendered& rendered);
absl::Status UpdateDelivery(Tx& tx, const std::string& org, const v1::Delivery& d);
absl::StatusOr<v1::Notice> LoadNotice(Tx& tx, const std::string& org, const std::string& id);

// The stored template of (key, locale, channel), if any.
absl::StatusOr<std::optional<v1::Template>> FindTemplate(Tx& tx, const std::string& org,
                                                         const std::string& key,
                                                         const std::string& locale,
                                                         v1::Channel channel);
// The stored preferences of an employee (defaults when none: no rules, no quiet hours).
absl::StatusOr<v1::Preferences> LoadPreferences(Tx& tx, const std::string& org,
                                                const std::string& employee_id,
                                                int64_t* version);
absl::Status SavePreferences(Tx& tx, const std::string& org, const v1::Preferences& p,
                             int64_t version, bool insert);

}  // namespace opsuite::notify
