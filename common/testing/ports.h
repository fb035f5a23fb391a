// Test helpers: free loopback ports.
#pragma once

namespace opsuite::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bound, read back, closed).
int FreePort();

}  // namespace opsuite::testing
