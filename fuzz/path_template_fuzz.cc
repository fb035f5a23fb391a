// The gateway's google.api.http path templates and percent-decoding, from any text.
// Input: a template, a newline, a request path. Properties: no crash; a template that parses
// binds, on a match, each of its variables in order; percent-decoding never grows the text.
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "services/gateway/path_template.h"

using opsuite::gateway::PathTemplate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  auto parts = opsuite::fuzz::Split(opsuite::fuzz::AsText(data, size), '\n', 2);
  for (bool plus : {false, true}) {
    auto decoded = opsuite::gateway::PercentDecode(parts[1], plus);
    if (decoded) FUZZ_CHECK(decoded->size() <= parts[1].size(), "decoding grew the text");
  }
  auto tmpl = PathTemplate::Parse(parts[0]);
  if (!tmpl.ok()) {
    FUZZ_CHECK(tmpl.status().code() == absl::StatusCode::kInvalidArgument, "%s",
               tmpl.status().ToString().c_str());
    return 0;
  }
  const std::vector<std::string> vars = tmpl->Variables();
  if (auto bindings = tmpl->Match(parts[1])) {
    FUZZ_CHECK(bindings->size() == vars.size(), "%zu bindings for %zu variables",
               bindings->size(), vars.size());
    for (size_t i = 0; i < vars.size(); ++i) {
      FUZZ_CHECK((*bindings)[i].first == vars[i], "binding %zu is %s, not %s", i,
                 (*bindings)[i].first.c_str(), vars[i].c_str());
    }
  }
  (void)tmpl->literal_count();
  (void)tmpl->OpenApiPath();
  return 0;
}
