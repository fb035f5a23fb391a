// A small HTTP/1.1 server on Boost.Beast: keep-alive, a body size limit (413), header limit
// (431), idle timeouts, and streamed responses (Server-Sent Events). Handlers run on the I/O
// threads and must not block: they answer through the Exchange, from any thread, later.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"

namespace opsuite::gateway {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// One request and its answer. Thread-safe; the first Respond/StartStream wins.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const HttpRequest& request() const = 0;
  virtual const std::string& peer() const = 0;  // "127.0.0.1:53422"
  // A whole response (Content-Length is set here).
  virtual void Respond(HttpResponse response) = 0;
  // A stream: writes `header` (no Content-Length; the connection closes when the stream
  // ends), then each Send() in order. `on_close` runs once when the client goes away or the
  // server stops (not after EndStream).
  virtual void StartStream(HttpResponse header, std::function<void()> on_close) = 0;
  virtual void Send(std::string data) = 0;
  virtual void EndStream() = 0;
};

using Handler = std::function<void(std::shared_ptr<Exchange>)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1:8080";  // port 0 picks a free one
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration stream_ping = absl::Seconds(15);  // ": ping" comments on idle streams
};

class HttpServer {
 public:
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(HttpServerOptions options,
                                                           Handler handler);
  ~HttpServer();
  int port() const;
  // Stops accepting, closes streams (their on_close runs), waits up to `grace` for answers
  // in flight, then stops the I/O threads.
  void Stop(absl::Duration grace = absl::Seconds(5));

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace opsuite::gateway
