#include "tests/fault/harness.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace opsuite::testing::fault {

bool LongForm() {
  const char* v = std::getenv("OPSUITE_FAULT_LONG");
  return v != nullptr && std::string(v) == "1";
}

std::shared_ptr<grpc::Channel> Dial(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

namespace {
const char* CodeName(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "?";
  }
}
}  // namespace

void Tally::Record(const grpc::Status& s) {
  absl::MutexLock lock(&mu_);
  ++attempts_;
  if (s.ok()) return;
  failures_.emplace_back(absl::Now(), s.error_code());
  first_message_.emplace(s.error_code(), s.error_message());
}

int64_t Tally::attempts() const {
  absl::MutexLock lock(&mu_);
  return attempts_;
}

int64_t Tally::failures() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(failures_.size());
}

int64_t Tally::FailuresOtherThan(std::vector<grpc::StatusCode> allowed) const {
  absl::MutexLock lock(&mu_);
  int64_t n = 0;
  for (const auto& [t, c] : failures_) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == c;
    if (!ok) ++n;
  }
  return n;
}

int64_t Tally::FailuresSince(absl::Time since) const {
  absl::MutexLock lock(&mu_);
  int64_t n = 0;
  for (const auto& [t, c] : failures_) n += t >= since;
  return n;
}

std::string Tally::Codes() const {
  absl::MutexLock lock(&mu_);
  std::map<grpc::StatusCode, int64_t> counts;
  for (const auto& [t, c] : failures_) ++counts[c];
  std::string out;
  for (const auto& [c, n] : counts) absl::StrAppend(&out, out.empty() ? "" : " ", CodeName(c), "=", n);
  return out.empty() ? "none" : out;
}

std::string Tally::FirstMessages() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [c, m] : first_message_) absl::StrAppend(&out, "  ", CodeName(c), ": ", m, "\n");
  return out;
}

WriteLoad::WriteLoad(int threads, Make make, Tally* tally, absl::Duration pause,
                     absl::Duration give_up)
    : threads_(threads), make_(std::move(make)), tally_(tally), pause_(pause), give_up_(give_up),
      done_(threads) {}

WriteLoad::~WriteLoad() { Stop(); }

void WriteLoad::Start() {
  for (int t = 0; t < threads_; ++t) workers_.emplace_back([this, t] { Run(t); });
}

void WriteLoad::Stop() {
  int64_t running = 0;
  stop_at_.compare_exchange_strong(running, absl::ToUnixMillis(absl::Now()));
  for (auto& w : workers_) w.join();
  workers_.clear();
}

std::vector<Op> WriteLoad::ops() const {
  absl::MutexLock lock(&mu_);
  std::vector<Op> out;
  for (const auto& list : done_) out.insert(out.end(), list.begin(), list.end());
  return out;
}

void WriteLoad::Run(int thread) {
  for (int64_t n = 0; stop_at_ == 0; ++n) {
    auto [op, attempt] = make_(thread, n);
    for (;;) {
      ++op.attempts;
      grpc::Status s = attempt(&op.id);
      tally_->Record(s);
      if (s.ok()) {
        op.acked = true;
        break;
      }
      if (!Retryable(s)) {
        op.final_code = s.error_code();
        op.final_message = s.error_message();
        break;
      }
      const int64_t stopped_at = stop_at_;
      if (stopped_at != 0 && absl::Now() > absl::FromUnixMillis(stopped_at) + give_up_) {
        op.abandoned = true;
        break;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    {
      absl::MutexLock lock(&mu_);
      done_[thread].push_back(std::move(op));
    }
    absl::SleepFor(pause_);
  }
}

void CountOps(const std::vector<Op>& ops, Figures* f) {
  for (const Op& op : ops) {
    ++f->operations;
    f->acknowledged += op.acked;
    f->abandoned += op.abandoned;
    f->refused += !op.acked && !op.abandoned;
  }
}

void PrintFigures(const std::string& name, const Figures& f, const std::string& extra) {
  std::string line = absl::StrCat(
      "[fault] ", name, ": operations=", f.operations, " acknowledged=", f.acknowledged,
      " found_after_recovery=", f.found, " lost=", f.lost, " duplicated=", f.duplicated,
      " refused=", f.refused, " abandoned=", f.abandoned, " attempts=", f.attempts,
      " failed_attempts=", f.failed_attempts,
      absl::StrFormat(" error_rate=%.3f%%", 100.0 * f.error_rate()), extra.empty() ? "" : " ",
      extra);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace opsuite::testing::fault
