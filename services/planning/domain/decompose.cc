#include "services/planning/domain/decompose.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace opsuite::planning {
namespace {

using ::opsuite::common::v1::GRANULARITY_DAY;
using ::opsuite::common::v1::GRANULARITY_WEEK;

using Int128 = __int128;

// Names of the granularities finer than `rank`, for messages ("MONTH, WEEK or DAY").
std::string FinerThan(int rank) {
  static constexpr Granularity kAll[] = {common::v1::GRANULARITY_YEAR,
                                         common::v1::GRANULARITY_HALF,
                                         common::v1::GRANULARITY_QUARTER,
                                         common::v1::GRANULARITY_MONTH,
                                         GRANULARITY_WEEK,
                                         GRANULARITY_DAY};
  std::vector<std::string> names;
  for (Granularity g : kAll) {
    if (GranularityRank(g) > rank) names.push_back(GranularityName(g));
  }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

bool IsWeekend(absl::CivilDay day) { return IsoWeekday(day) >= 6; }

}  // namespace

std::vector<int64_t> SplitExact(int64_t total, const std::vector<int64_t>& weights) {
  std::vector<int64_t> parts(weights.size(), 0);
  Int128 weight_sum = 0;
  for (int64_t w : weights) {
    if (w > 0) weight_sum += w;
  }
  if (weight_sum == 0) return parts;

  // Split the magnitude and restore the sign, so a negative total mirrors a positive one.
  // |INT64_MIN| does not fit in int64 but does in 128 bits.
  const bool negative = total < 0;
  const Int128 magnitude = negative ? -static_cast<Int128>(total) : static_cast<Int128>(total);

  // magnitude × w < 2^63 × 2^63 = 2^126: no overflow in signed 128 bits.
  std::vector<Int128> remainders(weights.size(), 0);
  Int128 assigned = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) continue;
    const Int128 product = magnitude * weights[i];
    const Int128 quotient = product / weight_sum;
    parts[i] = static_cast<int64_t>(negative ? -quotient : quotient);
    remainders[i] = product % weight_sum;
    assigned += quotient;
  }

  // The units left over (fewer than the number of parts) go to the largest remainders. All
  // remainders share the denominator weight_sum, so comparing them compares fractional parts
  // exactly. stable_sort keeps ties in index order: the earlier part wins.
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainders[a] > remainders[b]; });
  int64_t left = static_cast<int64_t>(magnitude - assigned);
  for (size_t i = 0; left > 0 && i < order.size(); ++i, --left) {
    parts[order[i]] += negative ? -1 : 1;
  }
  return parts;
}

absl::StatusOr<std::vector<TimeSlice>> TimeSlices(DateRange parent, Granularity parent_granularity,
                                                  Granularity child, bool skip_weekends) {
  const int parent_rank = GranularityRank(parent_granularity);
  const int child_rank = GranularityRank(child);
  if (child_rank < 0 || child_rank <= parent_rank) {
    const std::string parent_name = GranularityName(parent_granularity);
    if (parent_rank == GranularityRank(GRANULARITY_DAY)) {
      return InvalidField("by_time.granularity",
                          "a DAY target cannot be decomposed by time: nothing is finer");
    }
    return InvalidField("by_time.granularity",
                        absl::StrCat("must be finer than the target's ", parent_name, " (",
                                     FinerThan(parent_rank), "), got ", GranularityName(child)));
  }
  if (skip_weekends && child != GRANULARITY_DAY) {
    return InvalidField("by_time.skip_weekends",
                        absl::StrCat("only applies to DAY children, not ", GranularityName(child)));
  }
  if (parent.last < parent.first) {
    return absl::InvalidArgumentError(absl::StrCat("empty target range ", FormatDate(parent.first),
                                                   " .. ", FormatDate(parent.last)));
  }

  std::vector<TimeSlice> slices;
  for (absl::CivilDay start = AlignDown(child, parent.first); start <= parent.last;
       start = NextPeriodStart(child, start)) {
    if (skip_weekends && IsWeekend(start)) continue;
    TimeSlice slice;
    slice.period.set_granularity(child);
    slice.period.set_start_date(FormatDate(start));
    slice.range.first = std::max(start, parent.first);
    slice.range.last = std::min(NextPeriodStart(child, start) - 1, parent.last);
    // A week weighs its days inside the parent (7 when whole), so "even" gives a clipped
    // week days/7 of a whole one; any other child is whole (the parent is aligned to it).
    slice.default_weight = child == GRANULARITY_WEEK ? slice.range.days() : 1;
    slices.push_back(std::move(slice));
  }
  if (slices.empty()) {
    return InvalidField("by_time.skip_weekends",
                        absl::StrCat("no weekday between ", FormatDate(parent.first), " and ",
                                     FormatDate(parent.last), " to decompose into"));
  }
  return slices;
}

absl::StatusOr<std::vector<int64_t>> DecomposeByTime(int64_t value,
                                                     const std::vector<TimeSlice>& slices,
                                                     const std::vector<int64_t>& weights) {
  if (slices.empty()) {
    return absl::InvalidArgumentError("no child periods to decompose into");
  }
  if (weights.empty()) {
    std::vector<int64_t> defaults;
    defaults.reserve(slices.size());
    for (const TimeSlice& s : slices) defaults.push_back(s.default_weight);
    return SplitExact(value, defaults);
  }
  if (weights.size() != slices.size()) {
    return InvalidField(
        "by_time.weights",
        absl::StrCat("expected ", slices.size(), " weights (one per ",
                     GranularityName(slices.front().period.granularity()),
                     " in date order, or none for an even split), got ", weights.size()));
  }
  FieldViolations violations;
  bool any_positive = false;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] < 0) {
      violations.Add(absl::StrCat("by_time.weights[", i, "]"),
                     absl::StrCat("must be >= 0, got ", weights[i]));
    }
    if (weights[i] > 0) any_positive = true;
  }
  if (!any_positive && violations.empty()) {
    violations.Add("by_time.weights", "at least one weight must be positive");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return SplitExact(value, weights);
}

absl::StatusOr<std::vector<int64_t>> DecomposeByOwner(int64_t value,
                                                      const std::vector<int64_t>& weights) {
  if (weights.empty()) {
    return InvalidField("by_owner.shares", "at least one share is required");
  }
  FieldViolations violations;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) {
      violations.Add(absl::StrCat("by_owner.shares[", i, "].weight"),
                     absl::StrCat("must be > 0, got ", weights[i]));
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return SplitExact(value, weights);
}

}  // namespace opsuite::planning
