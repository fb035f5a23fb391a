// An injectable clock, so deadline, schedule and lateness logic is testable without sleeping.
//
//   RealClock real;            // production
//   FakeClock fake(absl::FromCivil(absl::CivilSecond(2026, 3, 2, 20, 59, 0), tz));
//   fake.Advance(absl::Minutes(2));
#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace opsuite {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // A process-wide instance for code that has no clock injected.
  static Clock* Default();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time now = absl::UnixEpoch()) : now_(now) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

inline Clock* RealClock::Default() {
  static RealClock* clock = new RealClock();
  return clock;
}

}  // namespace opsuite
