#include "services/notify/domain/policy.h"

#include "absl/time/civil_time.h"
#include "common/status.h"
#include "common/testing/time_zone.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::notify {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::opsuite::testing::Zone;

absl::Time Local(const absl::TimeZone& tz, int y, int mo, int d, int h, int mi, int s = 0) {
  absl::TimeZone::TimeInfo info = tz.At(absl::CivilSecond(y, mo, d, h, mi, s));
  EXPECT_EQ(info.kind, absl::TimeZone::TimeInfo::UNIQUE);
  return info.pre;
}

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), absl::UTCTimeZone());
}

constexpr int k22 = 22 * 60;
constexpr int k08 = 8 * 60;

TEST(ParseClockTest, Valid) {
  EXPECT_EQ(*ParseClock("00:00", "quiet_start"), 0);
  EXPECT_EQ(*ParseClock("08:00", "quiet_end"), 480);
  EXPECT_EQ(*ParseClock("22:30", "quiet_start"), 22 * 60 + 30);
  EXPECT_EQ(*ParseClock("23:59", "quiet_start"), 1439);
}

TEST(ParseClockTest, InvalidNamesTheField) {
  for (const char* bad :
       {"", "8:00", "24:00", "12:60", "12-30", "ab:cd", "12:3", "12:300", " 8:00", "+1:00"}) {
    absl::StatusOr<int> m = ParseClock(bad, "preferences.quiet_end");
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(ViolatedFields(m.status()), ElementsAre("preferences.quiet_end")) << bad;
    EXPECT_THAT(m.status().message(), HasSubstr("HH:MM"));
  }
}

TEST(QuietUntilTest, NoQuietHoursWhenStartEqualsEnd) {
  absl::TimeZone tz = Zone("Asia/Shanghai");
  absl::Time now = Local(tz, 2026, 1, 5, 23, 0);
  EXPECT_EQ(QuietUntil(now, k22, k22, tz), now);
  EXPECT_EQ(QuietUntil(now, 0, 0, tz), now);
}

TEST(QuietUntilTest, ShanghaiAcrossMidnight) {
  absl::TimeZone tz = Zone("Asia/Shanghai");
  // Before the quiet hours: now.
  absl::Time day = Local(tz, 2026, 1, 5, 21, 59, 59);
  EXPECT_EQ(QuietUntil(day, k22, k08, tz), day);
  // Evening: until 08:00 the next morning.
  EXPECT_EQ(QuietUntil(Local(tz, 2026, 1, 5, 22, 0), k22, k08, tz), Local(tz, 2026, 1, 6, 8, 0));
  EXPECT_EQ(QuietUntil(Local(tz, 2026, 1, 5, 23, 30), k22, k08, tz), Local(tz, 2026, 1, 6, 8, 0));
  // After midnight: until 08:00 the same day.
  EXPECT_EQ(QuietUntil(Local(tz, 2026, 1, 6, 3, 15), k22, k08, tz), Local(tz, 2026, 1, 6, 8, 0));
  EXPECT_EQ(QuietUntil(Local(tz, 2026, 1, 6, 7, 59, 59), k22, k08, tz),
            Local(tz, 2026, 1, 6, 8, 0));
  // The end is not quiet.
  absl::Time eight = Local(tz, 2026, 1, 6, 8, 0);
  EXPECT_EQ(QuietUntil(eight, k22, k08, tz), eight);
  // Year end.
  EXPECT_EQ(QuietUntil(Local(tz, 2025, 12, 31, 23, 0), k22, k08, tz), Local(tz, 2026, 1, 1, 8, 0));
  // The zone matters: 15:00 UTC is 23:00 in Shanghai.
  EXPECT_EQ(QuietUntil(Utc(2026, 1, 5, 15, 0), k22, k08, tz), Utc(2026, 1, 6, 0, 0));
}

TEST(QuietUntilTest, SameDayWindow) {
  absl::TimeZone tz = Zone("Asia/Shanghai");
  const int start = 12 * 60, end = 13 * 60 + 30;  // a lunch break
  EXPECT_EQ(QuietUntil(Local(tz, 2026, 1, 5, 12, 10), start, end, tz),
            Local(tz, 2026, 1, 5, 13, 30));
  absl::Time before = Local(tz, 2026, 1, 5, 11, 0);
  EXPECT_EQ(QuietUntil(before, start, end, tz), before);
  absl::Time after = Local(tz, 2026, 1, 5, 14, 0);
  EXPECT_EQ(QuietUntil(after, start, end, tz), after);
}

TEST(QuietUntilTest, NewYorkAcrossSpringForward) {
  // 2026-03-08 02:00 EST → 03:00 EDT.
  absl::TimeZone tz = Zone("America/New_York");
  // 23:00 EST (04:00Z) on the 7th → 08:00 EDT (12:00Z) on the 8th: a 8-hour wait, not 9.
  absl::Time now = Local(tz, 2026, 3, 7, 23, 0);
  EXPECT_EQ(now, Utc(2026, 3, 8, 4, 0));
  EXPECT_EQ(QuietUntil(now, k22, k08, tz), Utc(2026, 3, 8, 12, 0));
  // An end in the hour that does not exist (02:30) resolves to the next valid instant,
  // 03:00 EDT = 07:00Z.
  EXPECT_EQ(QuietUntil(now, k22, 2 * 60 + 30, tz), Utc(2026, 3, 8, 7, 0));
  // After the change, 03:30 EDT is still inside 22:00-08:00.
  EXPECT_EQ(QuietUntil(Utc(2026, 3, 8, 7, 30), k22, k08, tz), Utc(2026, 3, 8, 12, 0));
}

TEST(QuietUntilTest, NewYorkAcrossFallBack) {
  // 2026-11-01 02:00 EDT → 01:00 EST.
  absl::TimeZone tz = Zone("America/New_York");
  absl::Time now = Local(tz, 2026, 10, 31, 23, 0);  // EDT, 03:00Z
  EXPECT_EQ(now, Utc(2026, 11, 1, 3, 0));
  // 08:00 EST = 13:00Z.
  EXPECT_EQ(QuietUntil(now, k22, k08, tz), Utc(2026, 11, 1, 13, 0));
  // An end that happens twice (01:30): the first time (EDT, 05:30Z).
  EXPECT_EQ(QuietUntil(now, k22, 60 + 30, tz), Utc(2026, 11, 1, 5, 30));
}

TEST(QuietUntilTest, NeverBeforeNow) {
  absl::TimeZone tz = Zone("America/New_York");
  for (int minute = 0; minute < 24 * 60; minute += 7) {
    absl::Time now = Utc(2026, 3, 8, 0, 0) + absl::Minutes(minute);
    absl::Time until = QuietUntil(now, k22, k08, tz);
    EXPECT_GE(until, now);
    EXPECT_LE(until - now, absl::Hours(10));
  }
}

TEST(BackoffTest, GrowsAndCaps) {
  // jitter01 = 0.5 → factor 1.0.
  EXPECT_EQ(Backoff(1, 0.5), absl::Seconds(30));
  EXPECT_EQ(Backoff(2, 0.5), absl::Seconds(60));
  EXPECT_EQ(Backoff(3, 0.5), absl::Seconds(120));
  EXPECT_EQ(Backoff(4, 0.5), absl::Seconds(240));
  EXPECT_EQ(Backoff(7, 0.5), absl::Seconds(1920));
  EXPECT_EQ(Backoff(8, 0.5), absl::Hours(1));  // 3840 s capped
  EXPECT_EQ(Backoff(50, 0.5), absl::Hours(1));
  EXPECT_EQ(Backoff(1000000, 0.5), absl::Hours(1));
  EXPECT_EQ(Backoff(3, 0.5, absl::Seconds(1), absl::Seconds(3)), absl::Seconds(3));
  // attempt < 1 is treated as 1.
  EXPECT_EQ(Backoff(0, 0.5), absl::Seconds(30));
}

TEST(BackoffTest, JitterBounds) {
  for (int attempt = 1; attempt <= 12; ++attempt) {
    absl::Duration mid = Backoff(attempt, 0.5);
    absl::Duration low = Backoff(attempt, 0.0);
    absl::Duration high = Backoff(attempt, 0.999999);
    EXPECT_EQ(low, mid * 0.8) << attempt;
    EXPECT_LT(high, mid * 1.2) << attempt;
    EXPECT_GT(high, mid * 1.19) << attempt;
    for (double j = 0; j < 1; j += 0.05) {
      absl::Duration d = Backoff(attempt, j);
      EXPECT_GE(d, mid * 0.8);
      EXPECT_LT(d, mid * 1.2);
    }
  }
  // Out-of-range jitter is clamped into [0, 1).
  EXPECT_EQ(Backoff(1, -3), absl::Seconds(30) * 0.8);
  EXPECT_LT(Backoff(1, 7), absl::Seconds(36));
}

TEST(DigestWindowTest, AlignedToTheEpoch) {
  const absl::Time t = Utc(2026, 1, 5, 10, 7);
  EXPECT_EQ(DigestWindowEnd(t, 15), Utc(2026, 1, 5, 10, 15));
  EXPECT_EQ(DigestWindowEnd(t + absl::Seconds(59), 15), Utc(2026, 1, 5, 10, 15));
  EXPECT_EQ(DigestWindowEnd(Utc(2026, 1, 5, 10, 14) + absl::Seconds(59), 15),
            Utc(2026, 1, 5, 10, 15));
  // A notice at the boundary opens the next window.
  EXPECT_EQ(DigestWindowEnd(Utc(2026, 1, 5, 10, 15), 15), Utc(2026, 1, 5, 10, 30));
  EXPECT_EQ(DigestWindowEnd(t, 60), Utc(2026, 1, 5, 11, 0));
  EXPECT_EQ(DigestWindowEnd(t, 24 * 60), Utc(2026, 1, 6, 0, 0));
  // Two notices of one window share its end.
  EXPECT_EQ(DigestWindowEnd(Utc(2026, 1, 5, 10, 1), 30),
            DigestWindowEnd(Utc(2026, 1, 5, 10, 29), 30));
  EXPECT_NE(DigestWindowEnd(Utc(2026, 1, 5, 10, 29), 30),
            DigestWindowEnd(Utc(2026, 1, 5, 10, 31), 30));
  // Always after the notice, at most one window later.
  for (int s = 0; s < 3600; s += 37) {
    absl::Time c = t + absl::Seconds(s);
    absl::Time end = DigestWindowEnd(c, 7);
    EXPECT_GT(end, c);
    EXPECT_LE(end - c, absl::Minutes(7));
  }
  // Off: the notice's own time.
  EXPECT_EQ(DigestWindowEnd(t, 0), t);
}

}  // namespace
}  // namespace opsuite::notify
