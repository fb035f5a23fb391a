#include "services/planning/domain/progress.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/planning/domain/decompose.h"

namespace opsuite::planning {
namespace {

using ::opsuite::common::v1::GRANULARITY_DAY;
using ::opsuite::common::v1::GRANULARITY_MONTH;
using ::opsuite::common::v1::GRANULARITY_QUARTER;
using ::opsuite::common::v1::GRANULARITY_WEEK;
using ::opsuite::common::v1::GRANULARITY_YEAR;
using ::opsuite::planning::v1::PROGRESS_STATUS_ACHIEVED;
using ::opsuite::planning::v1::PROGRESS_STATUS_AT_RISK;
using ::opsuite::planning::v1::PROGRESS_STATUS_BEHIND;
using ::opsuite::planning::v1::PROGRESS_STATUS_ON_TRACK;
using ::testing::DoubleNear;

using D = absl::CivilDay;

DateRange Year(int y) { return DateRange{D(y, 1, 1), D(y, 12, 31)}; }

// A node over `range` decomposed into `child` periods carrying `values`, as TimeSlices and
// DecomposeByTime would make it.
PlanNode Decomposed(DateRange range, Granularity parent, Granularity child,
                    const std::vector<int64_t>& values, bool skip_weekends = false) {
  PlanNode node{range, 0, {}};
  auto slices = TimeSlices(range, parent, child, skip_weekends);
  EXPECT_TRUE(slices.ok()) << slices.status();
  EXPECT_EQ(slices->size(), values.size());
  for (size_t i = 0; i < slices->size() && i < values.size(); ++i) {
    node.time_children.push_back(PlanNode{(*slices)[i].range, values[i], {}});
    node.value += values[i];
  }
  return node;
}

// An annual plan split into 12 even months by the domain's own functions.
PlanNode EvenMonths(int year, int64_t value) {
  auto slices = TimeSlices(Year(year), GRANULARITY_YEAR, GRANULARITY_MONTH, false);
  auto values = DecomposeByTime(value, *slices, {});
  return Decomposed(Year(year), GRANULARITY_YEAR, GRANULARITY_MONTH, *values);
}

// ---- PlanToDate -----------------------------------------------------------------------------

TEST(PlanToDateTest, ZeroBeforeWholeValueAfter) {
  const PlanNode flat{Year(2026), 365, {}};
  EXPECT_EQ(PlanToDate(flat, D(2025, 12, 31)), 0);
  EXPECT_EQ(PlanToDate(flat, D(2000, 1, 1)), 0);
  EXPECT_EQ(PlanToDate(flat, D(2026, 12, 31)), 365);
  EXPECT_EQ(PlanToDate(flat, D(2027, 6, 1)), 365);
  const PlanNode months = EvenMonths(2026, 1200);
  EXPECT_EQ(PlanToDate(months, D(2025, 12, 31)), 0);
  EXPECT_EQ(PlanToDate(months, D(2027, 1, 1)), 1200);
}

TEST(PlanToDateTest, ElapsedTimeWithoutChildren) {
  const PlanNode flat{Year(2026), 365, {}};
  EXPECT_EQ(PlanToDate(flat, D(2026, 1, 1)), 1);  // through as_of inclusive
  EXPECT_EQ(PlanToDate(flat, D(2026, 3, 1)), 60);
  const PlanNode leap{Year(2028), 366, {}};
  EXPECT_EQ(PlanToDate(leap, D(2028, 2, 29)), 60);
  EXPECT_EQ(PlanToDate(leap, D(2028, 3, 1)), 61);
}

TEST(PlanToDateTest, RoundsHalfUp) {
  const DateRange two_days{D(2026, 3, 2), D(2026, 3, 3)};
  EXPECT_EQ(PlanToDate(PlanNode{two_days, 1, {}}, two_days.first), 1);  // 0.5 -> 1
  EXPECT_EQ(PlanToDate(PlanNode{two_days, 5, {}}, two_days.first), 3);  // 2.5 -> 3
  const DateRange week{D(2026, 3, 2), D(2026, 3, 8)};
  EXPECT_EQ(PlanToDate(PlanNode{week, 3, {}}, D(2026, 3, 2)), 0);    // 0.43
  EXPECT_EQ(PlanToDate(PlanNode{week, 3, {}}, D(2026, 3, 3)), 1);    // 0.86
  EXPECT_EQ(PlanToDate(PlanNode{week, 3, {}}, D(2026, 3, 4)), 1);    // 1.29
  EXPECT_EQ(PlanToDate(PlanNode{week, 3, {}}, D(2026, 3, 7)), 3);    // 2.57
  EXPECT_EQ(PlanToDate(PlanNode{week, -5, {}}, D(2026, 3, 2)), -1);  // mirrors +0.71 -> 1
}

TEST(PlanToDateTest, LargeValuesDoNotOverflow) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const PlanNode flat{DateRange{D(2026, 3, 2), D(2026, 3, 3)}, kMax, {}};
  EXPECT_EQ(PlanToDate(flat, D(2026, 3, 2)), kMax / 2 + 1);
  EXPECT_EQ(PlanToDate(EvenMonths(2026, kMax), D(2026, 12, 31)), kMax);
  EXPECT_GT(PlanToDate(EvenMonths(2026, kMax), D(2026, 12, 30)), kMax / 12 * 11);
}

TEST(PlanToDateTest, ChildrenEndedPlusTheRunningChild) {
  const PlanNode year = EvenMonths(2026, 1200);
  EXPECT_EQ(PlanToDate(year, D(2026, 1, 31)), 100);
  EXPECT_EQ(PlanToDate(year, D(2026, 6, 30)), 600);
  // Mid-June: five months ended (500) plus 15 of June's 30 days (50).
  EXPECT_EQ(PlanToDate(year, D(2026, 6, 15)), 550);
  // Not the same as the linear plan over the year's days.
  EXPECT_EQ(PlanToDate(PlanNode{Year(2026), 1200, {}}, D(2026, 6, 30)), 595);  // 1200×181/365
}

TEST(PlanToDateTest, NestedSeasonalChildren) {
  // Year -> quarters 1,3,3,3 (003:184) -> Q2 into months 1,1,2.
  PlanNode year =
      Decomposed(Year(2026), GRANULARITY_YEAR, GRANULARITY_QUARTER, {1500, 4500, 4500, 4500});
  PlanNode& q2 = year.time_children[1];
  q2 = Decomposed(q2.range, GRANULARITY_QUARTER, GRANULARITY_MONTH, {1125, 1125, 2250});
  EXPECT_EQ(PlanToDate(year, D(2026, 3, 31)), 1500);
  EXPECT_EQ(PlanToDate(year, D(2026, 4, 30)), 1500 + 1125);
  EXPECT_EQ(PlanToDate(year, D(2026, 6, 15)), 1500 + 2250 + 1125);  // 2250 × 15/30
  EXPECT_EQ(PlanToDate(year, D(2026, 7, 1)), 6000 + 49);            // 4500 × 1/92 = 48.9
}

TEST(PlanToDateTest, SkippedWeekendsAddNothing) {
  const DateRange week{D(2026, 3, 2), D(2026, 3, 8)};
  const PlanNode node =
      Decomposed(week, GRANULARITY_WEEK, GRANULARITY_DAY, {10, 20, 30, 40, 50}, true);
  EXPECT_EQ(PlanToDate(node, D(2026, 3, 4)), 60);   // Mon..Wed
  EXPECT_EQ(PlanToDate(node, D(2026, 3, 6)), 150);  // Friday: everything
  EXPECT_EQ(PlanToDate(node, D(2026, 3, 7)), 150);  // Saturday: nothing more
}

TEST(PlanToDateTest, ClippedEdgeWeeks) {
  // January 2026 into ISO weeks; the first (Thu 1 .. Sun 4) is clipped.
  const DateRange jan{D(2026, 1, 1), D(2026, 1, 31)};
  auto slices = TimeSlices(jan, GRANULARITY_MONTH, GRANULARITY_WEEK, false);
  auto values = DecomposeByTime(3100, *slices, {});
  const PlanNode node = Decomposed(jan, GRANULARITY_MONTH, GRANULARITY_WEEK, *values);
  EXPECT_EQ(node.time_children[0].value, 400);
  EXPECT_EQ(PlanToDate(node, D(2026, 1, 4)), 400);
  EXPECT_EQ(PlanToDate(node, D(2026, 1, 2)), 200);
  EXPECT_EQ(PlanToDate(node, D(2026, 1, 11)), 1100);
}

// ---- ComputeProgress ------------------------------------------------------------------------

TEST(ComputeProgressTest, TimeHalfGoneTaskHalfDone) {
  // 000:269 时间过半任务过半: on June 30 an annual plan of 12 even months expects half.
  const PlanNode year = EvenMonths(2026, 1'200'000);
  const ProgressFigures half = ComputeProgress(year, 600'000, D(2026, 6, 30));
  EXPECT_EQ(half.plan_to_date, 600'000);
  EXPECT_DOUBLE_EQ(half.expected_ratio, 0.5);
  EXPECT_DOUBLE_EQ(half.completion_ratio, 0.5);
  EXPECT_NEAR(half.elapsed_ratio, 181.0 / 365.0, 1e-12);
  EXPECT_EQ(half.variance, 0);
  EXPECT_EQ(half.gap, 0);
  EXPECT_EQ(half.status, PROGRESS_STATUS_ON_TRACK);
  EXPECT_EQ(half.as_of, D(2026, 6, 30));

  const ProgressFigures short_by_one = ComputeProgress(year, 599'999, D(2026, 6, 30));
  EXPECT_EQ(short_by_one.status, PROGRESS_STATUS_AT_RISK);
  EXPECT_EQ(short_by_one.gap, 1);
  EXPECT_EQ(short_by_one.variance, -1);
}

TEST(ComputeProgressTest, SeedPhasedPlanIsAheadBy844) {
  // 004:15: 1-5月 revenue 19981万 against an annual 46750万 is 42.74% and 844万 ahead of the
  // phased plan, so plan-to-date was 19137万 = 40.9% (linear five months would be 41.7%).
  const std::vector<int64_t> months = {3500, 3300, 3900, 4137, 4300, 4000,
                                       3800, 3800, 3900, 4000, 4013, 4100};
  const PlanNode year = Decomposed(Year(2026), GRANULARITY_YEAR, GRANULARITY_MONTH, months);
  ASSERT_EQ(year.value, 46750);
  const ProgressFigures p = ComputeProgress(year, 19981, D(2026, 5, 31));
  EXPECT_EQ(p.value, 46750);
  EXPECT_EQ(p.plan_to_date, 19137);
  EXPECT_THAT(p.expected_ratio, DoubleNear(0.409, 0.0005));
  EXPECT_THAT(p.completion_ratio, DoubleNear(0.4274, 0.00005));
  EXPECT_EQ(p.variance, 844);
  EXPECT_EQ(p.gap, 0);
  EXPECT_EQ(p.status, PROGRESS_STATUS_ON_TRACK);
}

TEST(ComputeProgressTest, ElapsedTimePlanWithoutChildren) {
  const PlanNode flat{Year(2026), 36500, {}};
  const ProgressFigures p = ComputeProgress(flat, 5000, D(2026, 3, 1));
  EXPECT_EQ(p.plan_to_date, 6000);
  EXPECT_NEAR(p.expected_ratio, 60.0 / 365.0, 1e-12);
  EXPECT_NEAR(p.elapsed_ratio, 60.0 / 365.0, 1e-12);
  EXPECT_EQ(p.variance, -1000);
  EXPECT_EQ(p.gap, 1000);
  EXPECT_EQ(p.status, PROGRESS_STATUS_BEHIND);
}

TEST(ComputeProgressTest, AsOfIsClampedIntoTheRange) {
  const PlanNode flat{Year(2026), 365, {}};
  const ProgressFigures before = ComputeProgress(flat, 0, D(2025, 11, 30));
  EXPECT_EQ(before.as_of, D(2026, 1, 1));
  EXPECT_EQ(before.plan_to_date, 1);
  EXPECT_NEAR(before.elapsed_ratio, 1.0 / 365.0, 1e-12);

  const ProgressFigures after = ComputeProgress(flat, 300, D(2027, 2, 1));
  EXPECT_EQ(after.as_of, D(2026, 12, 31));
  EXPECT_EQ(after.plan_to_date, 365);
  EXPECT_DOUBLE_EQ(after.elapsed_ratio, 1.0);
  EXPECT_DOUBLE_EQ(after.expected_ratio, 1.0);
  EXPECT_EQ(after.variance, -65);
  EXPECT_EQ(after.gap, 65);
  EXPECT_EQ(after.status, PROGRESS_STATUS_BEHIND);
}

TEST(ComputeProgressTest, StatusBoundaries) {
  const PlanNode flat{Year(2026), 1000, {}};
  const D end(2026, 12, 31);  // plan_to_date == value == 1000
  EXPECT_EQ(ComputeProgress(flat, 1001, end).status, PROGRESS_STATUS_ACHIEVED);
  EXPECT_EQ(ComputeProgress(flat, 1000, end).status, PROGRESS_STATUS_ACHIEVED);
  EXPECT_EQ(ComputeProgress(flat, 999, end).status, PROGRESS_STATUS_AT_RISK);
  EXPECT_EQ(ComputeProgress(flat, 900, end).status, PROGRESS_STATUS_AT_RISK);  // exactly 90%
  EXPECT_EQ(ComputeProgress(flat, 899, end).status, PROGRESS_STATUS_BEHIND);
  // Met early: achieved, not merely on track.
  EXPECT_EQ(ComputeProgress(flat, 1000, D(2026, 2, 1)).status, PROGRESS_STATUS_ACHIEVED);

  // 90% of a plan-to-date that is not a multiple of 10 is compared exactly: 0.9 × 1001 = 900.9.
  const PlanNode odd{DateRange{D(2026, 3, 1), D(2026, 3, 2)}, 2002, {}};
  ASSERT_EQ(PlanToDate(odd, D(2026, 3, 1)), 1001);
  EXPECT_EQ(ComputeProgress(odd, 1001, D(2026, 3, 1)).status, PROGRESS_STATUS_ON_TRACK);
  EXPECT_EQ(ComputeProgress(odd, 901, D(2026, 3, 1)).status, PROGRESS_STATUS_AT_RISK);
  EXPECT_EQ(ComputeProgress(odd, 900, D(2026, 3, 1)).status, PROGRESS_STATUS_BEHIND);
}

TEST(ComputeProgressTest, ZeroValueIsAlwaysAchieved) {
  const PlanNode zero{Year(2026), 0, {}};
  for (int64_t actual : {-5, 0, 7}) {
    const ProgressFigures p = ComputeProgress(zero, actual, D(2026, 5, 1));
    EXPECT_EQ(p.status, PROGRESS_STATUS_ACHIEVED) << actual;
    EXPECT_EQ(p.completion_ratio, 0.0);
    EXPECT_EQ(p.expected_ratio, 0.0);
    EXPECT_EQ(p.plan_to_date, 0);
  }
}

TEST(ComputeProgressTest, NothingPlannedYetAndNegativeCorrections) {
  // A seasonal plan with nothing in January: on Jan 15 plan-to-date is 0.
  std::vector<int64_t> months(12, 100);
  months[0] = 0;
  const PlanNode year = Decomposed(Year(2026), GRANULARITY_YEAR, GRANULARITY_MONTH, months);
  EXPECT_EQ(ComputeProgress(year, 0, D(2026, 1, 15)).status, PROGRESS_STATUS_ON_TRACK);
  const ProgressFigures corrected = ComputeProgress(year, -3, D(2026, 1, 15));
  EXPECT_EQ(corrected.status, PROGRESS_STATUS_BEHIND);
  EXPECT_EQ(corrected.gap, 3);
  EXPECT_EQ(corrected.variance, -3);
}

TEST(ComputeProgressTest, ExtremeValuesSaturate) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const PlanNode big{Year(2026), kMax, {}};
  const ProgressFigures p = ComputeProgress(big, kMin, D(2026, 12, 31));
  EXPECT_EQ(p.variance, kMin);  // kMin − kMax saturates
  EXPECT_EQ(p.gap, kMax);
  EXPECT_EQ(p.status, PROGRESS_STATUS_BEHIND);
}

}  // namespace
}  // namespace opsuite::planning
