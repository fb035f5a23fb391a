// Prometheus metrics for the gRPC edge: per-method request counts by code and latency
// histograms, served on --metrics_addr by prometheus-cpp's exposer.
#pragma once

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace opsuite::server {

class Metrics {
 public:
  Metrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  // Counts one finished call of `method` with gRPC `code` that took `seconds`.
  void Observe(absl::string_view method, int code, double seconds);
  // A gauge-like counter for anything else a component wants to export.
  prometheus::Family<prometheus::Counter>& counters() { return *custom_; }

 private:
  struct PerMethod {
    prometheus::Histogram* latency;
    absl::flat_hash_map<int, prometheus::Counter*> by_code;
  };
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* latency_;
  prometheus::Family<prometheus::Counter>* custom_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<PerMethod>> methods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace opsuite::server
