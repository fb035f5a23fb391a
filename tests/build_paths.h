// Where the build put the binaries the integration tests start. Only build_paths.cc is
// compiled with these paths (a library of its own), so no other test file depends on the
// build directory and ccache serves them from any clone.
#pragma once

namespace opsuite::testing {

// The all-in-one `opsuite` binary.
const char* OpsuiteBinary();
// The build directory (services/<module>/opsuite-<module> below it).
const char* BuildDir();

}  // namespace opsuite::testing
