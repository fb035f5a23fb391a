// Free loopback ports, for tests and benchmarks that start servers.
#pragma once

namespace opsuite {

// A TCP port on 127.0.0.1 that was free a moment ago (bound, read back, closed).
int FreePort();

}  // namespace opsuite
