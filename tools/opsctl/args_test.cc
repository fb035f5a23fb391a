#include "tools/opsctl/args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opsuite/planning/v1/directory.pb.h"
#include "opsuite/planning/v1/goal_card.pb.h"
#include "opsuite/planning/v1/report.pb.h"
#include "opsuite/scoring/v1/scoring.pb.h"

namespace opsuite::opsctl {
namespace {

using ::opsuite::common::v1::Period;
using ::opsuite::planning::v1::Owner;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

MATCHER_P2(PeriodIs, granularity, start, "") {
  return arg.granularity() == granularity && arg.start_date() == start;
}
MATCHER_P2(OwnerIs, kind, id, "") { return arg.kind() == kind && arg.id() == id; }

std::string ErrorOf(const absl::Status& status) { return std::string(status.message()); }

const std::vector<OptionSpec> kSpecs = {
    {"name", "TEXT", "a name", /*required=*/true},
    {"role-class", "CLASS", "a class"},
    {"task", "TASK", "a task", false, /*repeatable=*/true},
    {"json", "", "a flag"},
};

// --- Args ---

TEST(ArgsTest, OptionsAndPositionals) {
  absl::StatusOr<Args> args = Args::Parse(
      {"emp", "create", "--name=销售部", "--role_class", "SALES", "--json", "X"}, kSpecs);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->positionals(), ElementsAre("emp", "create", "X"));
  EXPECT_EQ(args->Get("name"), "销售部");
  EXPECT_EQ(args->Get("role-class"), "SALES");  // '-' and '_' are the same
  EXPECT_EQ(args->GetOr("missing", "d"), "d");
  EXPECT_TRUE(args->Flag("json"));
  EXPECT_FALSE(args->Has("task"));
  EXPECT_THAT(args->Names(), ElementsAre("name", "role_class", "json"));
  args->DropLeadingPositionals(2);
  EXPECT_THAT(args->positionals(), ElementsAre("X"));
}

TEST(ArgsTest, RepeatableAndLastWins) {
  absl::StatusOr<Args> args =
      Args::Parse({"--name=a", "--task=t1", "--task", "t2", "--name=b"}, kSpecs);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->GetAll("task"), ElementsAre("t1", "t2"));
  EXPECT_EQ(args->Get("name"), "b");
}

TEST(ArgsTest, ValueMayContainEqualsAndDashes) {
  absl::StatusOr<Args> args = Args::Parse({"--name=a=b", "--task", "-5", "--", "--json"}, kSpecs);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->Get("name"), "a=b");
  EXPECT_EQ(args->Get("task"), "-5");
  EXPECT_THAT(args->positionals(), ElementsAre("--json"));  // after "--"
  EXPECT_FALSE(args->Flag("json"));
}

TEST(ArgsTest, FlagValues) {
  absl::StatusOr<Args> args = Args::Parse({"--name=x", "--json=false"}, kSpecs);
  ASSERT_TRUE(args.ok());
  EXPECT_FALSE(args->Flag("json"));
  EXPECT_THAT(ErrorOf(Args::Parse({"--name=x", "--json=maybe"}, kSpecs).status()),
              HasSubstr("--json"));
}

TEST(ArgsTest, Errors) {
  EXPECT_THAT(ErrorOf(Args::Parse({"--name=x", "--bogus=1"}, kSpecs).status()),
              HasSubstr("unknown option --bogus"));
  EXPECT_THAT(ErrorOf(Args::Parse({"--task"}, kSpecs).status()),
              HasSubstr("--task needs a value: --task=TASK"));
  EXPECT_THAT(ErrorOf(Args::Parse({"--name", "--json"}, kSpecs).status()),
              HasSubstr("--name needs a value"));
  EXPECT_THAT(ErrorOf(Args::Parse({"--json"}, kSpecs).status()),
              HasSubstr("--name=TEXT is required"));
}

TEST(ArgsTest, HelpSkipsRequiredChecks) {
  absl::StatusOr<Args> args = Args::Parse({"-h"}, kSpecs);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_TRUE(args->Flag("help"));
}

TEST(ArgsTest, AllowUnknown) {
  absl::StatusOr<Args> args =
      Args::Parse({"--addr=x", "emp", "--dept", "D1", "list"}, {}, /*allow_unknown=*/true);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->Get("addr"), "x");
  // An unknown option takes no following word.
  EXPECT_THAT(args->positionals(), ElementsAre("emp", "D1", "list"));
}

// --- Quantities ---

TEST(ParseQuantityTest, ChineseUnits) {
  EXPECT_EQ(ParseQuantity("1.5亿").value(), 150000000);
  EXPECT_EQ(ParseQuantity("1500万").value(), 15000000);
  EXPECT_EQ(ParseQuantity("2亿").value(), 200000000);
  EXPECT_EQ(ParseQuantity("0.0001亿").value(), 10000);
  EXPECT_EQ(ParseQuantity("1.2345万").value(), 12345);
  EXPECT_EQ(ParseQuantity("1.50万").value(), 15000);  // trailing zeros are fine
  EXPECT_EQ(ParseQuantity("-3万").value(), -30000);
}

TEST(ParseQuantityTest, PlainIntegers) {
  EXPECT_EQ(ParseQuantity("0").value(), 0);
  EXPECT_EQ(ParseQuantity("123").value(), 123);
  EXPECT_EQ(ParseQuantity("-42").value(), -42);
  EXPECT_EQ(ParseQuantity("1,000,000").value(), 1000000);
  EXPECT_EQ(ParseQuantity("1_000").value(), 1000);
  EXPECT_EQ(ParseQuantity("9223372036854775807").value(), INT64_MAX);
}

TEST(ParseQuantityTest, Rejects) {
  EXPECT_THAT(ErrorOf(ParseQuantity("1.5").status()), HasSubstr("not a whole number"));
  EXPECT_THAT(ErrorOf(ParseQuantity("1.23456万").status()), HasSubstr("not a whole number"));
  EXPECT_THAT(ErrorOf(ParseQuantity("abc").status()), HasSubstr("not a number"));
  EXPECT_THAT(ErrorOf(ParseQuantity("").status()), HasSubstr("not a number"));
  EXPECT_THAT(ErrorOf(ParseQuantity("万").status()), HasSubstr("not a number"));
  EXPECT_THAT(ErrorOf(ParseQuantity("1e6").status()), HasSubstr("not a number"));
  EXPECT_THAT(ErrorOf(ParseQuantity("9223372036854775808").status()), HasSubstr("too large"));
  EXPECT_THAT(ErrorOf(ParseQuantity("1000000000000亿").status()), HasSubstr("too large"));
}

// --- Money ---

TEST(ParseYuanTest, YuanToCents) {
  EXPECT_EQ(ParseYuan("50000").value(), 5000000);
  EXPECT_EQ(ParseYuan("50000.00").value(), 5000000);
  EXPECT_EQ(ParseYuan("12000.50").value(), 1200050);
  EXPECT_EQ(ParseYuan("12000.5").value(), 1200050);
  EXPECT_EQ(ParseYuan("0.01").value(), 1);
  EXPECT_EQ(ParseYuan(".5").value(), 50);
  EXPECT_EQ(ParseYuan("0").value(), 0);
  EXPECT_EQ(ParseYuan("50,000.5").value(), 5000050);
  EXPECT_EQ(ParseYuan(" 1_000 ").value(), 100000);
  EXPECT_EQ(ParseYuan("1.2000").value(), 120);  // trailing zeros are fine
}

TEST(ParseYuanTest, ChineseUnits) {
  EXPECT_EQ(ParseYuan("1.2万").value(), 1200000);  // 12000.00 yuan
  EXPECT_EQ(ParseYuan("5万").value(), 5000000);
  EXPECT_EQ(ParseYuan("1.234567万").value(), 1234567);  // 12345.67 yuan: 6 decimals fit
  EXPECT_EQ(ParseYuan("1.5亿").value(), 15000000000);
  EXPECT_EQ(ParseYuan("0.0000000001亿").value(), 1);
}

TEST(ParseYuanTest, Rejects) {
  EXPECT_THAT(ErrorOf(ParseYuan("1.234").status()), HasSubstr("more than 2 decimals"));
  EXPECT_THAT(ErrorOf(ParseYuan("1.2345678万").status()), HasSubstr("more than 2 decimals"));
  EXPECT_THAT(ErrorOf(ParseYuan("-5").status()), HasSubstr("must not be negative"));
  EXPECT_THAT(ErrorOf(ParseYuan("¥5").status()), HasSubstr("is not a number; write yuan"));
  EXPECT_THAT(ErrorOf(ParseYuan("").status()), HasSubstr("is not a number"));
  EXPECT_THAT(ErrorOf(ParseYuan("1e3").status()), HasSubstr("is not a number"));
  EXPECT_THAT(ErrorOf(ParseYuan("92233720368547758.08").status()), HasSubstr("too large"));
  EXPECT_EQ(ParseYuan("92233720368547758.07").value(), INT64_MAX);
}

// --- Owners, periods, dates ---

TEST(ParseOwnerTest, Forms) {
  EXPECT_THAT(ParseOwner("org").value(), OwnerIs(planning::v1::OWNER_KIND_ORG, ""));
  EXPECT_THAT(ParseOwner("org:acme").value(), OwnerIs(planning::v1::OWNER_KIND_ORG, "acme"));
  EXPECT_THAT(ParseOwner("department:D1").value(),
              OwnerIs(planning::v1::OWNER_KIND_DEPARTMENT, "D1"));
  EXPECT_THAT(ParseOwner("dept:D1").value(), OwnerIs(planning::v1::OWNER_KIND_DEPARTMENT, "D1"));
  EXPECT_THAT(ParseOwner("employee:E1").value(), OwnerIs(planning::v1::OWNER_KIND_EMPLOYEE, "E1"));
  EXPECT_THAT(ParseOwner("EMP:E1").value(), OwnerIs(planning::v1::OWNER_KIND_EMPLOYEE, "E1"));
  EXPECT_THAT(ParseOwner("OWNER_KIND_EMPLOYEE:E1").value(),
              OwnerIs(planning::v1::OWNER_KIND_EMPLOYEE, "E1"));
}

TEST(ParseOwnerTest, Rejects) {
  EXPECT_THAT(ErrorOf(ParseOwner("employee").status()), HasSubstr("needs an id"));
  EXPECT_THAT(ErrorOf(ParseOwner("employee:").status()), HasSubstr("needs an id"));
  EXPECT_THAT(ErrorOf(ParseOwner("team:T1").status()), HasSubstr("is not one of org"));
}

TEST(ParsePeriodTest, Explicit) {
  EXPECT_THAT(ParsePeriod("YEAR:2026-01-01").value(),
              PeriodIs(common::v1::GRANULARITY_YEAR, "2026-01-01"));
  EXPECT_THAT(ParsePeriod("month:2026-03-01").value(),
              PeriodIs(common::v1::GRANULARITY_MONTH, "2026-03-01"));
  EXPECT_THAT(ParsePeriod("GRANULARITY_QUARTER:2026-04-01").value(),
              PeriodIs(common::v1::GRANULARITY_QUARTER, "2026-04-01"));
  EXPECT_THAT(ParsePeriod("HALF:2026-07-01").value(),
              PeriodIs(common::v1::GRANULARITY_HALF, "2026-07-01"));
  EXPECT_THAT(ParsePeriod("WEEK:2026-03-02").value(),  // a Monday
              PeriodIs(common::v1::GRANULARITY_WEEK, "2026-03-02"));
  EXPECT_THAT(ParsePeriod("DAY:2026-03-04").value(),
              PeriodIs(common::v1::GRANULARITY_DAY, "2026-03-04"));
}

TEST(ParsePeriodTest, Shorthands) {
  EXPECT_THAT(ParsePeriod("2026").value(), PeriodIs(common::v1::GRANULARITY_YEAR, "2026-01-01"));
  EXPECT_THAT(ParsePeriod("2026-H2").value(), PeriodIs(common::v1::GRANULARITY_HALF, "2026-07-01"));
  EXPECT_THAT(ParsePeriod("2026-q3").value(),
              PeriodIs(common::v1::GRANULARITY_QUARTER, "2026-07-01"));
  EXPECT_THAT(ParsePeriod("2026-03").value(),
              PeriodIs(common::v1::GRANULARITY_MONTH, "2026-03-01"));
  EXPECT_THAT(ParsePeriod("2026-03-05").value(),
              PeriodIs(common::v1::GRANULARITY_DAY, "2026-03-05"));
}

TEST(ParsePeriodTest, RejectsMisalignedWithASuggestion) {
  EXPECT_THAT(ErrorOf(ParsePeriod("MONTH:2026-03-02").status()),
              HasSubstr("a MONTH starts on the 1st (try MONTH:2026-03-01)"));
  EXPECT_THAT(ErrorOf(ParsePeriod("QUARTER:2026-05-01").status()),
              HasSubstr("try QUARTER:2026-04-01"));
  EXPECT_THAT(ErrorOf(ParsePeriod("WEEK:2026-03-04").status()), HasSubstr("try WEEK:2026-03-02"));
  EXPECT_THAT(ErrorOf(ParsePeriod("YEAR:2026-02-01").status()), HasSubstr("try YEAR:2026-01-01"));
  EXPECT_THAT(ErrorOf(ParsePeriod("HALF:2026-08-01").status()), HasSubstr("try HALF:2026-07-01"));
}

TEST(ParsePeriodTest, RejectsNonsense) {
  EXPECT_THAT(ErrorOf(ParsePeriod("DECADE:2020-01-01").status()), HasSubstr("granularity"));
  EXPECT_THAT(ErrorOf(ParsePeriod("MONTH:2026-02-30").status()),
              HasSubstr("not a real calendar day"));
  EXPECT_THAT(ErrorOf(ParsePeriod("MONTH:2026/03/01").status()), HasSubstr("YYYY-MM-DD"));
  EXPECT_THAT(ErrorOf(ParsePeriod("2026-13").status()), HasSubstr("not understood"));
  EXPECT_THAT(ErrorOf(ParsePeriod("2026-Q5").status()), HasSubstr("not understood"));
  EXPECT_THAT(ErrorOf(ParsePeriod("").status()), HasSubstr("not understood"));
}

TEST(ParseDateTest, Strict) {
  EXPECT_EQ(ParseDate("2024-02-29").value(), "2024-02-29");
  EXPECT_FALSE(ParseDate("2026-02-29").ok());
  EXPECT_FALSE(ParseDate("2026-3-1").ok());
  EXPECT_FALSE(ParseDate("20260301").ok());
}

TEST(ParseInstantTest, Rfc3339) {
  EXPECT_EQ(ParseInstant("2026-03-02T21:00:00+08:00").value(), absl::FromUnixSeconds(1772456400));
  EXPECT_EQ(ParseInstant("2026-03-02T13:00:00Z").value(), absl::FromUnixSeconds(1772456400));
  EXPECT_THAT(ErrorOf(ParseInstant("2026-03-02 21:00").status()), HasSubstr("RFC 3339"));
}

TEST(ParseDurationArgTest, Forms) {
  EXPECT_EQ(ParseDurationArg("12h").value(), absl::Hours(12));
  EXPECT_EQ(ParseDurationArg("1h30m").value(), absl::Minutes(90));
  EXPECT_EQ(ParseDurationArg("7d").value(), absl::Hours(168));
  EXPECT_FALSE(ParseDurationArg("soon").ok());
}

// --- Tasks, lists, shares, scores, identities ---

TEST(ParseTaskTest, FullAndMinimal) {
  planning::v1::GoalTask task =
      ParseTask("拜访重点客户|ROUTINE|60|10 家|2026-03-31|每次有纪要").value();
  EXPECT_EQ(task.title(), "拜访重点客户");
  EXPECT_EQ(task.kind(), planning::v1::TASK_KIND_ROUTINE);
  EXPECT_EQ(task.weight(), 60);
  EXPECT_EQ(task.key_result(), "10 家");
  EXPECT_EQ(task.due_date(), "2026-03-31");
  EXPECT_EQ(task.quality(), "每次有纪要");
  EXPECT_EQ(task.id(), "");

  task = ParseTask("Training|ad-hoc|40").value();
  EXPECT_EQ(task.kind(), planning::v1::TASK_KIND_AD_HOC);
  EXPECT_EQ(task.weight(), 40);
  EXPECT_EQ(task.due_date(), "");

  task = ParseTask("Keep|adhoc|10||||t3").value();
  EXPECT_EQ(task.kind(), planning::v1::TASK_KIND_AD_HOC);
  EXPECT_EQ(task.id(), "t3");

  task = ParseTask("Default kind||25").value();
  EXPECT_EQ(task.kind(), planning::v1::TASK_KIND_ROUTINE);
}

TEST(ParseTaskTest, EscapedBar) {
  planning::v1::GoalTask task = ParseTask(R"(A\|B|ROUTINE|50|x\\y)").value();
  EXPECT_EQ(task.title(), "A|B");
  EXPECT_EQ(task.key_result(), R"(x\y)");
}

TEST(ParseTaskTest, Rejects) {
  EXPECT_THAT(ErrorOf(ParseTask("|ROUTINE|50").status()), HasSubstr("the title is empty"));
  EXPECT_THAT(ErrorOf(ParseTask("T|ROUTINE").status()), HasSubstr("the weight is missing"));
  EXPECT_THAT(ErrorOf(ParseTask("T|ROUTINE|abc").status()), HasSubstr("integer percent"));
  EXPECT_THAT(ErrorOf(ParseTask("T|ROUTINE|101").status()), HasSubstr("integer percent"));
  EXPECT_THAT(ErrorOf(ParseTask("T|DAILY|50").status()), HasSubstr("ROUTINE or AD_HOC"));
  EXPECT_THAT(ErrorOf(ParseTask("T|ROUTINE|50||2026-13-01").status()), HasSubstr("due date"));
  EXPECT_THAT(ErrorOf(ParseTask("a|b|1|c|d|e|f|g").status()), HasSubstr("too many fields"));
}

TEST(ParseContactTest, Forms) {
  crm::v1::Contact c = ParseContact("王经理|采购经理|13800000000|wang@example.com").value();
  EXPECT_EQ(c.name(), "王经理");
  EXPECT_EQ(c.title(), "采购经理");
  EXPECT_EQ(c.phone(), "13800000000");
  EXPECT_EQ(c.email(), "wang@example.com");
  c = ParseContact(" 李总 ||139 ").value();
  EXPECT_EQ(c.name(), "李总");
  EXPECT_EQ(c.title(), "");
  EXPECT_EQ(c.phone(), "139");
  EXPECT_EQ(ParseContact(R"(A\|B)").value().name(), "A|B");
  EXPECT_THAT(ErrorOf(ParseContact("|title").status()), HasSubstr("the name is empty"));
  EXPECT_THAT(ErrorOf(ParseContact("a|b|c|d|e").status()), HasSubstr("too many fields"));
}

TEST(ParseIntListTest, Weights) {
  EXPECT_THAT(ParseIntList("1,3,3,3").value(), ElementsAre(1, 3, 3, 3));
  EXPECT_THAT(ParseIntList("1万,2万").value(), ElementsAre(10000, 20000));
  EXPECT_FALSE(ParseIntList("1,,3").ok());
  EXPECT_FALSE(ParseIntList("1,x").ok());
}

TEST(ParseSharesTest, OwnersAndWeights) {
  auto shares = ParseShares("employee:A=60,department:D=40").value();
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_THAT(shares[0].owner(), OwnerIs(planning::v1::OWNER_KIND_EMPLOYEE, "A"));
  EXPECT_EQ(shares[0].weight(), 60);
  EXPECT_THAT(shares[1].owner(), OwnerIs(planning::v1::OWNER_KIND_DEPARTMENT, "D"));
  EXPECT_EQ(shares[1].weight(), 40);
  EXPECT_THAT(ErrorOf(ParseShares("employee:A").status()), HasSubstr("needs a weight"));
  EXPECT_THAT(ErrorOf(ParseShares("employee:A=0").status()), HasSubstr("must be > 0"));
  EXPECT_FALSE(ParseShares("team:A=5").ok());
}

TEST(ParseScoresTest, Pairs) {
  EXPECT_THAT(ParseScores("t1=90,t2=80.5").value(),
              ElementsAre(Pair("t1", 90.0), Pair("t2", 80.5)));
  EXPECT_FALSE(ParseScores("t1").ok());
  EXPECT_FALSE(ParseScores("=90").ok());
  EXPECT_FALSE(ParseScores("t1=high").ok());
}

TEST(ParseIdentityTest, Forms) {
  Identity id = ParseIdentity("e1:acme:admin,manager").value();
  EXPECT_EQ(id.subject, "e1");
  EXPECT_EQ(id.org, "acme");
  EXPECT_THAT(id.roles, ElementsAre("admin", "manager"));
  EXPECT_TRUE(ParseIdentity("e1:acme").value().roles.empty());
  EXPECT_THAT(ErrorOf(ParseIdentity("e1").status()), HasSubstr("SUB:ORG:ROLE1,ROLE2"));
  EXPECT_THAT(ErrorOf(ParseIdentity("e1:acme:root").status()), HasSubstr("unknown role"));
  EXPECT_THAT(ParseRoles("admin, service").value(), ElementsAre("admin", "service"));
}

TEST(ParseBoolTest, Words) {
  EXPECT_TRUE(ParseBool("yes").value());
  EXPECT_FALSE(ParseBool("Off").value());
  EXPECT_FALSE(ParseBool("maybe").ok());
}

// --- Enums and reflection ---

TEST(EnumTest, ParseAndShortName) {
  const auto* role_class = planning::v1::RoleClass_descriptor();
  EXPECT_EQ(ParseEnumValue(role_class, "SALES").value(), planning::v1::ROLE_CLASS_SALES);
  EXPECT_EQ(ParseEnumValue(role_class, "middle-manager").value(),
            planning::v1::ROLE_CLASS_MIDDLE_MANAGER);
  EXPECT_EQ(ParseEnumValue(role_class, "ROLE_CLASS_STAFF").value(), planning::v1::ROLE_CLASS_STAFF);
  EXPECT_THAT(ErrorOf(ParseEnumValue(role_class, "CEO").status()),
              HasSubstr("is not one of STAFF, RESEARCHER, MIDDLE_MANAGER, SALES, SENIOR_MANAGER"));
  EXPECT_EQ(ShortEnumName(role_class, planning::v1::ROLE_CLASS_SENIOR_MANAGER), "SENIOR_MANAGER");
  EXPECT_EQ(ShortEnumName(role_class, 99), "99");
}

TEST(SetFieldFromTextTest, ScalarsEnumsAndMask) {
  planning::v1::Employee employee;
  google::protobuf::FieldMask mask;
  ASSERT_TRUE(SetFieldFromText(&employee, "name", "张三", &mask).ok());
  ASSERT_TRUE(SetFieldFromText(&employee, "role_class", "sales", &mask).ok());
  ASSERT_TRUE(SetFieldFromText(&employee, "name", "李四", &mask).ok());
  EXPECT_EQ(employee.name(), "李四");
  EXPECT_EQ(employee.role_class(), planning::v1::ROLE_CLASS_SALES);
  EXPECT_THAT(mask.paths(), ElementsAre("name", "role_class"));
  EXPECT_THAT(ErrorOf(SetFieldFromText(&employee, "nickname", "x")), HasSubstr("no field"));
  EXPECT_THAT(ErrorOf(SetFieldFromText(&employee, "role_class", "CEO")), HasSubstr("role_class"));
  EXPECT_FALSE(SetFieldFromText(&employee, "create_time", "now").ok());
}

TEST(SetFieldFromTextTest, RepeatedAndBool) {
  planning::v1::ReportPolicy policy;
  ASSERT_TRUE(SetFieldFromText(&policy, "daily_weekdays", "1,2,3,4,5,6").ok());
  EXPECT_THAT(policy.daily_weekdays(), ElementsAre(1, 2, 3, 4, 5, 6));
  ASSERT_TRUE(SetFieldFromText(&policy, "daily_weekdays", "1,2").ok());  // replaces
  EXPECT_THAT(policy.daily_weekdays(), ElementsAre(1, 2));
  ASSERT_TRUE(SetFieldFromText(&policy, "monthly_required", "true").ok());
  EXPECT_TRUE(policy.monthly_required());
  ASSERT_TRUE(SetFieldFromText(&policy, "weekly_deadline_weekday", "6").ok());
  EXPECT_EQ(policy.weekly_deadline_weekday(), 6);
  EXPECT_THAT(ErrorOf(SetFieldFromText(&policy, "weekly_deadline_weekday", "99999999999")),
              HasSubstr("out of range"));
}

TEST(SetFieldFromTextTest, NestedPathsMaskTheirFirstField) {
  crm::v1::Customer customer;
  google::protobuf::FieldMask mask;
  ASSERT_TRUE(SetFieldFromText(&customer, "region.city", "杭州", &mask).ok());
  ASSERT_TRUE(SetFieldFromText(&customer, "region.province", "浙江", &mask).ok());
  ASSERT_TRUE(SetFieldFromText(&customer, "tags", "a,b", &mask).ok());
  EXPECT_EQ(customer.region().city(), "杭州");
  EXPECT_EQ(customer.region().province(), "浙江");
  EXPECT_THAT(customer.tags(), ElementsAre("a", "b"));
  EXPECT_THAT(mask.paths(), ElementsAre("region", "tags"));
  EXPECT_THAT(ErrorOf(SetFieldFromText(&customer, "region.town", "x")), HasSubstr("no field town"));
  EXPECT_THAT(ErrorOf(SetFieldFromText(&customer, "name.x", "x")), HasSubstr("not a message"));
}

TEST(SetFieldFromTextTest, TimestampsAndPeriods) {
  crm::v1::Customer customer;
  ASSERT_TRUE(SetFieldFromText(&customer, "create_time", "2026-03-02T21:00:00.5+08:00").ok());
  EXPECT_EQ(customer.create_time().seconds(), 1772456400);
  EXPECT_EQ(customer.create_time().nanos(), 500000000);
  EXPECT_THAT(ErrorOf(SetFieldFromText(&customer, "create_time", "2026-03-02")),
              HasSubstr("\"2026-03-02\" is not an RFC 3339 time"));
  planning::v1::GoalCard card;
  ASSERT_TRUE(SetFieldFromText(&card, "period", "2026-03").ok());
  EXPECT_THAT(card.period(), PeriodIs(common::v1::GRANULARITY_MONTH, "2026-03-01"));
  EXPECT_THAT(ErrorOf(SetFieldFromText(&card, "period", "2026-13")), HasSubstr("period"));
  EXPECT_THAT(ErrorOf(SetFieldFromText(&customer, "region", "x")),
              HasSubstr("cannot be set from the command line"));
}

TEST(ToProtoTimestampTest, FloorsToSecondsAndNanos) {
  google::protobuf::Timestamp ts = ToProtoTimestamp(absl::FromUnixMillis(-1500));
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 500000000);
}

TEST(ParseIdListTest, CommasAndWhitespace) {
  EXPECT_THAT(ParseIdList("e1,e2").value(), ElementsAre("e1", "e2"));
  EXPECT_THAT(ParseIdList("e1, e2\ne3\t e4,\n").value(), ElementsAre("e1", "e2", "e3", "e4"));
  EXPECT_THAT(ParseIdList("d1").value(), ElementsAre("d1"));
  EXPECT_THAT(ErrorOf(ParseIdList("").status()), HasSubstr("no ids"));
  EXPECT_THAT(ErrorOf(ParseIdList(" , ,").status()), HasSubstr("no ids"));
  EXPECT_THAT(ErrorOf(ParseIdList("e1,e2,e1").status()), HasSubstr("\"e1\" is listed twice"));
}

TEST(ParseNumberTest, FiniteDecimals) {
  EXPECT_EQ(ParseNumber("95.5").value(), 95.5);
  EXPECT_EQ(ParseNumber("-3").value(), -3);
  EXPECT_EQ(ParseNumber(" 1e2 ").value(), 100);
  EXPECT_FALSE(ParseNumber("").ok());
  EXPECT_FALSE(ParseNumber("high").ok());
  EXPECT_FALSE(ParseNumber("nan").ok());
  EXPECT_FALSE(ParseNumber("inf").ok());
}

TEST(ParseJsonMessageTest, CamelCaseProtoNamesEnumsAndBom) {
  scoring::v1::Scheme scheme;
  absl::Status s = ParseJsonMessage(
      "\xEF\xBB\xBF{\"name\": \"销售\", \"subject_kind\": \"SUBJECT_KIND_EMPLOYEE\",\n"
      " \"cycle\": \"CYCLE_MONTHLY\", \"items\": [{\"code\": \"a\", \"weight\": 60,\n"
      " \"bands\": {\"metric\": \"signed_amount\", \"bands\": [{\"min\": 5000000, \"bonus\": "
      "\"50000\"}]}}]}",
      &scheme);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(scheme.name(), "销售");
  EXPECT_EQ(scheme.subject_kind(), scoring::v1::SUBJECT_KIND_EMPLOYEE);
  EXPECT_EQ(scheme.cycle(), scoring::v1::CYCLE_MONTHLY);
  ASSERT_EQ(scheme.items_size(), 1);
  EXPECT_EQ(scheme.items(0).bands().bands(0).bonus(), 50000);
  EXPECT_FALSE(scheme.items(0).bands().bands(0).has_max());
}

TEST(ParseJsonMessageTest, SyntaxErrorsSayLineAndColumn) {
  scoring::v1::Scheme scheme;
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\n  \"name\": \"x\",,\n}", &scheme)),
            "2:15: expected an object key or }");
  // Columns count characters, not bytes; the context protobuf quotes is found past 20 bytes.
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\"name\": \"销售人员月度绩效考核\" \"cycle\": 1}", &scheme)),
            "1:23: expected , or } after key:value pair");
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\"name\": \"x\"", &scheme)),
            "end of file: unexpected end of string. Expected , or } after key:value pair");
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\"name\": \"x\"} extra", &scheme)),
            "1:15: parsing terminated before end of input");
  EXPECT_EQ(ErrorOf(ParseJsonMessage(" \n ", &scheme)), "the file is empty");
  EXPECT_EQ(ErrorOf(ParseJsonMessage("[1]", &scheme)), "the file must hold a JSON object");
}

TEST(ParseJsonMessageTest, FieldErrorsNameTheField) {
  scoring::v1::Scheme scheme;
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\"nam\": \"x\"}", &scheme)), "nam: unknown field");
  EXPECT_EQ(
      ErrorOf(ParseJsonMessage(
          "{\"items\": [{\"code\": \"a\"}, {\"bands\": {\"bands\": [{\"mx\": 1}]}}]}", &scheme)),
      "items[1].bands.bands[0].mx: unknown field");
  EXPECT_THAT(ErrorOf(ParseJsonMessage("{\"cycle\": \"MONTHLY\"}", &scheme)),
              HasSubstr("cycle: invalid value \"MONTHLY\" (expected one of CYCLE_MONTHLY, "
                        "CYCLE_QUARTERLY, CYCLE_HALF_YEARLY, CYCLE_YEARLY)"));
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\"items\": [{\"weight\": \"much\"}]}", &scheme)),
            "items[0].weight: invalid value \"much\" (expected a number)");
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\"name\": 5}", &scheme)),
            "name: invalid value 5 (expected a string)");
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\"items\": [{\"bands\": 5}]}", &scheme)),
            "items[0].bands: invalid value 5 (expected an object (BandsRule))");
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\"items\": 5}", &scheme)),
            "items: invalid value 5 (expected an array of Item objects)");
  EXPECT_EQ(ErrorOf(ParseJsonMessage("{\"items\": [5]}", &scheme)),
            "items[0]: invalid value 5 (expected an object (Item))");
}

TEST(ParseJsonArrayTest, ElementsIntoTheRepeatedField) {
  scoring::v1::RecordChecklistAssessmentRequest request;
  request.set_scheme_id("sch_1");
  absl::Status s = ParseJsonArray(
      "[{\"section\": \"人员配置\", \"points\": 2.5, \"reason\": \"缺 5 名\",\n"
      "  \"correctiveAction\": \"申请调配\"},\n {\"section\": \"服务质量\", \"points\": 1}]",
      "deductions", &request);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(request.scheme_id(), "sch_1");
  ASSERT_EQ(request.deductions_size(), 2);
  EXPECT_EQ(request.deductions(0).section(), "人员配置");
  EXPECT_EQ(request.deductions(0).points(), 2.5);
  EXPECT_EQ(request.deductions(0).corrective_action(), "申请调配");
  EXPECT_EQ(request.deductions(1).points(), 1);
  ASSERT_TRUE(ParseJsonArray(" [ ] ", "deductions", &request).ok());
  EXPECT_EQ(request.deductions_size(), 2);  // appended to: nothing
}

TEST(ParseJsonArrayTest, ErrorsAreAboutTheArray) {
  scoring::v1::RecordChecklistAssessmentRequest request;
  EXPECT_EQ(ErrorOf(ParseJsonArray("{\"deductions\": []}", "deductions", &request)),
            "expected a JSON array of ChecklistDeduction objects: [{...}, {...}]");
  EXPECT_EQ(
      ErrorOf(ParseJsonArray("[{\"points\": 1}, {\"sectio\": \"x\"}]", "deductions", &request)),
      "[1].sectio: unknown field");
  EXPECT_EQ(ErrorOf(ParseJsonArray("[{\"points\": \"two\"}]", "deductions", &request)),
            "[0].points: invalid value \"two\" (expected a number)");
  EXPECT_EQ(
      ErrorOf(ParseJsonArray("[\n  {\"points\": 1}\n  {\"points\": 2}\n]", "deductions", &request)),
      "3:3: expected , or ] after array value");
  EXPECT_THAT(ErrorOf(ParseJsonArray("[{\"points\": 1}", "deductions", &request)),
              HasSubstr("end of file: "));
  EXPECT_EQ(ErrorOf(ParseJsonArray("", "deductions", &request)), "the file is empty");
  EXPECT_FALSE(ParseJsonArray("[]", "scheme_id", &request).ok());  // not a message field
}

TEST(RandomRequestIdTest, Distinct) {
  std::string a = RandomRequestId();
  EXPECT_THAT(a, ::testing::StartsWith("opsctl-"));
  EXPECT_EQ(a.size(), 7u + 16u);
  EXPECT_NE(a, RandomRequestId());
}

}  // namespace
}  // namespace opsuite::opsctl
