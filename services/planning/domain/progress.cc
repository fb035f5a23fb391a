#include "services/planning/domain/progress.h"

#include <algorithm>
#include <limits>

namespace opsuite::planning {
namespace {

using ::opsuite::planning::v1::PROGRESS_STATUS_ACHIEVED;
using ::opsuite::planning::v1::PROGRESS_STATUS_AT_RISK;
using ::opsuite::planning::v1::PROGRESS_STATUS_BEHIND;
using ::opsuite::planning::v1::PROGRESS_STATUS_ON_TRACK;

using Int128 = __int128;

int64_t Saturate(Int128 x) {
  constexpr Int128 kMax = std::numeric_limits<int64_t>::max();
  constexpr Int128 kMin = std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(std::clamp(x, kMin, kMax));
}

// value × numerator / denominator rounded half away from zero (half-up for the usual
// non-negative plans). 0 <= numerator <= denominator, so the result fits in int64.
int64_t ScaleRounded(int64_t value, int64_t numerator, int64_t denominator) {
  const bool negative = value < 0;
  const Int128 magnitude = negative ? -static_cast<Int128>(value) : static_cast<Int128>(value);
  const Int128 scaled = (2 * magnitude * numerator + denominator) / (2 * denominator);
  return static_cast<int64_t>(negative ? -scaled : scaled);
}

}  // namespace

int64_t PlanToDate(const PlanNode& node, absl::CivilDay as_of) {
  if (as_of < node.range.first) return 0;
  if (as_of >= node.range.last) return node.value;
  if (!node.time_children.empty()) {
    // Ended children contribute their value, the running one its own plan-to-date, later
    // ones 0: PlanToDate of each child says exactly that.
    Int128 sum = 0;
    for (const PlanNode& child : node.time_children) sum += PlanToDate(child, as_of);
    return Saturate(sum);
  }
  const int64_t elapsed = as_of - node.range.first + 1;
  return ScaleRounded(node.value, elapsed, node.range.days());
}

ProgressFigures ComputeProgress(const PlanNode& node, int64_t actual, absl::CivilDay as_of) {
  ProgressFigures f;
  f.as_of = std::clamp(as_of, node.range.first, std::max(node.range.first, node.range.last));
  f.value = node.value;
  f.actual = actual;
  f.plan_to_date = PlanToDate(node, f.as_of);
  f.variance = Saturate(static_cast<Int128>(actual) - f.plan_to_date);
  f.gap = Saturate(std::max<Int128>(0, static_cast<Int128>(f.plan_to_date) - actual));
  if (node.value != 0) {
    f.completion_ratio = static_cast<double>(actual) / static_cast<double>(node.value);
    f.expected_ratio = static_cast<double>(f.plan_to_date) / static_cast<double>(node.value);
  }
  const int64_t days = node.range.days();
  if (days > 0) {
    f.elapsed_ratio = static_cast<double>(f.as_of - node.range.first + 1) / days;
  }

  // Integer comparisons: 100 × actual >= 90 × plan_to_date is exact where 0.9 × plan is not.
  if (node.value == 0 || actual >= node.value) {
    // Nothing asked is always met, even after a negative correction.
    f.status = PROGRESS_STATUS_ACHIEVED;
  } else if (actual >= f.plan_to_date) {
    f.status = PROGRESS_STATUS_ON_TRACK;
  } else if (static_cast<Int128>(actual) * 100 >=
             static_cast<Int128>(f.plan_to_date) * kAtRiskFloorPercent) {
    f.status = PROGRESS_STATUS_AT_RISK;
  } else {
    f.status = PROGRESS_STATUS_BEHIND;
  }
  return f;
}

}  // namespace opsuite::planning
