// Sends EMAIL and WEBHOOK deliveries when due: retries with exponential backoff and jitter,
// FAILED after the last attempt (then the recipient's fallback channel, when set), digests
// folded into one message, and deliveries held by quiet hours released when they end. Due
// times come from the injected clock; the loop looks every `poll` and when woken.
#pragma once

#include <thread>

#include "absl/synchronization/mutex.h"
#include "services/notify/context.h"

namespace opsuite::notify {

class Dispatcher {
 public:
  explicit Dispatcher(Context* ctx, absl::Duration poll = absl::Milliseconds(200))
      : ctx_(ctx), poll_(poll) {}
  ~Dispatcher() { Stop(); }
  void Start();
  void Stop();
  void Wake();
  // One pass over the due deliveries; returns how many were handled.
  absl::StatusOr<int> RunOnce();

 private:
  void Loop();

  Context* ctx_;
  absl::Duration poll_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace opsuite::notify
