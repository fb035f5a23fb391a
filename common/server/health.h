// The standard gRPC health service (grpc.health.v1.Health) on the callback API.
//
// "" is the whole server; modules register their service names. Shutdown() turns every
// name NOT_SERVING (so load balancers and Kubernetes probes stop sending work while in-flight
// calls drain) and ends open Watch streams. gRPC's built-in health service is not used: it
// runs on its own completion-queue thread, which held Server::Shutdown for 5 s once it had
// served a call.
//
//   HealthService health;
//   builder.RegisterService(&health);
//   health.Set("opsuite.planning.v1.GoalCardService", true);
#pragma once

#include <set>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace opsuite::server {

class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

  // Sets `name` SERVING or NOT_SERVING (after Shutdown(), everything stays NOT_SERVING).
  void Set(const std::string& name, bool serving);
  void Shutdown();

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx,
                                  const grpc::health::v1::HealthCheckRequest* req,
                                  grpc::health::v1::HealthCheckResponse* resp) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req) override;

 private:
  class Watcher;
  // SERVICE_UNKNOWN for a name never set.
  ServingStatus StatusOf(const std::string& name) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, ServingStatus> statuses_ ABSL_GUARDED_BY(mu_);
  std::set<Watcher*> watchers_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace opsuite::server
