// The pure parts of opsuite-loadgen (tools/loadgen/main.cc), unit-tested on their own: the RPC
// mix, the per-operation recorder and the summary (QPS, latency percentiles, errors by status).
//
//   auto mix = ParseMix("GetEmployee:80,CreateCustomer:20", KnownOps());   // weights
//   Picker picker(*mix);  picker.Pick(random_uint64) -> index into *mix
//   Recorder r(mix->size());  r.Record(op, latency_ms, "OK");   // one per call slot
//   Recorder all = Recorder::Merge(slots);  std::vector<Summary> s = all.Summarize(names, seconds);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace opsuite::loadgen {

// The operations main.cc can issue.
const std::vector<std::string>& KnownOps();

struct MixEntry {
  std::string op;
  int weight = 0;
};

// "Op:weight,Op:weight" (a bare "Op" weighs 1). Ops must be known, weights 1..1000000, each op
// named once. The error names what is wrong and lists the known ops.
absl::StatusOr<std::vector<MixEntry>> ParseMix(absl::string_view text,
                                               const std::vector<std::string>& known);

// Picks an entry with probability weight / total from a uniformly random 64-bit value.
class Picker {
 public:
  explicit Picker(const std::vector<MixEntry>& mix);
  size_t Pick(uint64_t random) const;

 private:
  std::vector<uint64_t> cumulative_;
};

struct Summary {
  std::string op;  // "all" for the total
  uint64_t calls = 0;
  uint64_t ok = 0;
  std::map<std::string, uint64_t> errors;  // by gRPC status code name
  double seconds = 0;
  double qps = 0;  // completed calls (ok or not) a second
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

// Latencies and outcomes of the calls of one slot (one call at a time: no locking), merged at
// the end.
class Recorder {
 public:
  explicit Recorder(size_t ops = 0) : latencies_(ops), errors_(ops) {}
  void Record(size_t op, double latency_ms, const std::string& code);
  static Recorder Merge(const std::vector<Recorder>& parts);
  // One Summary per op (in mix order) and then "all".
  std::vector<Summary> Summarize(const std::vector<std::string>& names, double seconds) const;
  uint64_t calls() const;

 private:
  std::vector<std::vector<double>> latencies_;
  std::vector<std::map<std::string, uint64_t>> errors_;  // code -> count ("OK" included)
};

// The p-th percentile (0..1) of sorted values by nearest rank; 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

nlohmann::json ToJson(const std::vector<Summary>& summaries);
// A Markdown table, one row per summary.
std::string ToTable(const std::vector<Summary>& summaries);

}  // namespace opsuite::loadgen
