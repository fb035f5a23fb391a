#include "common/server/metrics.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "prometheus/metric_family.h"

namespace opsuite::server {
namespace {

// The value of `family`'s series whose labels include every pair of `labels`: the counter's
// value, or the histogram's sample count.
double Series(const std::vector<prometheus::MetricFamily>& families, const std::string& family,
              const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& f : families) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      bool all = true;
      for (const auto& [k, v] : labels) {
        bool found = false;
        for (const auto& l : m.label) found = found || (l.name == k && l.value == v);
        all = all && found;
      }
      if (!all) continue;
      return f.type == prometheus::MetricType::Histogram
                 ? static_cast<double>(m.histogram.sample_count)
                 : m.counter.value;
    }
  }
  return -1;
}

TEST(MetricsTest, ConcurrentCallsAreEachCountedOnceByMethodAndCode) {
  Metrics metrics;
  constexpr int kThreads = 8, kCalls = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kCalls; ++i) {
        // Every thread registers methods and codes while the others look them up.
        metrics.Observe(t % 2 == 0 ? "/a.A/Get" : "/a.A/Put", i % 10 == 0 ? 5 : 0, 0.001);
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto families = metrics.registry()->Collect();
  const std::string requests = "opsuite_grpc_requests_total";
  EXPECT_EQ(Series(families, requests, {{"method", "/a.A/Get"}, {"code", "OK"}}),
            kThreads / 2 * kCalls * 9 / 10);
  EXPECT_EQ(Series(families, requests, {{"method", "/a.A/Get"}, {"code", "NOT_FOUND"}}),
            kThreads / 2 * kCalls / 10);
  EXPECT_EQ(Series(families, requests, {{"method", "/a.A/Put"}, {"code", "NOT_FOUND"}}),
            kThreads / 2 * kCalls / 10);
  EXPECT_EQ(Series(families, "opsuite_grpc_request_duration_seconds", {{"method", "/a.A/Put"}}),
            kThreads / 2 * kCalls);
  EXPECT_EQ(Series(families, requests, {{"method", "/a.A/Delete"}}), -1);
}

}  // namespace
}  // namespace opsuite::server
