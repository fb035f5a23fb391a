#include "common/server/metrics.h"

#include "grpcpp/support/status_code_enum.h"

namespace opsuite::server {
namespace {
const char* CodeName(int code) {
  static const char* kNames[] = {"OK",
                                 "CANCELLED",
                                 "UNKNOWN",
                                 "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED",
                                 "NOT_FOUND",
                                 "ALREADY_EXISTS",
                                 "PERMISSION_DENIED",
                                 "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION",
                                 "ABORTED",
                                 "OUT_OF_RANGE",
                                 "UNIMPLEMENTED",
                                 "INTERNAL",
                                 "UNAVAILABLE",
                                 "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : "UNKNOWN";
}
}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("opsuite_grpc_requests_total")
                   .Help("Finished gRPC calls by method and status code")
                   .Register(*registry_);
  latency_ = &prometheus::BuildHistogram()
                  .Name("opsuite_grpc_request_duration_seconds")
                  .Help("gRPC call latency by method, from receipt to reply")
                  .Register(*registry_);
  custom_ = &prometheus::BuildCounter()
                 .Name("opsuite_events_total")
                 .Help("Component event counters (cache hits, relay publishes, ...)")
                 .Register(*registry_);
}

void Metrics::Observe(absl::string_view method, int code, double seconds) {
  PerMethod* m = nullptr;
  prometheus::Counter* counter = nullptr;
  {
    // Every call of every method comes here: look up under a shared lock, so calls on other
    // threads never wait for each other; only a method's or code's first call registers.
    absl::ReaderMutexLock lock(&mu_);
    auto it = methods_.find(method);
    if (it != methods_.end()) {
      m = it->second.get();
      auto c = m->by_code.find(code);
      if (c != m->by_code.end()) counter = c->second;
    }
  }
  if (counter == nullptr) {
    absl::MutexLock lock(&mu_);
    auto it = methods_.find(method);
    if (it == methods_.end()) {
      auto pm = std::make_unique<PerMethod>();
      pm->latency = &latency_->Add(
          {{"method", std::string(method)}},
          prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
      it = methods_.emplace(std::string(method), std::move(pm)).first;
    }
    m = it->second.get();
    auto c = m->by_code.find(code);
    if (c == m->by_code.end()) {
      c = m->by_code
              .emplace(code, &requests_->Add({{"method", std::string(method)},
                                              {"code", CodeName(code)}}))
              .first;
    }
    counter = c->second;
  }
  counter->Increment();
  m->latency->Observe(seconds);
}

}  // namespace opsuite::server
