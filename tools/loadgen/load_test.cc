#include "tools/loadgen/load.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::loadgen {
namespace {

using ::testing::HasSubstr;

TEST(ParseMixTest, WeightsDefaultsAndErrors) {
  auto mix = ParseMix("GetEmployee:80, CreateCustomer:20,Echo", KnownOps());
  ASSERT_TRUE(mix.ok()) << mix.status();
  ASSERT_EQ(mix->size(), 3u);
  EXPECT_EQ((*mix)[0].op, "GetEmployee");
  EXPECT_EQ((*mix)[0].weight, 80);
  EXPECT_EQ((*mix)[1].weight, 20);
  EXPECT_EQ((*mix)[2].weight, 1);  // bare name

  auto unknown = ParseMix("GetEmployees:1", KnownOps());
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("unknown operation \"GetEmployees\" (known: Echo, GetEmployee"));
  EXPECT_THAT(std::string(ParseMix("Echo:0", KnownOps()).status().message()),
              HasSubstr("weight of Echo must be a whole number"));
  EXPECT_THAT(std::string(ParseMix("Echo:x", KnownOps()).status().message()),
              HasSubstr("got \"x\""));
  EXPECT_THAT(std::string(ParseMix("Echo:1,Echo:2", KnownOps()).status().message()),
              HasSubstr("named twice"));
  EXPECT_THAT(std::string(ParseMix(" , ", KnownOps()).status().message()),
              HasSubstr("at least one operation"));
}

TEST(PickerTest, FollowsTheWeights) {
  auto mix = ParseMix("GetEmployee:80,CreateCustomer:20", KnownOps());
  ASSERT_TRUE(mix.ok());
  Picker picker(*mix);
  // Values 0..79 (mod 100) pick the first entry, 80..99 the second.
  EXPECT_EQ(picker.Pick(0), 0u);
  EXPECT_EQ(picker.Pick(79), 0u);
  EXPECT_EQ(picker.Pick(80), 1u);
  EXPECT_EQ(picker.Pick(99), 1u);
  EXPECT_EQ(picker.Pick(100), 0u);
  int second = 0;
  for (uint64_t r = 0; r < 10000; ++r) second += picker.Pick(r * 7919) == 1;
  EXPECT_EQ(second, 2000);  // exactly 20% over whole periods
}

TEST(PercentileTest, NearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  EXPECT_EQ(Percentile(v, 0.50), 500);
  EXPECT_EQ(Percentile(v, 0.99), 990);
  EXPECT_EQ(Percentile(v, 0.999), 999);
  EXPECT_EQ(Percentile(v, 1.0), 1000);
  EXPECT_EQ(Percentile({}, 0.5), 0);
  EXPECT_EQ(Percentile({7}, 0.999), 7);
}

TEST(RecorderTest, MergesSlotsAndSummarizesByOpAndInAll) {
  std::vector<Recorder> slots(2, Recorder(2));
  for (int i = 1; i <= 100; ++i) slots[i % 2].Record(0, i, "OK");
  slots[0].Record(1, 500, "OK");
  slots[1].Record(1, 1000, "UNAVAILABLE");
  slots[1].Record(1, 2000, "UNAVAILABLE");
  slots[0].Record(1, 3000, "DEADLINE_EXCEEDED");
  Recorder all = Recorder::Merge(slots);
  EXPECT_EQ(all.calls(), 104u);
  std::vector<Summary> s = all.Summarize({"GetEmployee", "CreateCustomer"}, 2.0);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].op, "GetEmployee");
  EXPECT_EQ(s[0].calls, 100u);
  EXPECT_EQ(s[0].ok, 100u);
  EXPECT_TRUE(s[0].errors.empty());
  EXPECT_EQ(s[0].qps, 50);
  EXPECT_EQ(s[0].p50_ms, 50);
  EXPECT_EQ(s[0].p99_ms, 99);
  EXPECT_EQ(s[0].max_ms, 100);
  EXPECT_EQ(s[1].calls, 4u);
  EXPECT_EQ(s[1].ok, 1u);
  EXPECT_EQ(s[1].errors.at("UNAVAILABLE"), 2u);
  EXPECT_EQ(s[1].errors.at("DEADLINE_EXCEEDED"), 1u);
  EXPECT_EQ(s[2].op, "all");
  EXPECT_EQ(s[2].calls, 104u);
  EXPECT_EQ(s[2].ok, 101u);
  EXPECT_EQ(s[2].max_ms, 3000);

  nlohmann::json j = ToJson(s);
  EXPECT_EQ(j[1]["errors"]["UNAVAILABLE"], 2);
  EXPECT_EQ(j[2]["calls"], 104);
  std::string table = ToTable(s);
  EXPECT_THAT(table, HasSubstr("| CreateCustomer | 4 | DEADLINE_EXCEEDED 1, UNAVAILABLE 2 | 2 |"));
  EXPECT_THAT(table, HasSubstr("| all | 104 |"));
}

}  // namespace
}  // namespace opsuite::loadgen
