// Named threads, as `top -H`, `perf` and gdb show them ("redis-pipe", "read-worker"). Linux
// keeps 15 bytes of a name; longer names are cut.
//
//   thread_ = StartThread("outbox-relay", [this] { Loop(); });
#pragma once

#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace opsuite {

// Names the calling thread.
void SetThreadName(std::string_view name);

// A thread named `name` that runs `fn`.
template <class Fn>
std::thread StartThread(std::string name, Fn fn) {
  return std::thread([name = std::move(name), fn = std::move(fn)]() mutable {
    SetThreadName(name);
    fn();
  });
}

}  // namespace opsuite
