// When a delivery may go, pure: quiet hours in the recipient's zone, retry backoff with
// jitter, and digest windows.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace opsuite::notify {

// "HH:MM" (00:00-23:59) → minutes after midnight; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<int> ParseClock(absl::string_view text, absl::string_view field);

// The earliest instant >= `now` outside the quiet hours [start, end) in `tz` (minutes after
// midnight; start > end spans midnight, e.g. 22:00-08:00; start == end: no quiet hours).
// A wall-clock end that does not exist on a DST day resolves to the next valid instant.
absl::Time QuietUntil(absl::Time now, int start_minute, int end_minute, const absl::TimeZone& tz);

// The wait before attempt `attempt` + 1 after `attempt` failures (attempt >= 1):
// base × 2^(attempt − 1), capped at `cap`, scaled by a jitter factor in [0.8, 1.2) taken from
// `jitter01` in [0, 1).
absl::Duration Backoff(int attempt, double jitter01, absl::Duration base = absl::Seconds(30),
                       absl::Duration cap = absl::Hours(1));

// The end of the digest window a notice created at `created` falls in: windows of `minutes`
// aligned to the Unix epoch, so every notice of a recipient and type in one window shares it.
absl::Time DigestWindowEnd(absl::Time created, int minutes);

}  // namespace opsuite::notify
