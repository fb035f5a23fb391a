// Splitting a target into children whose values sum exactly to the parent's: by time
// (year -> quarters -> months -> ISO weeks -> days, with optional seasonality weights) and by
// owner (department -> employees). "Decompose layer by layer, down to the person" (000:269,
// 003:140); the seed's annual 1.5亿 = Q1 1500万 + Q2-Q4 4500万 each (003:182, 003:184).
//
//   ASSIGN_OR_RETURN(std::vector<TimeSlice> slices,
//                    TimeSlices(parent_range, GRANULARITY_YEAR, GRANULARITY_QUARTER, false));
//   ASSIGN_OR_RETURN(std::vector<int64_t> values,
//                    DecomposeByTime(150'000'000, slices, {1, 3, 3, 3}));
//   // values == {15'000'000, 45'000'000, 45'000'000, 45'000'000}
//
// Pure functions: no I/O. Field names in errors are those of DecomposeTargetRequest.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/period.h"

namespace opsuite::planning {

// Splits `total` in proportion to `weights` so the parts sum exactly to `total`
// (largest-remainder / Hamilton method). Every part first gets floor(total × w / Σw); the
// units left over go one each to the largest fractional parts, ties to the earlier index, so
// the result is deterministic. A zero weight always gets 0. A negative `total` is split as
// -SplitExact(-total). Products are computed in 128 bits, so any int64 values are safe.
// Precondition: weights non-negative with at least one positive (validate first, e.g. with
// DecomposeByTime/DecomposeByOwner). Outside it a non-positive weight gets 0, and with no
// positive weight every part is 0.
std::vector<int64_t> SplitExact(int64_t total, const std::vector<int64_t>& weights);

// One child period of a decomposition by time.
struct TimeSlice {
  Period period;               // the child's own aligned period (an edge ISO week may start before
                               // the parent does)
  DateRange range;             // the days the child covers, clipped to the parent's
  int64_t default_weight = 0;  // its weight when the split is "even" (see TimeSlices)
};

// The child periods of granularity `child` covering `parent` (a target's days, whose own
// granularity is `parent_granularity`), in date order.
//
// `child` must be strictly finer than `parent_granularity` (YEAR > HALF > QUARTER > MONTH >
// WEEK > DAY): else INVALID_ARGUMENT on `by_time.granularity`. WEEK children are the ISO
// weeks (Monday-Sunday) overlapping the parent; a week sticking out of the parent has its
// `range` clipped to the parent. Default weights make "even" mean "every whole child weighs
// the same": a whole week weighs 7 and a clipped week its number of days inside the parent
// (so it gets days/7 of a whole week's share); every other child weighs 1.
// `skip_weekends` drops Saturdays and Sundays; it only applies to DAY children (else
// INVALID_ARGUMENT on `by_time.skip_weekends`), and a parent with no weekday left is
// INVALID_ARGUMENT on the same field.
absl::StatusOr<std::vector<TimeSlice>> TimeSlices(DateRange parent, Granularity parent_granularity,
                                                  Granularity child, bool skip_weekends);

// Per-slice values summing exactly to `value`. Empty `weights` means each slice's
// default_weight; otherwise exactly one non-negative weight per slice in date order, at
// least one positive (INVALID_ARGUMENT on `by_time.weights` / `by_time.weights[i]`).
absl::StatusOr<std::vector<int64_t>> DecomposeByTime(int64_t value,
                                                     const std::vector<TimeSlice>& slices,
                                                     const std::vector<int64_t>& weights);

// Per-share values summing exactly to `value`, in share order. At least one share
// (`by_owner.shares`), every weight > 0 (`by_owner.shares[i].weight`).
absl::StatusOr<std::vector<int64_t>> DecomposeByOwner(int64_t value,
                                                      const std::vector<int64_t>& weights);

}  // namespace opsuite::planning
