#include "common/server/client.h"

#include "absl/time/clock.h"
#include "common/log.h"

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

}  // namespace opsuite::server
