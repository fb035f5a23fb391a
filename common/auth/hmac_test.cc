#include "common/auth/hmac.h"

#include <array>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace opsuite::auth {
namespace {

// RFC 4231 test case 2.
TEST(HmacTest, Rfc4231Case2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4231 test case 1: a 20-byte key of 0x0b.
TEST(HmacTest, Rfc4231Case1) {
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacTest, RawMatchesHex) {
  std::array<unsigned char, kHmacSha256Size> mac = HmacSha256("k", "data");
  std::string hex = HmacSha256Hex("k", "data");
  ASSERT_EQ(hex.size(), 64u);
  char first[3];
  snprintf(first, sizeof(first), "%02x", mac[0]);
  EXPECT_EQ(hex.substr(0, 2), first);
}

TEST(HmacTest, EmptyKeyAndData) {
  // HMAC-SHA256 with an empty key of the empty message.
  EXPECT_EQ(HmacSha256Hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace opsuite::auth
