#include "services/planning/domain/decompose.h"

#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "absl/status/status.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::planning {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

__int128 Sum(const std::vector<int64_t>& v) {
  __int128 s = 0;
  for (int64_t x : v) s += x;
  return s;
}

DateRange Range(absl::CivilDay first, absl::CivilDay last) { return DateRange{first, last}; }
DateRange Year(int y) { return Range(absl::CivilDay(y, 1, 1), absl::CivilDay(y, 12, 31)); }

std::vector<TimeSlice> MustSlice(DateRange parent, Granularity parent_g, Granularity child,
                                 bool skip_weekends = false) {
  auto slices = TimeSlices(parent, parent_g, child, skip_weekends);
  EXPECT_TRUE(slices.ok()) << slices.status();
  return slices.ok() ? *slices : std::vector<TimeSlice>{};
}

// ---- SplitExact -----------------------------------------------------------------------------

TEST(SplitExactTest, SeedAnnualSalesByQuarter) {
  // 003:184: the year's 1.5亿 is Q1 1500万 + Q2 4500万 + Q3 4500万 + Q4 4500万.
  EXPECT_THAT(SplitExact(150'000'000, {1, 3, 3, 3}),
              ElementsAre(15'000'000, 45'000'000, 45'000'000, 45'000'000));
}

TEST(SplitExactTest, AwkwardValuesSumExactly) {
  EXPECT_THAT(SplitExact(100, {1, 1, 1}), ElementsAre(34, 33, 33));
  EXPECT_THAT(SplitExact(7, std::vector<int64_t>(12, 1)),
              ElementsAre(1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0));
  EXPECT_THAT(SplitExact(1, std::vector<int64_t>(7, 1)), ElementsAre(1, 0, 0, 0, 0, 0, 0));
  EXPECT_THAT(SplitExact(0, {1, 2, 3}), ElementsAre(0, 0, 0));
  EXPECT_THAT(SplitExact(5, {1}), ElementsAre(5));
}

TEST(SplitExactTest, LeftoverUnitsGoToLargestFractions) {
  // 10 × {1,2,4}/7 = 1.43, 2.86, 5.71: floors 1+2+5 = 8, the 2 left go to .86 and .71.
  EXPECT_THAT(SplitExact(10, {1, 2, 4}), ElementsAre(1, 3, 6));
  // 10 × {2,1,1}/4 = 5, 2.5, 2.5: one unit left, tie between index 1 and 2 -> the earlier.
  EXPECT_THAT(SplitExact(10, {2, 1, 1}), ElementsAre(5, 3, 2));
  // A later part with a larger fraction beats an earlier one.
  EXPECT_THAT(SplitExact(2, {1, 2}), ElementsAre(1, 1));  // 0.67 / 1.33
  EXPECT_THAT(SplitExact(1, {1, 2}), ElementsAre(0, 1));  // 0.33 / 0.67
}

TEST(SplitExactTest, TiesGoToTheEarlierIndexDeterministically) {
  EXPECT_THAT(SplitExact(2, {1, 1, 1, 1}), ElementsAre(1, 1, 0, 0));
  EXPECT_THAT(SplitExact(3, {5, 5, 5, 5}), ElementsAre(1, 1, 1, 0));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(SplitExact(1000, {3, 7, 11, 13}), SplitExact(1000, {3, 7, 11, 13}));
  }
}

TEST(SplitExactTest, ZeroWeightsGetZero) {
  EXPECT_THAT(SplitExact(11, {0, 1, 0, 1}), ElementsAre(0, 6, 0, 5));
  EXPECT_THAT(SplitExact(1, {0, 0, 1}), ElementsAre(0, 0, 1));
  EXPECT_THAT(SplitExact(kMax, {0, 1, 0}), ElementsAre(0, kMax, 0));
}

TEST(SplitExactTest, ExtremeInt64ValuesDoNotOverflow) {
  auto thirds = SplitExact(kMax, {1, 1, 1});
  EXPECT_EQ(Sum(thirds), kMax);
  EXPECT_THAT(thirds, ElementsAre(kMax / 3 + 1, kMax / 3, kMax / 3));

  auto halves = SplitExact(kMax, {kMax, kMax});
  EXPECT_THAT(halves, ElementsAre(kMax / 2 + 1, kMax / 2));

  auto big_weights = SplitExact(kMax, {kMax, kMax - 1, 1, kMax / 3});
  EXPECT_EQ(Sum(big_weights), kMax);
  EXPECT_THAT(big_weights, Each(::testing::Ge(0)));

  auto negative = SplitExact(kMin, {1, 1});
  EXPECT_THAT(negative, ElementsAre(kMin / 2, kMin / 2));
  EXPECT_EQ(Sum(SplitExact(kMin, {1, 1, 1})), kMin);
}

TEST(SplitExactTest, NegativeTotalsMirrorPositiveOnes) {
  EXPECT_THAT(SplitExact(-100, {1, 1, 1}), ElementsAre(-34, -33, -33));
  EXPECT_THAT(SplitExact(-10, {1, 2, 4}), ElementsAre(-1, -3, -6));
}

TEST(SplitExactTest, NoPositiveWeightGivesZeros) {
  EXPECT_THAT(SplitExact(10, {0, 0}), ElementsAre(0, 0));
  EXPECT_TRUE(SplitExact(10, {}).empty());
}

TEST(SplitExactTest, EveryPartIsWithinOneOfItsQuota) {
  // A deterministic pseudo-random sweep: parts sum exactly, and each part is the floor or the
  // ceiling of its exact quota total × w / Σw (the defining property of largest remainder).
  uint64_t state = 12345;
  auto next = [&state]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (int round = 0; round < 2000; ++round) {
    const int n = 1 + static_cast<int>(next() % 12);
    std::vector<int64_t> weights;
    for (int i = 0; i < n; ++i) weights.push_back(static_cast<int64_t>(next() % 50));
    weights[next() % n] += 1;  // at least one positive
    const int64_t total = round % 3 == 0 ? static_cast<int64_t>(next() % 100)
                                         : static_cast<int64_t>(next() * next() % 1000000007);
    const auto parts = SplitExact(total, weights);
    ASSERT_EQ(Sum(parts), total);
    const __int128 wsum = Sum(weights);
    for (int i = 0; i < n; ++i) {
      const __int128 floor_quota = static_cast<__int128>(total) * weights[i] / wsum;
      ASSERT_GE(parts[i], floor_quota);
      ASSERT_LE(parts[i], floor_quota + 1);
      if (weights[i] == 0) {
        ASSERT_EQ(parts[i], 0);
      }
    }
  }
}

// ---- TimeSlices -----------------------------------------------------------------------------

TEST(TimeSlicesTest, YearIntoQuartersHalvesAndMonths) {
  auto quarters = MustSlice(Year(2026), GRANULARITY_YEAR, GRANULARITY_QUARTER);
  ASSERT_EQ(quarters.size(), 4u);
  EXPECT_EQ(quarters[1].period.granularity(), GRANULARITY_QUARTER);
  EXPECT_EQ(quarters[1].period.start_date(), "2026-04-01");
  EXPECT_EQ(quarters[1].range, Range(absl::CivilDay(2026, 4, 1), absl::CivilDay(2026, 6, 30)));
  for (const auto& q : quarters) EXPECT_EQ(q.default_weight, 1);

  auto halves = MustSlice(Year(2026), GRANULARITY_YEAR, GRANULARITY_HALF);
  ASSERT_EQ(halves.size(), 2u);
  EXPECT_EQ(halves[1].period.start_date(), "2026-07-01");
  EXPECT_EQ(halves[1].range.last, absl::CivilDay(2026, 12, 31));

  auto months = MustSlice(Year(2028), GRANULARITY_YEAR, GRANULARITY_MONTH);
  ASSERT_EQ(months.size(), 12u);
  EXPECT_EQ(months[1].range, Range(absl::CivilDay(2028, 2, 1), absl::CivilDay(2028, 2, 29)));
  EXPECT_EQ(months[11].period.start_date(), "2028-12-01");
}

TEST(TimeSlicesTest, HalfIntoQuartersAndQuarterIntoMonths) {
  auto q = MustSlice(Range(absl::CivilDay(2026, 7, 1), absl::CivilDay(2026, 12, 31)),
                     GRANULARITY_HALF, GRANULARITY_QUARTER);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].period.start_date(), "2026-07-01");
  EXPECT_EQ(q[1].period.start_date(), "2026-10-01");

  auto m = MustSlice(Range(absl::CivilDay(2026, 10, 1), absl::CivilDay(2026, 12, 31)),
                     GRANULARITY_QUARTER, GRANULARITY_MONTH);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[2].range, Range(absl::CivilDay(2026, 12, 1), absl::CivilDay(2026, 12, 31)));
}

TEST(TimeSlicesTest, IsoWeeksOf2026ClipTheEdgeWeeks) {
  // 2026 starts on a Thursday and ends on a Thursday: 53 ISO weeks overlap it, the first
  // (Mon 2025-12-29) and last (Mon 2026-12-28) partly.
  auto weeks = MustSlice(Year(2026), GRANULARITY_YEAR, GRANULARITY_WEEK);
  ASSERT_EQ(weeks.size(), 53u);
  EXPECT_EQ(weeks.front().period.granularity(), GRANULARITY_WEEK);
  EXPECT_EQ(weeks.front().period.start_date(), "2025-12-29");
  EXPECT_EQ(weeks.front().range, Range(absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 1, 4)));
  EXPECT_EQ(weeks.front().default_weight, 4);
  EXPECT_EQ(weeks[1].period.start_date(), "2026-01-05");
  EXPECT_EQ(weeks[1].range, Range(absl::CivilDay(2026, 1, 5), absl::CivilDay(2026, 1, 11)));
  EXPECT_EQ(weeks[1].default_weight, 7);
  EXPECT_EQ(weeks.back().period.start_date(), "2026-12-28");
  EXPECT_EQ(weeks.back().range, Range(absl::CivilDay(2026, 12, 28), absl::CivilDay(2026, 12, 31)));
  EXPECT_EQ(weeks.back().default_weight, 4);

  int64_t days = 0;
  for (size_t i = 0; i < weeks.size(); ++i) {
    days += weeks[i].range.days();
    EXPECT_EQ(weeks[i].default_weight, weeks[i].range.days());
    if (i > 0) {
      EXPECT_EQ(weeks[i].range.first, weeks[i - 1].range.last + 1);
    }
  }
  EXPECT_EQ(days, 365);

  // Even: a whole week gets 7/365 of the year, a 4-day edge week 4/365.
  auto values = DecomposeByTime(365, weeks, {});
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ(values->front(), 4);
  EXPECT_EQ(values->back(), 4);
  for (size_t i = 1; i + 1 < values->size(); ++i) EXPECT_EQ((*values)[i], 7);
  EXPECT_EQ(Sum(*DecomposeByTime(1'000'003, weeks, {})), 1'000'003);
}

TEST(TimeSlicesTest, LeapFebruaryIntoWeeksAndDays) {
  const DateRange feb = Range(absl::CivilDay(2028, 2, 1), absl::CivilDay(2028, 2, 29));
  // 2028-02-01 is a Tuesday, 2028-02-29 a Tuesday.
  auto weeks = MustSlice(feb, GRANULARITY_MONTH, GRANULARITY_WEEK);
  ASSERT_EQ(weeks.size(), 5u);
  EXPECT_EQ(weeks[0].period.start_date(), "2028-01-31");
  EXPECT_EQ(weeks[0].range, Range(absl::CivilDay(2028, 2, 1), absl::CivilDay(2028, 2, 6)));
  EXPECT_EQ(weeks[0].default_weight, 6);
  EXPECT_EQ(weeks[4].period.start_date(), "2028-02-28");
  EXPECT_EQ(weeks[4].range, Range(absl::CivilDay(2028, 2, 28), absl::CivilDay(2028, 2, 29)));
  EXPECT_EQ(weeks[4].default_weight, 2);
  EXPECT_THAT(*DecomposeByTime(2900, weeks, {}), ElementsAre(600, 700, 700, 700, 200));

  auto days = MustSlice(feb, GRANULARITY_MONTH, GRANULARITY_DAY);
  ASSERT_EQ(days.size(), 29u);
  EXPECT_EQ(days.back().period.start_date(), "2028-02-29");
  EXPECT_EQ(days.back().range, Range(absl::CivilDay(2028, 2, 29), absl::CivilDay(2028, 2, 29)));
  EXPECT_EQ(days.back().default_weight, 1);
}

TEST(TimeSlicesTest, SkipWeekendsLeavesOnlyWeekdays) {
  const DateRange feb = Range(absl::CivilDay(2028, 2, 1), absl::CivilDay(2028, 2, 29));
  auto days = MustSlice(feb, GRANULARITY_MONTH, GRANULARITY_DAY, /*skip_weekends=*/true);
  ASSERT_EQ(days.size(), 21u);  // 4 whole weeks × 5 + Tuesday the 29th
  for (const auto& d : days) EXPECT_LE(IsoWeekday(d.range.first), 5) << d.period.start_date();
  EXPECT_EQ(days[0].period.start_date(), "2028-02-01");
  EXPECT_EQ(days[4].period.start_date(), "2028-02-07");  // Fri 4th, then Mon 7th

  // 1 into a Mon-Sun week's weekdays: only Monday gets it.
  auto week = MustSlice(Range(absl::CivilDay(2026, 3, 2), absl::CivilDay(2026, 3, 8)),
                        GRANULARITY_WEEK, GRANULARITY_DAY, true);
  ASSERT_EQ(week.size(), 5u);
  EXPECT_THAT(*DecomposeByTime(1, week, {}), ElementsAre(1, 0, 0, 0, 0));
}

TEST(TimeSlicesTest, WeekParentIntoDays) {
  // A clipped edge week (Thu 2026-01-01 .. Sun 01-04) decomposes into its own four days.
  auto days = MustSlice(Range(absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 1, 4)),
                        GRANULARITY_WEEK, GRANULARITY_DAY);
  ASSERT_EQ(days.size(), 4u);
  EXPECT_EQ(days[0].period.start_date(), "2026-01-01");
  EXPECT_THAT(*DecomposeByTime(1, days, {}), ElementsAre(1, 0, 0, 0));
  EXPECT_THAT(*DecomposeByTime(7, days, {}), ElementsAre(2, 2, 2, 1));
}

TEST(TimeSlicesTest, ChildMustBeStrictlyFiner) {
  struct Case {
    Granularity parent;
    Granularity child;
  };
  for (const Case& c :
       {Case{GRANULARITY_YEAR, GRANULARITY_YEAR}, Case{GRANULARITY_QUARTER, GRANULARITY_HALF},
        Case{GRANULARITY_MONTH, GRANULARITY_MONTH}, Case{GRANULARITY_MONTH, GRANULARITY_QUARTER},
        Case{GRANULARITY_WEEK, GRANULARITY_MONTH}, Case{GRANULARITY_WEEK, GRANULARITY_WEEK},
        Case{GRANULARITY_DAY, GRANULARITY_DAY}, Case{GRANULARITY_YEAR, GRANULARITY_UNSPECIFIED},
        Case{GRANULARITY_YEAR, static_cast<Granularity>(17)}}) {
    auto s = TimeSlices(Year(2026), c.parent, c.child, false);
    ASSERT_FALSE(s.ok()) << GranularityName(c.parent) << " -> " << GranularityName(c.child);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(ViolatedFields(s.status()), ElementsAre("by_time.granularity"));
  }
  auto s = TimeSlices(Range(absl::CivilDay(2026, 4, 1), absl::CivilDay(2026, 6, 30)),
                      GRANULARITY_QUARTER, GRANULARITY_HALF, false);
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("finer than the target's QUARTER (MONTH, WEEK or DAY), got HALF"));
}

TEST(TimeSlicesTest, SkipWeekendsOnlyForDays) {
  auto s = TimeSlices(Year(2026), GRANULARITY_YEAR, GRANULARITY_MONTH, true);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(ViolatedFields(s.status()), ElementsAre("by_time.skip_weekends"));

  // A clipped edge week holding only Saturday and Sunday has no weekday to receive a value.
  auto weekend = TimeSlices(Range(absl::CivilDay(2026, 1, 3), absl::CivilDay(2026, 1, 4)),
                            GRANULARITY_WEEK, GRANULARITY_DAY, true);
  ASSERT_FALSE(weekend.ok());
  EXPECT_THAT(ViolatedFields(weekend.status()), ElementsAre("by_time.skip_weekends"));
}

// ---- DecomposeByTime ------------------------------------------------------------------------

TEST(DecomposeByTimeTest, SeasonalityWeights) {
  auto quarters = MustSlice(Year(2026), GRANULARITY_YEAR, GRANULARITY_QUARTER);
  EXPECT_THAT(*DecomposeByTime(150'000'000, quarters, {1, 3, 3, 3}),
              ElementsAre(15'000'000, 45'000'000, 45'000'000, 45'000'000));
  // Q4 is the ad-sales peak, Q1 the trough (000:13-21): weights 1,2,3,4.
  EXPECT_THAT(*DecomposeByTime(1000, quarters, {1, 2, 3, 4}), ElementsAre(100, 200, 300, 400));
  // A zero weight: no plan for that quarter.
  EXPECT_THAT(*DecomposeByTime(100, quarters, {0, 1, 1, 1}), ElementsAre(0, 34, 33, 33));
}

TEST(DecomposeByTimeTest, EvenSplitsSumExactly) {
  auto months = MustSlice(Year(2026), GRANULARITY_YEAR, GRANULARITY_MONTH);
  EXPECT_THAT(*DecomposeByTime(7, months, {}), ElementsAre(1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0));
  EXPECT_EQ(Sum(*DecomposeByTime(kMax, months, {})), kMax);
  auto quarters = MustSlice(Year(2026), GRANULARITY_YEAR, GRANULARITY_QUARTER);
  EXPECT_THAT(*DecomposeByTime(100, quarters, {}), ElementsAre(25, 25, 25, 25));
  auto thirds = MustSlice(Range(absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 3, 31)),
                          GRANULARITY_QUARTER, GRANULARITY_MONTH);
  EXPECT_THAT(*DecomposeByTime(100, thirds, {}), ElementsAre(34, 33, 33));
  auto days = MustSlice(Year(2028), GRANULARITY_YEAR, GRANULARITY_DAY);
  ASSERT_EQ(days.size(), 366u);
  EXPECT_EQ(Sum(*DecomposeByTime(1'000'000, days, {})), 1'000'000);
}

TEST(DecomposeByTimeTest, WeightsMustMatchTheSlices) {
  auto quarters = MustSlice(Year(2026), GRANULARITY_YEAR, GRANULARITY_QUARTER);
  auto wrong_count = DecomposeByTime(100, quarters, {1, 2, 3});
  ASSERT_FALSE(wrong_count.ok());
  EXPECT_EQ(wrong_count.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(wrong_count.status()), ElementsAre("by_time.weights"));
  EXPECT_THAT(std::string(wrong_count.status().message()),
              HasSubstr("expected 4 weights (one per QUARTER"));
  EXPECT_THAT(std::string(wrong_count.status().message()), HasSubstr("got 3"));

  auto negative = DecomposeByTime(100, quarters, {1, -2, 3, -1});
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(ViolatedFields(negative.status()),
              ElementsAre("by_time.weights[1]", "by_time.weights[3]"));

  auto zeros = DecomposeByTime(100, quarters, {0, 0, 0, 0});
  ASSERT_FALSE(zeros.ok());
  EXPECT_THAT(ViolatedFields(zeros.status()), ElementsAre("by_time.weights"));
  EXPECT_THAT(std::string(zeros.status().message()), HasSubstr("positive"));

  EXPECT_FALSE(DecomposeByTime(100, {}, {}).ok());
}

// ---- DecomposeByOwner -----------------------------------------------------------------------

TEST(DecomposeByOwnerTest, SplitsByShares) {
  EXPECT_THAT(*DecomposeByOwner(480, {30, 10}), ElementsAre(360, 120));
  EXPECT_THAT(*DecomposeByOwner(100, {1, 1, 1}), ElementsAre(34, 33, 33));
  EXPECT_THAT(*DecomposeByOwner(1, {1, 1}), ElementsAre(1, 0));
  EXPECT_EQ(Sum(*DecomposeByOwner(kMax, {kMax, 3, 7})), kMax);
}

TEST(DecomposeByOwnerTest, ValidatesShares) {
  auto none = DecomposeByOwner(100, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(none.status()), ElementsAre("by_owner.shares"));

  auto bad = DecomposeByOwner(100, {1, 0, -1});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(ViolatedFields(bad.status()),
              ElementsAre("by_owner.shares[1].weight", "by_owner.shares[2].weight"));
}

}  // namespace
}  // namespace opsuite::planning
