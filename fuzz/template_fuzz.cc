// notify's template renderer, from any template text and any JSON data.
// Input: the template, a NUL byte, then the data as JSON (anything that is not a JSON object
// is empty data). Properties: no crash; errors are INVALID_ARGUMENT; text without "{{" renders
// to itself; rendered for email (HTML), values add no '<', '>' or '"' to the template's own.
#include <algorithm>
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "google/protobuf/util/json_util.h"
#include "services/notify/domain/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;
  auto parts = opsuite::fuzz::Split(opsuite::fuzz::AsText(data, size), '\0', 2);
  const absl::string_view text = parts[0];
  google::protobuf::Struct values;
  if (!google::protobuf::util::JsonStringToMessage(std::string(parts[1]), &values).ok()) {
    values.Clear();
  }
  auto count = [](absl::string_view s, char c) { return std::count(s.begin(), s.end(), c); };
  for (bool html : {false, true}) {
    auto out = opsuite::notify::Render(text, values, html);
    if (!out.ok()) {
      FUZZ_CHECK(out.status().code() == absl::StatusCode::kInvalidArgument, "%s",
                 out.status().ToString().c_str());
      continue;
    }
    if (text.find("{{") == absl::string_view::npos) {
      FUZZ_CHECK(*out == text, "text without a variable changed in rendering");
    }
    if (html) {
      for (char c : {'<', '>', '"'}) {
        FUZZ_CHECK(count(*out, c) <= count(text, c), "an unescaped '%c' came from the data", c);
      }
    }
  }
  return 0;
}
