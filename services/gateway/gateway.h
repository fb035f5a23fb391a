// The HTTP/JSON face of opsuite (DESIGN.md §1, §7): REST routes transcoded to gRPC from the
// google.api.http annotations of the API's descriptor set, JWTs checked here and forwarded,
// per-subject rate limits (429 + Retry-After), body limits (413), deadlines from
// `grpc-timeout`, CORS, Server-Sent Events for server-streaming methods (/v1/inbox:watch,
// resumable with Last-Event-ID), /openapi.json, /healthz, and the web console at "/".
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/jwt.h"
#include "common/clock.h"
#include "common/redis/redis_client.h"
#include "common/server/metrics.h"
#include "grpcpp/channel.h"
#include "services/gateway/api.h"

namespace opsuite::gateway {

struct GatewayOptions {
  std::string http_addr = "127.0.0.1:8080";  // port 0 picks a free one
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  absl::Duration default_timeout = absl::Seconds(30);
  absl::Duration max_timeout = absl::Minutes(10);
  // Origins allowed to call from a browser ("*": any); empty: no CORS headers.
  std::vector<std::string> cors_origins;
  double rate_limit = 50;  // requests per second per subject (0: off)
  int rate_burst = 100;
  std::string web_dir = "web/dist";  // the built console; "" serves none
  std::string descriptor_set;        // a descriptor set file; "" uses the compiled-in one
};

struct GatewayBackends {
  const auth::JwtVerifier* verifier = nullptr;
  // The channel to a module ("crm") — the --peers address or this process's own.
  std::function<std::shared_ptr<grpc::Channel>(absl::string_view module)> channel;
  std::shared_ptr<redis::RedisClient> redis;  // null: rate limits per replica
  const Clock* clock = nullptr;
  server::Metrics* metrics = nullptr;  // may be null
};

class Gateway {
 public:
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(GatewayOptions options,
                                                         GatewayBackends backends);
  ~Gateway();
  int port() const;
  const ApiCatalog& catalog() const;
  // Stops taking requests, ends streams, waits up to `grace` for answers in flight.
  void Stop(absl::Duration grace = absl::Seconds(5));

  struct Impl;

 private:
  explicit Gateway(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// Parses a grpc-timeout header value ("250m", "5S", "1H"; at most 8 digits).
std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view value);

}  // namespace opsuite::gateway
