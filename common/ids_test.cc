#include "common/ids.h"

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace opsuite {
namespace {

TEST(IdsTest, IdsAreUniqueAndSortByTime) {
  absl::flat_hash_set<std::string> seen;
  absl::Time t = absl::FromUnixSeconds(1'790'000'000);
  std::string previous;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("emp", t + absl::Milliseconds(i));
    EXPECT_EQ(id.size(), 4u + 26u);
    EXPECT_EQ(id.substr(0, 4), "emp_");
    EXPECT_TRUE(seen.insert(id).second);
    EXPECT_LT(previous, id);
    previous = id;
  }
}

TEST(IdsTest, IdsMadeAtTheSameInstantStillSortInCreationOrder) {
  absl::Time frozen = absl::FromUnixSeconds(1'800'000'000);
  std::string previous = NewId("x", frozen);
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("x", frozen);
    EXPECT_LT(previous, id);
    previous = id;
  }
  // A clock that steps back does not break the order either.
  EXPECT_LT(previous, NewId("x", frozen - absl::Hours(1)));
}

TEST(IdsTest, PageTokensRoundTripAndRejectForgeries) {
  std::string token = EncodePageToken("emp_01ABC");
  EXPECT_EQ(*DecodePageToken(token), "emp_01ABC");
  EXPECT_EQ(*DecodePageToken(""), "");
  EXPECT_EQ(DecodePageToken("not a token!").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("aGVsbG8").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(IdsTest, PageSizeDefaultsAndCaps) {
  EXPECT_EQ(*PageSize(0), 100);
  EXPECT_EQ(*PageSize(5000), 1000);
  EXPECT_EQ(*PageSize(7), 7);
  EXPECT_FALSE(PageSize(-1).ok());
}

}  // namespace
}  // namespace opsuite
