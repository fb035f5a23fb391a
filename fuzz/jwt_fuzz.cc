// JWT verification, from any token text, and from any header and payload signed with the
// verifier's key (so the JSON of a correctly signed token is fuzzed too, not only the
// signature check). Input: the token; when it holds no '.', it is used as it is only.
// Properties: no crash; every refusal is UNAUTHENTICATED; a token that verifies names a
// subject and an org; a token verifies the same the second time (the remembered path).
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/auth/hmac.h"
#include "common/auth/jwt.h"
#include "common/clock.h"
#include "fuzz/check.h"

namespace {

using opsuite::auth::JwtVerifier;

constexpr char kSecret[] = "fuzz-secret";

void Check(const JwtVerifier& verifier, std::string_view token) {
  auto first = verifier.Verify(token);
  auto second = verifier.Verify(token);
  FUZZ_CHECK(first.ok() == second.ok(), "a token verified differently the second time");
  if (!first.ok()) {
    FUZZ_CHECK(first.status().code() == absl::StatusCode::kUnauthenticated, "%s",
               first.status().ToString().c_str());
    return;
  }
  FUZZ_CHECK(!first->subject.empty() && !first->org.empty(), "a principal without sub or org");
  FUZZ_CHECK(first->subject == second->subject && first->org == second->org,
             "the remembered principal differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8 * 1024) return 0;
  // 2026-11-25: tokens' iat/exp/nbf are judged against this instant.
  static opsuite::FakeClock clock(absl::FromUnixSeconds(1795564800));
  static const JwtVerifier verifier({{"", kSecret}}, &clock);
  static const JwtVerifier two_keys({{"old", "old-secret"}, {"new", kSecret}}, &clock);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(verifier, text);
  Check(two_keys, text);
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return 0;
  // header.payload from the input's two parts, base64url-encoded and signed with the key.
  const std::string signing_input =
      absl::StrCat(opsuite::auth::Base64UrlEncode(text.substr(0, dot)), ".",
                   opsuite::auth::Base64UrlEncode(text.substr(dot + 1)));
  const auto mac = opsuite::auth::HmacSha256(kSecret, signing_input);
  const std::string token = absl::StrCat(
      signing_input, ".",
      opsuite::auth::Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()),
                                                      mac.size())));
  Check(verifier, token);
  Check(two_keys, token);
  return 0;
}
