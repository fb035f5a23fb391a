// A blocking HTTP/1.1 client for tests and benchmarks: one keep-alive connection, with
// timeouts, plus a Server-Sent Events reader.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opsuite::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  HttpClient(std::string host, int port, absl::Duration timeout = absl::Seconds(10));
  ~HttpClient();
  // Reconnects when the server closed the connection.
  absl::StatusOr<HttpResult> Send(const std::string& method, const std::string& target,
                                  const std::string& body = "", const Headers& headers = {});
  // The raw bytes of a request, sent as is (for malformed requests and size limits).
  absl::StatusOr<HttpResult> SendRaw(const std::string& bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

class SseReader {
 public:
  // Sends GET `target` with Accept: text/event-stream and reads the response head.
  static absl::StatusOr<std::unique_ptr<SseReader>> Open(const std::string& host, int port,
                                                         const std::string& target,
                                                         const Headers& headers = {});
  ~SseReader();
  const HttpResult& head() const;  // status and headers (and the body when not a stream)
  // The next event (comments and `retry:` lines skipped); nullopt on timeout or end.
  std::optional<SseEvent> Next(absl::Duration timeout);
  bool ended() const;  // the server closed the stream
  void Close();

  struct Impl;

 private:
  explicit SseReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace opsuite::testing
