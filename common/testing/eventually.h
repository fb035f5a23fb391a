// Waits (real time, bounded) until a condition holds: for tests that watch another process or
// thread get somewhere, never for a test's own logic (that runs on an injected clock).
//
//   EXPECT_TRUE(Eventually([&] { return cache.Stats().invalidations >= 1; }));
#pragma once

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace opsuite::testing {

// True as soon as `pred()` is; false when it still is not after `limit`. Polls every `every`.
template <class Pred>
bool Eventually(Pred pred, absl::Duration limit = absl::Seconds(10),
                absl::Duration every = absl::Milliseconds(50)) {
  const absl::Time end = absl::Now() + limit;
  while (absl::Now() < end) {
    if (pred()) return true;
    absl::SleepFor(every);
  }
  return pred();
}

}  // namespace opsuite::testing
