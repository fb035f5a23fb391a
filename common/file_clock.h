// A clock that several processes share through a file: the time is one 64-bit count of Unix
// nanoseconds at the start of the file, mapped into each process. It is how a test drives the
// fake time of a whole topology of processes (`--fake_clock_file`, see common/server); nothing
// in production sets it.
//
//   FileClock test_clock(start);                      // in memory until shared
//   RETURN_IF_ERROR(test_clock.ShareAt("/tmp/t/clock"));  // creates the file, keeps the time
//   test_clock.Advance(absl::Minutes(5));              // every process sees it at once
//   auto child = FileClock::Open("/tmp/t/clock");      // in another process: reads only
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"

namespace opsuite {

class FileClock final : public Clock {
 public:
  explicit FileClock(absl::Time now = absl::UnixEpoch());
  ~FileClock() override;
  FileClock(const FileClock&) = delete;
  FileClock& operator=(const FileClock&) = delete;

  // Maps the existing file `path` (written by ShareAt in another process).
  static absl::StatusOr<std::unique_ptr<FileClock>> Open(const std::string& path);
  // Creates (or truncates) `path`, writes the current time and keeps it there from now on.
  absl::Status ShareAt(const std::string& path);

  absl::Time Now() const override;
  void Set(absl::Time t);
  void Advance(absl::Duration d);

 private:
  absl::Status Map(int fd, const std::string& path);

  std::atomic<int64_t> local_;
  std::atomic<int64_t>* nanos_;  // &local_ or the mapped file
  void* mapped_ = nullptr;
};

}  // namespace opsuite
