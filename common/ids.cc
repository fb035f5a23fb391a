#include "common/ids.h"

#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace opsuite {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr absl::string_view kTokenPrefix = "p1:";
}  // namespace

std::string NewId(absl::string_view prefix, absl::Time now) {
  // Monotonic within the process: an id made in the same millisecond as the previous one
  // (or under a clock that stands still) takes the previous random part plus one, so ids
  // sort in creation order and keyset pages never skip a row inserted between pages.
  static absl::Mutex mu(absl::kConstInit);
  static uint64_t last_ms ABSL_GUARDED_BY(mu) = 0;
  static unsigned __int128 last_random ABSL_GUARDED_BY(mu) = 0;
  thread_local absl::BitGen gen;
  uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(now)) & ((uint64_t{1} << 48) - 1);
  const unsigned __int128 mask = (static_cast<unsigned __int128>(1) << 80) - 1;
  unsigned __int128 random;
  {
    absl::MutexLock lock(&mu);
    if (ms <= last_ms) {
      ms = last_ms;
      random = (last_random + 1) & mask;
    } else {
      // Leave headroom so increments within one millisecond do not wrap.
      random = ((static_cast<unsigned __int128>(absl::Uniform<uint64_t>(gen) & 0xffff) << 64) |
                absl::Uniform<uint64_t>(gen)) >> 1;
    }
    last_ms = ms;
    last_random = random;
  }
  // 128 bits: ms(48) | random(80); 26 chars of 5 bits = 130 bits, the top 2 zero.
  unsigned __int128 v = (static_cast<unsigned __int128>(ms) << 80) | random;
  char out[26];
  for (int i = 25; i >= 0; --i) {
    out[i] = kCrockford[static_cast<int>(v & 31)];
    v >>= 5;
  }
  return absl::StrCat(prefix, "_", absl::string_view(out, 26));
}

std::string EncodePageToken(absl::string_view last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, last_key));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token) {
  if (token.empty()) return std::string();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || !absl::StartsWith(raw, kTokenPrefix)) {
    return InvalidField("page_token", "not a page token from a previous response");
  }
  return raw.substr(kTokenPrefix.size());
}

absl::Status CheckIdList(const google::protobuf::RepeatedPtrField<std::string>& ids,
                         absl::string_view field, int max) {
  if (ids.size() > max) {
    return InvalidField(std::string(field),
                        absl::StrCat("at most ", max, " per call, got ", ids.size()));
  }
  FieldViolations v;
  for (int i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) v.Add(absl::StrCat(field, "[", i, "]"), "must not be empty");
  }
  return v.ToStatus();
}

absl::StatusOr<int> PageSize(int requested, int fallback, int max) {
  if (requested < 0) return InvalidField("page_size", "must not be negative");
  if (requested == 0) return fallback;
  return requested > max ? max : requested;
}

}  // namespace opsuite
