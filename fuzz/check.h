// What the fuzz targets share: a CHECK that names the broken property and aborts (libFuzzer
// records the input as a crash), and splitting an input into parts at a separator byte.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/string_view.h"

#define FUZZ_CHECK(cond, ...)                                             \
  do {                                                                    \
    if (!(cond)) {                                                        \
      std::fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                  \
      std::fprintf(stderr, "\n");                                         \
      std::abort();                                                       \
    }                                                                     \
  } while (0)

namespace opsuite::fuzz {

inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// The first `n` - 1 parts end at `sep`; the last part takes the rest (it may hold `sep`).
// Missing parts are empty.
inline std::vector<absl::string_view> Split(absl::string_view text, char sep, size_t n) {
  std::vector<absl::string_view> parts;
  while (parts.size() + 1 < n) {
    size_t at = text.find(sep);
    if (at == absl::string_view::npos) break;
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  parts.push_back(text);
  while (parts.size() < n) parts.emplace_back();
  return parts;
}

}  // namespace opsuite::fuzz
