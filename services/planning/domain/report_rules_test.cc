#include "services/planning/domain/report_rules.h"

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::planning {
namespace {

using ::opsuite::planning::v1::REPORT_KIND_DAILY;
using ::opsuite::planning::v1::REPORT_KIND_MONTHLY;
using ::opsuite::planning::v1::REPORT_KIND_UNSPECIFIED;
using ::opsuite::planning::v1::REPORT_KIND_WEEKLY;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using D = absl::CivilDay;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << name;
  return tz;
}

absl::Time At(const absl::TimeZone& tz, int y, int m, int d, int hh, int mm, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), tz);
}

absl::Time Utc(int y, int m, int d, int hh, int mm, int ss = 0) {
  return At(absl::UTCTimeZone(), y, m, d, hh, mm, ss);
}

class ReportRulesTest : public ::testing::Test {
 protected:
  const ReportPolicy policy_ = DefaultReportPolicy();
  const absl::TimeZone shanghai_ = Zone("Asia/Shanghai");
  const absl::TimeZone new_york_ = Zone("America/New_York");
};

// ---- Policy ---------------------------------------------------------------------------------

TEST(ReportPolicyTest, DefaultsFromTheSeeds) {
  const ReportPolicy p = DefaultReportPolicy();
  EXPECT_EQ(p.daily_deadline(), "21:00");  // 003:365
  EXPECT_THAT(p.daily_weekdays(), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(p.weekly_deadline_weekday(), 6);  // Saturday 18:00, 003:368
  EXPECT_EQ(p.weekly_deadline(), "18:00");
  EXPECT_EQ(p.monthly_deadline(), "18:00");
  EXPECT_TRUE(p.weekly_required());
  EXPECT_FALSE(p.monthly_required());
  EXPECT_TRUE(ValidateReportPolicy(p).ok());
}

TEST(ReportPolicyTest, ParseTimeOfDay) {
  EXPECT_EQ(*ParseTimeOfDay("00:00", "t"), (TimeOfDay{0, 0}));
  EXPECT_EQ(*ParseTimeOfDay("23:59", "t"), (TimeOfDay{23, 59}));
  EXPECT_EQ(*ParseTimeOfDay("09:05", "t"), (TimeOfDay{9, 5}));
  for (const char* bad : {"", "9:00", "24:00", "21:60", "21-00", "21:00:00", "ab:cd", " 21:00"}) {
    auto t = ParseTimeOfDay(bad, "daily_deadline");
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_THAT(ViolatedFields(t.status()), ElementsAre("daily_deadline")) << bad;
  }
}

TEST(ReportPolicyTest, ValidationNamesEveryBadField) {
  ReportPolicy p = DefaultReportPolicy();
  p.set_daily_deadline("9pm");
  p.set_weekly_deadline("24:00");
  p.set_monthly_deadline("");
  p.clear_daily_weekdays();
  p.add_daily_weekdays(1);
  p.add_daily_weekdays(0);
  p.add_daily_weekdays(8);
  p.add_daily_weekdays(1);
  p.set_weekly_deadline_weekday(0);
  const absl::Status s = ValidateReportPolicy(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      ViolatedFields(s),
      ElementsAre("daily_deadline", "weekly_deadline", "monthly_deadline", "daily_weekdays[1]",
                  "daily_weekdays[2]", "daily_weekdays[3]", "weekly_deadline_weekday"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("listed twice"));

  ReportPolicy no_daily = DefaultReportPolicy();
  no_daily.clear_daily_weekdays();  // no daily reports at all is a valid choice
  EXPECT_TRUE(ValidateReportPolicy(no_daily).ok());
}

// ---- Period dates ---------------------------------------------------------------------------

TEST(NormalizePeriodDateTest, CanonicalDays) {
  EXPECT_EQ(*NormalizePeriodDate(REPORT_KIND_DAILY, D(2026, 3, 7)), D(2026, 3, 7));  // a Saturday
  EXPECT_EQ(*NormalizePeriodDate(REPORT_KIND_WEEKLY, D(2026, 3, 2)), D(2026, 3, 2));
  EXPECT_EQ(*NormalizePeriodDate(REPORT_KIND_MONTHLY, D(2028, 2, 1)), D(2028, 2, 1));

  auto wednesday = NormalizePeriodDate(REPORT_KIND_WEEKLY, D(2026, 3, 4));
  ASSERT_FALSE(wednesday.ok());
  EXPECT_EQ(wednesday.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(wednesday.status()), ElementsAre("period_date"));
  EXPECT_THAT(std::string(wednesday.status().message()), HasSubstr("2026-03-02"));

  auto mid_month = NormalizePeriodDate(REPORT_KIND_MONTHLY, D(2026, 3, 15));
  ASSERT_FALSE(mid_month.ok());
  EXPECT_THAT(ViolatedFields(mid_month.status()), ElementsAre("period_date"));
  EXPECT_THAT(std::string(mid_month.status().message()), HasSubstr("2026-03-01"));

  for (auto kind : {REPORT_KIND_UNSPECIFIED, static_cast<ReportKind>(9)}) {
    auto bad = NormalizePeriodDate(kind, D(2026, 3, 2));
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(ViolatedFields(bad.status()), ElementsAre("kind"));
  }
}

// ---- Deadlines ------------------------------------------------------------------------------

TEST_F(ReportRulesTest, DailyDeadlineIn21HundredShanghai) {
  const absl::Time due = Deadline(policy_, REPORT_KIND_DAILY, D(2026, 3, 2), shanghai_);
  EXPECT_EQ(due, Utc(2026, 3, 2, 13, 0));  // UTC+8, no DST
  EXPECT_FALSE(IsLate(At(shanghai_, 2026, 3, 2, 20, 59), due));
  EXPECT_FALSE(IsLate(At(shanghai_, 2026, 3, 2, 21, 0), due));  // exactly on time
  EXPECT_TRUE(IsLate(At(shanghai_, 2026, 3, 2, 21, 0, 1), due));
  EXPECT_TRUE(IsLate(At(shanghai_, 2026, 3, 2, 21, 1), due));
  EXPECT_TRUE(IsLate(due + absl::Nanoseconds(1), due));
  EXPECT_FALSE(IsLate(At(shanghai_, 2026, 3, 1, 23, 0), due));  // the day before
}

TEST_F(ReportRulesTest, WeeklyDeadlineIsSaturday18Hundred) {
  // 003:368 每周六晚6點前. The week of Monday 2026-03-02 is due Saturday 2026-03-07 18:00.
  EXPECT_EQ(DeadlineDay(policy_, REPORT_KIND_WEEKLY, D(2026, 3, 2)), D(2026, 3, 7));
  const absl::Time due = Deadline(policy_, REPORT_KIND_WEEKLY, D(2026, 3, 2), shanghai_);
  EXPECT_EQ(due, At(shanghai_, 2026, 3, 7, 18, 0));
  EXPECT_EQ(due, Utc(2026, 3, 7, 10, 0));
  EXPECT_FALSE(IsLate(At(shanghai_, 2026, 3, 7, 17, 59), due));
  EXPECT_TRUE(IsLate(At(shanghai_, 2026, 3, 7, 18, 1), due));

  // Any day of the week maps to the same deadline; a Sunday deadline is the week's last day.
  EXPECT_EQ(Deadline(policy_, REPORT_KIND_WEEKLY, D(2026, 3, 6), shanghai_), due);
  ReportPolicy sunday = policy_;
  sunday.set_weekly_deadline_weekday(7);
  sunday.set_weekly_deadline("12:00");
  EXPECT_EQ(Deadline(sunday, REPORT_KIND_WEEKLY, D(2026, 3, 2), shanghai_),
            At(shanghai_, 2026, 3, 8, 12, 0));
}

TEST_F(ReportRulesTest, MonthlyDeadlineIsTheLastDay) {
  EXPECT_EQ(DeadlineDay(policy_, REPORT_KIND_MONTHLY, D(2028, 2, 1)), D(2028, 2, 29));  // leap
  EXPECT_EQ(DeadlineDay(policy_, REPORT_KIND_MONTHLY, D(2026, 2, 1)), D(2026, 2, 28));
  EXPECT_EQ(DeadlineDay(policy_, REPORT_KIND_MONTHLY, D(2026, 12, 1)), D(2026, 12, 31));
  EXPECT_EQ(DeadlineDay(policy_, REPORT_KIND_MONTHLY, D(2026, 4, 1)), D(2026, 4, 30));
  EXPECT_EQ(Deadline(policy_, REPORT_KIND_MONTHLY, D(2028, 2, 1), shanghai_),
            At(shanghai_, 2028, 2, 29, 18, 0));
}

TEST_F(ReportRulesTest, DeadlinesFollowDaylightSavingInNewYork) {
  // 2026-03-08 is the spring-forward Sunday: 21:00 that evening is EDT (UTC-4); the evening
  // before is still EST (UTC-5). The two deadlines are 23 hours apart, not 24.
  const absl::Time sat = Deadline(policy_, REPORT_KIND_DAILY, D(2026, 3, 7), new_york_);
  const absl::Time sun = Deadline(policy_, REPORT_KIND_DAILY, D(2026, 3, 8), new_york_);
  EXPECT_EQ(sat, Utc(2026, 3, 8, 2, 0));
  EXPECT_EQ(sun, Utc(2026, 3, 9, 1, 0));
  EXPECT_EQ(sun - sat, absl::Hours(23));
  EXPECT_FALSE(IsLate(Utc(2026, 3, 9, 0, 59), sun));  // 20:59 EDT
  EXPECT_TRUE(IsLate(Utc(2026, 3, 9, 1, 1), sun));    // 21:01 EDT

  // 2026-11-01 falls back: 21:00 is EST again, 25 hours after the day before's EDT deadline.
  const absl::Time oct31 = Deadline(policy_, REPORT_KIND_DAILY, D(2026, 10, 31), new_york_);
  const absl::Time nov1 = Deadline(policy_, REPORT_KIND_DAILY, D(2026, 11, 1), new_york_);
  EXPECT_EQ(oct31, Utc(2026, 11, 1, 1, 0));
  EXPECT_EQ(nov1, Utc(2026, 11, 2, 2, 0));
  EXPECT_EQ(nov1 - oct31, absl::Hours(25));

  // The weekly deadline moves with the zone's offset too.
  EXPECT_EQ(Deadline(policy_, REPORT_KIND_WEEKLY, D(2026, 3, 2), new_york_),
            Utc(2026, 3, 7, 23, 0));  // Sat 18:00 EST
  EXPECT_EQ(Deadline(policy_, REPORT_KIND_WEEKLY, D(2026, 3, 9), new_york_),
            Utc(2026, 3, 14, 22, 0));  // Sat 18:00 EDT
}

TEST_F(ReportRulesTest, DeadlinesInsideTheDstGapOrOverlap) {
  ReportPolicy p = policy_;
  // 02:30 does not exist in New York on 2026-03-08 (02:00 EST jumps to 03:00 EDT): the
  // deadline is the jump itself, 03:00 EDT.
  p.set_daily_deadline("02:30");
  EXPECT_EQ(Deadline(p, REPORT_KIND_DAILY, D(2026, 3, 8), new_york_), Utc(2026, 3, 8, 7, 0));
  // 01:30 happens twice on 2026-11-01: the first one (EDT) counts.
  p.set_daily_deadline("01:30");
  EXPECT_EQ(Deadline(p, REPORT_KIND_DAILY, D(2026, 11, 1), new_york_), Utc(2026, 11, 1, 5, 30));
}

TEST_F(ReportRulesTest, UnparsableOrUnknownFallsBack) {
  ReportPolicy p = policy_;
  p.set_daily_deadline("late evening");
  p.set_weekly_deadline_weekday(0);
  EXPECT_EQ(Deadline(p, REPORT_KIND_DAILY, D(2026, 3, 2), shanghai_),
            At(shanghai_, 2026, 3, 2, 21, 0));
  EXPECT_EQ(Deadline(p, REPORT_KIND_WEEKLY, D(2026, 3, 2), shanghai_),
            At(shanghai_, 2026, 3, 7, 18, 0));
  EXPECT_EQ(Deadline(p, REPORT_KIND_UNSPECIFIED, D(2026, 3, 2), shanghai_), absl::InfiniteFuture());
}

// ---- Due periods and compliance -------------------------------------------------------------

TEST_F(ReportRulesTest, DailyReportsAreDueOnWeekdaysOnceTheDeadlinePassed) {
  const DateRange march{D(2026, 3, 1), D(2026, 3, 31)};  // Mar 1 is a Sunday
  EXPECT_THAT(
      DuePeriods(policy_, REPORT_KIND_DAILY, march, At(shanghai_, 2026, 3, 10, 12, 0), shanghai_),
      ElementsAre(D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 5), D(2026, 3, 6),
                  D(2026, 3, 9)));
  // Not missing at the instant of the deadline, missing a second later.
  EXPECT_EQ(
      DuePeriods(policy_, REPORT_KIND_DAILY, march, At(shanghai_, 2026, 3, 9, 21, 0), shanghai_)
          .size(),
      5u);
  EXPECT_EQ(
      DuePeriods(policy_, REPORT_KIND_DAILY, march, At(shanghai_, 2026, 3, 9, 21, 0, 1), shanghai_)
          .size(),
      6u);
  EXPECT_THAT(
      DuePeriods(policy_, REPORT_KIND_DAILY, march, At(shanghai_, 2026, 3, 2, 20, 0), shanghai_),
      IsEmpty());

  // A whole leap February: 21 weekdays, no weekend day.
  const DateRange feb{D(2028, 2, 1), D(2028, 2, 29)};
  const auto days = DuePeriods(policy_, REPORT_KIND_DAILY, feb, Utc(2028, 6, 1, 0, 0), shanghai_);
  EXPECT_EQ(days.size(), 21u);
  for (D d : days) EXPECT_LE(IsoWeekday(d), 5);
  EXPECT_EQ(days.back(), D(2028, 2, 29));

  // A policy that wants reports seven days a week.
  ReportPolicy every_day = policy_;
  for (int d : {6, 7}) every_day.add_daily_weekdays(d);
  EXPECT_EQ(DuePeriods(every_day, REPORT_KIND_DAILY, feb, Utc(2028, 6, 1, 0, 0), shanghai_).size(),
            29u);
}

TEST_F(ReportRulesTest, WeeklyReportsAreDueByTheirDeadlineDay) {
  const DateRange march{D(2026, 3, 1), D(2026, 3, 31)};
  // Saturdays in March 2026: 7, 14, 21, 28. The week of Feb 23 is due Feb 28 (before the
  // range), the week of Mar 30 on Apr 4 (after it).
  EXPECT_THAT(DuePeriods(policy_, REPORT_KIND_WEEKLY, march, Utc(2026, 5, 1, 0, 0), shanghai_),
              ElementsAre(D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 16), D(2026, 3, 23)));
  EXPECT_THAT(
      DuePeriods(policy_, REPORT_KIND_WEEKLY, march, At(shanghai_, 2026, 3, 14, 18, 0), shanghai_),
      ElementsAre(D(2026, 3, 2)));
  EXPECT_THAT(DuePeriods(policy_, REPORT_KIND_WEEKLY, march, At(shanghai_, 2026, 3, 14, 18, 0, 1),
                         shanghai_),
              ElementsAre(D(2026, 3, 2), D(2026, 3, 9)));

  ReportPolicy optional = policy_;
  optional.set_weekly_required(false);
  EXPECT_THAT(DuePeriods(optional, REPORT_KIND_WEEKLY, march, Utc(2026, 5, 1, 0, 0), shanghai_),
              IsEmpty());
}

TEST_F(ReportRulesTest, MonthlyReportsOnlyWhenRequired) {
  const DateRange year{D(2028, 1, 1), D(2028, 12, 31)};
  EXPECT_THAT(DuePeriods(policy_, REPORT_KIND_MONTHLY, year, Utc(2029, 1, 1, 0, 0), shanghai_),
              IsEmpty());
  ReportPolicy required = policy_;
  required.set_monthly_required(true);
  EXPECT_THAT(DuePeriods(required, REPORT_KIND_MONTHLY, year, At(shanghai_, 2028, 2, 29, 17, 59),
                         shanghai_),
              ElementsAre(D(2028, 1, 1)));
  EXPECT_THAT(
      DuePeriods(required, REPORT_KIND_MONTHLY, year, At(shanghai_, 2028, 2, 29, 18, 1), shanghai_),
      ElementsAre(D(2028, 1, 1), D(2028, 2, 1)));
  EXPECT_EQ(
      DuePeriods(required, REPORT_KIND_MONTHLY, year, Utc(2029, 1, 1, 0, 0), shanghai_).size(),
      12u);
  // A week's range holds no month end unless the month ends in it.
  EXPECT_THAT(DuePeriods(required, REPORT_KIND_MONTHLY, DateRange{D(2028, 2, 7), D(2028, 2, 13)},
                         Utc(2029, 1, 1, 0, 0), shanghai_),
              IsEmpty());
  EXPECT_THAT(DuePeriods(required, REPORT_KIND_MONTHLY, DateRange{D(2028, 2, 28), D(2028, 3, 5)},
                         Utc(2029, 1, 1, 0, 0), shanghai_),
              ElementsAre(D(2028, 2, 1)));
  EXPECT_THAT(DuePeriods(required, REPORT_KIND_UNSPECIFIED, year, Utc(2029, 1, 1, 0, 0), shanghai_),
              IsEmpty());
}

TEST_F(ReportRulesTest, ComplianceCounts) {
  const DateRange week{D(2026, 3, 2), D(2026, 3, 8)};
  const auto due =
      DuePeriods(policy_, REPORT_KIND_DAILY, week, At(shanghai_, 2026, 3, 8, 12, 0), shanghai_);
  ASSERT_EQ(due.size(), 5u);
  const std::map<D, bool> submitted = {
      {D(2026, 3, 2), false},  // on time
      {D(2026, 3, 3), true},   // late
      {D(2026, 3, 6), false},
      {D(2026, 3, 7), false},  // a Saturday report: welcome, never expected
  };
  const ComplianceCounts counts = CountCompliance(due, submitted);
  EXPECT_EQ(counts, (ComplianceCounts{5, 2, 1}));

  ReportCompliance out;
  SetCompliance(REPORT_KIND_DAILY, counts, &out);
  SetCompliance(REPORT_KIND_WEEKLY, ComplianceCounts{1, 0, 1}, &out);
  SetCompliance(REPORT_KIND_UNSPECIFIED, ComplianceCounts{9, 9, 9}, &out);
  EXPECT_EQ(out.daily_expected(), 5);
  EXPECT_EQ(out.daily_missing(), 2);
  EXPECT_EQ(out.daily_late(), 1);
  EXPECT_EQ(out.weekly_expected(), 1);
  EXPECT_EQ(out.weekly_missing(), 0);
  EXPECT_EQ(out.weekly_late(), 1);
  EXPECT_EQ(out.monthly_expected(), 0);

  EXPECT_EQ(CountCompliance({}, submitted), (ComplianceCounts{0, 0, 0}));
}

}  // namespace
}  // namespace opsuite::planning
