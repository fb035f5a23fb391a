// Structured JSON-line logging with request and trace ids.
//
// One JSON object per line on stderr: {"ts":"...","level":"info","msg":"...","request_id":
// "...","trace_id":"...", ...fields}. The request and trace ids come from the ScopedRequest
// active on the calling thread, so every line a request writes can be found by either id.
//
//   log::Info("opsuite ready", {{"grpc_addr", addr}});
//   log::ScopedRequest scope(log::RequestInfo{.request_id = id, .trace = trace});
#pragma once

#include <initializer_list>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>

#include "nlohmann/json.hpp"

namespace opsuite::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; false for anything else.
bool ParseLevel(absl::string_view text, Level* level);
void SetMinLevel(Level level);
bool Enabled(Level level);

using Fields = std::initializer_list<std::pair<absl::string_view, nlohmann::json>>;

void Write(Level level, absl::string_view msg, Fields fields = {});
inline void Debug(absl::string_view msg, Fields fields = {}) { Write(Level::kDebug, msg, fields); }
inline void Info(absl::string_view msg, Fields fields = {}) { Write(Level::kInfo, msg, fields); }
inline void Warn(absl::string_view msg, Fields fields = {}) { Write(Level::kWarn, msg, fields); }
inline void Error(absl::string_view msg, Fields fields = {}) { Write(Level::kError, msg, fields); }

// `url` with the password of its user info replaced by *** ("redis://:***@host:6379/0",
// "postgres://app:***@db/opsuite"), for logs and error messages.
std::string RedactedUrl(absl::string_view url);

// For tests: where lines go (default stderr). Not thread-safe against concurrent Write.
void SetSink(void (*sink)(const std::string& line));

// W3C trace context (https://www.w3.org/TR/trace-context/): version 00 only.
struct TraceContext {
  std::string trace_id;  // 32 lowercase hex digits, not all zero
  std::string span_id;   // 16 lowercase hex digits, not all zero
  bool sampled = false;

  // Parses a `traceparent` header; false when it is malformed.
  static bool Parse(absl::string_view header, TraceContext* out);
  // A fresh random trace.
  static TraceContext New();
  // The same trace with a new span id (for an outgoing call).
  TraceContext Child() const;
  std::string ToHeader() const;
};

struct RequestInfo {
  std::string request_id;
  std::string method;
  TraceContext trace;
};

// Makes `info` the current request of this thread until destroyed.
class ScopedRequest {
 public:
  explicit ScopedRequest(RequestInfo info);
  ~ScopedRequest();
  ScopedRequest(const ScopedRequest&) = delete;
  ScopedRequest& operator=(const ScopedRequest&) = delete;

 private:
  RequestInfo saved_;
  bool had_saved_;
};

// The current request of this thread, or nullptr.
const RequestInfo* CurrentRequest();

}  // namespace opsuite::log
