// Templates, pure: {{variable}} substitution with a clear error for a missing variable, HTML
// escaping for email bodies, and the default templates shipped for every event type.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "opsuite/notify/v1/notify.pb.h"

namespace opsuite::notify {


// Replaces each {{name}} (spaces inside the braces allowed, names [A-Za-z0-9_.]) with the
// value of `data.name` (strings as they are, numbers without a trailing ".0" when whole,
// bools as true/false, null as empty; lists and structs as compact JSON). With `html`, values
// are HTML-escaped (& < > " '); the template text itself is not. "{{{{" is a literal "{{".
// A variable missing from `data`: INVALID_ARGUMENT naming field "data.<name>" ("the template
// needs it"); an unclosed "{{": INVALID_ARGUMENT naming "template".
absl::StatusOr<std::string> Render(absl::string_view text, const google::protobuf::Struct& data,
                                   bool html);

// Renders subject and body of `t` (body HTML-escaped for EMAIL).
absl::StatusOr<v1::RenderTemplateResponse> RenderTemplate(const v1::Template& t,
                                                          const google::protobuf::Struct& data);

// The built-in templates: for every event type of DESIGN.md §6 (planning.goal_card.{submitted,
// returned,approved,scored,closed}, planning.report.{missing,late}, crm.visit.overdue,
// crm.customer.released_to_pool, crm.order.payment_received, scoring.evaluation.{completed,
// flagged}, scheduler.reminder) × locale (zh-CN, en) × channel (IN_APP, EMAIL, WEBHOOK),
// worded as the seeds word them (a returned goal card lands in 我的任务 / My tasks with the
// leader's reason). `builtin` is set on each.
const std::vector<v1::Template>& DefaultTemplates();
// The built-in template for (key, locale, channel): falls back to zh-CN for an unknown locale
// and to the IN_APP wording for a channel without its own; nullptr for an unknown key.
const v1::Template* FindDefaultTemplate(absl::string_view key, absl::string_view locale,
                                        v1::Channel channel);

}  // namespace opsuite::notify
