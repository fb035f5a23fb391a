// Outgoing calls to other services: every call carries a deadline and the current request's
// trace context, so one request can be followed across services in the logs; background work
// retries what may succeed when repeated.
//
//   grpc::ClientContext ctx;
//   PrepareOutgoing(&ctx, absl::Seconds(2));      // deadline + traceparent + x-request-id
//   stub->BatchGetEmployees(&ctx, req, &resp);
//
//   RetryPolicy policy;                           // 3 attempts, 100 ms backoff doubling
//   absl::Status s = Retry(policy, [&]() -> absl::Status { ... });
#pragma once

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"

namespace opsuite::server {

// Sets the deadline to now + `timeout`; when a request is current on this thread (see
// log::ScopedRequest) adds `traceparent` (a child span of it) and its `x-request-id`,
// otherwise a fresh trace.
void PrepareOutgoing(grpc::ClientContext* ctx, absl::Duration timeout);

// A channel to another service of the suite. A peer that was down is redialled after 100 ms,
// doubling to at most 2 s (gRPC's defaults, 1 s up to 2 min, leave a restarted peer unused
// for minutes).
// `server_name`, when set, is the name checked on the peer's TLS certificate.
std::shared_ptr<grpc::Channel> PeerChannel(const std::string& addr,
                                           std::shared_ptr<grpc::ChannelCredentials> creds,
                                           const std::string& server_name = "");

// Whether a failed call may succeed if repeated: UNAVAILABLE, DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED, ABORTED.
bool Transient(absl::StatusCode code);

struct RetryPolicy {
  int attempts = 3;
  absl::Duration backoff = absl::Milliseconds(100);  // before the 2nd attempt; doubled, jittered
};

// Runs `fn` until it succeeds, fails with a status that is not Transient, or has been tried
// `policy.attempts` times; sleeps a jittered, doubling backoff between tries. Returns the last
// status and sets `*tries` to the number of tries.
absl::Status Retry(const RetryPolicy& policy, absl::FunctionRef<absl::Status()> fn,
                   int* tries = nullptr);

}  // namespace opsuite::server
