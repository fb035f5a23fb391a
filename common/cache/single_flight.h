// Per-key call deduplication: when many threads miss the cache for the same key at once,
// one of them runs the loader and the others wait for its result (DESIGN.md §5: "a miss
// storm on one key loads once").
//
//   SingleFlight flights;
//   absl::StatusOr<std::string> bytes = flights.Do(key, [&]() -> absl::StatusOr<std::string> {
//     return LoadAndSerialize(id);
//   });
//
// The result is shared as a serialized value (bytes), so one SingleFlight serves every
// message type. A loader must not call Do() for its own key (it would wait for itself).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace opsuite::cache {

class SingleFlight {
 public:
  // Runs `fn` unless a call for `key` is already running, in which case it waits for that
  // call and returns the same result (error statuses included).
  absl::StatusOr<std::string> Do(const std::string& key,
                                 absl::FunctionRef<absl::StatusOr<std::string>()> fn);

  // Calls that waited for another's result instead of running their own loader.
  uint64_t shared() const;
  // Keys with a loader running now.
  size_t in_flight() const;

 private:
  struct Call;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Call>> calls_ ABSL_GUARDED_BY(mu_);
  uint64_t shared_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace opsuite::cache
