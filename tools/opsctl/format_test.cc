#include "tools/opsctl/format.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opsuite/planning/v1/goal_card.pb.h"
#include "opsuite/planning/v1/target.pb.h"

namespace opsuite::opsctl {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Pair;

TEST(DisplayWidthTest, CountsWideCharactersTwice) {
  EXPECT_EQ(DisplayWidth(""), 0);
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("销售部"), 6);
  EXPECT_EQ(DisplayWidth("1.5亿"), 5);
  EXPECT_EQ(DisplayWidth("é"), 1);
  EXPECT_EQ(PadRight("部", 4), "部  ");
}

TEST(TableTest, AlignsColumnsWithCjk) {
  Table table({"ID", "NAME", "MANAGER"});
  table.AddRow({"d1", "销售部", "e1"});
  table.AddRow({"d22", "Research", ""});
  EXPECT_EQ(table.Render(),
            "ID   NAME      MANAGER\n"
            "d1   销售部    e1\n"
            "d22  Research\n");
}

TEST(KeyValuesTest, Aligns) {
  EXPECT_EQ(RenderKeyValues({{"id", "t1"}, {"plan to date", "5"}}),
            "id            t1\n"
            "plan to date  5\n");
}

TEST(FormatTest, ShortForms) {
  common::v1::Period period;
  EXPECT_EQ(FormatPeriod(period), "");
  period.set_granularity(common::v1::GRANULARITY_MONTH);
  period.set_start_date("2026-03-01");
  EXPECT_EQ(FormatPeriod(period), "MONTH:2026-03-01");

  planning::v1::Owner owner;
  owner.set_kind(planning::v1::OWNER_KIND_ORG);
  EXPECT_EQ(FormatOwner(owner), "org");
  owner.set_kind(planning::v1::OWNER_KIND_EMPLOYEE);
  owner.set_id("e1");
  EXPECT_EQ(FormatOwner(owner), "employee:e1");

  google::protobuf::Timestamp ts;
  EXPECT_EQ(FormatTimestamp(ts), "");
  ts.set_seconds(1772456400);
  EXPECT_EQ(FormatTimestamp(ts), "2026-03-02T13:00:00Z");

  EXPECT_EQ(FormatPercent(0.409), "40.9%");
  EXPECT_EQ(FormatNumber(90), "90");
  EXPECT_EQ(FormatNumber(87.5), "87.5");
  EXPECT_EQ(FormatNumber(150000000), "150000000");
}

TEST(FormatMoneyTest, ThousandsAndCents) {
  EXPECT_EQ(FormatMoney(0), "0.00");
  EXPECT_EQ(FormatMoney(5), "0.05");
  EXPECT_EQ(FormatMoney(99999), "999.99");
  EXPECT_EQ(FormatMoney(100000), "1,000.00");
  EXPECT_EQ(FormatMoney(1200050), "12,000.50");
  EXPECT_EQ(FormatMoney(123456789), "1,234,567.89");
  EXPECT_EQ(FormatMoney(-1200000), "-12,000.00");
  EXPECT_EQ(FormatMoney(INT64_MIN), "-92,233,720,368,547,758.08");
}

struct Item {
  std::string id;
  std::string name;
};

TEST(ColumnsTest, OneDefinitionForTableAndRecord) {
  const std::vector<Column<Item>> columns = {
      {"ID", [](const Item& i) { return i.id; }},
      {"FULL NAME", [](const Item& i) { return i.name; }},
  };
  const std::vector<Item> items = {{"a1", "销售部"}, {"b22", ""}};
  EXPECT_EQ(RenderTable(columns, items),
            "ID   FULL NAME\n"
            "a1   销售部\n"
            "b22\n");
  EXPECT_THAT(RecordFields(columns, items[0]),
              ElementsAre(Pair("id", "a1"), Pair("full name", "销售部")));
  EXPECT_THAT(RecordFields(columns, items[1]), ElementsAre(Pair("id", "b22")));  // empty: left out
}

TEST(MessageFieldsTest, FlattensWithShortForms) {
  planning::v1::Target target;
  target.set_id("t1");
  target.mutable_owner()->set_kind(planning::v1::OWNER_KIND_DEPARTMENT);
  target.mutable_owner()->set_id("d1");
  target.set_metric("sales");
  target.mutable_period()->set_granularity(common::v1::GRANULARITY_YEAR);
  target.mutable_period()->set_start_date("2026-01-01");
  target.set_value(150000000);
  target.set_decomposition(planning::v1::DECOMPOSITION_BY_TIME);
  target.mutable_create_time()->set_seconds(1772456400);
  EXPECT_THAT(
      MessageFields(target),
      ElementsAre(Pair("id", "t1"), Pair("owner", "department:d1"), Pair("metric", "sales"),
                  Pair("period", "YEAR:2026-01-01"), Pair("value", "150000000"),
                  Pair("decomposition", "BY_TIME"), Pair("create_time", "2026-03-02T13:00:00Z")));
}

TEST(MessageFieldsTest, RepeatedMessagesAndOptionals) {
  planning::v1::GoalCard card;
  card.set_id("c1");
  auto* task = card.add_tasks();
  task->set_id("t1");
  task->set_weight(100);
  task->set_score(0);  // explicitly present, so shown
  KeyValues fields = MessageFields(card);
  EXPECT_THAT(fields, Contains(Pair("tasks[0].id", "t1")));
  EXPECT_THAT(fields, Contains(Pair("tasks[0].weight", "100")));
  EXPECT_THAT(fields, Contains(Pair("tasks[0].score", "0")));
}

}  // namespace
}  // namespace opsuite::opsctl
