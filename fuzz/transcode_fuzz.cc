// The gateway's HTTP/JSON -> protobuf transcoding over the built-in API (every annotated RPC).
// Input: "<HTTP method> <path>[?<query>]", a newline, then the body. Properties: no crash; a
// request the gateway refuses is INVALID_ARGUMENT; a request it builds is a valid message of
// the RPC's input type that converts back to JSON; the body read as the wire bytes of a
// response, once a well-formed message (see below), converts to JSON.
//
// OPSUITE_FUZZ_WRITE_SEEDS=<dir>: writes one seed per route (its path with each variable set,
// an empty query and "{}") to <dir> and exits; fuzz/corpus/transcode was made so.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "fuzz/check.h"
#include "google/protobuf/dynamic_message.h"
#include "services/gateway/api.h"

namespace {

using opsuite::gateway::ApiCatalog;

const ApiCatalog& Catalog() {
  static const ApiCatalog* catalog = [] {
    auto c = ApiCatalog::Builtin();
    FUZZ_CHECK(c.ok(), "%s", c.status().ToString().c_str());
    return c->release();
  }();
  return *catalog;
}

void WriteSeeds(const char* dir) {
  int n = 0;
  for (const auto& route : Catalog().routes()) {
    std::string path = route.path.OpenApiPath();
    for (const auto& var : route.path.Variables()) {
      path = absl::StrReplaceAll(path, {{absl::StrCat("{", var, "}"), "x1"}});
    }
    std::ofstream(absl::StrCat(dir, "/", ++n, "-", route.method->name())) << route.http_method
                                                                        << " " << path << "\n{}";
  }
  std::fprintf(stderr, "wrote %d seeds to %s\n", n, dir);
  std::exit(0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("OPSUITE_FUZZ_WRITE_SEEDS")) WriteSeeds(dir);
  Catalog();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  auto lines = opsuite::fuzz::Split(opsuite::fuzz::AsText(data, size), '\n', 2);
  auto head = opsuite::fuzz::Split(lines[0], ' ', 2);
  auto target = opsuite::fuzz::Split(head[1], '?', 2);
  const absl::string_view body = lines[1];

  (void)opsuite::gateway::JsonDepth(body, opsuite::gateway::kMaxJsonDepth);
  auto match = Catalog().Find(head[0], target[0]);
  if (!match) return 0;
  auto wire = Catalog().BuildRequest(*match->route, match->bindings, target[1], body);
  if (!wire.ok()) {
    FUZZ_CHECK(wire.status().code() == absl::StatusCode::kInvalidArgument, "%s %s: %s",
               std::string(head[0]).c_str(), std::string(target[0]).c_str(),
               wire.status().ToString().c_str());
  } else {
    auto json = Catalog().ToJson(match->route->method->input_type(), *wire);
    FUZZ_CHECK(json.ok(), "a request the gateway built does not convert back: %s",
               json.status().ToString().c_str());
  }
  // The body as a response: the gateway converts only what its own services serialized, so
  // the bytes are first made a well-formed message of the response type (parsed, unknown and
  // mistyped fields dropped, serialized again). Raw bytes would test protobuf 3.21's
  // BinaryToJsonString instead, which a field of the wrong wire type makes allocate without
  // bound (300 bytes of input took 4 GB; the first crash this target found).
  static google::protobuf::DynamicMessageFactory* factory =
      new google::protobuf::DynamicMessageFactory(&Catalog().pool());
  std::unique_ptr<google::protobuf::Message> response(
      factory->GetPrototype(match->route->method->output_type())->New());
  if (response->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    response->DiscardUnknownFields();
    auto json = Catalog().ResponseJson(*match->route, response->SerializeAsString());
    FUZZ_CHECK(json.ok(), "a well-formed response does not convert: %s",
               json.status().ToString().c_str());
  }
  return 0;
}
