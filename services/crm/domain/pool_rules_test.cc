#include "services/crm/domain/pool_rules.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace opsuite::crm {
namespace {

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone());
}

TEST(IsIdleTest, ExactlyIdleDaysLaterIsIdle) {
  const absl::Time last = Utc(2026, 1, 1, 9, 30);
  EXPECT_FALSE(IsIdle(last, last, 90));
  EXPECT_FALSE(IsIdle(last, Utc(2026, 4, 1, 9, 29, 59), 90));  // a second short of 90 days
  EXPECT_TRUE(IsIdle(last, Utc(2026, 4, 1, 9, 30), 90));       // 90 days
  EXPECT_TRUE(IsIdle(last, Utc(2027, 1, 1), 90));
}

TEST(IsIdleTest, AnActivityInTheFutureIsNotIdle) {
  EXPECT_FALSE(IsIdle(Utc(2026, 5, 1), Utc(2026, 4, 1), 1));
}

TEST(IsIdleTest, NonPositiveIdleDaysDisableTheSweep) {
  EXPECT_FALSE(IsIdle(Utc(2000, 1, 1), Utc(2026, 1, 1), 0));
  EXPECT_FALSE(IsIdle(Utc(2000, 1, 1), Utc(2026, 1, 1), -5));
}

TEST(IsIdleTest, NeverActiveIsIdle) {
  EXPECT_TRUE(IsIdle(absl::InfinitePast(), Utc(2026, 1, 1), 90));
}

TEST(CheckClaimCapTest, BelowTheCap) {
  for (int claims = 0; claims < 5; ++claims) EXPECT_TRUE(CheckClaimCap(claims, 5).ok()) << claims;
}

TEST(CheckClaimCapTest, AtTheCapIsResourceExhausted) {
  const absl::Status s = CheckClaimCap(5, 5);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "you have claimed 5 customers today; the daily cap is 5");
  EXPECT_EQ(CheckClaimCap(7, 5).code(), absl::StatusCode::kResourceExhausted);
}

TEST(CheckClaimCapTest, SingularCustomer) {
  EXPECT_EQ(CheckClaimCap(1, 1).message(), "you have claimed 1 customer today; the daily cap is 1");
}

TEST(CheckClaimCapTest, NonPositiveCapMeansNoCap) {
  EXPECT_TRUE(CheckClaimCap(1000, 0).ok());
  EXPECT_TRUE(CheckClaimCap(1000, -1).ok());
}

}  // namespace
}  // namespace opsuite::crm
