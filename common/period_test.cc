#include "common/period.h"

#include <string>

#include "absl/status/status.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Period MakePeriod(Granularity granularity, std::string start) {
  Period p;
  p.set_granularity(granularity);
  p.set_start_date(std::move(start));
  return p;
}

TEST(ParseDateTest, AcceptsRealDays) {
  auto d = ParseDate("2026-03-02", "date");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, absl::CivilDay(2026, 3, 2));
  EXPECT_EQ(*ParseDate("2028-02-29", "date"), absl::CivilDay(2028, 2, 29));  // leap year
  EXPECT_EQ(*ParseDate("2000-02-29", "date"), absl::CivilDay(2000, 2, 29));  // 400-rule
  EXPECT_EQ(*ParseDate("0001-01-01", "date"), absl::CivilDay(1, 1, 1));
  EXPECT_EQ(*ParseDate("9999-12-31", "date"), absl::CivilDay(9999, 12, 31));
}

TEST(ParseDateTest, RejectsMalformedTextNamingTheField) {
  for (const char* bad :
       {"", "2026-3-2", "2026/03/02", "20260302", "2026-03-02T00:00", " 2026-03-02", "2026-03-0x",
        "+026-03-02", "２０２６-03-02", "2026-03-02 "}) {
    auto d = ParseDate(bad, "target.period.start_date");
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(ViolatedFields(d.status()), ElementsAre("target.period.start_date")) << bad;
  }
  EXPECT_THAT(std::string(ParseDate("", "date").status().message()), HasSubstr("required"));
  EXPECT_THAT(std::string(ParseDate("2026-3-2", "date").status().message()),
              HasSubstr("YYYY-MM-DD"));
}

TEST(ParseDateTest, RejectsDaysThatAreNotOnTheCalendar) {
  for (const char* bad : {"2026-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10",
                          "2026-01-00", "2026-01-32", "2100-02-29", "0000-01-01"}) {
    auto d = ParseDate(bad, "date");
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(d.status().message()), HasSubstr("not a calendar day")) << bad;
    EXPECT_THAT(ViolatedFields(d.status()), ElementsAre("date"));
  }
}

TEST(ParseDateTest, LongInputIsNotEchoedInFull) {
  std::string junk(10000, 'x');
  auto d = ParseDate(junk, "date");
  ASSERT_FALSE(d.ok());
  EXPECT_LT(d.status().message().size(), 200u);
}

TEST(FormatDateTest, PadsFields) {
  EXPECT_EQ(FormatDate(absl::CivilDay(2026, 3, 2)), "2026-03-02");
  EXPECT_EQ(FormatDate(absl::CivilDay(7, 1, 9)), "0007-01-09");
  EXPECT_EQ(*ParseDate(FormatDate(absl::CivilDay(2028, 2, 29)), "d"), absl::CivilDay(2028, 2, 29));
}

TEST(IsoWeekTest, WeekdaysAreIsoNumbered) {
  // 2026-03-02 is a Monday.
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(IsoWeekday(absl::CivilDay(2026, 3, 2) + i), i + 1);
    EXPECT_EQ(IsoWeekStart(absl::CivilDay(2026, 3, 2) + i), absl::CivilDay(2026, 3, 2));
  }
  // 2026 starts on a Thursday: its first days belong to the week starting 2025-12-29.
  EXPECT_EQ(IsoWeekday(absl::CivilDay(2026, 1, 1)), 4);
  EXPECT_EQ(IsoWeekStart(absl::CivilDay(2026, 1, 1)), absl::CivilDay(2025, 12, 29));
  EXPECT_EQ(IsoWeekStart(absl::CivilDay(2026, 1, 4)), absl::CivilDay(2025, 12, 29));
  EXPECT_EQ(IsoWeekStart(absl::CivilDay(2026, 1, 5)), absl::CivilDay(2026, 1, 5));
}

TEST(AlignDownTest, EveryGranularity) {
  const absl::CivilDay d(2026, 8, 19);  // a Wednesday
  EXPECT_EQ(AlignDown(GRANULARITY_YEAR, d), absl::CivilDay(2026, 1, 1));
  EXPECT_EQ(AlignDown(GRANULARITY_HALF, d), absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(AlignDown(GRANULARITY_HALF, absl::CivilDay(2026, 6, 30)), absl::CivilDay(2026, 1, 1));
  EXPECT_EQ(AlignDown(GRANULARITY_QUARTER, d), absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(AlignDown(GRANULARITY_QUARTER, absl::CivilDay(2026, 12, 31)),
            absl::CivilDay(2026, 10, 1));
  EXPECT_EQ(AlignDown(GRANULARITY_QUARTER, absl::CivilDay(2026, 3, 31)),
            absl::CivilDay(2026, 1, 1));
  EXPECT_EQ(AlignDown(GRANULARITY_MONTH, d), absl::CivilDay(2026, 8, 1));
  EXPECT_EQ(AlignDown(GRANULARITY_WEEK, d), absl::CivilDay(2026, 8, 17));
  EXPECT_EQ(AlignDown(GRANULARITY_DAY, d), d);
}

TEST(NextPeriodStartTest, EveryGranularity) {
  EXPECT_EQ(NextPeriodStart(GRANULARITY_YEAR, absl::CivilDay(2026, 1, 1)),
            absl::CivilDay(2027, 1, 1));
  EXPECT_EQ(NextPeriodStart(GRANULARITY_HALF, absl::CivilDay(2026, 7, 1)),
            absl::CivilDay(2027, 1, 1));
  EXPECT_EQ(NextPeriodStart(GRANULARITY_QUARTER, absl::CivilDay(2026, 10, 1)),
            absl::CivilDay(2027, 1, 1));
  EXPECT_EQ(NextPeriodStart(GRANULARITY_MONTH, absl::CivilDay(2028, 2, 1)),
            absl::CivilDay(2028, 3, 1));
  EXPECT_EQ(NextPeriodStart(GRANULARITY_MONTH, absl::CivilDay(2026, 12, 1)),
            absl::CivilDay(2027, 1, 1));
  EXPECT_EQ(NextPeriodStart(GRANULARITY_WEEK, absl::CivilDay(2025, 12, 29)),
            absl::CivilDay(2026, 1, 5));
  EXPECT_EQ(NextPeriodStart(GRANULARITY_DAY, absl::CivilDay(2028, 2, 28)),
            absl::CivilDay(2028, 2, 29));
}

TEST(GranularityTest, RanksAndNames) {
  EXPECT_EQ(GranularityRank(GRANULARITY_YEAR), 0);
  EXPECT_EQ(GranularityRank(GRANULARITY_HALF), 1);
  EXPECT_EQ(GranularityRank(GRANULARITY_QUARTER), 2);
  EXPECT_EQ(GranularityRank(GRANULARITY_MONTH), 3);
  EXPECT_EQ(GranularityRank(GRANULARITY_WEEK), 4);
  EXPECT_EQ(GranularityRank(GRANULARITY_DAY), 5);
  EXPECT_EQ(GranularityRank(GRANULARITY_UNSPECIFIED), -1);
  EXPECT_EQ(GranularityRank(static_cast<Granularity>(42)), -1);
  EXPECT_EQ(GranularityName(GRANULARITY_QUARTER), "QUARTER");
  EXPECT_EQ(GranularityName(GRANULARITY_HALF), "HALF");
  EXPECT_EQ(GranularityName(GRANULARITY_UNSPECIFIED), "UNSPECIFIED");
  EXPECT_EQ(GranularityName(static_cast<Granularity>(42)), "UNKNOWN(42)");
}

TEST(PeriodRangeTest, RangesOfAlignedPeriods) {
  EXPECT_EQ(*PeriodRange(MakePeriod(GRANULARITY_YEAR, "2028-01-01"), "p"),
            (DateRange{absl::CivilDay(2028, 1, 1), absl::CivilDay(2028, 12, 31)}));
  EXPECT_EQ(PeriodRange(MakePeriod(GRANULARITY_YEAR, "2028-01-01"), "p")->days(), 366);
  EXPECT_EQ(*PeriodRange(MakePeriod(GRANULARITY_HALF, "2026-07-01"), "p"),
            (DateRange{absl::CivilDay(2026, 7, 1), absl::CivilDay(2026, 12, 31)}));
  EXPECT_EQ(*PeriodRange(MakePeriod(GRANULARITY_QUARTER, "2026-04-01"), "p"),
            (DateRange{absl::CivilDay(2026, 4, 1), absl::CivilDay(2026, 6, 30)}));
  EXPECT_EQ(*PeriodRange(MakePeriod(GRANULARITY_MONTH, "2028-02-01"), "p"),
            (DateRange{absl::CivilDay(2028, 2, 1), absl::CivilDay(2028, 2, 29)}));
  EXPECT_EQ(*PeriodRange(MakePeriod(GRANULARITY_WEEK, "2025-12-29"), "p"),
            (DateRange{absl::CivilDay(2025, 12, 29), absl::CivilDay(2026, 1, 4)}));
  EXPECT_EQ(*PeriodRange(MakePeriod(GRANULARITY_DAY, "2026-03-07"), "p"),
            (DateRange{absl::CivilDay(2026, 3, 7), absl::CivilDay(2026, 3, 7)}));
}

TEST(PeriodRangeTest, MisalignedStartNamesTheFieldAndTheRule) {
  auto r = PeriodRange(MakePeriod(GRANULARITY_QUARTER, "2026-02-01"), "target.period");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(r.status()), ElementsAre("target.period.start_date"));
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("2026-02-01 is not the start of a QUARTER (quarters start on Jan 1, "
                        "Apr 1, Jul 1, Oct 1"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("2026-01-01"));

  struct Case {
    Granularity granularity;
    const char* start;
    const char* rule;
  };
  for (const Case& c : {Case{GRANULARITY_YEAR, "2026-02-01", "Jan 1"},
                        Case{GRANULARITY_HALF, "2026-04-01", "Jul 1"},
                        Case{GRANULARITY_MONTH, "2026-04-02", "the 1st"},
                        Case{GRANULARITY_WEEK, "2026-01-01", "Monday"}}) {
    auto bad = PeriodRange(MakePeriod(c.granularity, c.start), "period");
    ASSERT_FALSE(bad.ok()) << c.start;
    EXPECT_THAT(ViolatedFields(bad.status()), ElementsAre("period.start_date"));
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr(c.rule));
  }
}

TEST(PeriodRangeTest, UnknownGranularityAndBadDateAreBothReported) {
  auto r = PeriodRange(MakePeriod(GRANULARITY_UNSPECIFIED, "2026-02-30"), "period");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ViolatedFields(r.status()), ElementsAre("period.granularity", "period.start_date"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("not a calendar day"));

  auto unknown = PeriodRange(MakePeriod(static_cast<Granularity>(9), "2026-01-01"), "period");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(ViolatedFields(unknown.status()), ElementsAre("period.granularity"));

  auto missing = PeriodRange(MakePeriod(GRANULARITY_MONTH, ""), "period");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(ViolatedFields(missing.status()), ElementsAre("period.start_date"));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("required"));
}

TEST(DateRangeTest, DaysAndContains) {
  DateRange r{absl::CivilDay(2028, 2, 1), absl::CivilDay(2028, 2, 29)};
  EXPECT_EQ(r.days(), 29);
  EXPECT_TRUE(r.Contains(absl::CivilDay(2028, 2, 29)));
  EXPECT_TRUE(r.Contains(absl::CivilDay(2028, 2, 1)));
  EXPECT_FALSE(r.Contains(absl::CivilDay(2028, 3, 1)));
  EXPECT_FALSE(r.Contains(absl::CivilDay(2028, 1, 31)));
}

}  // namespace
}  // namespace opsuite
