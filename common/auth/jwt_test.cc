#include "common/auth/jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace opsuite::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Json = nlohmann::json;

constexpr char kSecret[] = "opsuite-test-secret";
constexpr char kOtherSecret[] = "another-secret";

// 2026-01-01T06:00:00Z.
const absl::Time kNow = absl::FromUnixSeconds(1767247200);

std::string HmacB64(std::string_view secret, std::string_view data) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

// A token with arbitrary header and payload text, HS256-signed with `secret`.
std::string RawToken(std::string_view header, std::string_view payload, std::string_view secret) {
  std::string input = absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload));
  return absl::StrCat(input, ".", HmacB64(secret, input));
}
std::string Token(const Json& header, const Json& payload, std::string_view secret = kSecret) {
  return RawToken(header.dump(), payload.dump(), secret);
}

Json GoodHeader() { return {{"alg", "HS256"}, {"typ", "JWT"}}; }
Json GoodPayload() {
  return {{"sub", "emp_1"},
          {"org", "acme"},
          {"roles", {"manager"}},
          {"exp", absl::ToUnixSeconds(kNow + absl::Hours(1))}};
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest() : clock_(kNow), verifier_({{"", kSecret}}, &clock_) {}

  // Verify must fail UNAUTHENTICATED with a message containing `needle`.
  void ExpectRejected(const std::string& token, const std::string& needle) {
    absl::StatusOr<Principal> p = verifier_.Verify(token);
    ASSERT_FALSE(p.ok()) << "token accepted: " << token;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << p.status();
    EXPECT_THAT(p.status().message(), HasSubstr(needle));
  }

  FakeClock clock_;
  JwtVerifier verifier_;
};

TEST(Base64UrlTest, Rfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf"), "-_-_");  // the URL-safe characters
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff\xbf"}) {
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(s)), s);
  }
}

TEST(Base64UrlTest, DecodeRejectsNonCanonicalText) {
  EXPECT_EQ(Base64UrlDecode("Zg=="), std::nullopt);       // padding
  EXPECT_EQ(Base64UrlDecode("Zm9v YmFy"), std::nullopt);  // whitespace
  EXPECT_EQ(Base64UrlDecode("Zm9v+/"), std::nullopt);     // the standard alphabet
  EXPECT_EQ(Base64UrlDecode("Z"), std::nullopt);          // impossible length
  EXPECT_EQ(Base64UrlDecode("Zh"), std::nullopt);         // non-zero trailing bits
}

// Computed independently with Python:
//   h = json.dumps({"alg":"HS256","kid":"k1","typ":"JWT"}, separators=(',',':'), sort_keys=True)
//   p = json.dumps({"sub":"emp_1","org":"acme","roles":["admin","manager"],
//                   "iat":1767225600,"exp":1767268800}, separators=(',',':'), sort_keys=True)
//   b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()
//   si = b64(h.encode()) + '.' + b64(p.encode())
//   si + '.' + b64(hmac.new(b"opsuite-test-secret", si.encode(), hashlib.sha256).digest())
constexpr char kKnownToken[] =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0."
    "eyJleHAiOjE3NjcyNjg4MDAsImlhdCI6MTc2NzIyNTYwMCwib3JnIjoiYWNtZSIsInJvbGVzIjpbImFkbWluIiwibW"
    "FuYWdlciJdLCJzdWIiOiJlbXBfMSJ9."
    "asIBIozaIYX3fBxEgeVIR7YVb-PpzGKWWdaOkMpFNds";

TEST_F(JwtTest, KnownVectorVerifies) {
  JwtVerifier verifier({{"k1", kSecret}}, &clock_);
  absl::StatusOr<Principal> p = verifier.Verify(kKnownToken);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "emp_1");
  EXPECT_EQ(p->org, "acme");
  EXPECT_THAT(p->roles, ElementsAre(Role::kAdmin, Role::kManager));
  EXPECT_TRUE(p->IsAdmin());
}

TEST_F(JwtTest, MintReproducesKnownVector) {
  std::string token =
      MintJwt({.subject = "emp_1", .org = "acme", .roles = {"admin", "manager"}}, {"k1", kSecret},
              absl::FromUnixSeconds(1767225600), absl::FromUnixSeconds(1767268800));
  EXPECT_EQ(token, kKnownToken);
}

TEST_F(JwtTest, JwtIoVectorSignatureChecksThenClaimsAreRequired) {
  // The example on jwt.io (secret "your-256-bit-secret"): the signature is good, so the
  // verifier gets as far as the claims, which lack exp.
  constexpr char kJwtIo[] =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  JwtVerifier right({{"", "your-256-bit-secret"}}, &clock_);
  absl::StatusOr<Principal> p = right.Verify(kJwtIo);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(p.status().message(), HasSubstr("missing claim exp"));
  ExpectRejected(kJwtIo, "bad signature");  // our secret is another one
}

TEST_F(JwtTest, RoundTrip) {
  std::string token = MintJwt({.subject = "emp_7", .org = "zn", .roles = {"employee", "service"}},
                              {"", kSecret}, kNow, kNow + absl::Hours(12));
  absl::StatusOr<Principal> p = verifier_.Verify(token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "emp_7");
  EXPECT_EQ(p->org, "zn");
  EXPECT_THAT(p->roles, ElementsAre(Role::kEmployee, Role::kService));
  EXPECT_TRUE(p->SeesOrg());
}

TEST_F(JwtTest, RoundTripNonAsciiClaims) {
  std::string token = MintJwt({.subject = "张三", .org = "佐妮", .roles = {}}, {"", kSecret}, kNow,
                              kNow + absl::Hours(1));
  absl::StatusOr<Principal> p = verifier_.Verify(token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "张三");
  EXPECT_EQ(p->org, "佐妮");
  EXPECT_THAT(p->roles, IsEmpty());
}

TEST_F(JwtTest, RejectsWrongNumberOfParts) {
  ExpectRejected("", "malformed token");
  ExpectRejected("abc", "expected 3 dot-separated parts");
  ExpectRejected("a.b", "got 2");
  ExpectRejected(Token(GoodHeader(), GoodPayload()) + ".x", "got 4");
}

TEST_F(JwtTest, RejectsBadBase64) {
  std::string good = Token(GoodHeader(), GoodPayload());
  std::vector<std::string> parts = absl::StrSplit(good, '.');
  ExpectRejected(absl::StrCat("ey*J.", parts[1], ".", parts[2]), "header is not valid base64url");
  ExpectRejected(absl::StrCat(parts[0], ".", parts[1], "=.", parts[2]),
                 "payload is not valid base64url");
  ExpectRejected(absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "=="),
                 "signature is not valid base64url");
}

TEST_F(JwtTest, RejectsBadJson) {
  ExpectRejected(RawToken("{\"alg\":", GoodPayload().dump(), kSecret),
                 "header is not a JSON object");
  ExpectRejected(RawToken(GoodHeader().dump(), "not json", kSecret),
                 "payload is not a JSON object");
  ExpectRejected(RawToken(GoodHeader().dump(), "[1,2]", kSecret), "payload is not a JSON object");
}

TEST_F(JwtTest, RejectsAlgNone) {
  // An unsigned token, as an attacker would send it.
  std::string unsigned_token = absl::StrCat(Base64UrlEncode(R"({"alg":"none","typ":"JWT"})"), ".",
                                            Base64UrlEncode(GoodPayload().dump()), ".");
  ExpectRejected(unsigned_token, "alg none is not accepted");
  ExpectRejected(Token({{"alg", "None"}}, GoodPayload()), "alg none is not accepted");
}

TEST_F(JwtTest, RejectsOtherAlgorithms) {
  ExpectRejected(Token({{"alg", "RS256"}}, GoodPayload()), "unsupported alg RS256");
  ExpectRejected(Token({{"alg", "HS512"}}, GoodPayload()), "only HS256 is accepted");
  ExpectRejected(Token({{"typ", "JWT"}}, GoodPayload()), "has no alg");
  ExpectRejected(Token({{"alg", 5}}, GoodPayload()), "has no alg");
}

TEST_F(JwtTest, RejectsUnknownKid) {
  Json header = GoodHeader();
  header["kid"] = "k9";
  ExpectRejected(Token(header, GoodPayload()), "unknown kid \"k9\"");
  header["kid"] = 3;
  ExpectRejected(Token(header, GoodPayload()), "kid must be a string");
}

TEST_F(JwtTest, RejectsBadSignature) {
  ExpectRejected(Token(GoodHeader(), GoodPayload(), kOtherSecret), "bad signature");

  // A payload changed after signing.
  std::string good = Token(GoodHeader(), GoodPayload());
  std::vector<std::string> parts = absl::StrSplit(good, '.');
  Json admin = GoodPayload();
  admin["roles"] = {"admin"};
  ExpectRejected(absl::StrCat(parts[0], ".", Base64UrlEncode(admin.dump()), ".", parts[2]),
                 "bad signature");
  // A truncated signature, and none at all.
  ExpectRejected(absl::StrCat(parts[0], ".", parts[1], ".", parts[2].substr(0, 20)),
                 "bad signature");
  ExpectRejected(absl::StrCat(parts[0], ".", parts[1], "."), "bad signature");
}

TEST_F(JwtTest, ExpiryHonoursLeeway) {
  Json payload = GoodPayload();
  payload["exp"] = absl::ToUnixSeconds(kNow - absl::Seconds(20));  // within the 30 s leeway
  EXPECT_TRUE(verifier_.Verify(Token(GoodHeader(), payload)).ok());
  payload["exp"] = absl::ToUnixSeconds(kNow - absl::Seconds(31));
  ExpectRejected(Token(GoodHeader(), payload), "token expired at 2026-01-01T05:59:29Z");

  // The same token accepted now, refused once the clock passes exp + leeway.
  std::string token =
      MintJwt({.subject = "e", .org = "o"}, {"", kSecret}, kNow, kNow + absl::Minutes(5));
  EXPECT_TRUE(verifier_.Verify(token).ok());
  clock_.Advance(absl::Minutes(5) + absl::Seconds(31));
  ExpectRejected(token, "token expired");
}

TEST_F(JwtTest, ARememberedTokenIsExactlyItsText) {
  std::string token = Token(GoodHeader(), GoodPayload());
  ASSERT_TRUE(verifier_.Verify(token).ok());
  ASSERT_TRUE(verifier_.Verify(token).ok());  // remembered now
  // The same header and payload with another signature, or a changed payload under the
  // remembered signature: each is its own text, checked in full.
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  ExpectRejected(forged, "bad signature");
  Json admin = GoodPayload();
  admin["roles"] = {"admin"};
  const std::string sig = token.substr(token.rfind('.'));
  ExpectRejected(absl::StrCat(Base64UrlEncode(GoodHeader().dump()), ".",
                              Base64UrlEncode(admin.dump()), sig),
                 "bad signature");
  // Many other tokens later (more than are remembered), it still verifies, and it is still
  // refused once expired.
  for (int i = 0; i < static_cast<int>(JwtVerifier::kRemembered) * 2; ++i) {
    Json p = GoodPayload();
    p["sub"] = absl::StrCat("emp_", i);
    ASSERT_TRUE(verifier_.Verify(Token(GoodHeader(), p)).ok());
  }
  absl::StatusOr<Principal> again = verifier_.Verify(token);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->subject, "emp_1");
  clock_.Advance(absl::Hours(1) + absl::Seconds(31));
  ExpectRejected(token, "token expired");
}

TEST_F(JwtTest, NotBeforeHonoursLeeway) {
  Json payload = GoodPayload();
  payload["nbf"] = absl::ToUnixSeconds(kNow + absl::Seconds(20));
  EXPECT_TRUE(verifier_.Verify(Token(GoodHeader(), payload)).ok());
  payload["nbf"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  ExpectRejected(Token(GoodHeader(), payload), "token not valid before 2026-01-01T06:05:00Z");
  payload["nbf"] = "soon";
  ExpectRejected(Token(GoodHeader(), payload), "claim nbf must be a number");
}

TEST_F(JwtTest, RejectsMissingClaims) {
  for (const char* claim : {"sub", "org", "exp"}) {
    Json payload = GoodPayload();
    payload.erase(claim);
    ExpectRejected(Token(GoodHeader(), payload), absl::StrCat("missing claim ", claim));
  }
  Json payload = GoodPayload();
  payload["sub"] = "";
  ExpectRejected(Token(GoodHeader(), payload), "missing claim sub");
  payload = GoodPayload();
  payload["org"] = 42;
  ExpectRejected(Token(GoodHeader(), payload), "missing claim org");
  payload = GoodPayload();
  payload["exp"] = "tomorrow";
  ExpectRejected(Token(GoodHeader(), payload), "claim exp must be a number");
}

TEST_F(JwtTest, RolesMustBeStrings) {
  Json payload = GoodPayload();
  payload["roles"] = {"admin", 3};
  ExpectRejected(Token(GoodHeader(), payload), "claim roles must be an array of strings");
  payload["roles"] = Json::object({{"admin", true}});
  ExpectRejected(Token(GoodHeader(), payload), "claim roles must be an array of strings");
}

TEST_F(JwtTest, RolesAsSpaceSeparatedStringAndUnknownNamesIgnored) {
  Json payload = GoodPayload();
  payload["roles"] = "admin  manager superuser";
  absl::StatusOr<Principal> p = verifier_.Verify(Token(GoodHeader(), payload));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->roles, ElementsAre(Role::kAdmin, Role::kManager));

  payload["roles"] = {"root", "employee", "employee"};
  p = verifier_.Verify(Token(GoodHeader(), payload));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->roles, ElementsAre(Role::kEmployee));

  payload.erase("roles");
  p = verifier_.Verify(Token(GoodHeader(), payload));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->roles, IsEmpty());
}

TEST_F(JwtTest, KeyRotation) {
  const SigningKey old_key{"2025", kSecret};
  const SigningKey new_key{"2026", kOtherSecret};
  const Claims claims{.subject = "emp_1", .org = "acme", .roles = {"employee"}};
  std::string old_token = MintJwt(claims, old_key, kNow, kNow + absl::Hours(1));
  std::string new_token = MintJwt(claims, new_key, kNow, kNow + absl::Hours(1));

  // During the overlap both verify.
  JwtVerifier both({old_key, new_key}, &clock_);
  EXPECT_TRUE(both.Verify(old_token).ok());
  EXPECT_TRUE(both.Verify(new_token).ok());

  // A kid names its key: the right secret under the wrong kid fails.
  JwtVerifier swapped({{"2025", kOtherSecret}, {"2026", kSecret}}, &clock_);
  EXPECT_THAT(swapped.Verify(old_token).status().message(), HasSubstr("bad signature"));

  // After the old key is removed its tokens fail, with a reason.
  JwtVerifier only_new({new_key}, &clock_);
  EXPECT_TRUE(only_new.Verify(new_token).ok());
  absl::StatusOr<Principal> p = only_new.Verify(old_token);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(p.status().message(), HasSubstr("unknown kid \"2025\""));

  // Tokens without a kid are tried against every key.
  std::string no_kid_old = MintJwt(claims, {"", kSecret}, kNow, kNow + absl::Hours(1));
  std::string no_kid_new = MintJwt(claims, {"", kOtherSecret}, kNow, kNow + absl::Hours(1));
  EXPECT_TRUE(both.Verify(no_kid_old).ok());
  EXPECT_TRUE(both.Verify(no_kid_new).ok());
  EXPECT_TRUE(only_new.Verify(no_kid_new).ok());
  EXPECT_THAT(only_new.Verify(no_kid_old).status().message(), HasSubstr("bad signature"));
}

TEST_F(JwtTest, NoKeysConfigured) {
  JwtVerifier none({}, &clock_);
  absl::StatusOr<Principal> p = none.Verify(Token(GoodHeader(), GoodPayload()));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(p.status().message(), HasSubstr("no signing keys"));
}

}  // namespace
}  // namespace opsuite::auth
