// examples/schemes/ read the way `opsctl scheme create` and `opsctl checklist record` read
// them, checked with the scoring service's own validation and rules: the files stay valid and
// give the seed's numbers (003:371-381, 001:3-123).
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/scoring/domain/rules.h"
#include "tools/opsctl/args.h"

namespace opsuite::opsctl {
namespace {

namespace sv1 = ::opsuite::scoring::v1;
using ::testing::IsEmpty;

std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(OPSUITE_EXAMPLES_DIR) + "/schemes/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

sv1::Scheme LoadScheme(const std::string& name) {
  sv1::Scheme scheme;
  absl::Status s = ParseJsonMessage(ReadExample(name), &scheme);
  EXPECT_TRUE(s.ok()) << name << ": " << s;
  return scheme;
}

TEST(SchemeExamplesTest, SalesMonthlyIsValid) {
  const sv1::Scheme scheme = LoadScheme("sales_monthly_003.json");
  EXPECT_THAT(scoring::ValidateScheme(scheme).all(), IsEmpty());
  EXPECT_EQ(scheme.subject_kind(), sv1::SUBJECT_KIND_EMPLOYEE);
  EXPECT_EQ(scheme.cycle(), sv1::CYCLE_MONTHLY);
  EXPECT_EQ(scheme.items_size(), 6);
}

// 12万 signed (band [10万, 15万): 80 points, 1,000 bonus), all paid: 3% commission; 3 daily
// reports missed or late: 20 each (003:381); the manager scored the goal card 90.
TEST(SchemeExamplesTest, SalesMonthlyGivesTheSeedsNumbers) {
  const sv1::Scheme scheme = LoadScheme("sales_monthly_003.json");
  scoring::SubjectInputs in;
  in.values = {{"signed_count", 1},    {"signed_amount", 12000000},
               {"received_amount", 0}, {"settled_signed_amount", 12000000},
               {"daily_missing", 2},   {"daily_late", 1},
               {"weekly_missing", 0},  {"weekly_late", 0},
               {"goal_card_score", 90}};
  in.settled_by_line["central_ac"] = 12000000;
  absl::StatusOr<sv1::Evaluation> e = scoring::Evaluate(scheme, in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_DOUBLE_EQ(e->total_score(), 84);  // 60% × 80 + 40% × 90
  EXPECT_EQ(e->bonus(), 100000);
  EXPECT_EQ(e->commission(), 360000);
  EXPECT_EQ(e->penalties(), 6000);
  EXPECT_THAT(e->flags(), IsEmpty());
  EXPECT_EQ(scoring::GradeOf(scheme, e->total_score()), "B");
}

TEST(SchemeExamplesTest, HealthCentreKeeps191Of200) {
  const sv1::Scheme scheme = LoadScheme("health_centre_001.json");
  EXPECT_THAT(scoring::ValidateScheme(scheme).all(), IsEmpty());
  EXPECT_EQ(scheme.subject_kind(), sv1::SUBJECT_KIND_DEPARTMENT);
  EXPECT_EQ(scheme.cycle(), sv1::CYCLE_YEARLY);

  sv1::RecordChecklistAssessmentRequest request;
  absl::Status s =
      ParseJsonArray(ReadExample("health_centre_2026_deductions.json"), "deductions", &request);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(request.deductions_size(), 5);
  scoring::SubjectInputs in;
  double deducted = 0;
  for (const sv1::ChecklistDeduction& d : request.deductions()) {
    EXPECT_FALSE(d.item().empty());
    EXPECT_FALSE(d.reason().empty());
    EXPECT_FALSE(d.corrective_action().empty());
    in.checklist[scheme.items(0).code()][d.section()] += d.points();
    deducted += d.points();
  }
  EXPECT_DOUBLE_EQ(deducted, 9);
  absl::StatusOr<sv1::Evaluation> e = scoring::Evaluate(scheme, in);
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->items_size(), 1);
  EXPECT_DOUBLE_EQ(e->items(0).raw(), 191);
  EXPECT_DOUBLE_EQ(e->total_score(), 95.5);
}

}  // namespace
}  // namespace opsuite::opsctl
