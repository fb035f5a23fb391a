#include "common/testing/http_sink.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace opsuite::testing {
namespace {

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

}  // namespace

std::string HttpRequest::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<HttpSink>> HttpSink::Start() {
  std::unique_ptr<HttpSink> sink(new HttpSink());
  HttpSink* self = sink.get();
  absl::StatusOr<std::unique_ptr<TcpServer>> server =
      TcpServer::Start([self](TcpServer::Conn& c) { self->Serve(c); });
  if (!server.ok()) return server.status();
  sink->server_ = std::move(*server);
  return sink;
}

std::string HttpSink::host_port() const { return absl::StrCat("127.0.0.1:", port()); }

std::string HttpSink::url(absl::string_view path) const {
  return absl::StrCat("http://127.0.0.1:", port(), path);
}

void HttpSink::SetStatuses(std::vector<int> statuses) {
  absl::MutexLock lock(&mu_);
  statuses_.assign(statuses.begin(), statuses.end());
}

void HttpSink::SetDelay(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  delay_ = delay;
}

void HttpSink::SetDefaultStatus(int status) {
  absl::MutexLock lock(&mu_);
  default_status_ = status;
}

void HttpSink::SetErrorBody(std::string body) {
  absl::MutexLock lock(&mu_);
  error_body_ = std::move(body);
}

std::vector<HttpRequest> HttpSink::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool HttpSink::WaitForRequests(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return requests_.size() >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void HttpSink::Serve(TcpServer::Conn& conn) {
  std::optional<std::string> request_line = conn.ReadLine();
  if (!request_line) return;
  std::vector<std::string> parts = absl::StrSplit(*request_line, ' ');
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/1.")) {
    conn.Write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  HttpRequest req;
  req.method = parts[0];
  req.path = parts[1];
  size_t length = 0;
  for (;;) {
    std::optional<std::string> h = conn.ReadLine();
    if (!h) return;
    if (h->empty()) break;
    size_t colon = h->find(':');
    if (colon == std::string::npos) continue;
    std::string name(absl::StripAsciiWhitespace(h->substr(0, colon)));
    std::string value(absl::StripAsciiWhitespace(h->substr(colon + 1)));
    if (absl::EqualsIgnoreCase(name, "content-length")) {
      if (!absl::SimpleAtoi(value, &length)) length = 0;
    }
    req.headers.emplace_back(std::move(name), std::move(value));
  }
  if (length > 0) {
    std::optional<std::string> body = conn.ReadBytes(length);
    if (!body) return;
    req.body = std::move(*body);
  }
  int status;
  std::string body;
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    delay = delay_;
    if (!statuses_.empty()) {
      status = statuses_.front();
      statuses_.pop_front();
    } else {
      status = default_status_;
    }
    if (status < 200 || status > 299) body = error_body_;
    req.status = status;
    requests_.push_back(req);
  }
  absl::SleepFor(delay);
  conn.Write(absl::StrCat("HTTP/1.1 ", status, " ", Reason(status),
                          "\r\nContent-Type: text/plain\r\n", "Content-Length: ", body.size(),
                          "\r\nConnection: close\r\n\r\n", body));
}

}  // namespace opsuite::testing
