#include "services/crm/domain/stage_rules.h"

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace opsuite::crm {
namespace {

using ::opsuite::crm::v1::ORDER_KIND_REGULAR;
using ::opsuite::crm::v1::ORDER_KIND_SAMPLE;
using ::opsuite::crm::v1::Stage;
using ::opsuite::crm::v1::STAGE_CONTACTED;
using ::opsuite::crm::v1::STAGE_DORMANT;
using ::opsuite::crm::v1::STAGE_FIRST_ORDER;
using ::opsuite::crm::v1::STAGE_INTENT;
using ::opsuite::crm::v1::STAGE_LEAD;
using ::opsuite::crm::v1::STAGE_LOST;
using ::opsuite::crm::v1::STAGE_REPEAT;
using ::opsuite::crm::v1::STAGE_SAMPLE_ORDER;
using ::opsuite::crm::v1::STAGE_UNSPECIFIED;

bool IsEarly(Stage s) { return s == STAGE_LEAD || s == STAGE_CONTACTED || s == STAGE_INTENT; }

bool IsOrderStage(Stage s) {
  return s == STAGE_SAMPLE_ORDER || s == STAGE_FIRST_ORDER || s == STAGE_REPEAT;
}

bool IsInactive(Stage s) { return s == STAGE_DORMANT || s == STAGE_LOST; }

}  // namespace

bool IsKnownStage(Stage stage) {
  return stage != STAGE_UNSPECIFIED && v1::Stage_IsValid(static_cast<int>(stage));
}

std::string StageName(Stage stage) {
  if (!v1::Stage_IsValid(static_cast<int>(stage))) return absl::StrCat(static_cast<int>(stage));
  absl::string_view name = v1::Stage_Name(stage);
  absl::ConsumePrefix(&name, "STAGE_");
  return std::string(name);
}

absl::Status CheckManualStage(Stage from, Stage to) {
  if (!IsKnownStage(to)) {
    return InvalidField("customer.stage",
                        to == STAGE_UNSPECIFIED
                            ? "is required: LEAD, CONTACTED, INTENT, DORMANT or LOST"
                            : absl::StrCat("unknown stage ", static_cast<int>(to)));
  }
  if (from != STAGE_UNSPECIFIED && !IsKnownStage(from)) {
    return absl::InternalError(
        absl::StrCat("the customer's stored stage ", static_cast<int>(from), " is unknown"));
  }
  if (to == from) return absl::OkStatus();
  if (IsOrderStage(to)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "stage ", StageName(to),
        " is set by orders (SAMPLE_ORDER by the first fully paid sample order, FIRST_ORDER by "
        "the first regular order, REPEAT by the second), not by hand"));
  }
  if (IsInactive(to)) return absl::OkStatus();
  // `to` is LEAD, CONTACTED or INTENT.
  if (from == STAGE_UNSPECIFIED || IsInactive(from)) return absl::OkStatus();
  if (IsOrderStage(from)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the customer has ordered (stage ", StageName(from), ") and cannot go back to ",
        StageName(to), "; mark it DORMANT or LOST instead"));
  }
  if (to < from) {
    return absl::FailedPreconditionError(
        absl::StrCat("stages move forward: ", StageName(from), " cannot go back to ", StageName(to),
                     "; mark the customer DORMANT or LOST instead"));
  }
  return absl::OkStatus();
}

Stage StageAfterOrder(Stage current, v1::OrderKind kind, int regular_orders_before,
                      bool sample_paid_in_full) {
  const int before = std::max(regular_orders_before, 0);
  Stage implied = STAGE_UNSPECIFIED;
  if (kind == ORDER_KIND_REGULAR) {
    implied = before == 0 ? STAGE_FIRST_ORDER : STAGE_REPEAT;
  } else if (kind == ORDER_KIND_SAMPLE && sample_paid_in_full) {
    implied = before == 0 ? STAGE_SAMPLE_ORDER : before == 1 ? STAGE_FIRST_ORDER : STAGE_REPEAT;
  }
  if (implied == STAGE_UNSPECIFIED) return current;
  if (IsInactive(current)) return implied;
  if (current == STAGE_UNSPECIFIED || IsEarly(current) || IsOrderStage(current)) {
    return std::max(current, implied);  // the pipeline's values are in pipeline order
  }
  return current;  // an unknown stored value: leave it for a person to look at
}

}  // namespace opsuite::crm
