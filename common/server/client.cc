#include "common/server/client.h"

#include <random>

#include "absl/time/clock.h"
#include "common/log.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace opsuite::server {

void PrepareOutgoing(grpc::ClientContext* ctx, absl::Duration timeout) {
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (const log::RequestInfo* current = log::CurrentRequest()) {
    ctx->AddMetadata("traceparent", current->trace.Child().ToHeader());
    if (!current->request_id.empty()) ctx->AddMetadata("x-request-id", current->request_id);
  } else {
    ctx->AddMetadata("traceparent", log::TraceContext::New().ToHeader());
  }
}

std::shared_ptr<grpc::Channel> PeerChannel(const std::string& addr,
                                           std::shared_ptr<grpc::ChannelCredentials> creds,
                                           const std::string& server_name) {
  grpc::ChannelArguments args;
  if (!server_name.empty()) args.SetSslTargetNameOverride(server_name);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(addr, std::move(creds), args);
}

bool Transient(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded ||
         code == absl::StatusCode::kResourceExhausted || code == absl::StatusCode::kAborted;
}

absl::Status Retry(const RetryPolicy& policy, absl::FunctionRef<absl::Status()> fn,
                   int* tries) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  absl::Duration backoff = policy.backoff;
  absl::Status last;
  int attempt = 1;
  for (;; ++attempt) {
    last = fn();
    if (last.ok() || !Transient(last.code()) || attempt >= policy.attempts) break;
    absl::SleepFor(backoff * (0.5 + std::uniform_real_distribution<double>(0, 1)(jitter)));
    backoff *= 2;
  }
  if (tries != nullptr) *tries = attempt;
  return last;
}

}  // namespace opsuite::server
