#include "services/notify/domain/policy.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/status.h"

namespace opsuite::notify {
namespace {

constexpr int kMinutesPerDay = 24 * 60;

// The instant of the wall-clock minute `m` (0..1439) of `day` in `tz`; a time the zone skips
// (spring forward) resolves to the transition, the first valid instant after it; a time it
// repeats (fall back) to its first occurrence.
absl::Time AtMinute(absl::CivilDay day, int m, const absl::TimeZone& tz) {
  absl::CivilMinute cm(day.year(), day.month(), day.day(), m / 60, m % 60);
  absl::TimeZone::TimeInfo info = tz.At(cm);
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED:
      return info.trans;
    case absl::TimeZone::TimeInfo::REPEATED:
      return std::min(info.pre, info.post);
    case absl::TimeZone::TimeInfo::UNIQUE:
    default:
      return info.pre;
  }
}

}  // namespace

absl::StatusOr<int> ParseClock(absl::string_view text, absl::string_view field) {
  auto bad = [&] {
    return InvalidField(
        std::string(field),
        absl::StrCat("must be a time of day \"HH:MM\" from 00:00 to 23:59, got \"", text, "\""));
  };
  if (text.size() != 5 || text[2] != ':') return bad();
  for (size_t i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return bad();
  }
  int hours = (text[0] - '0') * 10 + (text[1] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return bad();
  return hours * 60 + minutes;
}

absl::Time QuietUntil(absl::Time now, int start_minute, int end_minute, const absl::TimeZone& tz) {
  start_minute = std::clamp(start_minute, 0, kMinutesPerDay - 1);
  end_minute = std::clamp(end_minute, 0, kMinutesPerDay - 1);
  if (start_minute == end_minute) return now;
  const absl::CivilSecond local = tz.At(now).cs;
  const absl::CivilDay today(local);
  const int m = local.hour() * 60 + local.minute();
  bool quiet;
  absl::CivilDay end_day = today;
  if (start_minute < end_minute) {
    quiet = m >= start_minute && m < end_minute;
  } else {  // spans midnight: [start, 24:00) ∪ [00:00, end)
    quiet = m >= start_minute || m < end_minute;
    if (m >= start_minute) end_day = today + 1;
  }
  if (!quiet) return now;
  return std::max(now, AtMinute(end_day, end_minute, tz));
}

absl::Duration Backoff(int attempt, double jitter01, absl::Duration base, absl::Duration cap) {
  if (attempt < 1) attempt = 1;
  if (base < absl::ZeroDuration()) base = absl::ZeroDuration();
  if (cap < absl::ZeroDuration()) cap = absl::ZeroDuration();
  if (!(jitter01 >= 0.0)) jitter01 = 0.0;  // also NaN
  if (jitter01 >= 1.0) jitter01 = std::nextafter(1.0, 0.0);
  absl::Duration wait = std::min(base, cap);
  for (int i = 1; i < attempt && wait < cap && wait > absl::ZeroDuration(); ++i)
    wait = std::min(wait * 2, cap);
  absl::Duration d = wait * (0.8 + 0.4 * jitter01);
  // Rounding must not reach the open upper bound.
  const absl::Duration upper = wait * 1.2;
  if (d >= upper && upper > absl::ZeroDuration()) d = upper - absl::Nanoseconds(1);
  return d;
}

absl::Time DigestWindowEnd(absl::Time created, int minutes) {
  if (minutes <= 0) return created;
  const absl::Duration window = absl::Minutes(minutes);
  const absl::Duration since_epoch = created - absl::UnixEpoch();
  // Floor, not truncation, so instants before the epoch align the same way.
  return absl::UnixEpoch() + absl::Floor(since_epoch, window) + window;
}

}  // namespace opsuite::notify
