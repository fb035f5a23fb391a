#include "services/crm/domain/search.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::crm {
namespace {

using ::testing::HasSubstr;

class SearchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto folder = TextFolder::Create();
    ASSERT_TRUE(folder.ok()) << folder.status();
    folder_ = std::move(folder).value().release();
  }
  static void TearDownTestSuite() {
    delete folder_;
    folder_ = nullptr;
  }

  static std::string Fold(absl::string_view text) { return folder_->Fold(text); }
  static bool FoldedMatch(absl::string_view haystack, absl::string_view needle) {
    return Matches(Fold(haystack), Fold(needle));
  }

  static TextFolder* folder_;
};

TextFolder* SearchTest::folder_ = nullptr;

TEST_F(SearchTest, TraditionalFoldsToSimplified) {
  // Seed 003 is Traditional; the glossary pairs of domain.md §7.
  EXPECT_EQ(Fold("銷售"), "销售");
  EXPECT_EQ(Fold("銷售"), Fold("销售"));
  EXPECT_EQ(Fold("績效"), Fold("绩效"));
  EXPECT_EQ(Fold("報"), Fold("报"));
  EXPECT_EQ(Fold("廣東佐妮化妝品有限公司"), "广东佐妮化妆品有限公司");
}

TEST_F(SearchTest, TraditionalHaystackMatchesSimplifiedNeedleAndBack) {
  EXPECT_TRUE(FoldedMatch("廣東佐妮化妝品有限公司", "广东佐妮"));
  EXPECT_TRUE(FoldedMatch("广东佐妮化妆品有限公司", "化妝品"));
  EXPECT_TRUE(FoldedMatch("銷售部", "销售"));
  EXPECT_FALSE(FoldedMatch("銷售部", "财务"));
  EXPECT_FALSE(FoldedMatch("广东佐妮", "广东佐妮化妆品"));  // the needle is longer
}

TEST_F(SearchTest, FullWidthAsciiBecomesHalfWidthAndLowerCase) {
  EXPECT_EQ(Fold("ＡＢＣ Hotel"), "abchotel");
  EXPECT_TRUE(FoldedMatch("ＡＢＣ Hotel", "abchotel"));
  EXPECT_TRUE(FoldedMatch("abc hotel", "ＡＢＣ"));
  EXPECT_EQ(Fold("１２３４５"), "12345");
  EXPECT_EQ(Fold("ｓｈａｎｇｈａｉ"), "shanghai");
}

TEST_F(SearchTest, MixedCase) {
  EXPECT_EQ(Fold("Grand HYATT Shanghai"), "grandhyattshanghai");
  EXPECT_TRUE(FoldedMatch("Grand HYATT Shanghai", "hyatt"));
  EXPECT_TRUE(FoldedMatch("grand hyatt", "HyAtT"));
  // Only ASCII is case-folded; other scripts are left alone.
  EXPECT_EQ(Fold("ÉCOLE"), "École");
}

TEST_F(SearchTest, WhitespaceAndPunctuationAreDropped) {
  EXPECT_EQ(Fold("佐妮（广东）-化妆品 「总店」·，。"), "佐妮广东化妆品总店");
  EXPECT_EQ(Fold("佐妮(广东)"), Fold("佐妮 广东"));
  EXPECT_EQ(Fold("约翰·史密斯"), "约翰史密斯");
  EXPECT_EQ(Fold("a\tb\r\nc\u3000d\u00a0e"), "abcde");  // ideographic and no-break spaces
  EXPECT_EQ(Fold("138-0000-0000"), "13800000000");
  EXPECT_EQ(Fold("『名』、“引”"), "名引");
  EXPECT_TRUE(FoldedMatch("广东 佐妮 化妆品", "佐妮化妆品"));
}

TEST_F(SearchTest, EmptyNeedleMatchesEverything) {
  EXPECT_TRUE(Matches("anything", ""));
  EXPECT_TRUE(Matches("", ""));
  EXPECT_EQ(Fold("  ，。 "), "");  // a query of only punctuation folds to ""
  EXPECT_TRUE(FoldedMatch("广东佐妮", "  ，。 "));
  EXPECT_FALSE(Matches("", "a"));
}

TEST_F(SearchTest, InvalidUtf8BecomesReplacementCharacters) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(Fold("\xFF"
                 "ABC"),
            replacement + "abc");
  // A truncated three-byte sequence: the lead byte and the lone continuation byte each.
  EXPECT_EQ(Fold("\xE9\x8A"), replacement + replacement);
  // An overlong '/' and a surrogate are not let through.
  EXPECT_EQ(Fold("\xC0\xAF"), replacement + replacement);
  EXPECT_EQ(Fold("\xED\xA0\x80"), replacement + replacement + replacement);
  // Garbage never matches real text.
  EXPECT_FALSE(FoldedMatch("\xE9\x8A", "销"));
}

TEST_F(SearchTest, CustomerMatchesNameOrContactName) {
  v1::Customer customer;
  customer.set_name("廣東佐妮化妝品有限公司");
  customer.add_contacts()->set_name("陳經理");
  customer.add_contacts()->set_name("Tracy Wang");
  EXPECT_TRUE(CustomerMatches(*folder_, customer, Fold("佐妮")));
  EXPECT_TRUE(CustomerMatches(*folder_, customer, Fold("陈经理")));
  EXPECT_TRUE(CustomerMatches(*folder_, customer, Fold("TRACY")));
  EXPECT_TRUE(CustomerMatches(*folder_, customer, Fold("")));
  EXPECT_FALSE(CustomerMatches(*folder_, customer, Fold("李")));
}

TEST_F(SearchTest, NormalizedNameIsFoldOnly) {
  EXPECT_EQ(NormalizedName(*folder_, "廣東佐妮化妝品有限公司"),
            NormalizedName(*folder_, "广东 佐妮化妆品 有限公司"));
  EXPECT_EQ(NormalizedName(*folder_, "ＡＢＣ Hotel"), NormalizedName(*folder_, "abc hotel"));
  // Company suffixes are kept: a shop and the company may be different customers.
  EXPECT_NE(NormalizedName(*folder_, "佐妮化妆品"), NormalizedName(*folder_, "佐妮化妆品有限公司"));
}

TEST_F(SearchTest, ConcurrentFoldsAgree) {
  const std::string expected = Fold("廣東佐妮化妝品有限公司 銷售部");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &expected, &mismatches] {
      for (int i = 0; i < 200; ++i) {
        if (folder_->Fold("廣東佐妮化妝品有限公司 銷售部") != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(TextFolderCreateTest, MissingConfigurationIsAStatusNotAThrow) {
  auto folder = TextFolder::Create("no_such_opencc_config.json");
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(folder.status().message()), HasSubstr("no_such_opencc_config.json"));
}

TEST(TextFolderCreateTest, DefaultConfigurationLoads) {
  auto folder = TextFolder::Create();
  ASSERT_TRUE(folder.ok()) << folder.status();
  EXPECT_EQ((*folder)->Fold("測試"), "测试");
}

}  // namespace
}  // namespace opsuite::crm
