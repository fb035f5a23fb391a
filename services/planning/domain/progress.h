// How a target stands on a day: plan-to-date, variance, gap and status (target.proto
// `Progress`). The plan-to-date follows the target's time decomposition, so a phased plan
// shows: 004:15's telecom branch was 844万 ahead with 19981万 done after five months because
// its plan-to-date was 19137万 (40.9% of 46750万), not the linear 41.7%. A target that is not
// decomposed by time expects its value in proportion to the days elapsed, which is the
// "time half gone, task half done" (时间过半任务过半, 000:269) rule.
//
//   PlanNode year{{Jan1, Dec31}, 46'750, /*time_children=*/months};
//   ProgressFigures p = ComputeProgress(year, /*actual=*/19'981, absl::CivilDay(2026, 5, 31));
//   // p.plan_to_date == 19'137, p.variance == 844, p.status == PROGRESS_STATUS_ON_TRACK
//
// Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/period.h"
#include "opsuite/planning/v1/target.pb.h"

namespace opsuite::planning {

using ::opsuite::planning::v1::ProgressStatus;

// A behind-plan actual within this share of the plan-to-date is AT_RISK, below it BEHIND
// (target.proto ProgressStatus). Compared in integer percent so no rounding creeps in.
inline constexpr int64_t kAtRiskFloorPercent = 90;

// A target and, when it is decomposed by time, its children (recursively, in date order).
// Children made by a decomposition by owner are not time children and are left out.
struct PlanNode {
  DateRange range;
  int64_t value = 0;
  std::vector<PlanNode> time_children;
};

// What `node` plans for its days up to and including `as_of`:
// 0 before the range, the whole value from its last day on; inside the range, with time
// children, the values of the children that ended by `as_of` plus the running child's own
// plan-to-date (children that have not started count 0, and days no child covers, such as
// skipped weekends, add nothing); without children, value × days elapsed / days, rounded
// half-up (away from zero at .5 for negative values, mirroring positive ones).
int64_t PlanToDate(const PlanNode& node, absl::CivilDay as_of);

struct ProgressFigures {
  int64_t value = 0;            // the whole plan
  int64_t actual = 0;           // as given (actuals dated first .. as_of)
  int64_t plan_to_date = 0;     // PlanToDate(node, as_of)
  int64_t variance = 0;         // actual − plan_to_date (saturating): > 0 ahead, < 0 behind
  int64_t gap = 0;              // max(0, plan_to_date − actual): "gap in money" (004:29)
  double completion_ratio = 0;  // actual / value; 0 when value is 0
  double expected_ratio = 0;    // plan_to_date / value; 0 when value is 0
  double elapsed_ratio = 0;     // days first .. as_of / days in the range
  ProgressStatus status = ProgressStatus::PROGRESS_STATUS_UNSPECIFIED;
  absl::CivilDay as_of;  // the day measured, clamped into the range
};

// Figures for `node` with `actual` achieved, on `as_of` clamped into the node's range (a
// day before the start measures the first day, a day after the end the last day). Status:
// ACHIEVED when actual >= value (always when value is 0); else ON_TRACK when actual >=
// plan_to_date; else AT_RISK when actual >= kAtRiskFloorPercent% of plan_to_date; else
// BEHIND.
ProgressFigures ComputeProgress(const PlanNode& node, int64_t actual, absl::CivilDay as_of);

}  // namespace opsuite::planning
