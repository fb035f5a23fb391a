#include "services/gateway/path_template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(PathTemplateTest, LiteralsVariablesAndVerbs) {
  auto t = PathTemplate::Parse("/v1/goalCards/{id}:return");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->verb(), "return");
  EXPECT_THAT(*t->Match("/v1/goalCards/gc_1:return"), ElementsAre(Pair("id", "gc_1")));
  EXPECT_FALSE(t->Match("/v1/goalCards/gc_1:approve"));
  EXPECT_FALSE(t->Match("/v1/goalCards/gc_1"));
  EXPECT_FALSE(t->Match("/v1/goalCards/a/b:return"));
  EXPECT_EQ(t->OpenApiPath(), "/v1/goalCards/{id}:return");
}

TEST(PathTemplateTest, NestedFieldPathsAndPercentDecoding) {
  auto t = PathTemplate::Parse("/v1/goalCards/{goal_card.id}");
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(*t->Match("/v1/goalCards/%E5%8D%8E%20x"), ElementsAre(Pair("goal_card.id", "华 x")));
  EXPECT_FALSE(t->Match("/v1/goalCards/%zz"));
  EXPECT_FALSE(t->Match("/v1/goalCards/"));  // an empty segment binds nothing
  EXPECT_THAT(t->Variables(), ElementsAre("goal_card.id"));
}

TEST(PathTemplateTest, VerbOnACollectionIsNotAnId) {
  auto get = PathTemplate::Parse("/v1/employees/{id}");
  auto batch = PathTemplate::Parse("/v1/employees:batchGet");
  auto list = PathTemplate::Parse("/v1/employees");
  ASSERT_TRUE(get.ok() && batch.ok() && list.ok());
  EXPECT_FALSE(get->Match("/v1/employees:batchGet"));
  EXPECT_TRUE(batch->Match("/v1/employees:batchGet"));
  EXPECT_FALSE(list->Match("/v1/employees:batchGet"));
  EXPECT_TRUE(list->Match("/v1/employees"));
}

TEST(PathTemplateTest, MultiSegmentVariablesAndWildcards) {
  auto t = PathTemplate::Parse("/v1/{name=orgs/*/files/**}");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(*t->Match("/v1/orgs/o1/files/a/b/c"), ElementsAre(Pair("name", "orgs/o1/files/a/b/c")));
  EXPECT_FALSE(t->Match("/v1/orgs/o1/blobs/a"));
  EXPECT_EQ(t->OpenApiPath(), "/v1/{name}");
  auto star = PathTemplate::Parse("/v1/*/things");
  ASSERT_TRUE(star.ok());
  EXPECT_TRUE(star->Match("/v1/x/things"));
  EXPECT_EQ(star->literal_count(), 2);
}

TEST(PathTemplateTest, RejectsBadTemplates) {
  for (const char* bad : {"v1/x", "/v1/{id", "/v1//x", "/v1/x/", "/v1/**/x", "/v1/x:", "/v1/{=a}"}) {
    EXPECT_FALSE(PathTemplate::Parse(bad).ok()) << bad;
  }
}

TEST(PercentDecodeTest, Escapes) {
  EXPECT_EQ(*PercentDecode("a%2Fb"), "a/b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("a+b"), "a+b");
  EXPECT_FALSE(PercentDecode("%4"));
  EXPECT_FALSE(PercentDecode("%"));
}

}  // namespace
}  // namespace opsuite::gateway
