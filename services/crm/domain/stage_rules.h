// The customer pipeline (000:141-149, 003:58-69): LEAD -> CONTACTED -> INTENT -> SAMPLE_ORDER
// (样品单) -> FIRST_ORDER -> REPEAT (翻单), plus DORMANT and LOST beside it. People move a
// customer through the early, judgement-based stages (the daily intent / non-intent call,
// 003:438); the order stages record facts, so only orders set them.
//
//   RETURN_IF_ERROR(CheckManualStage(stored.stage(), request.customer().stage()));
//   ...
//   const Stage next = StageAfterOrder(customer.stage(), ORDER_KIND_REGULAR,
//                                      regular_orders_before, /*sample_paid_in_full=*/false);
//   if (next != customer.stage()) { /* record a StageChange by "system" */ }
//
// Pure functions on the generated enums: no I/O.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "opsuite/crm/v1/customer.pb.h"
#include "opsuite/crm/v1/order.pb.h"

namespace opsuite::crm {

// "LEAD", "SAMPLE_ORDER", ... (the enum name without its STAGE_ prefix); "UNSPECIFIED" for 0
// and the number for values this build does not know.
std::string StageName(v1::Stage stage);

// True for the values of v1::Stage other than STAGE_UNSPECIFIED.
bool IsKnownStage(v1::Stage stage);

// Whether a person (UpdateCustomer, CreateCustomer, an import) may set the stage `from` ->
// `to`. `from` is STAGE_UNSPECIFIED for a customer being created.
//   - No change (`to` == `from`) is always allowed, so an update that re-sends the stage
//     passes whatever the stage is.
//   - Forward among LEAD, CONTACTED, INTENT (from them or from creation); not backwards: a
//     customer who lost interest is marked DORMANT or LOST, which keeps the history honest.
//   - To DORMANT or LOST from any stage (including each other).
//   - From DORMANT or LOST back to LEAD, CONTACTED or INTENT (a revived customer).
//   - SAMPLE_ORDER, FIRST_ORDER and REPEAT are set only by orders (StageAfterOrder), and a
//     customer who has reached one is never moved back to LEAD..INTENT by hand:
//     FAILED_PRECONDITION with a message saying why.
//   - `to` STAGE_UNSPECIFIED or not a value of v1::Stage: INVALID_ARGUMENT on
//     `customer.stage`. A `from` that is not a value of v1::Stage (a corrupt row) is
//     INTERNAL.
absl::Status CheckManualStage(v1::Stage from, v1::Stage to);

// The stage a customer moves to because of an order (CreateOrder for a regular order, the
// payment that completes a sample order for a sample). Never moves backwards along the
// pipeline; the order's own stage is what the order history implies:
//   - a REGULAR order: FIRST_ORDER if `regular_orders_before` (the customer's regular orders
//     before this one) is 0, else REPEAT;
//   - a SAMPLE order, only once `sample_paid_in_full`: SAMPLE_ORDER if no regular order came
//     before, else the stage the regular orders imply (a sample never demotes);
//   - an unpaid sample or an unknown kind changes nothing.
// A customer at LEAD..REPEAT (or STAGE_UNSPECIFIED) ends at the later of its stage and the
// implied one. A DORMANT or LOST customer who orders comes back: it takes the implied stage
// (its order history, not where it was before going dormant); an unpaid sample leaves it
// DORMANT or LOST. A negative `regular_orders_before` counts as 0; a `current` that is not a
// value of v1::Stage is returned unchanged, for a person to look at.
v1::Stage StageAfterOrder(v1::Stage current, v1::OrderKind kind, int regular_orders_before,
                          bool sample_paid_in_full);

}  // namespace opsuite::crm
