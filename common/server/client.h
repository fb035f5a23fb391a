// Outgoing calls to other services: every call carries a deadline and the current request's
// trace context, so one request can be followed across services in the logs.
//
//   grpc::ClientContext ctx;
//   PrepareOutgoing(&ctx, absl::Seconds(2));      // deadline + traceparent + x-request-id
//   stub->BatchGetEmployees(&ctx, req, &resp);
#pragma once

#include "absl/time/time.h"
#include "grpcpp/client_context.h"

namespace opsuite::server {

// Sets the deadline to now + `timeout`; when a request is current on this thread (see
// log::ScopedRequest) adds `traceparent` (a child span of it) and its `x-request-id`,
// otherwise a fresh trace.
void PrepareOutgoing(grpc::ClientContext* ctx, absl::Duration timeout);

}  // namespace opsuite::server
