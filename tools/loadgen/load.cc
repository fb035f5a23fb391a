#include "tools/loadgen/load.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace opsuite::loadgen {

const std::vector<std::string>& KnownOps() {
  static const auto* ops = new std::vector<std::string>{
      "Echo", "GetEmployee", "GetCustomer", "ListCustomers", "CreateCustomer", "RecordActual"};
  return *ops;
}

absl::StatusOr<std::vector<MixEntry>> ParseMix(absl::string_view text,
                                               const std::vector<std::string>& known) {
  std::vector<MixEntry> mix;
  const std::string known_list = absl::StrJoin(known, ", ");
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(part, absl::MaxSplits(':', 1));
    MixEntry e;
    e.op = std::string(absl::StripAsciiWhitespace(kv.first));
    if (std::find(known.begin(), known.end(), e.op) == known.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--mix: unknown operation \"", e.op, "\" (known: ", known_list, ")"));
    }
    e.weight = 1;
    if (part.find(':') != absl::string_view::npos &&
        (!absl::SimpleAtoi(absl::StripAsciiWhitespace(kv.second), &e.weight) || e.weight < 1 ||
         e.weight > 1000000)) {
      return absl::InvalidArgumentError(absl::StrCat("--mix: the weight of ", e.op,
                                                     " must be a whole number 1..1000000, got \"",
                                                     kv.second, "\""));
    }
    for (const MixEntry& seen : mix) {
      if (seen.op == e.op) {
        return absl::InvalidArgumentError(absl::StrCat("--mix: ", e.op, " is named twice"));
      }
    }
    mix.push_back(std::move(e));
  }
  if (mix.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mix: name at least one operation, e.g. GetEmployee:80,CreateCustomer:20 "
                     "(known: ", known_list, ")"));
  }
  return mix;
}

Picker::Picker(const std::vector<MixEntry>& mix) {
  uint64_t total = 0;
  for (const MixEntry& e : mix) {
    total += static_cast<uint64_t>(e.weight);
    cumulative_.push_back(total);
  }
}

size_t Picker::Pick(uint64_t random) const {
  if (cumulative_.empty()) return 0;
  uint64_t r = random % cumulative_.back();
  return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), r) -
                             cumulative_.begin());
}

void Recorder::Record(size_t op, double latency_ms, const std::string& code) {
  if (op >= latencies_.size()) {
    latencies_.resize(op + 1);
    errors_.resize(op + 1);
  }
  latencies_[op].push_back(latency_ms);
  ++errors_[op][code];
}

Recorder Recorder::Merge(const std::vector<Recorder>& parts) {
  Recorder out;
  for (const Recorder& p : parts) {
    if (p.latencies_.size() > out.latencies_.size()) {
      out.latencies_.resize(p.latencies_.size());
      out.errors_.resize(p.latencies_.size());
    }
    for (size_t op = 0; op < p.latencies_.size(); ++op) {
      out.latencies_[op].insert(out.latencies_[op].end(), p.latencies_[op].begin(),
                                p.latencies_[op].end());
      for (const auto& [code, n] : p.errors_[op]) out.errors_[op][code] += n;
    }
  }
  return out;
}

uint64_t Recorder::calls() const {
  uint64_t n = 0;
  for (const auto& l : latencies_) n += l.size();
  return n;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

namespace {

Summary Summarize(const std::string& op, std::vector<double> latencies,
                  const std::map<std::string, uint64_t>& codes, double seconds) {
  Summary s;
  s.op = op;
  s.seconds = seconds;
  std::sort(latencies.begin(), latencies.end());
  s.calls = latencies.size();
  for (const auto& [code, n] : codes) {
    if (code == "OK") {
      s.ok += n;
    } else {
      s.errors[code] += n;
    }
  }
  s.qps = seconds > 0 ? static_cast<double>(s.calls) / seconds : 0;
  s.p50_ms = Percentile(latencies, 0.50);
  s.p90_ms = Percentile(latencies, 0.90);
  s.p99_ms = Percentile(latencies, 0.99);
  s.p999_ms = Percentile(latencies, 0.999);
  s.max_ms = latencies.empty() ? 0 : latencies.back();
  return s;
}

}  // namespace

std::vector<Summary> Recorder::Summarize(const std::vector<std::string>& names,
                                         double seconds) const {
  std::vector<Summary> out;
  std::vector<double> all;
  std::map<std::string, uint64_t> all_codes;
  for (size_t op = 0; op < names.size(); ++op) {
    std::vector<double> l = op < latencies_.size() ? latencies_[op] : std::vector<double>{};
    std::map<std::string, uint64_t> codes =
        op < errors_.size() ? errors_[op] : std::map<std::string, uint64_t>{};
    all.insert(all.end(), l.begin(), l.end());
    for (const auto& [code, n] : codes) all_codes[code] += n;
    out.push_back(loadgen::Summarize(names[op], std::move(l), codes, seconds));
  }
  out.push_back(loadgen::Summarize("all", std::move(all), all_codes, seconds));
  return out;
}

nlohmann::json ToJson(const std::vector<Summary>& summaries) {
  nlohmann::json out = nlohmann::json::array();
  for (const Summary& s : summaries) {
    nlohmann::json errors = nlohmann::json::object();
    for (const auto& [code, n] : s.errors) errors[code] = n;
    out.push_back({{"op", s.op},
                   {"calls", s.calls},
                   {"ok", s.ok},
                   {"errors", errors},
                   {"seconds", s.seconds},
                   {"qps", s.qps},
                   {"p50_ms", s.p50_ms},
                   {"p90_ms", s.p90_ms},
                   {"p99_ms", s.p99_ms},
                   {"p999_ms", s.p999_ms},
                   {"max_ms", s.max_ms}});
  }
  return out;
}

std::string ToTable(const std::vector<Summary>& summaries) {
  std::string out =
      "| op | calls | errors | QPS | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  for (const Summary& s : summaries) {
    std::string errors = "0";
    if (!s.errors.empty()) {
      std::vector<std::string> parts;
      for (const auto& [code, n] : s.errors) parts.push_back(absl::StrCat(code, " ", n));
      errors = absl::StrJoin(parts, ", ");
    }
    absl::StrAppend(&out, absl::StrFormat("| %s | %d | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
                                          s.op, s.calls, errors, s.qps, s.p50_ms, s.p90_ms,
                                          s.p99_ms, s.p999_ms, s.max_ms));
  }
  return out;
}

}  // namespace opsuite::loadgen
