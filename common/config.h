// Command-line flags that can also come from the environment.
//
// Every absl flag `--foo_bar` may be given as OPSUITE_FOO_BAR; the command line wins over the
// environment, and the environment over the default.
//
//   int main(int argc, char** argv) {
//     std::vector<char*> args = opsuite::ParseFlagsWithEnv(argc, argv);
#pragma once

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace opsuite {

// Applies OPSUITE_* environment variables to the matching flags, then parses the command
// line. Exits with a message naming the variable when a value does not parse. Returns the
// positional arguments (argv[0] first).
std::vector<char*> ParseFlagsWithEnv(int argc, char** argv, absl::string_view prefix = "OPSUITE_");

// The environment variable that sets `flag`: "jwt_secret" -> "OPSUITE_JWT_SECRET".
std::string EnvNameForFlag(absl::string_view flag, absl::string_view prefix = "OPSUITE_");

}  // namespace opsuite
