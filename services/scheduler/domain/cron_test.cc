#include "services/scheduler/domain/cron.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/testing/time_zone.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::scheduler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::opsuite::testing::Zone;

const absl::TimeZone& Shanghai() {
  static const absl::TimeZone tz = Zone("Asia/Shanghai");
  return tz;
}
const absl::TimeZone& NewYork() {
  static const absl::TimeZone tz = Zone("America/New_York");
  return tz;
}

absl::Time At(const absl::TimeZone& tz, int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), tz);
}
absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), absl::UTCTimeZone());
}

Cron Parse(const std::string& text) {
  absl::StatusOr<Cron> cron = ParseCron(text);
  EXPECT_TRUE(cron.ok()) << text << ": " << cron.status();
  return cron.ok() ? *cron : Cron();
}

template <size_t N>
std::vector<int> Bits(const std::bitset<N>& bits) {
  std::vector<int> out;
  for (size_t i = 0; i < N; ++i) {
    if (bits[i]) out.push_back(static_cast<int>(i));
  }
  return out;
}

std::string Error(const std::string& text, const std::string& field = "cron") {
  absl::StatusOr<Cron> cron = ParseCron(text, field);
  EXPECT_FALSE(cron.ok()) << text << " parsed";
  if (cron.ok()) return "";
  EXPECT_EQ(cron.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(cron.status()), ElementsAre(field)) << text;
  return std::string(cron.status().message());
}

// ---- parsing -------------------------------------------------------------------------------

TEST(ParseCron, SingleValuesAndStars) {
  Cron c = Parse("0 21 * * *");
  EXPECT_THAT(Bits(c.minutes), ElementsAre(0));
  EXPECT_THAT(Bits(c.hours), ElementsAre(21));
  EXPECT_EQ(c.days_of_month.count(), 31u);
  EXPECT_FALSE(c.days_of_month[0]);
  EXPECT_EQ(c.months.count(), 12u);
  EXPECT_EQ(c.days_of_week.count(), 7u);
  EXPECT_TRUE(c.day_of_month_star);
  EXPECT_TRUE(c.day_of_week_star);
  EXPECT_EQ(c.text, "0 21 * * *");
}

TEST(ParseCron, ListsRangesAndSteps) {
  EXPECT_THAT(Bits(Parse("*/15 * * * *").minutes), ElementsAre(0, 15, 30, 45));
  EXPECT_THAT(Bits(Parse("1-5/2 * * * *").minutes), ElementsAre(1, 3, 5));
  EXPECT_THAT(Bits(Parse("5/20 * * * *").minutes), ElementsAre(5, 25, 45));
  EXPECT_THAT(Bits(Parse("0,30,45 * * * *").minutes), ElementsAre(0, 30, 45));
  EXPECT_THAT(Bits(Parse("0 9-17/4,22 * * *").hours), ElementsAre(9, 13, 17, 22));
  EXPECT_THAT(Bits(Parse("0 0 1-10/3 * *").days_of_month), ElementsAre(1, 4, 7, 10));
  EXPECT_THAT(Bits(Parse("0 0 * */3 *").months), ElementsAre(1, 4, 7, 10));
  EXPECT_THAT(Bits(Parse("0 0 * * */2").days_of_week), ElementsAre(0, 2, 4, 6));
}

TEST(ParseCron, NamesAnyCase) {
  EXPECT_THAT(Bits(Parse("0 0 * JAN,jul *").months), ElementsAre(1, 7));
  EXPECT_THAT(Bits(Parse("0 0 * Mar-May *").months), ElementsAre(3, 4, 5));
  EXPECT_THAT(Bits(Parse("0 0 * * MON-FRI").days_of_week), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_THAT(Bits(Parse("0 0 * * sat,SUN").days_of_week), ElementsAre(0, 6));
}

TEST(ParseCron, SundayIsZeroAndSeven) {
  EXPECT_THAT(Bits(Parse("0 0 * * 0").days_of_week), ElementsAre(0));
  EXPECT_THAT(Bits(Parse("0 0 * * 7").days_of_week), ElementsAre(0));
  EXPECT_THAT(Bits(Parse("0 0 * * 5-7").days_of_week), ElementsAre(0, 5, 6));
}

TEST(ParseCron, RestrictedDayFields) {
  Cron both = Parse("0 0 13 * FRI");
  EXPECT_FALSE(both.day_of_month_star);
  EXPECT_FALSE(both.day_of_week_star);
  Cron dom = Parse("0 0 1 * *");
  EXPECT_FALSE(dom.day_of_month_star);
  EXPECT_TRUE(dom.day_of_week_star);
  // Vixie: a field starting with `*` counts as unrestricted, steps included.
  EXPECT_TRUE(Parse("0 0 */2 * 1").day_of_month_star);
}

TEST(ParseCron, WhitespaceAndNicknames) {
  EXPECT_EQ(Parse("  0\t21  * *   *  ").text, "0 21 * * *");
  EXPECT_EQ(Parse("@daily").text, "0 0 * * *");
  EXPECT_EQ(Parse("@hourly").text, "0 * * * *");
  EXPECT_EQ(Parse("@weekly").text, "0 0 * * 0");
  EXPECT_EQ(Parse("@monthly").text, "0 0 1 * *");
  EXPECT_EQ(Parse("@yearly").text, "0 0 1 1 *");
}

TEST(ParseCron, OutOfRangeNamesThePart) {
  EXPECT_THAT(Error("61 * * * *"), HasSubstr("minute 61 is out of 0-59"));
  EXPECT_THAT(Error("* 24 * * *"), HasSubstr("hour 24 is out of 0-23"));
  EXPECT_THAT(Error("* * 0 * *"), HasSubstr("day-of-month 0 is out of 1-31"));
  EXPECT_THAT(Error("* * 32 * *"), HasSubstr("day-of-month 32 is out of 1-31"));
  EXPECT_THAT(Error("* * * 13 *"), HasSubstr("month 13 is out of 1-12"));
  EXPECT_THAT(Error("* * * 0 *"), HasSubstr("month 0 is out of 1-12"));
  EXPECT_THAT(Error("* * * * 8"), HasSubstr("day-of-week 8 is out of 0-7"));
  EXPECT_THAT(Error("0-60 * * * *"), HasSubstr("minute 60 is out of 0-59"));
}

TEST(ParseCron, MalformedPartsAreNamed) {
  EXPECT_THAT(Error("a * * * *"), HasSubstr("minute \"a\" is not a number (0-59)"));
  EXPECT_THAT(Error("1x * * * *"), HasSubstr("minute \"1x\" is not a number"));
  EXPECT_THAT(Error("* * * FOO *"), HasSubstr("month \"FOO\" is not a month"));
  EXPECT_THAT(Error("* * * * FUN"), HasSubstr("day-of-week \"FUN\""));
  EXPECT_THAT(Error("*/0 * * * *"), HasSubstr("minute step \"0\""));
  EXPECT_THAT(Error("*/x * * * *"), HasSubstr("minute step \"x\""));
  EXPECT_THAT(Error("*/61 * * * *"), HasSubstr("minute step 61"));
  EXPECT_THAT(Error("5-2 * * * *"), HasSubstr("minute range \"5-2\" runs backwards"));
  EXPECT_THAT(Error("0 FRI-MON * * *"), HasSubstr("hour \"FRI\" is not a number (0-23)"));
  EXPECT_THAT(Error("1,,2 * * * *"), HasSubstr("empty item"));
  EXPECT_THAT(Error("- * * * *"), HasSubstr("minute has an empty value"));
  EXPECT_THAT(Error("@often"), HasSubstr("not a known nickname"));
}

TEST(ParseCron, FieldCount) {
  EXPECT_THAT(Error("* * *"), HasSubstr("expected 5 fields (minute hour day-of-month month "
                                        "day-of-week), got 3"));
  EXPECT_THAT(Error("* * * * * *"), HasSubstr("got 6"));
  EXPECT_THAT(Error(""), HasSubstr("got 0"));
}

TEST(ParseCron, NamesTheGivenField) {
  EXPECT_EQ(Error("61 * * * *", "job.cron"), "job.cron: minute 61 is out of 0-59");
}

TEST(ParseCron, RejectsDaysNoMonthHas) {
  EXPECT_THAT(Error("0 0 30 2 *"), HasSubstr("never occurs"));
  EXPECT_THAT(Error("0 0 31 4,6,9,11 *"), HasSubstr("never occurs"));
  Parse("0 0 29 2 *");      // leap years
  Parse("0 0 30 2 MON");    // either field: every Monday in February
  Parse("0 0 31 2,3 *");    // March has one
}

// ---- days ----------------------------------------------------------------------------------

TEST(MatchesDay, EitherDayFieldWhenBothRestricted) {
  Cron c = Parse("0 0 13 * FRI");
  EXPECT_TRUE(MatchesDay(c, absl::CivilDay(2026, 3, 6)));    // a Friday
  EXPECT_TRUE(MatchesDay(c, absl::CivilDay(2026, 4, 13)));   // a Monday, the 13th
  EXPECT_TRUE(MatchesDay(c, absl::CivilDay(2026, 2, 13)));   // Friday the 13th
  EXPECT_FALSE(MatchesDay(c, absl::CivilDay(2026, 3, 7)));   // Saturday the 7th
}

TEST(MatchesDay, BothFieldsWhenOneIsStar) {
  Cron dom = Parse("0 0 13 * *");
  EXPECT_TRUE(MatchesDay(dom, absl::CivilDay(2026, 4, 13)));
  EXPECT_FALSE(MatchesDay(dom, absl::CivilDay(2026, 3, 6)));
  Cron dow = Parse("0 0 * * FRI");
  EXPECT_TRUE(MatchesDay(dow, absl::CivilDay(2026, 3, 6)));
  EXPECT_FALSE(MatchesDay(dow, absl::CivilDay(2026, 4, 13)));
  Cron months = Parse("0 0 * JAN *");
  EXPECT_TRUE(MatchesDay(months, absl::CivilDay(2026, 1, 31)));
  EXPECT_FALSE(MatchesDay(months, absl::CivilDay(2026, 2, 1)));
}

// ---- next ----------------------------------------------------------------------------------

TEST(Next, DailyReportCheckInShanghai) {
  Cron c = Parse("0 21 * * *");
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 2, 10, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 2, 21, 0));
  // Strictly after: at 21:00 the next one is tomorrow's.
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 2, 21, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 3, 21, 0));
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 2, 20, 59, 59), Shanghai()),
            At(Shanghai(), 2026, 3, 2, 21, 0));
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 2, 21, 0) + absl::Nanoseconds(1), Shanghai()),
            At(Shanghai(), 2026, 3, 3, 21, 0));
  // 21:00 in Shanghai is 13:00 UTC.
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 2, 10, 0), Shanghai()), Utc(2026, 3, 2, 13, 0));
}

TEST(Next, WeeklyReportCheckSaturdayInShanghai) {
  Cron c = Parse("0 18 * * 6");
  // From Monday 2026-03-02 to Saturday 2026-03-07.
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 2, 10, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 7, 18, 0));
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 7, 18, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 14, 18, 0));
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 7, 17, 59), Shanghai()),
            At(Shanghai(), 2026, 3, 7, 18, 0));
}

TEST(Next, TheZoneDecides) {
  Cron c = Parse("0 21 * * *");
  const absl::Time from = Utc(2026, 3, 2, 0, 0);
  EXPECT_EQ(Next(c, from, Shanghai()), Utc(2026, 3, 2, 13, 0));
  EXPECT_EQ(Next(c, from, absl::UTCTimeZone()), Utc(2026, 3, 2, 21, 0));
  EXPECT_EQ(Next(c, from, NewYork()), Utc(2026, 3, 2, 2, 0));  // 21:00 EST on the 1st
}

TEST(Next, Steps) {
  Cron c = Parse("*/15 * * * *");
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 2, 10, 7), Shanghai()),
            At(Shanghai(), 2026, 3, 2, 10, 15));
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 2, 23, 50), Shanghai()),
            At(Shanghai(), 2026, 3, 3, 0, 0));
  Cron every = Parse("* * * * *");
  EXPECT_EQ(Next(every, At(Shanghai(), 2026, 3, 2, 10, 7, 30), Shanghai()),
            At(Shanghai(), 2026, 3, 2, 10, 8));
}

TEST(Next, MonthAndYearRollOver) {
  Cron c = Parse("0 2 1 * *");
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 12, 15, 0, 0), Shanghai()),
            At(Shanghai(), 2027, 1, 1, 2, 0));
  Cron quarterly = Parse("0 2 1 1,4,7,10 *");
  EXPECT_EQ(Next(quarterly, At(Shanghai(), 2026, 3, 2, 10, 0), Shanghai()),
            At(Shanghai(), 2026, 4, 1, 2, 0));
  Cron half = Parse("0 2 1 1,7 *");
  EXPECT_EQ(Next(half, At(Shanghai(), 2026, 7, 1, 2, 0), Shanghai()),
            At(Shanghai(), 2027, 1, 1, 2, 0));
}

TEST(Next, TheThirtyFirstSkipsShortMonths) {
  Cron c = Parse("0 0 31 * *");
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 4, 1, 0, 0), Shanghai()),
            At(Shanghai(), 2026, 5, 31, 0, 0));
}

TEST(Next, FebruaryTwentyNinth) {
  Cron c = Parse("0 0 29 2 *");
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 1, 0, 0), Shanghai()),
            At(Shanghai(), 2028, 2, 29, 0, 0));
  EXPECT_EQ(Next(c, At(Shanghai(), 2028, 2, 29, 0, 0), Shanghai()),
            At(Shanghai(), 2032, 2, 29, 0, 0));
  // 2100 is not a leap year.
  EXPECT_EQ(Next(c, At(Shanghai(), 2096, 3, 1, 0, 0), Shanghai()),
            At(Shanghai(), 2104, 2, 29, 0, 0));
  Cron leap_day_noon = Parse("0 12 * 2 *");
  EXPECT_EQ(Next(leap_day_noon, At(Shanghai(), 2028, 2, 28, 13, 0), Shanghai()),
            At(Shanghai(), 2028, 2, 29, 12, 0));
  EXPECT_EQ(Next(leap_day_noon, At(Shanghai(), 2027, 2, 28, 13, 0), Shanghai()),
            At(Shanghai(), 2028, 2, 1, 12, 0));
}

TEST(Next, VixieEitherDay) {
  // The 13th or any Friday: from Monday 2026-03-02, Friday the 6th comes first.
  Cron c = Parse("0 0 13 * FRI");
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 2, 10, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 6, 0, 0));
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 3, 6, 0, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 13, 0, 0));
  EXPECT_EQ(Next(c, At(Shanghai(), 2026, 4, 11, 0, 0), Shanghai()),
            At(Shanghai(), 2026, 4, 13, 0, 0));  // Monday the 13th
}

TEST(Next, SundayAsSeven) {
  EXPECT_EQ(Next(Parse("0 9 * * 7"), At(Shanghai(), 2026, 3, 2, 10, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 8, 9, 0));
  EXPECT_EQ(Next(Parse("0 9 * * 0"), At(Shanghai(), 2026, 3, 2, 10, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 8, 9, 0));
}

// America/New_York 2026: clocks spring forward on Sunday March 8 at 02:00 EST (to 03:00
// EDT, 07:00 UTC) and fall back on Sunday November 1 at 02:00 EDT (to 01:00 EST, 06:00 UTC).

TEST(NextDst, SkippedTimeFiresOnceAtTheJump) {
  Cron c = Parse("30 2 * * *");
  EXPECT_EQ(Next(c, At(NewYork(), 2026, 3, 7, 3, 0), NewYork()), Utc(2026, 3, 8, 7, 0));
  // Once: after the jump, the next is the 9th at 02:30 EDT.
  EXPECT_EQ(Next(c, Utc(2026, 3, 8, 7, 0), NewYork()), Utc(2026, 3, 9, 6, 30));
}

TEST(NextDst, SkippedHourCollapsesOntoTheJump) {
  Cron c = Parse("*/15 * * * *");
  std::vector<absl::Time> fires;
  absl::Time t = At(NewYork(), 2026, 3, 8, 1, 30);
  for (int i = 0; i < 5; ++i) fires.push_back(t = Next(c, t, NewYork()));
  // 01:45 EST, then 02:00-03:00 local all at 03:00 EDT (once), then 03:15, 03:30, 03:45 EDT.
  EXPECT_THAT(fires, ElementsAre(Utc(2026, 3, 8, 6, 45), Utc(2026, 3, 8, 7, 0),
                                 Utc(2026, 3, 8, 7, 15), Utc(2026, 3, 8, 7, 30),
                                 Utc(2026, 3, 8, 7, 45)));
}

TEST(NextDst, RepeatedTimeFiresOnceTheFirstOccurrence) {
  Cron c = Parse("30 1 * * *");
  // 01:30 EDT (05:30 UTC), not 01:30 EST (06:30 UTC).
  EXPECT_EQ(Next(c, At(NewYork(), 2026, 10, 31, 12, 0), NewYork()), Utc(2026, 11, 1, 5, 30));
  EXPECT_EQ(Next(c, Utc(2026, 11, 1, 5, 30), NewYork()), Utc(2026, 11, 2, 6, 30));
  // Even from inside the second pass of the hour.
  EXPECT_EQ(Next(c, Utc(2026, 11, 1, 6, 10), NewYork()), Utc(2026, 11, 2, 6, 30));
}

TEST(NextDst, RepeatedHourIsNotFiredTwice) {
  Cron c = Parse("*/30 * * * *");
  std::vector<absl::Time> fires;
  absl::Time t = At(NewYork(), 2026, 11, 1, 0, 15);
  for (int i = 0; i < 5; ++i) fires.push_back(t = Next(c, t, NewYork()));
  EXPECT_THAT(fires, ElementsAre(Utc(2026, 11, 1, 4, 30),   // 00:30 EDT
                                 Utc(2026, 11, 1, 5, 0),    // 01:00 EDT
                                 Utc(2026, 11, 1, 5, 30),   // 01:30 EDT
                                 Utc(2026, 11, 1, 7, 0),    // 02:00 EST
                                 Utc(2026, 11, 1, 7, 30)));  // 02:30 EST
}

TEST(NextDst, DailyJobKeepsItsWallClockTime) {
  Cron c = Parse("0 9 * * *");
  EXPECT_EQ(Next(c, At(NewYork(), 2026, 3, 7, 10, 0), NewYork()), Utc(2026, 3, 8, 13, 0));
  EXPECT_EQ(Next(c, At(NewYork(), 2026, 3, 6, 10, 0), NewYork()), Utc(2026, 3, 7, 14, 0));
}

// ---- previous ------------------------------------------------------------------------------

TEST(Previous, LatestAtOrBefore) {
  Cron c = Parse("0 21 * * *");
  EXPECT_EQ(Previous(c, At(Shanghai(), 2026, 3, 2, 10, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 1, 21, 0));
  EXPECT_EQ(Previous(c, At(Shanghai(), 2026, 3, 2, 21, 0), Shanghai()),
            At(Shanghai(), 2026, 3, 2, 21, 0));
  EXPECT_EQ(Previous(c, At(Shanghai(), 2026, 3, 2, 21, 0) - absl::Nanoseconds(1), Shanghai()),
            At(Shanghai(), 2026, 3, 1, 21, 0));
  Cron hourly = Parse("0 * * * *");
  EXPECT_EQ(Previous(hourly, At(Shanghai(), 2026, 3, 2, 12, 30), Shanghai()),
            At(Shanghai(), 2026, 3, 2, 12, 0));
  Cron saturday = Parse("0 18 * * 6");
  EXPECT_EQ(Previous(saturday, At(Shanghai(), 2026, 3, 2, 10, 0), Shanghai()),
            At(Shanghai(), 2026, 2, 28, 18, 0));
}

TEST(Previous, FebruaryTwentyNinth) {
  EXPECT_EQ(Previous(Parse("0 0 29 2 *"), At(Shanghai(), 2027, 1, 1, 0, 0), Shanghai()),
            At(Shanghai(), 2024, 2, 29, 0, 0));
}

TEST(PreviousDst, SkippedAndRepeated) {
  EXPECT_EQ(Previous(Parse("30 2 * * *"), Utc(2026, 3, 8, 7, 10), NewYork()),
            Utc(2026, 3, 8, 7, 0));
  // Inside the second pass of 01:xx, 01:45 already fired (its first occurrence).
  EXPECT_EQ(Previous(Parse("45 1 * * *"), Utc(2026, 11, 1, 6, 10), NewYork()),
            Utc(2026, 11, 1, 5, 45));
  EXPECT_EQ(Previous(Parse("45 1 * * *"), Utc(2026, 11, 1, 5, 40), NewYork()),
            Utc(2026, 10, 31, 5, 45));
}

// Next and Previous agree over a whole year of half-hours in a zone with DST: the fires are
// strictly increasing, each is its own Previous, and a moment before a fire has the fire
// before it as Previous.
TEST(NextPrevious, AgreeOverAYearWithDst) {
  for (const char* text : {"*/30 * * * *", "15 1,2,3 * * *", "0 0 * * SUN"}) {
    SCOPED_TRACE(text);
    Cron c = Parse(text);
    absl::Time prev = Next(c, At(NewYork(), 2026, 1, 1, 0, 0), NewYork());
    int fires = 0;
    while (prev < At(NewYork(), 2027, 1, 1, 0, 0)) {
      absl::Time next = Next(c, prev, NewYork());
      ASSERT_GT(next, prev);
      ASSERT_EQ(Previous(c, next, NewYork()), next) << absl::FormatTime(next);
      ASSERT_EQ(Previous(c, next - absl::Seconds(1), NewYork()), prev) << absl::FormatTime(next);
      prev = next;
      ++fires;
    }
    EXPECT_GT(fires, 50);
  }
}

TEST(FireInstant, UniqueSkippedRepeated) {
  EXPECT_EQ(FireInstant(absl::CivilMinute(2026, 3, 2, 21, 0), Shanghai()), Utc(2026, 3, 2, 13, 0));
  EXPECT_EQ(FireInstant(absl::CivilMinute(2026, 3, 8, 2, 30), NewYork()), Utc(2026, 3, 8, 7, 0));
  EXPECT_EQ(FireInstant(absl::CivilMinute(2026, 11, 1, 1, 30), NewYork()), Utc(2026, 11, 1, 5, 30));
}

}  // namespace
}  // namespace opsuite::scheduler
