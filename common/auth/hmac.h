// HMAC-SHA256 (RFC 2104 / FIPS 198-1) over OpenSSL, shared by JWT signing and webhook
// signatures.
//
//   std::array<unsigned char, kHmacSha256Size> mac = HmacSha256(secret, signing_input);
//   std::string hex = HmacSha256Hex(secret, "1767247200.{...}");  // 64 lower-case hex digits
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace opsuite::auth {

inline constexpr size_t kHmacSha256Size = 32;  // bytes of a SHA-256 MAC

// The raw MAC bytes of `data` under `key` (any length, may be empty).
std::array<unsigned char, kHmacSha256Size> HmacSha256(absl::string_view key,
                                                      absl::string_view data);

// The same MAC as 64 lower-case hex digits.
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);

// Constant-time comparison of two MACs (or any two byte strings of possibly different
// lengths: a length mismatch is false, and only the length leaks).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace opsuite::auth
