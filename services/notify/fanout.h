// Turning one event (or one Send) into notices and deliveries: recipients by event type, the
// recipient's locale, templates, preferences (channels, quiet hours, digest), all written in
// one transaction with the event's dedup row, so a person gets each notice once.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"
#include "opsuite/common/v1/event.pb.h"
#include "services/notify/context.h"

namespace opsuite::notify {

// Who an event is for (employee ids, deduplicated, in order), by type:
//   planning.goal_card.submitted             the card's manager (payload manager_id)
//   planning.goal_card.created               the employee, when someone else created it
//   planning.goal_card.{returned,approved,self_assessed,scored,closed}  the employee
//   planning.goal_card.self_assessed         the manager (who scores next)
//   planning.report.{missing,late}           the employee
//   crm.visit.overdue                        the owner; with recipient "manager" the manager
//   crm.customer.released_to_pool            the previous owner
//   crm.order.payment_received               the salesperson
//   scoring.evaluation.completed             the evaluated employee
//   scoring.evaluation.flagged               the employee and their manager (`manager_of`)
//   scheduler.reminder                       payload recipient_ids (a list or comma string)
// Other types reach nobody.
std::vector<std::string> RecipientsOf(const common::v1::Event& event,
                                      const std::function<std::string(const std::string&)>& manager_of);

// What a notice is about, as a resource name the console opens: "goalCards/<id>",
// "customers/<id>", "orders/<id>", "evaluations/<id>", "reports/<id>", else
// "employees/<subject>".
std::string LinkOf(const common::v1::Event& event);

struct Recipient {
  std::string id;
  std::string name;
  std::string locale;    // "zh-CN" or "en"
  std::string timezone;  // IANA
  std::string email;
};

// The directory's record of each id; `missing` (when not null) collects ids planning does not
// know instead of failing.
absl::StatusOr<std::vector<Recipient>> ResolveRecipients(Context& ctx, const std::string& org,
                                                         const std::vector<std::string>& ids,
                                                         std::vector<std::string>* missing);

struct FanoutInput {
  std::string event_id;  // "" for Send
  std::string type;      // the event type or template key
  google::protobuf::Struct data;
  bool critical = false;
  std::string link;
};

// Writes, in `tx`, a notice per recipient (skipping one who already has this event) with its
// IN_APP delivery, plus EMAIL / WEBHOOK deliveries by preference. Appends the notice ids.
absl::Status WriteFanout(Context& ctx, storage::Tx& tx, const std::string& org,
                         const FanoutInput& in, const std::vector<Recipient>& recipients,
                         std::vector<std::string>* notice_ids);

// The template for (key, locale, channel): the org's stored one, else the built-in one;
// NOT_FOUND when neither exists.
absl::StatusOr<v1::Template> TemplateFor(storage::Tx& tx, const std::string& org,
                                         const std::string& key, const std::string& locale,
                                         v1::Channel channel);

}  // namespace opsuite::notify
