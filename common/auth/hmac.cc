#include "common/auth/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace opsuite::auth {

std::array<unsigned char, kHmacSha256Size> HmacSha256(absl::string_view key,
                                                      absl::string_view data) {
  std::array<unsigned char, kHmacSha256Size> mac{};
  unsigned int len = 0;
  // OpenSSL wants a non-null key pointer even for an empty key.
  static const char kEmpty[1] = {0};
  HMAC(EVP_sha256(), key.empty() ? kEmpty : key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &len);
  return mac;
}

std::string HmacSha256Hex(absl::string_view key, absl::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<unsigned char, kHmacSha256Size> mac = HmacSha256(key, data);
  std::string out;
  out.reserve(2 * mac.size());
  for (unsigned char b : mac) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace opsuite::auth
