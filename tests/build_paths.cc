#include "tests/build_paths.h"

namespace opsuite::testing {

const char* OpsuiteBinary() { return OPSUITE_BINARY; }
const char* BuildDir() { return OPSUITE_BUILD_DIR; }

}  // namespace opsuite::testing
