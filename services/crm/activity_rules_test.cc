#include "services/crm/activity_rules.h"

#include <string>

#include "common/timestamps.h"
#include "gtest/gtest.h"
#include "services/crm/domain/visit_rules.h"

namespace opsuite::crm {
namespace {

absl::Time Shanghai(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), DefaultOrgZone());
}

int64_t Ms(absl::Time t) { return absl::ToUnixMillis(t); }

v1::OwnerChange Change(const std::string& from, const std::string& to, absl::Time when,
                       const std::string& reason) {
  v1::OwnerChange c;
  c.set_from_owner_id(from);
  c.set_to_owner_id(to);
  *c.mutable_time() = ToProto(when);
  c.set_reason(reason);
  return c;
}

TEST(DefaultOrgZoneTest, IsUtcPlusEight) {
  // 2026-03-01 23:30 UTC is already 2 March in Shanghai.
  absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 23, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(absl::ToCivilDay(t, DefaultOrgZone()), absl::CivilDay(2026, 3, 2));
}

TEST(TierNameTest, DropsThePrefix) {
  EXPECT_EQ(TierName(v1::TIER_KEY), "KEY");
  EXPECT_EQ(TierName(v1::TIER_TIER1), "TIER1");
  EXPECT_EQ(TierName(v1::TIER_TIER2), "TIER2");
  EXPECT_EQ(TierName(v1::TIER_OTHER), "OTHER");
  EXPECT_EQ(TierName(v1::TIER_UNSPECIFIED), "UNSPECIFIED");
  EXPECT_EQ(TierName(static_cast<v1::Tier>(42)), "42");
}

TEST(VisitBaseDayTest, NeverVisitedRunsFromAssignment) {
  google::protobuf::Timestamp created = ToProto(Shanghai(2026, 1, 5, 9));
  EXPECT_EQ(VisitBaseDay(0, Ms(Shanghai(2026, 2, 1, 10)), created, DefaultOrgZone()),
            absl::CivilDay(2026, 2, 1));
}

TEST(VisitBaseDayTest, NoAssignmentRunsFromCreation) {
  google::protobuf::Timestamp created = ToProto(Shanghai(2026, 1, 5, 9));
  EXPECT_EQ(VisitBaseDay(0, 0, created, DefaultOrgZone()), absl::CivilDay(2026, 1, 5));
}

TEST(VisitBaseDayTest, TheLaterOfVisitAndAssignment) {
  google::protobuf::Timestamp created = ToProto(Shanghai(2026, 1, 5, 9));
  const int64_t assigned = Ms(Shanghai(2026, 2, 1, 10));
  EXPECT_EQ(VisitBaseDay(Ms(Shanghai(2026, 3, 3, 15)), assigned, created, DefaultOrgZone()),
            absl::CivilDay(2026, 3, 3));
  // A visit by the previous owner does not make the new owner late.
  EXPECT_EQ(VisitBaseDay(Ms(Shanghai(2026, 1, 20, 15)), assigned, created, DefaultOrgZone()),
            absl::CivilDay(2026, 2, 1));
}

TEST(VisitBaseDayTest, LocalDayNotUtcDay) {
  // 00:30 in Shanghai is the previous day in UTC.
  google::protobuf::Timestamp created = ToProto(Shanghai(2026, 1, 5, 9));
  EXPECT_EQ(VisitBaseDay(Ms(Shanghai(2026, 3, 3, 0, 30)), 0, created, DefaultOrgZone()),
            absl::CivilDay(2026, 3, 3));
}

TEST(VisitBaseDayTest, FeedsVisitDueDate) {
  google::protobuf::Timestamp created = ToProto(Shanghai(2026, 1, 1, 9));
  auto due =
      VisitDueDate(DefaultCrmPolicy(), v1::TIER_TIER1, VisitBaseDay(0, 0, created, DefaultOrgZone()));
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, absl::CivilDay(2026, 3, 2));  // 60 days (000:211)
}

TEST(CreatingOwnerTest, NoHistoryIsTheCurrentOwner) {
  v1::Customer c;
  c.set_owner_id("emp_a");
  EXPECT_EQ(CreatingOwner(c), "emp_a");
}

TEST(CreatingOwnerTest, CreationEntry) {
  absl::Time t = Shanghai(2026, 3, 2, 9);
  v1::Customer c;
  *c.mutable_create_time() = ToProto(t);
  c.set_owner_id("emp_b");
  *c.add_owner_history() = Change("", "emp_a", t, "created");
  *c.add_owner_history() = Change("emp_a", "emp_b", t + absl::Hours(2), "transfer");
  EXPECT_EQ(CreatingOwner(c), "emp_a");
}

TEST(CreatingOwnerTest, CreationEntryRecognizedByTime) {
  absl::Time t = Shanghai(2026, 3, 2, 9);
  v1::Customer c;
  *c.mutable_create_time() = ToProto(t);
  *c.add_owner_history() = Change("", "emp_a", t, "");
  EXPECT_EQ(CreatingOwner(c), "emp_a");
}

TEST(CreatingOwnerTest, CreatedIntoThePoolThenClaimed) {
  absl::Time t = Shanghai(2026, 3, 2, 9);
  v1::Customer c;
  *c.mutable_create_time() = ToProto(t);
  c.set_owner_id("emp_a");
  *c.add_owner_history() = Change("", "", t, "created");
  *c.add_owner_history() = Change("", "emp_a", t + absl::Hours(1), "claimed");
  EXPECT_EQ(CreatingOwner(c), "");

  v1::Customer unrecorded;  // creation not recorded, the first entry is the claim
  *unrecorded.mutable_create_time() = ToProto(t);
  *unrecorded.add_owner_history() = Change("", "emp_a", t + absl::Hours(1), "claimed");
  EXPECT_EQ(CreatingOwner(unrecorded), "");
}

TEST(CreatingOwnerTest, HistoryStartingWithATransfer) {
  absl::Time t = Shanghai(2026, 3, 2, 9);
  v1::Customer c;
  *c.mutable_create_time() = ToProto(t);
  c.set_owner_id("emp_b");
  *c.add_owner_history() = Change("emp_a", "emp_b", t + absl::Hours(1), "transfer");
  EXPECT_EQ(CreatingOwner(c), "emp_a");
}

TEST(WorkingDaysTest, WholePastMonth) {
  // March 2026: starts on a Sunday, 22 weekdays.
  DateRange march{absl::CivilDay(2026, 3, 1), absl::CivilDay(2026, 3, 31)};
  EXPECT_EQ(WorkingDays(march, absl::CivilDay(2026, 5, 1)), 22);
}

TEST(WorkingDaysTest, UpToToday) {
  DateRange march{absl::CivilDay(2026, 3, 1), absl::CivilDay(2026, 3, 31)};
  EXPECT_EQ(WorkingDays(march, absl::CivilDay(2026, 3, 4)), 3);   // Mon..Wed
  EXPECT_EQ(WorkingDays(march, absl::CivilDay(2026, 3, 1)), 0);   // a Sunday
  EXPECT_EQ(WorkingDays(march, absl::CivilDay(2026, 2, 27)), 0);  // not started
}

TEST(WorkingDaysTest, WeekendDay) {
  DateRange saturday{absl::CivilDay(2026, 3, 7), absl::CivilDay(2026, 3, 7)};
  EXPECT_EQ(WorkingDays(saturday, absl::CivilDay(2026, 3, 9)), 0);
  DateRange monday{absl::CivilDay(2026, 3, 9), absl::CivilDay(2026, 3, 9)};
  EXPECT_EQ(WorkingDays(monday, absl::CivilDay(2026, 3, 9)), 1);
}

TEST(SetQuotaRatiosTest, AgainstTheDefaultQuotas) {
  v1::ActivityStats s;
  s.set_working_days(5);  // one week: 200 effective calls and 2 visits expected (003:39)
  s.set_effective_calls(150);
  s.set_visits(3);
  SetQuotaRatios(DefaultCrmPolicy(), &s);
  EXPECT_DOUBLE_EQ(s.effective_call_quota_ratio(), 0.75);
  EXPECT_DOUBLE_EQ(s.visit_quota_ratio(), 1.5);
}

TEST(SetQuotaRatiosTest, PartialWeek) {
  v1::ActivityStats s;
  s.set_working_days(22);
  s.set_effective_calls(880);
  s.set_visits(11);  // 22 working days = 4.4 weeks, 8.8 visits expected
  SetQuotaRatios(DefaultCrmPolicy(), &s);
  EXPECT_DOUBLE_EQ(s.effective_call_quota_ratio(), 1.0);
  EXPECT_DOUBLE_EQ(s.visit_quota_ratio(), 11 / 8.8);
}

TEST(SetQuotaRatiosTest, ZeroDenominatorsGiveZero) {
  v1::ActivityStats s;
  s.set_effective_calls(10);
  s.set_visits(2);
  SetQuotaRatios(DefaultCrmPolicy(), &s);  // no working day yet
  EXPECT_EQ(s.effective_call_quota_ratio(), 0.0);
  EXPECT_EQ(s.visit_quota_ratio(), 0.0);

  v1::CrmPolicy no_quota = DefaultCrmPolicy();
  no_quota.set_effective_calls_per_day(0);
  no_quota.set_visits_per_week(0);
  s.set_working_days(5);
  SetQuotaRatios(no_quota, &s);
  EXPECT_EQ(s.effective_call_quota_ratio(), 0.0);
  EXPECT_EQ(s.visit_quota_ratio(), 0.0);
}

auth::OrgTree Tree() {
  auth::OrgTree tree;
  tree.depts["root"] = {"root", "", "boss", "/root/"};
  tree.depts["sales"] = {"sales", "root", "lead", "/root/sales/"};
  tree.depts["east"] = {"east", "sales", "", "/root/sales/east/"};
  return tree;
}

TEST(EscalationManagerTest, DirectManagerFirst) {
  EXPECT_EQ(EscalationManager(Tree(), {"rep", "east", "mentor"}), "mentor");
}

TEST(EscalationManagerTest, NearestDepartmentManagerUpTheTree) {
  EXPECT_EQ(EscalationManager(Tree(), {"rep", "east", ""}), "lead");
  EXPECT_EQ(EscalationManager(Tree(), {"rep", "sales", ""}), "lead");
}

TEST(EscalationManagerTest, ADepartmentManagerGoesToTheParent) {
  EXPECT_EQ(EscalationManager(Tree(), {"lead", "sales", ""}), "boss");
  EXPECT_EQ(EscalationManager(Tree(), {"lead", "sales", "lead"}), "boss");
}

TEST(EscalationManagerTest, Nobody) {
  EXPECT_EQ(EscalationManager(Tree(), {"boss", "root", ""}), "");
  EXPECT_EQ(EscalationManager(Tree(), {"rep", "gone", ""}), "");
}

TEST(EscalationManagerTest, ParentLoopEnds) {
  auth::OrgTree tree;
  tree.depts["a"] = {"a", "b", "", "/a/"};
  tree.depts["b"] = {"b", "a", "", "/b/"};
  EXPECT_EQ(EscalationManager(tree, {"rep", "a", ""}), "");
}

}  // namespace
}  // namespace opsuite::crm
