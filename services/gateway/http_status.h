// The one table from gRPC codes to HTTP statuses (google/rpc/code.proto) and the error body
// the gateway answers with: a google.rpc.Status as JSON, details included.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace opsuite::gateway {

// google/rpc/code.proto's HTTP mapping: NOT_FOUND -> 404, CANCELLED -> 499, ...
int HttpStatusFor(grpc::StatusCode code);

// {"code": 5, "message": "...", "details": [...]} — `details_bin` is the serialized
// google.rpc.Status a server puts in `grpc-status-details-bin` (its details are used when it
// parses; the code and message given here win).
std::string StatusJson(grpc::StatusCode code, absl::string_view message,
                       absl::string_view details_bin = {});

}  // namespace opsuite::gateway
