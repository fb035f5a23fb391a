// The OpenAPI 3.0.3 description of the gateway's REST API, generated from the same catalog the
// gateway serves (services/gateway/api.h): every google.api.http route becomes an operation,
// and every message it reaches a schema following the proto3 JSON mapping. Comments in the
// .proto files become summaries and descriptions. A new annotated RPC is documented without a
// change here.
#pragma once

#include <string>

#include "services/gateway/api.h"

namespace opsuite::gateway {

struct OpenApiInfo {
  std::string title = "opsuite API";
  std::string version = "v1";
  std::string description;
};

// An OpenAPI 3.0.3 document (JSON text) for every route of the catalog. Deterministic: the
// same catalog and info give the same bytes.
std::string BuildOpenApi(const ApiCatalog& catalog, const OpenApiInfo& info = {});

}  // namespace opsuite::gateway
