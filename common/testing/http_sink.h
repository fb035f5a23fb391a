// Test helper: a fake HTTP/1.1 server on 127.0.0.1 and a free port that records requests
// (method, path, headers, body) and answers each with the next status of a programmable
// sequence (e.g. 500, 500, then 200), then with a default status (200). One request per
// connection; every answer says "Connection: close".
//
//   auto sink = opsuite::testing::HttpSink::Start();
//   (*sink)->SetStatuses({500, 500});          // two failures, then 200
//   ... POST to (*sink)->url("/hook") ...
//   std::vector<HttpRequest> got = (*sink)->requests();
//   got[0].Header("X-Opsuite-Signature")
//
// Thread-safe; stops in the destructor.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/testing/tcp_server.h"

namespace opsuite::testing {

struct HttpRequest {
  std::string method;                                        // "POST"
  std::string path;                                          // "/hook?x=1" as in the request line
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;
  int status = 0;  // what the sink answered

  // The first header named `name` (case-insensitive), "" when absent.
  std::string Header(absl::string_view name) const;
};

class HttpSink {
 public:
  static absl::StatusOr<std::unique_ptr<HttpSink>> Start();
  ~HttpSink() = default;

  int port() const { return server_->port(); }
  // "127.0.0.1:<port>", as an allow-list entry.
  std::string host_port() const;
  // "http://127.0.0.1:<port>" + path.
  std::string url(absl::string_view path = "/hook") const;
  // Connections accepted so far (0: nobody connected).
  int connections() const { return server_->connections(); }

  // The statuses of the next answers, in order (replacing any not yet used).
  void SetStatuses(std::vector<int> statuses);
  // The status once the sequence is used up (200 unless set).
  void SetDefaultStatus(int status);
  // How long each answer waits (a slow receiver); none unless set.
  void SetDelay(absl::Duration delay);
  // The body of every non-2xx answer ("" unless set).
  void SetErrorBody(std::string body);

  // The requests received, in order.
  std::vector<HttpRequest> requests() const;
  // Waits until at least `n` requests arrived: true when they did within `timeout`.
  bool WaitForRequests(size_t n, absl::Duration timeout) const;

 private:
  HttpSink() = default;
  void Serve(TcpServer::Conn& conn);

  mutable absl::Mutex mu_;
  std::deque<int> statuses_ ABSL_GUARDED_BY(mu_);
  int default_status_ ABSL_GUARDED_BY(mu_) = 200;
  std::string error_body_ ABSL_GUARDED_BY(mu_);
  absl::Duration delay_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<TcpServer> server_;  // last: stopped first
};

}  // namespace opsuite::testing
