// The API the gateway serves, read from a descriptor set (protoc --descriptor_set_out
// --include_imports): every method with a google.api.http annotation becomes a route, and
// requests and responses are transcoded between proto3 JSON and the protobuf wire format with
// no generated code. A new annotated RPC is served without a change here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/type_resolver.h"
#include "services/gateway/path_template.h"

namespace opsuite::gateway {

struct Route {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string http_method;  // GET, POST, PATCH, PUT, DELETE (or a custom kind)
  PathTemplate path;
  std::string body;           // "", "*" or a request field
  std::string response_body;  // "" or a response field
  std::string grpc_path;      // "/opsuite.crm.v1.CustomerService/GetCustomer"
  std::string module;         // "crm": the `opsuite.<module>.v1` package, the --peers name
  bool streaming = false;     // server streaming (served as Server-Sent Events)
};

// How deep a request body's JSON may nest ({ and [). No request of the API needs more than a
// handful of levels; a body nesting 100,000 deep would otherwise cost a parser quadratic time
// or its stack, and a message nested past protobuf's limit of 100 is refused by the service
// (a JSON object inside a google.protobuf.Struct is 3 message levels: 24 * 3 stays below).
inline constexpr int kMaxJsonDepth = 24;

// The deepest nesting of `json` ({ and [ outside strings), counted in one pass and stopped as
// soon as it exceeds `limit` (then the result is limit + 1).
int JsonDepth(absl::string_view json, int limit);

class ApiCatalog {
 public:
  // The descriptor set compiled into this binary (build/opsuite.desc).
  static absl::StatusOr<std::unique_ptr<ApiCatalog>> Builtin();
  static absl::StatusOr<std::unique_ptr<ApiCatalog>> FromDescriptorSet(absl::string_view bytes);
  static absl::StatusOr<std::unique_ptr<ApiCatalog>> FromFile(const std::string& path);

  const google::protobuf::DescriptorPool& pool() const { return *pool_; }
  const std::vector<Route>& routes() const { return routes_; }
  // Services with at least one route, in file order.
  const std::vector<const google::protobuf::ServiceDescriptor*>& services() const {
    return services_;
  }

  struct Match {
    const Route* route = nullptr;
    PathTemplate::Bindings bindings;
  };
  // The route of (method, path). When none matches, *allowed lists the methods the path
  // does answer to (for 405 and CORS), or stays empty (404).
  std::optional<Match> Find(absl::string_view http_method, absl::string_view path,
                            std::vector<std::string>* allowed = nullptr) const;

  // The request message (wire format) from the path bindings, the query string (without
  // '?') and the JSON body. INVALID_ARGUMENT naming the parameter or field that is wrong, or
  // saying that the body nests deeper than kMaxJsonDepth (before any parser recurses into it).
  absl::StatusOr<std::string> BuildRequest(const Route& route,
                                           const PathTemplate::Bindings& bindings,
                                           absl::string_view query, absl::string_view body) const;
  // The response (wire format) as proto3 JSON, honouring `response_body`.
  absl::StatusOr<std::string> ResponseJson(const Route& route, absl::string_view wire) const;
  // Any message of the pool as proto3 JSON (lowerCamelCase, enums by name, int64 as
  // strings, fields at their defaults included).
  absl::StatusOr<std::string> ToJson(const google::protobuf::Descriptor* type,
                                     absl::string_view wire) const;

 private:
  ApiCatalog() = default;
  absl::Status Load(absl::string_view bytes);

  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver_;
  // Thread-safe; its prototypes live as long as the catalog.
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::vector<Route> routes_;
  std::vector<const google::protobuf::ServiceDescriptor*> services_;
};

}  // namespace opsuite::gateway
