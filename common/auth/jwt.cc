#include "common/auth/jwt.h"

#include <openssl/crypto.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/hmac.h"
#include "common/status.h"
#include "nlohmann/json.hpp"

namespace opsuite::auth {
namespace {

using Json = nlohmann::json;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr size_t kSignatureSize = kHmacSha256Size;  // SHA-256

// Index of `c` in the base64url alphabet, or -1.
int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

absl::Status Unauthenticated(absl::string_view message) {
  return absl::UnauthenticatedError(message);
}

// A JSON object from one base64url part of the token; `what` is "header" or "payload".
absl::StatusOr<Json> DecodeObject(absl::string_view part, absl::string_view what) {
  std::optional<std::string> bytes = Base64UrlDecode(std::string_view(part.data(), part.size()));
  if (!bytes) {
    return Unauthenticated(absl::StrCat("malformed token: the ", what, " is not valid base64url"));
  }
  Json json = Json::parse(*bytes, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Unauthenticated(absl::StrCat("malformed token: the ", what, " is not a JSON object"));
  }
  return json;
}

std::string FormatInstant(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// A NumericDate claim (seconds since the epoch, RFC 7519 §2); std::nullopt when absent.
absl::StatusOr<std::optional<absl::Time>> NumericDate(const Json& payload,
                                                      const std::string& name) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::optional<absl::Time>();
  const Json& v = *it;
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    return std::optional<absl::Time>(absl::FromUnixSeconds(v.get<int64_t>()));
  }
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::optional<absl::Time>(absl::InfiniteFuture());
    }
    return std::optional<absl::Time>(absl::FromUnixSeconds(static_cast<int64_t>(u)));
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && std::fabs(d) < 1e15) {
      return std::optional<absl::Time>(absl::FromUnixMicros(static_cast<int64_t>(d * 1e6)));
    }
  }
  return Unauthenticated(
      absl::StrCat("malformed token: claim ", name, " must be a number (seconds since 1970)"));
}

absl::StatusOr<std::string> RequiredString(const Json& payload, const std::string& name) {
  auto it = payload.find(name);
  if (it == payload.end() || !it->is_string() || it->get<std::string>().empty()) {
    return Unauthenticated(absl::StrCat("missing claim ", name));
  }
  return it->get<std::string>();
}

std::optional<Role> RoleFromName(std::string_view name) {
  if (name == "employee") return Role::kEmployee;
  if (name == "manager") return Role::kManager;
  if (name == "admin") return Role::kAdmin;
  if (name == "service") return Role::kService;
  return std::nullopt;
}

// `roles` as an array of strings or one space-separated string; absent means none.
absl::StatusOr<std::vector<Role>> ParseRoles(const Json& payload) {
  std::vector<std::string> names;
  auto it = payload.find("roles");
  if (it != payload.end()) {
    if (it->is_string()) {
      for (absl::string_view name :
           absl::StrSplit(it->get<std::string>(), ' ', absl::SkipWhitespace())) {
        names.emplace_back(name);
      }
    } else if (it->is_array()) {
      for (const Json& name : *it) {
        if (!name.is_string()) {
          return Unauthenticated(
              "malformed token: claim roles must be an array of strings or a space-separated "
              "string");
        }
        names.push_back(name.get<std::string>());
      }
    } else if (!it->is_null()) {
      return Unauthenticated(
          "malformed token: claim roles must be an array of strings or a space-separated "
          "string");
    }
  }
  std::vector<Role> roles;
  for (const std::string& name : names) {
    std::optional<Role> role = RoleFromName(name);
    if (role && !absl::c_linear_search(roles, *role)) roles.push_back(*role);
  }
  return roles;
}

}  // namespace

std::string Base64UrlEncode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
  } else if (rest == 2) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = DecodeChar(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // The bits left over must be zero (a canonical encoding).
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// Tokens that verified, by their exact text, in shards so that concurrent calls rarely meet.
struct JwtVerifier::Remembered {
  struct Entry {
    Principal principal;
    absl::Time exp;
    std::optional<absl::Time> nbf;
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> map ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 8;
  std::array<Shard, kShards> shards;
  Shard& For(absl::string_view token) { return shards[absl::HashOf(token) % kShards]; }
};

JwtVerifier::JwtVerifier(std::vector<SigningKey> keys, const Clock* clock, absl::Duration leeway)
    : keys_(std::move(keys)),
      clock_(clock != nullptr ? clock : RealClock::Default()),
      leeway_(leeway),
      remembered_(std::make_unique<Remembered>()) {}

JwtVerifier::~JwtVerifier() = default;

absl::StatusOr<Principal> JwtVerifier::Verify(std::string_view token_text) const {
  const absl::string_view token(token_text.data(), token_text.size());
  Remembered::Shard& shard = remembered_->For(token);
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&shard.mu);
    auto it = shard.map.find(token);
    if (it != shard.map.end()) {
      const Remembered::Entry& e = it->second;
      // Outside its window: the full check below says why.
      if (e.exp + leeway_ >= now && (!e.nbf || *e.nbf - leeway_ <= now)) return e.principal;
    }
  }
  absl::Time exp;
  std::optional<absl::Time> nbf;
  absl::StatusOr<Principal> principal = VerifyFully(token_text, &exp, &nbf);
  if (!principal.ok()) return principal;
  absl::MutexLock lock(&shard.mu);
  if (shard.map.size() >= kRemembered / Remembered::kShards) {
    // Full: forget the expired ones, or all of them if none has expired.
    absl::erase_if(shard.map, [&](const auto& kv) { return kv.second.exp + leeway_ < now; });
    if (shard.map.size() >= kRemembered / Remembered::kShards) shard.map.clear();
  }
  shard.map.insert_or_assign(std::string(token), Remembered::Entry{*principal, exp, nbf});
  return principal;
}

absl::StatusOr<Principal> JwtVerifier::VerifyFully(std::string_view token_text, absl::Time* exp_out,
                                                   std::optional<absl::Time>* nbf_out) const {
  const absl::string_view token(token_text.data(), token_text.size());
  if (token.empty()) return Unauthenticated("malformed token: empty");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Unauthenticated(absl::StrCat(
        "malformed token: expected 3 dot-separated parts (header.payload.signature), got ",
        parts.size()));
  }
  ASSIGN_OR_RETURN(Json header, DecodeObject(parts[0], "header"));
  ASSIGN_OR_RETURN(Json payload, DecodeObject(parts[1], "payload"));
  std::optional<std::string> signature =
      Base64UrlDecode(std::string_view(parts[2].data(), parts[2].size()));
  if (!signature) {
    return Unauthenticated("malformed token: the signature is not valid base64url");
  }

  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) {
    return Unauthenticated("malformed token: the header has no alg");
  }
  const std::string alg_name = alg->get<std::string>();
  if (absl::AsciiStrToLower(alg_name) == "none") {
    return Unauthenticated("alg none is not accepted; tokens must be signed with HS256");
  }
  if (alg_name != "HS256") {
    return Unauthenticated(absl::StrCat("unsupported alg ", alg_name, "; only HS256 is accepted"));
  }

  // The keys to try: the one the header names, or every key.
  std::vector<const SigningKey*> candidates;
  auto kid = header.find("kid");
  if (kid != header.end() && !kid->is_null()) {
    if (!kid->is_string()) return Unauthenticated("malformed token: kid must be a string");
    const std::string kid_name = kid->get<std::string>();
    for (const SigningKey& key : keys_) {
      if (key.kid == kid_name) candidates.push_back(&key);
    }
    if (candidates.empty()) {
      return Unauthenticated(absl::StrCat("unknown kid \"", kid_name,
                                          "\": no such signing key (rotated out, or a token "
                                          "from another environment?)"));
    }
  } else {
    for (const SigningKey& key : keys_) candidates.push_back(&key);
    if (candidates.empty()) return Unauthenticated("no signing keys are configured");
  }

  const absl::string_view signed_part = token.substr(0, parts[0].size() + 1 + parts[1].size());
  bool verified = false;
  if (signature->size() == kSignatureSize) {
    for (const SigningKey* key : candidates) {
      std::array<unsigned char, kSignatureSize> mac = HmacSha256(key->secret, signed_part);
      // Constant time, and every candidate is tried, so timing reveals nothing.
      verified |= CRYPTO_memcmp(mac.data(), signature->data(), kSignatureSize) == 0;
    }
  }
  if (!verified) {
    return Unauthenticated(
        "bad signature: the token was not signed with a key this server knows (or was altered)");
  }

  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(std::optional<absl::Time> exp, NumericDate(payload, "exp"));
  if (!exp) return Unauthenticated("missing claim exp");
  if (*exp + leeway_ < now) {
    return Unauthenticated(absl::StrCat("token expired at ", FormatInstant(*exp), " (now ",
                                        FormatInstant(now), "); get a new token"));
  }
  ASSIGN_OR_RETURN(std::optional<absl::Time> nbf, NumericDate(payload, "nbf"));
  if (nbf && *nbf - leeway_ > now) {
    return Unauthenticated(absl::StrCat("token not valid before ", FormatInstant(*nbf), " (now ",
                                        FormatInstant(now),
                                        "); check the clocks of issuer and server"));
  }

  *exp_out = *exp;
  *nbf_out = nbf;
  Principal principal;
  ASSIGN_OR_RETURN(principal.subject, RequiredString(payload, "sub"));
  ASSIGN_OR_RETURN(principal.org, RequiredString(payload, "org"));
  ASSIGN_OR_RETURN(principal.roles, ParseRoles(payload));
  return principal;
}

std::string MintJwt(const Claims& claims, const SigningKey& key, absl::Time issued_at,
                    absl::Time expires_at) {
  Json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  if (!key.kid.empty()) header["kid"] = key.kid;
  Json payload = {
      {"sub", claims.subject},
      {"org", claims.org},
      {"roles", claims.roles},
      {"iat", absl::ToUnixSeconds(issued_at)},
      {"exp", absl::ToUnixSeconds(expires_at)},
  };
  // Invalid UTF-8 in a claim is replaced rather than thrown on.
  auto dump = [](const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
  std::string signing_input =
      absl::StrCat(Base64UrlEncode(dump(header)), ".", Base64UrlEncode(dump(payload)));
  std::array<unsigned char, kSignatureSize> mac = HmacSha256(key.secret, signing_input);
  return absl::StrCat(
      signing_input, ".",
      Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size())));
}

}  // namespace opsuite::auth
