// Unit tests for the scoring rules, on the numbers of domain.md §3: the monthly sales
// assessment table (seed 003:371-381) and the health centre's 200-point checklist (001:3-123).
#include "services/scoring/domain/rules.h"

#include <cmath>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::scoring {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr int64_t kWan = 1000000;  // 1万 CNY = 10,000.00 = 1,000,000 cents

// ---- builders -------------------------------------------------------------------------------

v1::Scheme MakeScheme(v1::SubjectKind kind = v1::SUBJECT_KIND_EMPLOYEE,
                      v1::Cycle cycle = v1::CYCLE_MONTHLY) {
  v1::Scheme s;
  s.set_name("销售月度考核");
  s.set_subject_kind(kind);
  s.set_cycle(cycle);
  return s;
}

v1::Item* AddItem(v1::Scheme* s, std::string code, std::string name, double weight = 0) {
  v1::Item* item = s->add_items();
  item->set_code(std::move(code));
  item->set_name(std::move(name));
  item->set_weight(weight);
  return item;
}

v1::Item* AddRatio(v1::Scheme* s, std::string code, std::string name, std::string metric,
                   double weight, double cap = 0) {
  v1::Item* item = AddItem(s, std::move(code), std::move(name), weight);
  item->mutable_ratio()->set_metric(std::move(metric));
  item->mutable_ratio()->set_cap(cap);
  return item;
}

void AddBand(v1::BandsRule* rule, double min, std::optional<double> max, double points,
             int64_t bonus) {
  v1::Band* b = rule->add_bands();
  b->set_min(min);
  if (max) b->set_max(*max);
  b->set_points(points);
  b->set_bonus(bonus);
}

// 003:379: [5万, 10万) → 500, [10万, 15万) → 1,000, ≥ 15万 → 2,000 (lower bounds inclusive).
v1::Item* AddSignedAmountBands(v1::Scheme* s, double weight = 0) {
  v1::Item* item = AddItem(s, "signed_amount", "签单额", weight);
  v1::BandsRule* rule = item->mutable_bands();
  rule->set_metric("signed_amount");
  AddBand(rule, 5 * kWan, 10 * kWan, 0, 50000);
  AddBand(rule, 10 * kWan, 15 * kWan, 0, 100000);
  AddBand(rule, 15 * kWan, std::nullopt, 0, 200000);
  return item;
}

// 003:381 daily reports: missed once → verbal notice; ≥ 2 → 20 each; ≥ 5 → 50 each.
v1::PenaltyRule DailyPenalty() {
  v1::PenaltyRule rule;
  rule.set_metric("daily_missing+daily_late");
  auto add = [&rule](int64_t min_count, int64_t amount) {
    v1::PenaltyTier* t = rule.add_tiers();
    t->set_min_count(min_count);
    t->set_amount_each(amount);
  };
  add(1, 0);
  add(2, 2000);
  add(5, 5000);
  return rule;
}

// 003:381 weekly reports: missed or late once → 50 each.
v1::PenaltyRule WeeklyPenalty() {
  v1::PenaltyRule rule;
  rule.set_metric("weekly_missing+weekly_late");
  v1::PenaltyTier* t = rule.add_tiers();
  t->set_min_count(1);
  t->set_amount_each(5000);
  return rule;
}

// 003:377: at least 1 deal a month; 2 months below → observation, 3 → termination review.
v1::Item* AddSignedCountMinimum(v1::Scheme* s) {
  v1::Item* item = AddItem(s, "signed_count", "签单量");
  v1::MinimumRule* rule = item->mutable_minimum();
  rule->set_metric("signed_count");
  rule->set_min(1);
  rule->set_observe_after(2);
  rule->set_terminate_after(3);
  return item;
}

// domain.md §3.4: the health centre's sections, 200 points in all.
v1::Item* AddHealthChecklist(v1::Scheme* s, double weight) {
  v1::Item* item = AddItem(s, "health", "卫生院自评", weight);
  for (const auto& [name, max] : std::vector<std::pair<std::string, double>>{
           {"机构设置", 20}, {"科室设置", 10}, {"基本设备", 10}, {"人员配置", 20},
           {"基本医疗服务", 100}, {"服务质量", 20}, {"内部管理", 20}}) {
    v1::ChecklistSection* section = item->mutable_checklist()->add_sections();
    section->set_name(name);
    section->set_max_points(max);
  }
  return item;
}

// The 003:371-381 monthly table as one scheme, with two weighted items for the score.
v1::Scheme SalesMonthlyScheme() {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 60);
  AddItem(&s, "goal_card", "目标卡", 40)->mutable_goal_card();
  AddSignedCountMinimum(&s);
  AddSignedAmountBands(&s);
  *AddItem(&s, "daily_reports", "日报 漏交或迟交")->mutable_penalty() = DailyPenalty();
  *AddItem(&s, "weekly_reports", "周报 漏交或迟交")->mutable_penalty() = WeeklyPenalty();
  v1::CommissionRule* commission = AddItem(&s, "commission", "提成")->mutable_commission();
  v1::CommissionRate* rate = commission->add_rates();
  rate->set_product_line("中央空调");
  rate->set_rate(0.03);
  rate = commission->add_rates();
  rate->set_product_line("*");
  rate->set_rate(0.04);
  v1::Grade* g = s.add_grades();
  g->set_grade("A");
  g->set_min_score(90);
  g = s.add_grades();
  g->set_grade("B");
  g->set_min_score(75);
  g = s.add_grades();
  g->set_grade("C");
  g->set_min_score(0);
  return s;
}

SubjectInputs SalesInputs() {
  SubjectInputs in;
  in.values = {{"target:sales", 0.85},
               {"target:sales.actual", 85000},
               {"target:sales.value", 100000},
               {"goal_card_score", 88.5},
               {"signed_count", 2},
               {"signed_amount", 12 * kWan},
               {"daily_missing", 2},
               {"daily_late", 1},
               {"weekly_missing", 0},
               {"weekly_late", 1}};
  in.settled_by_line = {{"中央空调", 100 * kWan}};
  return in;
}

// Evaluates a one-item scheme and returns that item's result.
v1::ItemResult EvalOne(const v1::Scheme& scheme, const SubjectInputs& in) {
  auto e = Evaluate(scheme, in);
  EXPECT_TRUE(e.ok()) << e.status();
  if (!e.ok() || e->items_size() != 1) return {};
  return e->items(0);
}

std::vector<std::string> Fields(const FieldViolations& v) {
  std::vector<std::string> fields;
  for (const auto& [field, description] : v.all()) fields.push_back(field);
  return fields;
}

// ---- metrics --------------------------------------------------------------------------------

TEST(MetricsTest, SourceOfKnownAndUnknownNames) {
  Source s;
  ASSERT_TRUE(SourceOf("signed_amount", &s));
  EXPECT_EQ(s, Source::kSales);
  ASSERT_TRUE(SourceOf("settled_signed_amount", &s));
  EXPECT_EQ(s, Source::kSales);
  ASSERT_TRUE(SourceOf("effective_calls", &s));
  EXPECT_EQ(s, Source::kActivity);
  ASSERT_TRUE(SourceOf("weekly_late", &s));
  EXPECT_EQ(s, Source::kCompliance);
  ASSERT_TRUE(SourceOf("goal_card_score", &s));
  EXPECT_EQ(s, Source::kGoalCard);
  ASSERT_TRUE(SourceOf("target:sales", &s));
  EXPECT_EQ(s, Source::kTarget);
  EXPECT_FALSE(SourceOf("target:", &s));
  EXPECT_FALSE(SourceOf("target:Sales", &s));
  EXPECT_FALSE(SourceOf("revenue", &s));
  EXPECT_FALSE(SourceOf("daily_missing+daily_late", &s));
  EXPECT_FALSE(SourceOf("", &s));
}

TEST(MetricsTest, MetricPartsSplitsSums) {
  EXPECT_THAT(MetricParts("daily_missing+daily_late"), ElementsAre("daily_missing", "daily_late"));
  EXPECT_THAT(MetricParts("signed_amount"), ElementsAre("signed_amount"));
}

TEST(MetricsTest, MoneyMetrics) {
  EXPECT_TRUE(IsMoneyMetric("signed_amount"));
  EXPECT_TRUE(IsMoneyMetric("received_amount"));
  EXPECT_TRUE(IsMoneyMetric("settled_signed_amount"));
  EXPECT_FALSE(IsMoneyMetric("signed_count"));
  EXPECT_FALSE(IsMoneyMetric("calls"));
}

TEST(NeedsOfTest, ListsTheSourcesOfTheSalesScheme) {
  v1::Scheme s = SalesMonthlyScheme();
  AddRatio(&s, "calls_target", "电话", "target:calls", 0);
  AddRatio(&s, "sales_again", "销售2", "target:sales", 0);
  const Needs needs = NeedsOf(s);
  EXPECT_TRUE(needs.sales);
  EXPECT_FALSE(needs.activity);
  EXPECT_TRUE(needs.compliance);
  EXPECT_TRUE(needs.goal_card);
  EXPECT_FALSE(needs.checklist);
  EXPECT_THAT(needs.target_metrics, ElementsAre("calls", "sales"));  // sorted, deduplicated
  EXPECT_EQ(needs.history_periods, 2);  // terminate_after 3 → 2 earlier months
}

TEST(NeedsOfTest, CommissionNeedsSalesAndChecklistNeedsChecklist) {
  v1::Scheme s = MakeScheme(v1::SUBJECT_KIND_DEPARTMENT);
  AddHealthChecklist(&s, 100);
  Needs needs = NeedsOf(s);
  EXPECT_TRUE(needs.checklist);
  EXPECT_FALSE(needs.sales);
  EXPECT_FALSE(needs.goal_card);
  EXPECT_EQ(needs.history_periods, 0);

  v1::Scheme c = MakeScheme();
  AddItem(&c, "commission", "提成")->mutable_commission()->add_rates()->set_rate(0.03);
  AddItem(&c, "calls", "电话")->mutable_bands()->set_metric("calls");
  needs = NeedsOf(c);
  EXPECT_TRUE(needs.sales);
  EXPECT_TRUE(needs.activity);
  EXPECT_FALSE(needs.compliance);
}

// ---- ratio ----------------------------------------------------------------------------------

TEST(RatioTest, ActualOverTargetWithDetail) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 100);
  SubjectInputs in;
  in.values = {{"target:sales", 0.85}, {"target:sales.actual", 85000},
               {"target:sales.value", 100000}};
  v1::ItemResult r = EvalOne(s, in);
  EXPECT_DOUBLE_EQ(r.raw(), 0.85);
  EXPECT_DOUBLE_EQ(r.score(), 85.0);
  EXPECT_EQ(r.detail(), "销售 85,000 of 100,000 = 85.0% → 85.00");
}

TEST(RatioTest, WithoutCapNoCreditAboveTarget) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 100);
  SubjectInputs in;
  in.values = {{"target:sales.actual", 130000}, {"target:sales.value", 100000}};
  v1::ItemResult r = EvalOne(s, in);
  EXPECT_DOUBLE_EQ(r.raw(), 1.3);
  EXPECT_DOUBLE_EQ(r.score(), 100.0);
}

TEST(RatioTest, CapAllowsCreditAboveTarget) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 100, 1.2);
  SubjectInputs in;
  in.values = {{"target:sales.actual", 110000}, {"target:sales.value", 100000}};
  EXPECT_DOUBLE_EQ(EvalOne(s, in).score(), 110.0);
  in.values["target:sales.actual"] = 150000;
  EXPECT_DOUBLE_EQ(EvalOne(s, in).score(), 120.0);
}

TEST(RatioTest, ScoreRoundedToTwoDecimals) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 100);
  SubjectInputs in;
  in.values = {{"target:sales.actual", 2}, {"target:sales.value", 3}};
  EXPECT_DOUBLE_EQ(EvalOne(s, in).score(), 66.67);
  in.values = {{"target:sales.actual", 1}, {"target:sales.value", 32}};  // 3.125
  EXPECT_DOUBLE_EQ(EvalOne(s, in).score(), 3.13);  // half away from zero, not to even
  in.values = {{"target:sales.actual", 1.005}, {"target:sales.value", 100}};  // 1.005
  EXPECT_DOUBLE_EQ(EvalOne(s, in).score(), 1.01);  // as written, despite 1.00499999…
}

TEST(RatioTest, TargetZero) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 100);
  SubjectInputs in;
  in.values = {{"target:sales.actual", 5}, {"target:sales.value", 0}};
  v1::ItemResult r = EvalOne(s, in);
  EXPECT_DOUBLE_EQ(r.raw(), 1.0);  // fully met: raw = cap (1)
  EXPECT_DOUBLE_EQ(r.score(), 100.0);

  in.values["target:sales.actual"] = 0;
  r = EvalOne(s, in);
  EXPECT_DOUBLE_EQ(r.raw(), 0.0);  // 0 of 0
  EXPECT_DOUBLE_EQ(r.score(), 0.0);

  v1::Scheme capped = MakeScheme();
  AddRatio(&capped, "sales_target", "销售", "target:sales", 100, 1.5);
  in.values["target:sales.actual"] = 5;
  r = EvalOne(capped, in);
  EXPECT_DOUBLE_EQ(r.raw(), 1.5);
  EXPECT_DOUBLE_EQ(r.score(), 150.0);
}

TEST(RatioTest, MissingTargetIsFailedPrecondition) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 100);
  SubjectInputs in;
  in.values = {{"signed_amount", 100}};
  auto e = Evaluate(s, in);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(e.status().message(), "item \"sales_target\": no target for metric sales in this period");
}

// ---- bands ----------------------------------------------------------------------------------

TEST(BandsTest, SignedAmountBonusBands) {
  v1::Scheme s = MakeScheme();
  AddSignedAmountBands(&s);
  SubjectInputs in;
  const std::vector<std::pair<int64_t, int64_t>> cases = {
      {0, 0},
      {5 * kWan - 1, 0},            // 49,999.99: below 5万
      {5 * kWan, 50000},            // 50,000.00 inclusive → 500
      {10 * kWan - 1, 50000},       // 99,999.99
      {10 * kWan, 100000},          // 100,000.00 inclusive → 1,000
      {12 * kWan, 100000},          // 120,000.00
      {15 * kWan - 1, 100000},      // 149,999.99
      {15 * kWan, 200000},          // 150,000.00 inclusive → 2,000
      {100 * kWan, 200000},         // no upper bound
  };
  for (const auto& [amount, bonus] : cases) {
    in.values["signed_amount"] = static_cast<double>(amount);
    v1::ItemResult r = EvalOne(s, in);
    EXPECT_EQ(r.bonus(), bonus) << amount;
    EXPECT_DOUBLE_EQ(r.raw(), static_cast<double>(amount)) << amount;
    EXPECT_DOUBLE_EQ(r.score(), 0.0) << amount;
  }
}

TEST(BandsTest, Details) {
  v1::Scheme s = MakeScheme();
  AddSignedAmountBands(&s);
  SubjectInputs in;
  in.values["signed_amount"] = 12 * kWan;
  EXPECT_EQ(EvalOne(s, in).detail(),
            "签单额 120,000.00 in band [100,000, 150,000) → bonus 1,000.00");
  in.values["signed_amount"] = 15 * kWan;
  EXPECT_EQ(EvalOne(s, in).detail(), "签单额 150,000.00 in band [150,000, ∞) → bonus 2,000.00");
  in.values["signed_amount"] = 4 * kWan;
  EXPECT_EQ(EvalOne(s, in).detail(), "签单额 40,000.00 in no band → 0");
}

TEST(BandsTest, PointsScoreAndBonusAdded) {
  v1::Scheme s = MakeScheme();
  v1::Item* item = AddItem(&s, "visits", "拜访", 100);
  item->mutable_bands()->set_metric("visits");
  AddBand(item->mutable_bands(), 0, 10, 60, 0);
  AddBand(item->mutable_bands(), 10, 20, 80, 0);
  AddBand(item->mutable_bands(), 20, std::nullopt, 100, 10000);
  SubjectInputs in;
  in.values["visits"] = 12;
  auto e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_DOUBLE_EQ(e->items(0).score(), 80.0);
  EXPECT_EQ(e->items(0).detail(), "拜访 12 in band [10, 20) → 80.00");
  EXPECT_DOUBLE_EQ(e->total_score(), 80.0);
  in.values["visits"] = 25;
  e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->items(0).detail(), "拜访 25 in band [20, ∞) → 100.00, bonus 100.00");
  EXPECT_EQ(e->bonus(), 10000);
}

TEST(BandsTest, MissingMetricIsFailedPreconditionNamingIt) {
  v1::Scheme s = MakeScheme();
  AddSignedAmountBands(&s);
  auto e = Evaluate(s, SubjectInputs{});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(e.status().message(), HasSubstr("item \"signed_amount\""));
  EXPECT_THAT(e.status().message(), HasSubstr("metric signed_amount"));
}

// ---- checklist ------------------------------------------------------------------------------

TEST(ChecklistTest, HealthCentreKeeps191Of200) {
  v1::Scheme s = MakeScheme(v1::SUBJECT_KIND_DEPARTMENT, v1::CYCLE_YEARLY);
  AddHealthChecklist(&s, 100);
  SubjectInputs in;
  // 基本设备 −1; 人员配置 −2.5 − 1.5; 基本医疗服务 −3; 服务质量 −1 (domain.md §3.4).
  in.checklist["health"] = {
      {"基本设备", 1}, {"人员配置", 2.5 + 1.5}, {"基本医疗服务", 3}, {"服务质量", 1}};
  auto e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_DOUBLE_EQ(e->items(0).raw(), 191.0);
  EXPECT_DOUBLE_EQ(e->items(0).score(), 95.5);
  EXPECT_EQ(e->items(0).detail(), "卫生院自评 191 of 200 points → 95.50");
  EXPECT_DOUBLE_EQ(e->total_score(), 95.5);
  EXPECT_DOUBLE_EQ(e->computed_score(), 95.5);
  EXPECT_THAT(e->inputs(), UnorderedElementsAre(Pair("checklist:health", 191.0)));
}

TEST(ChecklistTest, HalfPointsAndNeverBelowZeroPerSection) {
  v1::Scheme s = MakeScheme(v1::SUBJECT_KIND_DEPARTMENT, v1::CYCLE_YEARLY);
  AddHealthChecklist(&s, 100);
  SubjectInputs in;
  in.checklist["health"] = {{"人员配置", 2.5}};  // only 1 GP, 5 short (001:18-19)
  auto e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_DOUBLE_EQ(e->items(0).raw(), 197.5);
  EXPECT_DOUBLE_EQ(e->items(0).score(), 98.75);
  EXPECT_EQ(e->items(0).detail(), "卫生院自评 197.5 of 200 points → 98.75");

  in.checklist["health"] = {{"科室设置", 15}, {"not a section", 50}};  // 10 max: kept 0, not −5
  e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_DOUBLE_EQ(e->items(0).raw(), 190.0);
  EXPECT_DOUBLE_EQ(e->items(0).score(), 95.0);

  in.checklist["health"] = {};  // assessed, nothing deducted
  e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_DOUBLE_EQ(e->items(0).score(), 100.0);
}

TEST(ChecklistTest, NoAssessmentIsFailedPrecondition) {
  v1::Scheme s = MakeScheme(v1::SUBJECT_KIND_DEPARTMENT, v1::CYCLE_YEARLY);
  AddHealthChecklist(&s, 100);
  auto e = Evaluate(s, SubjectInputs{});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(e.status().message(), HasSubstr("item \"health\""));
}

// ---- goal card ------------------------------------------------------------------------------

TEST(GoalCardTest, SelfScoreIgnoredWithSelfWeightZero) {
  v1::Scheme s = MakeScheme();
  AddItem(&s, "goal_card", "目标卡", 100)->mutable_goal_card();
  SubjectInputs in;
  in.values = {{"goal_card_score", 88.5}, {"goal_card_self_score", 40}};
  v1::ItemResult r = EvalOne(s, in);
  EXPECT_DOUBLE_EQ(r.raw(), 88.5);
  EXPECT_DOUBLE_EQ(r.score(), 88.5);
  EXPECT_EQ(r.detail(), "目标卡 manager score 88.5 → 88.50");
}

TEST(GoalCardTest, SelfWeightBlends) {
  v1::Scheme s = MakeScheme();
  AddItem(&s, "goal_card", "目标卡", 100)->mutable_goal_card()->set_self_weight(0.2);
  SubjectInputs in;
  in.values = {{"goal_card_score", 90}, {"goal_card_self_score", 80}};
  v1::ItemResult r = EvalOne(s, in);
  EXPECT_DOUBLE_EQ(r.raw(), 88.0);  // 0.8 × 90 + 0.2 × 80
  EXPECT_DOUBLE_EQ(r.score(), 88.0);
  EXPECT_EQ(r.detail(), "目标卡 0.8 × manager 90 + 0.2 × self 80 → 88.00");
}

TEST(GoalCardTest, NoScoredCardIsFailedPrecondition) {
  v1::Scheme s = MakeScheme();
  AddItem(&s, "goal_card", "目标卡", 100)->mutable_goal_card();
  auto e = Evaluate(s, SubjectInputs{});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(e.status().message(), "item \"goal_card\": no scored goal card for the period");
}

// ---- penalty --------------------------------------------------------------------------------

TEST(PenaltyTest, DailyReportTiers) {
  const v1::PenaltyRule rule = DailyPenalty();
  EXPECT_EQ(Penalty(0, rule), 0);
  EXPECT_EQ(Penalty(1, rule), 0);      // verbal notice
  EXPECT_EQ(Penalty(2, rule), 4000);   // 2 × 20.00
  EXPECT_EQ(Penalty(3, rule), 6000);   // 3 × 20.00
  EXPECT_EQ(Penalty(4, rule), 8000);   // 4 × 20.00
  EXPECT_EQ(Penalty(5, rule), 25000);  // 5 × 50.00
  EXPECT_EQ(Penalty(7, rule), 35000);  // 7 × 50.00
}

TEST(PenaltyTest, WeeklyReportTier) {
  const v1::PenaltyRule rule = WeeklyPenalty();
  EXPECT_EQ(Penalty(0, rule), 0);
  EXPECT_EQ(Penalty(1, rule), 5000);
  EXPECT_EQ(Penalty(3, rule), 15000);
}

TEST(PenaltyTest, EvaluatesTheSumOfMissedAndLate) {
  v1::Scheme s = MakeScheme();
  *AddItem(&s, "daily_reports", "日报 漏交或迟交")->mutable_penalty() = DailyPenalty();
  SubjectInputs in;
  in.values = {{"daily_missing", 2}, {"daily_late", 1}};
  auto e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_DOUBLE_EQ(e->items(0).raw(), 3.0);
  EXPECT_EQ(e->items(0).penalties(), 6000);
  EXPECT_EQ(e->penalties(), 6000);
  EXPECT_EQ(e->items(0).detail(), "日报 漏交或迟交 3 times, tier ≥ 2 at 20.00 each → 60.00");

  in.values = {{"daily_missing", 1}, {"daily_late", 0}};
  e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->penalties(), 0);
  EXPECT_EQ(e->items(0).detail(), "日报 漏交或迟交 1 time, tier ≥ 1 at 0.00 each → 0.00");

  in.values = {{"daily_missing", 0}, {"daily_late", 0}};
  e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->items(0).detail(), "日报 漏交或迟交 0 times, no tier reached → 0.00");

  in.values = {{"daily_missing", 1}};  // daily_late not read
  e = Evaluate(s, in);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(e.status().message(), HasSubstr("daily_late"));
  EXPECT_THAT(e.status().message(), HasSubstr("item \"daily_reports\""));
}

// ---- commission -----------------------------------------------------------------------------

TEST(CommissionTest, ExactHalfUp) {
  EXPECT_EQ(Commission(100 * kWan, 0.03), 3000000);  // 1,000,000.00 × 3% = 30,000.00
  EXPECT_EQ(Commission(50, 0.03), 2);                // 1.5 → 2
  EXPECT_EQ(Commission(15, 0.03), 0);                // 0.45 → 0
  EXPECT_EQ(Commission(1, 0.5), 1);                  // 0.5 → 1
  EXPECT_EQ(Commission(49, 0.03), 1);                // 1.47 → 1
  EXPECT_EQ(Commission(0, 0.05), 0);
  EXPECT_EQ(Commission(12345678901, 0.07), 864197523);  // 864,197,523.07 → exact, no float drift
  EXPECT_EQ(Commission(123456789, 0.045), 5555556);     // 5,555,555.505 → up
  EXPECT_EQ(Commission(100 * kWan, 0.035), 3500000);
  EXPECT_EQ(Commission(100 * kWan, 0), 0);
  EXPECT_EQ(Commission(100 * kWan, 1), 100 * kWan);
}

TEST(CommissionTest, PerProductLineWithWildcard) {
  v1::Scheme s = MakeScheme();
  v1::CommissionRule* rule = AddItem(&s, "commission", "提成")->mutable_commission();
  for (const auto& [line, rate] : std::vector<std::pair<std::string, double>>{
           {"中央空调", 0.03}, {"地暖", 0.05}, {"*", 0.04}}) {
    v1::CommissionRate* r = rule->add_rates();
    r->set_product_line(line);
    r->set_rate(rate);
  }
  SubjectInputs in;
  in.settled_by_line = {{"中央空调", 100 * kWan}, {"地暖", 20 * kWan}, {"新风", 10 * kWan},
                        {"净水", 50}};
  auto e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  // 30,000.00 + 10,000.00 + 4,000.00 + 0.02 (50 × 4% = 2 cents).
  EXPECT_EQ(e->items(0).commission(), 3000000 + 1000000 + 400000 + 2);
  EXPECT_EQ(e->commission(), 4400002);
  EXPECT_DOUBLE_EQ(e->items(0).raw(), static_cast<double>(130 * kWan + 50));
  EXPECT_DOUBLE_EQ(e->items(0).score(), 0.0);
  EXPECT_EQ(e->items(0).detail(),
            "提成 settled 1,300,000.50: 中央空调 1,000,000.00 × 3% = 30,000.00, 净水 0.50 × 4% = "
            "0.02, 地暖 200,000.00 × 5% = 10,000.00, 新风 100,000.00 × 4% = 4,000.00 → "
            "44,000.02");
}

TEST(CommissionTest, LineWithoutRateEarnsNothing) {
  v1::Scheme s = MakeScheme();
  v1::CommissionRate* r = AddItem(&s, "commission", "提成")->mutable_commission()->add_rates();
  r->set_product_line("中央空调");
  r->set_rate(0.03);
  SubjectInputs in;
  in.settled_by_line = {{"中央空调", 100 * kWan}, {"地暖", 20 * kWan}};
  v1::ItemResult result = EvalOne(s, in);
  EXPECT_EQ(result.commission(), 3000000);
  EXPECT_THAT(result.detail(), HasSubstr("地暖 200,000.00 × no rate = 0.00"));

  in.settled_by_line.clear();
  result = EvalOne(s, in);
  EXPECT_EQ(result.commission(), 0);
  EXPECT_EQ(result.detail(), "提成 no settled amount → 0.00");
}

// ---- minimum --------------------------------------------------------------------------------

struct MinimumCase {
  double current;
  std::vector<double> history;  // most recent first
  int periods_below;
  std::vector<v1::Flag> flags;
};

TEST(MinimumTest, ConsecutiveMonthsBelowRaiseFlags) {
  v1::Scheme s = MakeScheme();
  AddSignedCountMinimum(&s);
  const std::vector<MinimumCase> cases = {
      {0, {}, 1, {}},                                        // no history: first month below
      {0, {3}, 1, {}},                                       // the month before met it
      {0, {0}, 2, {v1::FLAG_OBSERVATION}},                   // 2 months → 考察期
      {0, {0, 0}, 3, {v1::FLAG_TERMINATION_REVIEW}},         // 3 months → termination review
      {0, {0, 0, 0}, 4, {v1::FLAG_TERMINATION_REVIEW}},
      {0, {0, 1, 0}, 2, {v1::FLAG_OBSERVATION}},             // a month at the minimum resets
      {1, {0, 0}, 0, {}},                                    // this month meets it
      {5, {0, 0}, 0, {}},
  };
  for (const MinimumCase& c : cases) {
    SubjectInputs in;
    in.values["signed_count"] = c.current;
    if (!c.history.empty()) in.history["signed_count"] = c.history;
    auto e = Evaluate(s, in);
    ASSERT_TRUE(e.ok()) << e.status();
    const v1::ItemResult& r = e->items(0);
    EXPECT_EQ(r.periods_below(), c.periods_below) << c.current << " " << c.history.size();
    EXPECT_THAT(r.flags(), testing::ElementsAreArray(c.flags)) << c.history.size();
    EXPECT_THAT(e->flags(), testing::ElementsAreArray(c.flags));
    EXPECT_DOUBLE_EQ(r.raw(), c.current);
    EXPECT_DOUBLE_EQ(r.score(), 0.0);
  }
}

TEST(MinimumTest, Details) {
  v1::Scheme s = MakeScheme();
  AddSignedCountMinimum(&s);
  SubjectInputs in;
  in.values["signed_count"] = 0;
  in.history["signed_count"] = {0};
  EXPECT_EQ(EvalOne(s, in).detail(),
            "签单量 0 below minimum 1 for 2 consecutive periods → OBSERVATION");
  in.history["signed_count"] = {0, 0};
  EXPECT_EQ(EvalOne(s, in).detail(),
            "签单量 0 below minimum 1 for 3 consecutive periods → TERMINATION_REVIEW");
  in.history.clear();
  EXPECT_EQ(EvalOne(s, in).detail(), "签单量 0 below minimum 1 for 1 period");
  in.values["signed_count"] = 2;
  EXPECT_EQ(EvalOne(s, in).detail(), "签单量 2 meets minimum 1");
}

// ---- the whole evaluation -------------------------------------------------------------------

TEST(EvaluateTest, SalesMonthlySchemeTotals) {
  const v1::Scheme s = SalesMonthlyScheme();
  ASSERT_THAT(Fields(ValidateScheme(s)), IsEmpty());
  SubjectInputs in = SalesInputs();
  in.history["signed_count"] = {0};
  auto e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->items_size(), 7);
  // 60 × 85 / 100 + 40 × 88.5 / 100 = 51 + 35.4.
  EXPECT_DOUBLE_EQ(e->total_score(), 86.4);
  EXPECT_DOUBLE_EQ(e->computed_score(), 86.4);
  EXPECT_EQ(e->bonus(), 100000);             // 120,000.00 signed → 1,000.00
  EXPECT_EQ(e->penalties(), 6000 + 5000);    // daily 3 × 20.00 + weekly 1 × 50.00
  EXPECT_EQ(e->commission(), 3000000);       // 1,000,000.00 × 3%
  EXPECT_THAT(e->flags(), IsEmpty());        // 2 deals this month
  EXPECT_EQ(e->items(2).periods_below(), 0);
  EXPECT_EQ(e->items(0).code(), "sales_target");
  EXPECT_EQ(e->items(0).name(), "销售");
  EXPECT_DOUBLE_EQ(e->items(0).weight(), 60);
  EXPECT_EQ(e->items(3).detail(), "签单额 120,000.00 in band [100,000, 150,000) → bonus 1,000.00");
  EXPECT_DOUBLE_EQ(e->inputs().at("signed_amount"), static_cast<double>(12 * kWan));
  EXPECT_DOUBLE_EQ(e->inputs().at("goal_card_score"), 88.5);
  EXPECT_EQ(e->inputs().size(), in.values.size());
  EXPECT_EQ(e->state(), v1::EVALUATION_STATE_EVALUATED);
  EXPECT_EQ(e->grade(), "");  // left to the caller
  EXPECT_EQ(GradeOf(s, e->total_score()), "B");

  in.values["signed_count"] = 0;
  e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_THAT(e->flags(), ElementsAre(v1::FLAG_OBSERVATION));
}

TEST(EvaluateTest, TotalIsWeightedSumOfRoundedScores) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "a", "A", "target:a", 50);
  AddRatio(&s, "b", "B", "target:b", 30);
  AddRatio(&s, "c", "C", "target:c", 20);
  SubjectInputs in;
  in.values = {{"target:a.actual", 2}, {"target:a.value", 3},   // 66.67
               {"target:b.actual", 1}, {"target:b.value", 3},   // 33.33
               {"target:c.actual", 9}, {"target:c.value", 10}}; // 90
  auto e = Evaluate(s, in);
  ASSERT_TRUE(e.ok()) << e.status();
  // 0.5 × 66.67 + 0.3 × 33.33 + 0.2 × 90 = 33.335 + 9.999 + 18 = 61.334 → 61.33
  EXPECT_DOUBLE_EQ(e->total_score(), 61.33);
}

// ---- validation -----------------------------------------------------------------------------

TEST(ValidateTest, SeedSchemesAreValid) {
  EXPECT_THAT(Fields(ValidateScheme(SalesMonthlyScheme())), IsEmpty());
  v1::Scheme health = MakeScheme(v1::SUBJECT_KIND_DEPARTMENT, v1::CYCLE_YEARLY);
  AddHealthChecklist(&health, 80);
  AddRatio(&health, "visits_target", "随访", "target:follow_ups", 20);
  EXPECT_THAT(Fields(ValidateScheme(health)), IsEmpty());
}

TEST(ValidateTest, SchemeLevelFields) {
  v1::Scheme s;
  EXPECT_THAT(Fields(ValidateScheme(s)),
              ElementsAre("scheme.name", "scheme.subject_kind", "scheme.cycle", "scheme.items"));
  EXPECT_THAT(Fields(ValidateScheme(s, "request.scheme")),
              ElementsAre("request.scheme.name", "request.scheme.subject_kind",
                          "request.scheme.cycle", "request.scheme.items"));
  s = MakeScheme();
  for (int i = 0; i < 33; ++i) AddItem(&s, "i" + std::to_string(i), "x")->mutable_goal_card();
  EXPECT_THAT(Fields(ValidateScheme(s)), ElementsAre("scheme.items"));
}

TEST(ValidateTest, WeightsMustSumTo100OnSchemeItems) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 60);
  AddItem(&s, "goal_card", "目标卡", 30)->mutable_goal_card();
  const FieldViolations v = ValidateScheme(s);
  EXPECT_THAT(Fields(v), ElementsAre("scheme.items"));
  EXPECT_THAT(v.all()[0].second, HasSubstr("sum to 100"));
  EXPECT_THAT(v.all()[0].second, HasSubstr("90"));

  s.mutable_items(1)->set_weight(40);
  EXPECT_THAT(Fields(ValidateScheme(s)), IsEmpty());
  s.mutable_items(0)->set_weight(0);  // no weights at all is fine
  s.mutable_items(1)->set_weight(0);
  EXPECT_THAT(Fields(ValidateScheme(s)), IsEmpty());
}

TEST(ValidateTest, WeightsOnlyOnScoredItemsAndNonNegative) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 100);
  AddSignedCountMinimum(&s)->set_weight(10);
  *AddItem(&s, "daily", "日报", -1)->mutable_penalty() = DailyPenalty();
  EXPECT_THAT(Fields(ValidateScheme(s)),
              ElementsAre("scheme.items[1].weight", "scheme.items[2].weight"));
}

TEST(ValidateTest, ItemCodesAndNames) {
  v1::Scheme s = MakeScheme();
  AddItem(&s, "goal_card", "目标卡")->mutable_goal_card();
  AddItem(&s, "goal_card", "目标卡2")->mutable_goal_card();
  AddItem(&s, "Bad-Code", "")->mutable_goal_card();
  AddItem(&s, std::string(65, 'a'), "x")->mutable_goal_card();
  AddItem(&s, "no_rule", "x");
  const FieldViolations v = ValidateScheme(s);
  EXPECT_THAT(Fields(v), ElementsAre("scheme.items[1].code", "scheme.items[2].code",
                                     "scheme.items[2].name", "scheme.items[3].code",
                                     "scheme.items[4].rule"));
  EXPECT_THAT(v.all()[0].second, HasSubstr("duplicate"));
}

TEST(ValidateTest, Metrics) {
  v1::Scheme s = MakeScheme();
  AddItem(&s, "revenue", "收入")->mutable_bands()->set_metric("revenue");
  AddBand(s.mutable_items(0)->mutable_bands(), 0, std::nullopt, 0, 0);
  *AddItem(&s, "daily", "日报")->mutable_penalty() = DailyPenalty();
  s.mutable_items(1)->mutable_penalty()->set_metric("daily_missing+daily_lately");
  AddItem(&s, "t", "t")->mutable_bands()->set_metric("target:sales");  // target: outside ratio
  AddBand(s.mutable_items(2)->mutable_bands(), 0, std::nullopt, 0, 0);
  AddRatio(&s, "plain", "plain", "signed_amount", 0);  // ratio needs a target
  AddRatio(&s, "bad_target", "x", "target:", 0);
  AddSignedCountMinimum(&s)->mutable_minimum()->set_metric("target:signed_count");
  const FieldViolations v = ValidateScheme(s);
  EXPECT_THAT(Fields(v), ElementsAre("scheme.items[0].bands.metric",
                                     "scheme.items[1].penalty.metric",
                                     "scheme.items[2].bands.metric",
                                     "scheme.items[3].ratio.metric",
                                     "scheme.items[4].ratio.metric",
                                     "scheme.items[5].minimum.metric"));
  EXPECT_THAT(v.all()[0].second, HasSubstr("unknown metric \"revenue\""));
  EXPECT_THAT(v.all()[1].second, HasSubstr("daily_lately"));
  EXPECT_THAT(v.all()[2].second, HasSubstr("only in ratio"));
}

TEST(ValidateTest, Bands) {
  v1::Scheme s = MakeScheme();
  v1::Item* unsorted = AddItem(&s, "a", "a");
  unsorted->mutable_bands()->set_metric("signed_amount");
  AddBand(unsorted->mutable_bands(), 10 * kWan, 15 * kWan, 0, 100000);
  AddBand(unsorted->mutable_bands(), 5 * kWan, 10 * kWan, 0, 50000);
  v1::Item* overlapping = AddItem(&s, "b", "b");
  overlapping->mutable_bands()->set_metric("signed_amount");
  AddBand(overlapping->mutable_bands(), 5 * kWan, 11 * kWan, 0, 50000);
  AddBand(overlapping->mutable_bands(), 10 * kWan, std::nullopt, 0, 100000);
  v1::Item* open_then_more = AddItem(&s, "c", "c");
  open_then_more->mutable_bands()->set_metric("signed_amount");
  AddBand(open_then_more->mutable_bands(), 0, std::nullopt, 0, 0);
  AddBand(open_then_more->mutable_bands(), 5 * kWan, std::nullopt, 0, 0);
  v1::Item* bad_band = AddItem(&s, "d", "d");
  bad_band->mutable_bands()->set_metric("visits");
  AddBand(bad_band->mutable_bands(), 10, 10, -1, -5);
  AddItem(&s, "e", "e")->mutable_bands()->set_metric("visits");  // no bands
  EXPECT_THAT(Fields(ValidateScheme(s)),
              ElementsAre("scheme.items[0].bands.bands[1].min", "scheme.items[1].bands.bands[1].min",
                          "scheme.items[2].bands.bands[1].min", "scheme.items[3].bands.bands[0].max",
                          "scheme.items[3].bands.bands[0].points",
                          "scheme.items[3].bands.bands[0].bonus", "scheme.items[4].bands.bands"));

  // Touching bands (max == next min) are fine: that is the seed's [5万, 10万), [10万, 15万).
  v1::Scheme ok = MakeScheme();
  AddSignedAmountBands(&ok);
  EXPECT_THAT(Fields(ValidateScheme(ok)), IsEmpty());
}

TEST(ValidateTest, PenaltyTiers) {
  v1::Scheme s = MakeScheme();
  v1::PenaltyRule* rule = AddItem(&s, "daily", "日报")->mutable_penalty();
  *rule = DailyPenalty();
  rule->mutable_tiers(2)->set_min_count(2);   // not strictly ascending
  rule->mutable_tiers(0)->set_amount_each(-1);
  v1::PenaltyRule* zero = AddItem(&s, "weekly", "周报")->mutable_penalty();
  *zero = WeeklyPenalty();
  zero->mutable_tiers(0)->set_min_count(0);
  AddItem(&s, "none", "x")->mutable_penalty()->set_metric("weekly_late");
  EXPECT_THAT(Fields(ValidateScheme(s)),
              ElementsAre("scheme.items[0].penalty.tiers[0].amount_each",
                          "scheme.items[0].penalty.tiers[2].min_count",
                          "scheme.items[1].penalty.tiers[0].min_count",
                          "scheme.items[2].penalty.tiers"));
}

TEST(ValidateTest, ChecklistSections) {
  v1::Scheme s = MakeScheme(v1::SUBJECT_KIND_DEPARTMENT, v1::CYCLE_YEARLY);
  v1::Item* item = AddHealthChecklist(&s, 100);
  item->mutable_checklist()->mutable_sections(2)->set_max_points(0);
  item->mutable_checklist()->mutable_sections(3)->set_max_points(-20);
  item->mutable_checklist()->mutable_sections(4)->set_name("机构设置");
  item->mutable_checklist()->mutable_sections(5)->set_name("");
  AddItem(&s, "empty", "x")->mutable_checklist();
  EXPECT_THAT(Fields(ValidateScheme(s)),
              ElementsAre("scheme.items[0].checklist.sections[2].max_points",
                          "scheme.items[0].checklist.sections[3].max_points",
                          "scheme.items[0].checklist.sections[4].name",
                          "scheme.items[0].checklist.sections[5].name",
                          "scheme.items[1].checklist.sections"));
}

TEST(ValidateTest, GoalCardCommissionAndMinimum) {
  v1::Scheme s = MakeScheme();
  AddItem(&s, "goal_card", "目标卡")->mutable_goal_card()->set_self_weight(1.5);
  v1::CommissionRule* c = AddItem(&s, "commission", "提成")->mutable_commission();
  c->add_rates()->set_product_line("中央空调");
  c->add_rates()->set_product_line("中央空调");
  c->add_rates()->set_rate(0.03);
  c->add_rates()->set_product_line("*");
  c->mutable_rates(3)->set_rate(1.01);
  AddItem(&s, "no_rates", "x")->mutable_commission();
  v1::MinimumRule* m = AddSignedCountMinimum(&s)->mutable_minimum();
  m->set_observe_after(0);
  m->set_terminate_after(0);
  v1::MinimumRule* m2 = AddItem(&s, "m2", "x")->mutable_minimum();
  m2->set_metric("signed_count");
  m2->set_observe_after(2);
  m2->set_terminate_after(13);
  EXPECT_THAT(Fields(ValidateScheme(s)),
              ElementsAre("scheme.items[0].goal_card.self_weight",
                          "scheme.items[1].commission.rates[1].product_line",
                          "scheme.items[1].commission.rates[2].product_line",
                          "scheme.items[1].commission.rates[3].rate",
                          "scheme.items[2].commission.rates",
                          "scheme.items[3].minimum.observe_after",
                          "scheme.items[3].minimum.terminate_after",
                          "scheme.items[4].minimum.terminate_after"));
}

TEST(ValidateTest, RatioCap) {
  v1::Scheme s = MakeScheme();
  AddRatio(&s, "sales_target", "销售", "target:sales", 100, -0.5);
  EXPECT_THAT(Fields(ValidateScheme(s)), ElementsAre("scheme.items[0].ratio.cap"));
}

TEST(ValidateTest, Grades) {
  v1::Scheme s = SalesMonthlyScheme();
  s.mutable_grades(1)->set_min_score(90);   // A 90, B 90: not strictly descending
  s.mutable_grades(2)->set_grade("A");      // duplicate
  s.mutable_grades(0)->set_max_share(1.2);
  v1::Grade* g = s.add_grades();            // empty name, min above the previous
  g->set_min_score(10);
  EXPECT_THAT(Fields(ValidateScheme(s)),
              ElementsAre("scheme.grades[0].max_share", "scheme.grades[1].min_score",
                          "scheme.grades[2].grade", "scheme.grades[3].grade",
                          "scheme.grades[3].min_score"));
}

TEST(ValidateTest, DepartmentSchemeMayNotUseCrmMetrics) {
  v1::Scheme s = MakeScheme(v1::SUBJECT_KIND_DEPARTMENT);
  AddSignedAmountBands(&s);
  AddItem(&s, "goal_card", "目标卡")->mutable_goal_card();
  AddSignedCountMinimum(&s);
  AddRatio(&s, "visits_target", "随访", "target:follow_ups", 0);  // allowed
  AddHealthChecklist(&s, 0);                                     // allowed
  const FieldViolations v = ValidateScheme(s);
  EXPECT_THAT(Fields(v), ElementsAre("scheme.items[0].bands.metric", "scheme.items[1].goal_card",
                                     "scheme.items[2].minimum.metric"));
  EXPECT_THAT(v.all()[0].second, HasSubstr("DEPARTMENT"));
}

// ---- grading --------------------------------------------------------------------------------

v1::Scheme GradedScheme(double a_share, double b_share) {
  v1::Scheme s = MakeScheme();
  for (const auto& [name, min, share] : std::vector<std::tuple<std::string, double, double>>{
           {"A", 90, a_share}, {"B", 80, b_share}, {"C", 60, 0}, {"D", 0, 0}}) {
    v1::Grade* g = s.add_grades();
    g->set_grade(name);
    g->set_min_score(min);
    g->set_max_share(share);
  }
  return s;
}

TEST(GradeTest, GradeOfThresholds) {
  const v1::Scheme s = GradedScheme(0, 0);
  EXPECT_EQ(GradeOf(s, 100), "A");
  EXPECT_EQ(GradeOf(s, 90), "A");
  EXPECT_EQ(GradeOf(s, 89.99), "B");
  EXPECT_EQ(GradeOf(s, 60), "C");
  EXPECT_EQ(GradeOf(s, 0), "D");
  EXPECT_EQ(GradeOf(s, -1), "");
  EXPECT_EQ(GradeOf(MakeScheme(), 100), "");
}

TEST(GradeTest, WithoutLimitsIsGradeOf) {
  const v1::Scheme s = GradedScheme(0, 0);
  EXPECT_THAT(AssignGrades(s, {95, 91, 85, 70, 30, -5}),
              ElementsAre("A", "A", "B", "C", "D", ""));
}

TEST(GradeTest, ForcedDistributionTopTwoOfTenGetA) {
  const v1::Scheme s = GradedScheme(0.2, 0);
  // In input order, not ranked: 99 and 97 are the top two.
  const std::vector<double> scores = {93, 99, 92, 91, 97, 95, 94, 90, 96, 98};
  EXPECT_THAT(AssignGrades(s, scores),
              ElementsAre("B", "A", "B", "B", "B", "B", "B", "B", "B", "A"));
}

TEST(GradeTest, TieStraddlingTheLimitMovesDownWhole) {
  const v1::Scheme s = GradedScheme(0.2, 0);
  // A holds 2: 99 gets A, the 95s would make 3, so both fall to B.
  const std::vector<double> scores = {99, 95, 95, 94, 93, 85, 84, 70, 65, 10};
  EXPECT_THAT(AssignGrades(s, scores),
              ElementsAre("A", "B", "B", "B", "B", "B", "B", "C", "C", "D"));
  // A tie that fits exactly stays.
  EXPECT_THAT(AssignGrades(s, {95, 95, 94, 93, 92, 91, 90, 90, 90, 90}),
              ElementsAre("A", "A", "B", "B", "B", "B", "B", "B", "B", "B"));
}

TEST(GradeTest, CascadeThroughLimitedGrades) {
  const v1::Scheme s = GradedScheme(0.2, 0.3);  // A ≤ 2, B ≤ 3 of 10
  const std::vector<double> scores = {99, 98, 97, 96, 95, 94, 93, 92, 91, 90};
  EXPECT_THAT(AssignGrades(s, scores),
              ElementsAre("A", "A", "B", "B", "B", "C", "C", "C", "C", "C"));
  // A lower score never outranks a higher one: 95 (natural A) after the 96-tie fell to B.
  EXPECT_THAT(AssignGrades(s, {99, 96, 96, 95, 81, 81, 81, 81, 50, 50}),
              ElementsAre("A", "B", "B", "B", "C", "C", "C", "C", "D", "D"));
}

TEST(GradeTest, PushedBelowTheLastGradeGetsNone) {
  v1::Scheme s = MakeScheme();
  v1::Grade* g = s.add_grades();
  g->set_grade("A");
  g->set_min_score(0);
  g->set_max_share(0.5);
  EXPECT_THAT(AssignGrades(s, {90, 80, 70, 60}), ElementsAre("A", "A", "", ""));
  EXPECT_THAT(AssignGrades(s, {}), IsEmpty());
}

TEST(RankTest, CompetitionRanks) {
  EXPECT_THAT(CompetitionRanks({100, 90, 90, 80}), ElementsAre(1, 2, 2, 4));
  EXPECT_THAT(CompetitionRanks({50, 50, 50}), ElementsAre(1, 1, 1));
  EXPECT_THAT(CompetitionRanks({}), IsEmpty());
}

TEST(DistributeTest, Summary) {
  const v1::Distribution d =
      Distribute({70, 100, 60, 90, 80}, {"C", "A", "D", "A", "B"}, 10);
  EXPECT_EQ(d.count(), 5);
  EXPECT_DOUBLE_EQ(d.mean(), 80.0);
  EXPECT_DOUBLE_EQ(d.stddev(), std::sqrt(200.0));  // population: (400+100+0+100+400)/5
  EXPECT_DOUBLE_EQ(d.min(), 60);
  EXPECT_DOUBLE_EQ(d.max(), 100);
  EXPECT_DOUBLE_EQ(d.p50(), 80);   // rank ceil(2.5) = 3
  EXPECT_DOUBLE_EQ(d.p90(), 100);  // rank ceil(4.5) = 5
  EXPECT_DOUBLE_EQ(d.p99(), 100);
  ASSERT_EQ(d.buckets_size(), 11);  // [0,10) .. [100,110)
  for (int b = 0; b < 11; ++b) {
    EXPECT_DOUBLE_EQ(d.buckets(b).lower(), 10.0 * b);
    EXPECT_DOUBLE_EQ(d.buckets(b).upper(), 10.0 * (b + 1));
    EXPECT_EQ(d.buckets(b).count(), b >= 6 ? 1 : 0) << b;
  }
  EXPECT_THAT(d.grade_counts(),
              UnorderedElementsAre(Pair("A", 2), Pair("B", 1), Pair("C", 1), Pair("D", 1)));
}

TEST(DistributeTest, PercentilesNearestRank) {
  std::vector<double> scores;
  for (int i = 1; i <= 100; ++i) scores.push_back(i);
  const v1::Distribution d = Distribute(scores, {}, 25);
  EXPECT_DOUBLE_EQ(d.p50(), 50);
  EXPECT_DOUBLE_EQ(d.p90(), 90);
  EXPECT_DOUBLE_EQ(d.p99(), 99);
  ASSERT_EQ(d.buckets_size(), 5);  // [0,25) [25,50) [50,75) [75,100) [100,125)
  EXPECT_EQ(d.buckets(0).count(), 24);
  EXPECT_EQ(d.buckets(3).count(), 25);
  EXPECT_EQ(d.buckets(4).count(), 1);
  EXPECT_THAT(d.grade_counts(), IsEmpty());
}

TEST(DistributeTest, DefaultWidthNegativeScoresAndEmpty) {
  v1::Distribution d = Distribute({-5, 3, 12}, {"", "B", ""}, 0);
  ASSERT_EQ(d.buckets_size(), 3);  // width 10 from -10: [-10,0) [0,10) [10,20)
  EXPECT_DOUBLE_EQ(d.buckets(0).lower(), -10);
  EXPECT_EQ(d.buckets(0).count(), 1);
  EXPECT_EQ(d.buckets(1).count(), 1);
  EXPECT_EQ(d.buckets(2).count(), 1);
  EXPECT_THAT(d.grade_counts(), UnorderedElementsAre(Pair("B", 1)));

  d = Distribute({}, {}, 10);
  EXPECT_EQ(d.count(), 0);
  EXPECT_EQ(d.buckets_size(), 0);
  EXPECT_DOUBLE_EQ(d.mean(), 0);
}

// ---- periods --------------------------------------------------------------------------------

common::v1::Period P(common::v1::Granularity g, std::string start) {
  common::v1::Period p;
  p.set_granularity(g);
  p.set_start_date(std::move(start));
  return p;
}

TEST(PeriodTest, CycleGranularity) {
  EXPECT_EQ(CycleGranularity(v1::CYCLE_MONTHLY), common::v1::GRANULARITY_MONTH);
  EXPECT_EQ(CycleGranularity(v1::CYCLE_QUARTERLY), common::v1::GRANULARITY_QUARTER);
  EXPECT_EQ(CycleGranularity(v1::CYCLE_HALF_YEARLY), common::v1::GRANULARITY_HALF);
  EXPECT_EQ(CycleGranularity(v1::CYCLE_YEARLY), common::v1::GRANULARITY_YEAR);
  EXPECT_EQ(CycleGranularity(v1::CYCLE_UNSPECIFIED), common::v1::GRANULARITY_UNSPECIFIED);
}

TEST(PeriodTest, PreviousPeriod) {
  using common::v1::GRANULARITY_HALF;
  using common::v1::GRANULARITY_MONTH;
  using common::v1::GRANULARITY_QUARTER;
  using common::v1::GRANULARITY_YEAR;
  auto prev = [](common::v1::Granularity g, std::string start, int n) {
    const common::v1::Period p = PreviousPeriod(P(g, std::move(start)), n);
    EXPECT_EQ(p.granularity(), g);
    return p.start_date();
  };
  EXPECT_EQ(prev(GRANULARITY_MONTH, "2026-01-01", 1), "2025-12-01");  // across the year
  EXPECT_EQ(prev(GRANULARITY_MONTH, "2026-03-01", 2), "2026-01-01");
  EXPECT_EQ(prev(GRANULARITY_MONTH, "2026-01-01", 13), "2024-12-01");
  EXPECT_EQ(prev(GRANULARITY_MONTH, "2026-03-01", 0), "2026-03-01");
  EXPECT_EQ(prev(GRANULARITY_QUARTER, "2026-01-01", 1), "2025-10-01");
  EXPECT_EQ(prev(GRANULARITY_QUARTER, "2026-07-01", 1), "2026-04-01");
  EXPECT_EQ(prev(GRANULARITY_HALF, "2026-01-01", 1), "2025-07-01");
  EXPECT_EQ(prev(GRANULARITY_HALF, "2026-07-01", 1), "2026-01-01");
  EXPECT_EQ(prev(GRANULARITY_YEAR, "2026-01-01", 1), "2025-01-01");
  EXPECT_EQ(prev(GRANULARITY_YEAR, "2026-01-01", 3), "2023-01-01");
  EXPECT_EQ(prev(common::v1::GRANULARITY_WEEK, "2026-01-05", 1), "2025-12-29");
  EXPECT_EQ(prev(common::v1::GRANULARITY_DAY, "2026-03-01", 1), "2026-02-28");
}

}  // namespace
}  // namespace opsuite::scoring
