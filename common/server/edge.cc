#include "common/server/edge.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"

namespace opsuite::server {
namespace {

std::string Metadata(const grpc::CallbackServerContext* ctx, const char* key) {
  const auto& md = ctx->client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<auth::Principal> Edge::Authenticate(const grpc::CallbackServerContext* ctx) const {
  std::string header = Metadata(ctx, "authorization");
  if (header.empty()) {
    return absl::UnauthenticatedError(
        "missing credentials: send `authorization: Bearer <JWT>` (opsctl token mints one)");
  }
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(header, kBearer)) {
    return absl::UnauthenticatedError("the authorization header must be `Bearer <JWT>`");
  }
  return verifier_->Verify(std::string_view(header).substr(kBearer.size()));
}

absl::Time Edge::DeadlineOf(const grpc::CallbackServerContext* ctx) {
  auto d = ctx->deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(d);
}

log::RequestInfo Edge::RequestInfoFor(const grpc::CallbackServerContext* ctx,
                                      absl::string_view method) {
  log::RequestInfo info;
  info.method = std::string(method);
  info.request_id = Metadata(ctx, "x-request-id");
  if (info.request_id.empty() || info.request_id.size() > 128) info.request_id = NewId("req");
  if (!log::TraceContext::Parse(Metadata(ctx, "traceparent"), &info.trace)) {
    info.trace = log::TraceContext::New();
  }
  return info;
}

absl::Status RawCall::Seal() {
  if (!has_serialized_) {
    grpc::Status st = SerializeResponse(out_);
    if (!st.ok()) return absl::InternalError(absl::StrCat("cannot serialize the response: ",
                                                          st.error_message()));
    return absl::OkStatus();
  }
  grpc::Slice slice(serialized_.data(), serialized_.size());
  grpc::ByteBuffer bytes(&slice, 1);
  out_->Swap(&bytes);
  return absl::OkStatus();
}

void Edge::Finish(grpc::ServerUnaryReactor* reactor, RawCall* raw, const log::RequestInfo& info,
                  absl::Time start, const absl::Status& outcome) {
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const absl::Status status = outcome.ok() && raw != nullptr ? raw->Seal() : outcome;
  delete raw;  // the reply is in gRPC's buffer now
  // The reply first: counting and logging the call need not delay it.
  reactor->Finish(ToGrpcStatus(status));
  metrics_->Observe(info.method, static_cast<int>(status.code()), seconds);
  if (!status.ok()) {
    log::ScopedRequest scope(info);
    bool server_fault = status.code() == absl::StatusCode::kInternal ||
                        status.code() == absl::StatusCode::kDataLoss ||
                        status.code() == absl::StatusCode::kUnknown;
    log::Write(server_fault ? log::Level::kError : log::Level::kInfo, "call failed",
               {{"code", absl::StatusCodeToString(status.code())},
                {"error", std::string(status.message())},
                {"ms", seconds * 1000}});
  }
  in_flight_.fetch_sub(1);  // last: Drain waits for it before the metrics and log go away
}

int Edge::Drain(absl::Time deadline) {
  draining_.store(true);
  while (in_flight_.load() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  return in_flight_.load();
}

}  // namespace opsuite::server
