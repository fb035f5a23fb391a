#include "services/crm/domain/visit_rules.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::crm {
namespace {

using ::opsuite::crm::v1::TIER_KEY;
using ::opsuite::crm::v1::TIER_OTHER;
using ::opsuite::crm::v1::TIER_TIER1;
using ::opsuite::crm::v1::TIER_TIER2;
using ::opsuite::crm::v1::TIER_UNSPECIFIED;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using D = absl::CivilDay;

// ---- Policy ---------------------------------------------------------------------------------

TEST(CrmPolicyTest, DefaultsFromTheSeeds) {
  const CrmPolicy p = DefaultCrmPolicy();
  EXPECT_EQ(p.key_visit_days(), 30);
  EXPECT_EQ(p.tier1_visit_days(), 60);  // 000:211 every two months
  EXPECT_EQ(p.tier2_visit_days(), 90);
  EXPECT_EQ(p.other_visit_days(), 0);
  EXPECT_EQ(p.overdue_escalation_days(), 7);
  EXPECT_EQ(p.effective_calls_per_day(), 40);  // 003:39
  EXPECT_EQ(p.visits_per_week(), 2);           // 003:39
  EXPECT_EQ(p.pool_idle_days(), 90);
  EXPECT_EQ(p.pool_claims_per_day(), 5);
  EXPECT_TRUE(ValidateCrmPolicy(p).ok());
}

TEST(CrmPolicyTest, ZerosAreValid) { EXPECT_TRUE(ValidateCrmPolicy(CrmPolicy()).ok()); }

TEST(CrmPolicyTest, ValidationNamesEveryBadField) {
  CrmPolicy p;
  p.set_key_visit_days(-1);
  p.set_tier1_visit_days(kMaxVisitDays + 1);
  p.set_tier2_visit_days(-5);
  p.set_other_visit_days(kMaxVisitDays + 1);
  p.set_overdue_escalation_days(kMaxEscalationDays + 1);
  p.set_effective_calls_per_day(-1);
  p.set_visits_per_week(kMaxVisitsPerWeek + 1);
  p.set_pool_idle_days(-1);
  p.set_pool_claims_per_day(-1);
  const absl::Status s = ValidateCrmPolicy(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(s),
              ElementsAre("key_visit_days", "tier1_visit_days", "tier2_visit_days",
                          "other_visit_days", "overdue_escalation_days", "effective_calls_per_day",
                          "visits_per_week", "pool_idle_days", "pool_claims_per_day"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("got -1"));
}

TEST(CrmPolicyTest, LimitsAreInclusive) {
  CrmPolicy p = DefaultCrmPolicy();
  p.set_key_visit_days(kMaxVisitDays);
  p.set_overdue_escalation_days(kMaxEscalationDays);
  p.set_effective_calls_per_day(kMaxEffectiveCallsPerDay);
  p.set_visits_per_week(kMaxVisitsPerWeek);
  p.set_pool_idle_days(kMaxPoolIdleDays);
  p.set_pool_claims_per_day(kMaxPoolClaimsPerDay);
  EXPECT_TRUE(ValidateCrmPolicy(p).ok());
}

// ---- Intervals and due dates ----------------------------------------------------------------

TEST(VisitIntervalTest, ByTier) {
  const CrmPolicy p = DefaultCrmPolicy();
  EXPECT_EQ(VisitIntervalDays(p, TIER_KEY), 30);
  EXPECT_EQ(VisitIntervalDays(p, TIER_TIER1), 60);
  EXPECT_EQ(VisitIntervalDays(p, TIER_TIER2), 90);
  EXPECT_EQ(VisitIntervalDays(p, TIER_OTHER), 0);
  EXPECT_EQ(VisitIntervalDays(p, TIER_UNSPECIFIED), 0);  // follows OTHER
  EXPECT_EQ(VisitIntervalDays(p, static_cast<Tier>(9)), 0);
}

TEST(VisitIntervalTest, UnspecifiedFollowsOtherAndNegativeIsNone) {
  CrmPolicy p = DefaultCrmPolicy();
  p.set_other_visit_days(120);
  p.set_key_visit_days(-3);
  EXPECT_EQ(VisitIntervalDays(p, TIER_UNSPECIFIED), 120);
  EXPECT_EQ(VisitIntervalDays(p, TIER_OTHER), 120);
  EXPECT_EQ(VisitIntervalDays(p, TIER_KEY), 0);
}

TEST(VisitDueDateTest, LastVisitPlusInterval) {
  const CrmPolicy p = DefaultCrmPolicy();
  EXPECT_EQ(VisitDueDate(p, TIER_KEY, D(2026, 1, 15)), D(2026, 2, 14));
  EXPECT_EQ(VisitDueDate(p, TIER_TIER1, D(2026, 1, 1)), D(2026, 3, 2));
  EXPECT_EQ(VisitDueDate(p, TIER_TIER2, D(2025, 12, 1)), D(2026, 3, 1));
  EXPECT_EQ(VisitDueDate(p, TIER_KEY, D(2028, 2, 10)), D(2028, 3, 11));  // leap year
}

TEST(VisitDueDateTest, OtherIsNeverDue) {
  const CrmPolicy p = DefaultCrmPolicy();
  EXPECT_EQ(VisitDueDate(p, TIER_OTHER, D(2020, 1, 1)), std::nullopt);
  EXPECT_EQ(VisitDueDate(p, TIER_UNSPECIFIED, D(2020, 1, 1)), std::nullopt);
  const OverdueState s = EvaluateOverdue(p, VisitDueDate(p, TIER_OTHER, D(2020, 1, 1)),
                                         D(2026, 1, 1), OverdueEpisode{});
  EXPECT_FALSE(s.due);
  EXPECT_FALSE(s.overdue);
  EXPECT_FALSE(s.notify_owner);
  EXPECT_FALSE(s.escalate);
  EXPECT_EQ(s.next, OverdueEpisode{});
}

// ---- Overdue episodes -----------------------------------------------------------------------

class OverdueTest : public ::testing::Test {
 protected:
  // Runs a sweep and stores what it says to store, as the service does.
  OverdueState Sweep(std::optional<D> due, D as_of) {
    const OverdueState s = EvaluateOverdue(policy_, due, as_of, stored_);
    stored_ = s.next;
    return s;
  }

  CrmPolicy policy_ = DefaultCrmPolicy();
  OverdueEpisode stored_;
};

TEST_F(OverdueTest, NotDueBeforeTheDueDate) {
  const OverdueState s = Sweep(D(2026, 3, 10), D(2026, 3, 9));
  EXPECT_FALSE(s.due);
  EXPECT_FALSE(s.overdue);
  EXPECT_EQ(s.days_overdue, 0);
  EXPECT_FALSE(s.notify_owner);
  EXPECT_FALSE(s.escalate);
  EXPECT_EQ(stored_, OverdueEpisode{});  // nothing to write
}

TEST_F(OverdueTest, DueButNotOverdueOnTheDueDay) {
  const OverdueState s = Sweep(D(2026, 3, 10), D(2026, 3, 10));
  EXPECT_TRUE(s.due);
  EXPECT_FALSE(s.overdue);
  EXPECT_EQ(s.days_overdue, 0);
  EXPECT_FALSE(s.notify_owner);
}

TEST_F(OverdueTest, OwnerNotifiedExactlyOncePerEpisode) {
  const D due(2026, 3, 10);
  int notifications = 0;
  for (D day = D(2026, 3, 1); day <= D(2026, 3, 16); ++day) {
    const OverdueState s = Sweep(due, day);
    if (s.notify_owner) {
      ++notifications;
      EXPECT_EQ(day, D(2026, 3, 11));  // the first sweep after the due day
      EXPECT_EQ(s.days_overdue, 1);
    }
  }
  EXPECT_EQ(notifications, 1);
  // The same day swept again (a retried scheduler run) emits nothing either.
  EXPECT_FALSE(Sweep(due, D(2026, 3, 16)).notify_owner);
  EXPECT_EQ(stored_, (OverdueEpisode{due, true, false}));
}

TEST_F(OverdueTest, EscalationOnceOnTheBoundaryDay) {
  const D due(2026, 3, 10);
  // Day 6 overdue: not yet; day 7: escalate; day 8 and later: already done.
  EXPECT_FALSE(Sweep(due, D(2026, 3, 16)).escalate);
  const OverdueState s = Sweep(due, D(2026, 3, 17));
  EXPECT_EQ(s.days_overdue, 7);
  EXPECT_TRUE(s.escalate);
  EXPECT_FALSE(s.notify_owner);  // the owner heard on the first sweep
  EXPECT_FALSE(Sweep(due, D(2026, 3, 18)).escalate);
  EXPECT_FALSE(Sweep(due, D(2026, 4, 30)).escalate);
  EXPECT_EQ(stored_, (OverdueEpisode{due, true, true}));
}

TEST_F(OverdueTest, LateFirstSweepNotifiesAndEscalatesTogether) {
  const OverdueState s = Sweep(D(2026, 3, 10), D(2026, 3, 25));
  EXPECT_TRUE(s.overdue);
  EXPECT_EQ(s.days_overdue, 15);
  EXPECT_TRUE(s.notify_owner);
  EXPECT_TRUE(s.escalate);
  EXPECT_EQ(stored_, (OverdueEpisode{D(2026, 3, 10), true, true}));
}

TEST_F(OverdueTest, AVisitStartsANewEpisode) {
  const CrmPolicy& p = policy_;
  D last_visit(2026, 1, 1);
  D due = *VisitDueDate(p, TIER_KEY, last_visit);  // 2026-01-31
  EXPECT_TRUE(Sweep(due, D(2026, 2, 1)).notify_owner);
  EXPECT_TRUE(Sweep(due, D(2026, 2, 7)).escalate);

  last_visit = D(2026, 2, 9);                    // the visit ends the episode
  due = *VisitDueDate(p, TIER_KEY, last_visit);  // 2026-03-11
  EXPECT_FALSE(Sweep(due, D(2026, 2, 10)).notify_owner);
  EXPECT_FALSE(Sweep(due, D(2026, 3, 11)).notify_owner);
  const OverdueState again = Sweep(due, D(2026, 3, 12));
  EXPECT_TRUE(again.notify_owner);  // a new episode: the owner hears again
  EXPECT_FALSE(again.escalate);
  EXPECT_TRUE(Sweep(due, D(2026, 3, 18)).escalate);  // and the manager, once, again
  EXPECT_EQ(stored_, (OverdueEpisode{due, true, true}));
}

TEST_F(OverdueTest, StoredFlagsOfAnotherEpisodeDoNotCount) {
  stored_ = OverdueEpisode{D(2026, 1, 31), true, true};
  const OverdueState s = Sweep(D(2026, 3, 11), D(2026, 3, 20));
  EXPECT_TRUE(s.notify_owner);
  EXPECT_TRUE(s.escalate);
}

TEST_F(OverdueTest, NotYetOverdueInANewEpisodeKeepsTheStoredRecord) {
  const OverdueEpisode old{D(2026, 1, 31), true, true};
  stored_ = old;
  const OverdueState s = Sweep(D(2026, 3, 11), D(2026, 3, 1));
  EXPECT_FALSE(s.notify_owner);
  EXPECT_EQ(s.next, old);  // unchanged: the caller has nothing to write
}

TEST_F(OverdueTest, ZeroEscalationDaysNeverEscalates) {
  policy_.set_overdue_escalation_days(0);
  const OverdueState s = Sweep(D(2026, 3, 10), D(2026, 6, 1));
  EXPECT_TRUE(s.notify_owner);
  EXPECT_FALSE(s.escalate);
  EXPECT_FALSE(Sweep(D(2026, 3, 10), D(2026, 12, 1)).escalate);
}

TEST_F(OverdueTest, OneDayEscalationComesWithTheFirstNotice) {
  policy_.set_overdue_escalation_days(1);
  const OverdueState s = Sweep(D(2026, 3, 10), D(2026, 3, 11));
  EXPECT_TRUE(s.notify_owner);
  EXPECT_TRUE(s.escalate);
}

TEST_F(OverdueTest, NeverDueEmitsNothingAndKeepsTheRecord) {
  stored_ = OverdueEpisode{D(2026, 1, 31), true, false};
  const OverdueState s = Sweep(std::nullopt, D(2026, 6, 1));
  EXPECT_FALSE(s.due);
  EXPECT_FALSE(s.notify_owner);
  EXPECT_FALSE(s.escalate);
  EXPECT_EQ(stored_, (OverdueEpisode{D(2026, 1, 31), true, false}));
}

}  // namespace
}  // namespace opsuite::crm
