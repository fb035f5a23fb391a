#include "common/config.h"

#include <cstdio>
#include <cstdlib>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace opsuite {

std::string EnvNameForFlag(absl::string_view flag, absl::string_view prefix) {
  return absl::StrCat(prefix, absl::AsciiStrToUpper(flag));
}

std::vector<char*> ParseFlagsWithEnv(int argc, char** argv, absl::string_view prefix) {
  for (auto& [name, flag] : absl::GetAllFlags()) {
    std::string env = EnvNameForFlag(name, prefix);
    const char* value = std::getenv(env.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      fprintf(stderr, "error: environment variable %s=%s: %s\n", env.c_str(), value,
              error.c_str());
      std::exit(2);
    }
  }
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace opsuite
