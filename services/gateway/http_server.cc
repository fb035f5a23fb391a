#include "services/gateway/http_server.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/log.h"
#include "services/gateway/http_status.h"

namespace opsuite::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::chrono::steady_clock::duration Chrono(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(absl::ToChronoNanoseconds(d));
}

HttpResponse ErrorResponse(int http_status, grpc::StatusCode code, absl::string_view message) {
  HttpResponse r{static_cast<http::status>(http_status), 11};
  r.set(http::field::content_type, "application/json");
  r.body() = StatusJson(code, message);
  r.keep_alive(false);
  return r;
}

}  // namespace

class Connection;

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<int> pending{0};  // exchanges alive (read, not yet answered and released)
  std::weak_ptr<Impl> self;
  absl::Mutex mu;
  std::list<std::weak_ptr<Connection>> connections ABSL_GUARDED_BY(mu);

  void Accept();
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server), ping_(stream_.get_executor()) {
    beast::error_code ec;
    tcp::endpoint ep = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = absl::StrCat(ep.address().to_string(), ":", ep.port());
  }

  void Start() {
    {
      absl::MutexLock lock(&server_->mu);
      server_->connections.remove_if([](const std::weak_ptr<Connection>& w) { return w.expired(); });
      server_->connections.push_back(weak_from_this());
    }
    DoRead();
  }
  // At shutdown: idle and streaming connections close now; one with an answer pending
  // closes after writing it (stopping turns keep-alive off).
  void StopIfIdle() {
    if (streaming_ || !busy_) Close();
  }
  const std::string& peer() const { return peer_; }
  auto executor() { return stream_.get_executor(); }

  // All below run on the connection's strand.
  void Write(HttpResponse response, bool keep_alive) {
    if (closed_) return;
    response.keep_alive(keep_alive && !server_->stopping.load());
    response.prepare_payload();
    busy_ = false;
    auto owned = std::make_shared<HttpResponse>(std::move(response));
    stream_.expires_after(Chrono(server_->options.idle_timeout));
    http::async_write(stream_, *owned,
                      [self = shared_from_this(), owned](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        if (!owned->keep_alive()) return self->Linger();
                        self->DoRead();
                      });
  }

  void BeginStream(HttpResponse header, std::function<void()> on_close) {
    if (closed_) {
      if (on_close) on_close();
      return;
    }
    on_close_ = std::move(on_close);
    streaming_ = true;
    stream_.expires_never();
    header.keep_alive(false);
    std::ostringstream head;
    head << header.base();
    Enqueue(head.str());
    WatchPeer();
    SchedulePing();
  }

  void Enqueue(std::string data) {
    if (closed_) return;
    queue_.push_back(std::move(data));
    last_write_ = absl::Now();
    if (!writing_) WriteNext();
  }

  void EndStream() {
    end_after_ = true;
    if (!writing_ && queue_.empty()) Linger();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    ping_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    if (on_close_) {
      auto f = std::move(on_close_);
      on_close_ = nullptr;
      f();
    }
  }

 private:
  void DoRead() {
    if (server_->stopping.load()) return Close();
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(Chrono(server_->options.idle_timeout));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec);

  void WriteNext() {
    if (queue_.empty() || closed_) {
      writing_ = false;
      if (end_after_ && !closed_) Linger();
      return;
    }
    writing_ = true;
    asio::async_write(stream_.socket(), asio::buffer(queue_.front()),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        self->queue_.pop_front();
                        self->WriteNext();
                      });
  }

  // Reads whatever a streaming client sends (nothing, normally) to learn when it goes away.
  void WatchPeer() {
    stream_.socket().async_read_some(
        asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Close();
          self->WatchPeer();
        });
  }

  void SchedulePing() {
    ping_.expires_after(Chrono(server_->options.stream_ping));
    ping_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (absl::Now() - self->last_write_ >= self->server_->options.stream_ping) {
        self->Enqueue(": ping\n\n");
      }
      self->SchedulePing();
    });
  }

  // Closes after the answer: stop sending, read what the client still sends (so that it
  // sees the answer rather than a reset), then close.
  void Linger() {
    if (closed_) return;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(1));
    Drain();
  }
  void Drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->Drain();
                            });
  }

  beast::tcp_stream stream_;
  HttpServer::Impl* server_;
  asio::steady_timer ping_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::string> queue_;
  std::array<char, 512> scratch_;
  bool writing_ = false;
  bool end_after_ = false;
  bool streaming_ = false;
  bool busy_ = false;  // a request read and not answered yet
  bool closed_ = false;
  absl::Time last_write_;
  std::function<void()> on_close_;
};

namespace {

class ConnectionExchange : public Exchange {
 public:
  ConnectionExchange(std::shared_ptr<Connection> conn, HttpRequest request,
                     std::shared_ptr<HttpServer::Impl> server)
      : conn_(std::move(conn)), request_(std::move(request)), server_(std::move(server)) {
    server_->pending.fetch_add(1);
  }
  ~ConnectionExchange() override { server_->pending.fetch_sub(1); }

  const HttpRequest& request() const override { return request_; }
  const std::string& peer() const override { return conn_->peer(); }

  void Respond(HttpResponse response) override {
    if (answered_.exchange(true)) return;
    bool keep_alive = request_.keep_alive();
    asio::post(conn_->executor(), [conn = conn_, r = std::move(response), keep_alive]() mutable {
      conn->Write(std::move(r), keep_alive);
    });
  }
  void StartStream(HttpResponse header, std::function<void()> on_close) override {
    if (answered_.exchange(true)) return;
    asio::post(conn_->executor(), [conn = conn_, h = std::move(header),
                                   f = std::move(on_close)]() mutable {
      conn->BeginStream(std::move(h), std::move(f));
    });
  }
  void Send(std::string data) override {
    asio::post(conn_->executor(),
               [conn = conn_, d = std::move(data)]() mutable { conn->Enqueue(std::move(d)); });
  }
  void EndStream() override {
    asio::post(conn_->executor(), [conn = conn_] { conn->EndStream(); });
  }

 private:
  std::shared_ptr<Connection> conn_;
  HttpRequest request_;
  std::shared_ptr<HttpServer::Impl> server_;  // keeps the I/O context alive while answering
  std::atomic<bool> answered_{false};
};

}  // namespace

void Connection::OnRead(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    return Write(ErrorResponse(413, grpc::StatusCode::INVALID_ARGUMENT,
                               absl::StrCat("request body larger than ",
                                            server_->options.max_body_bytes, " bytes")),
                 false);
  }
  if (ec == http::error::header_limit) {
    return Write(ErrorResponse(431, grpc::StatusCode::INVALID_ARGUMENT,
                               "request headers larger than 16 KiB"),
                 false);
  }
  if (ec) {
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Write(ErrorResponse(400, grpc::StatusCode::INVALID_ARGUMENT,
                                 absl::StrCat("malformed HTTP request: ", ec.message())),
                   false);
    }
    return Close();  // end of stream, timeout, reset
  }
  busy_ = true;
  auto exchange = std::make_shared<ConnectionExchange>(shared_from_this(), parser_->release(),
                                                       server_->self.lock());
  server_->handler(std::move(exchange));
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted) return;
      log::Warn("http accept failed", {{"error", ec.message()}});
    } else {
      beast::error_code nd;
      socket.set_option(tcp::no_delay(true), nd);
      std::make_shared<Connection>(std::move(socket), this)->Start();
    }
    Accept();
  });
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(absl::ZeroDuration()); }
int HttpServer::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                              Handler handler) {
  auto impl = std::make_shared<Impl>();
  impl->self = impl;
  impl->options = options;
  impl->handler = std::move(handler);
  size_t colon = options.address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_addr \"", options.address, "\": expected host:port"));
  }
  std::string host = options.address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  asio::ip::address addr = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_addr \"", options.address, "\": ", host, " is not an IP address"));
  }
  tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --http_addr ", options.address, ": ", ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->work.emplace(impl->ioc.get_executor());
  impl->Accept();
  int threads = std::max(1, options.threads);
  Impl* raw = impl.get();
  for (int i = 0; i < threads; ++i) impl->threads.emplace_back([raw] { raw->ioc.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Stop(absl::Duration grace) {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  {
    absl::MutexLock lock(&impl_->mu);
    for (auto& weak : impl_->connections) {
      if (auto conn = weak.lock()) asio::post(conn->executor(), [conn] { conn->StopIfIdle(); });
    }
  }
  absl::Time deadline = absl::Now() + grace;
  while (impl_->pending.load() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  impl_->work.reset();
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  // Connections parked in the stopped context hold no reference to it; the context (and
  // them) go when the last answer still in flight lets go of impl_.
}

}  // namespace opsuite::gateway
