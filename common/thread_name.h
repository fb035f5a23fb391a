// Names the calling thread, as `top -H`, `perf` and gdb show it ("redis-pipe", "read-worker").
// Linux keeps 15 bytes of it; longer names are cut.
#pragma once

#include <string_view>

namespace opsuite {

void SetThreadName(std::string_view name);

}  // namespace opsuite
