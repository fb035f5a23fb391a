// JSON Web Tokens, HS256 (RFC 7519 / 7515).
//
//   JwtVerifier verifier({{"k1", secret}}, clock);
//   absl::StatusOr<Principal> p = verifier.Verify(token);   // UNAUTHENTICATED on any fault
//
//   std::string token = MintJwt({.subject = "emp_1", .org = "acme", .roles = {"admin"}},
//                               secret, clock->Now() + absl::Hours(12));
#pragma once

#include <memory>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "common/clock.h"

namespace opsuite::auth {

struct SigningKey {
  std::string kid;     // may be empty when there is only one key
  std::string secret;  // HMAC key bytes
};

struct Claims {
  std::string subject;
  std::string org;
  std::vector<std::string> roles = {};  // "employee", "manager", "admin", "service"
};

class JwtVerifier {
 public:
  // Several keys make rotation possible: a token whose header names a `kid` is checked with
  // that key; a token without `kid` with each key in turn.
  JwtVerifier(std::vector<SigningKey> keys, const Clock* clock,
              absl::Duration leeway = absl::Seconds(30));
  ~JwtVerifier();

  // UNAUTHENTICATED with a reason a person can act on ("token expired", "bad signature",
  // "alg none is not accepted", "missing claim org", ...). Unknown role names are ignored.
  //
  // A token that verified is remembered (exactly its text, so any other signature is another
  // token): until its exp the next calls skip the HMAC and the JSON and check only its
  // validity window against the clock. Only tokens that verified are remembered, at most
  // `kRemembered`; the keys cannot change for the life of the verifier.
  absl::StatusOr<Principal> Verify(std::string_view token) const;

  static constexpr size_t kRemembered = 4096;

 private:
  absl::StatusOr<Principal> VerifyFully(std::string_view token, absl::Time* exp,
                                        std::optional<absl::Time>* nbf) const;

  struct Remembered;
  std::vector<SigningKey> keys_;
  const Clock* clock_;
  absl::Duration leeway_;
  std::unique_ptr<Remembered> remembered_;
};

// A signed HS256 token with `sub`, `org`, `roles`, `iat`, `exp` (and `kid` when set).
std::string MintJwt(const Claims& claims, const SigningKey& key, absl::Time issued_at,
                    absl::Time expires_at);

// base64url without padding (RFC 4648 §5), as JWS uses it. Decoding rejects padding,
// whitespace and any character outside the alphabet (std::nullopt).
std::string Base64UrlEncode(std::string_view data);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace opsuite::auth
