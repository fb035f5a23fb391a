#include "common/testing/http_client.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace opsuite::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Runs one async operation on `ioc` with a deadline (blocking).
template <class Start>
beast::error_code RunFor(asio::io_context& ioc, beast::tcp_stream& stream, absl::Duration timeout,
                         Start start) {
  beast::error_code result = asio::error::would_block;
  stream.expires_after(std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  start([&](beast::error_code ec, size_t) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

template <class Message>
HttpResult ToResult(const Message& m) {
  HttpResult r;
  r.status = m.result_int();
  for (const auto& f : m.base()) {
    r.headers[absl::AsciiStrToLower(std::string(f.name_string()))] = std::string(f.value());
  }
  return r;
}

}  // namespace

struct HttpClient::Impl {
  std::string host;
  int port;
  absl::Duration timeout;
  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  absl::Status Connect() {
    stream = std::make_unique<beast::tcp_stream>(ioc);
    buffer.clear();
    tcp::endpoint ep(asio::ip::make_address(host), static_cast<unsigned short>(port));
    beast::error_code ec = asio::error::would_block;
    stream->expires_after(std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
    stream->async_connect(ep, [&](beast::error_code e) { ec = e; });
    ioc.restart();
    ioc.run();
    if (ec) return absl::UnavailableError(absl::StrCat("connect ", host, ":", port, ": ", ec.message()));
    stream->socket().set_option(tcp::no_delay(true));
    return absl::OkStatus();
  }

  absl::StatusOr<HttpResult> Exchange(const std::string& bytes, bool retry) {
    if (!stream) {
      if (absl::Status s = Connect(); !s.ok()) return s;
    }
    beast::error_code ec = RunFor(ioc, *stream, timeout, [&](auto handler) {
      asio::async_write(stream->socket(), asio::buffer(bytes), handler);
    });
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (!ec) {
      ec = RunFor(ioc, *stream, timeout,
                  [&](auto handler) { http::async_read(*stream, buffer, parser, handler); });
    }
    if (ec) {
      stream.reset();
      // A keep-alive connection the server closed meanwhile: once more on a new one.
      if (retry && (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                    ec == asio::error::broken_pipe || ec == asio::error::eof)) {
        return Exchange(bytes, false);
      }
      return absl::UnavailableError(absl::StrCat("http: ", ec.message()));
    }
    auto& res = parser.get();
    HttpResult r = ToResult(res);
    r.body = res.body();
    if (!res.keep_alive()) stream.reset();
    return r;
  }
};

HttpClient::HttpClient(std::string host, int port, absl::Duration timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}
HttpClient::~HttpClient() = default;

absl::StatusOr<HttpResult> HttpClient::Send(const std::string& method, const std::string& target,
                                            const std::string& body, const Headers& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, absl::StrCat(impl_->host, ":", impl_->port));
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req.set(k, v);
    if (absl::AsciiStrToLower(k) == "content-type") has_type = true;
  }
  if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.keep_alive(true);
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") req.prepare_payload();
  std::ostringstream os;
  os << req;
  return impl_->Exchange(os.str(), true);
}

absl::StatusOr<HttpResult> HttpClient::SendRaw(const std::string& bytes) {
  return impl_->Exchange(bytes, false);
}

struct SseReader::Impl {
  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;  // for the request and the response head
  std::unique_ptr<tcp::socket> socket;         // then the raw stream (timeouts keep it open)
  beast::flat_buffer buffer;
  HttpResult head;
  std::string pending;  // bytes of the stream not yet parsed into events
  bool ended = false;
};

SseReader::SseReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SseReader::~SseReader() { Close(); }
const HttpResult& SseReader::head() const { return impl_->head; }
bool SseReader::ended() const { return impl_->ended; }

void SseReader::Close() {
  if (impl_ && impl_->socket) {
    beast::error_code ec;
    impl_->socket->shutdown(tcp::socket::shutdown_both, ec);
    impl_->socket->close(ec);
    impl_->socket.reset();
  }
  if (impl_) impl_->stream.reset();
}

absl::StatusOr<std::unique_ptr<SseReader>> SseReader::Open(const std::string& host, int port,
                                                           const std::string& target,
                                                           const Headers& headers) {
  auto impl = std::make_unique<Impl>();
  impl->stream = std::make_unique<beast::tcp_stream>(impl->ioc);
  tcp::endpoint ep(asio::ip::make_address(host), static_cast<unsigned short>(port));
  beast::error_code ec = asio::error::would_block;
  impl->stream->expires_after(std::chrono::seconds(5));
  impl->stream->async_connect(ep, [&](beast::error_code e) { ec = e; });
  impl->ioc.run();
  if (ec) return absl::UnavailableError(absl::StrCat("connect: ", ec.message()));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, absl::StrCat(host, ":", port));
  req.set(http::field::accept, "text/event-stream");
  for (const auto& [k, v] : headers) req.set(k, v);
  std::ostringstream os;
  os << req;
  std::string bytes = os.str();
  ec = RunFor(impl->ioc, *impl->stream, absl::Seconds(5), [&](auto handler) {
    asio::async_write(impl->stream->socket(), asio::buffer(bytes), handler);
  });
  if (ec) return absl::UnavailableError(absl::StrCat("write: ", ec.message()));
  http::response_parser<http::string_body> parser;
  ec = RunFor(impl->ioc, *impl->stream, absl::Seconds(10), [&](auto handler) {
    http::async_read_header(*impl->stream, impl->buffer, parser, handler);
  });
  if (ec) return absl::UnavailableError(absl::StrCat("read header: ", ec.message()));
  impl->head = ToResult(parser.get());
  if (impl->head.header("content-type").rfind("text/event-stream", 0) != 0) {
    // Not a stream: an error answer with a body.
    ec = RunFor(impl->ioc, *impl->stream, absl::Seconds(10), [&](auto handler) {
      http::async_read(*impl->stream, impl->buffer, parser, handler);
    });
    impl->head.body = parser.get().body();
    impl->ended = true;
  } else {
    // What came with the head belongs to the stream.
    impl->pending.assign(static_cast<const char*>(impl->buffer.data().data()), impl->buffer.size());
    impl->buffer.consume(impl->buffer.size());
    impl->stream->expires_never();
    impl->socket = std::make_unique<tcp::socket>(impl->stream->release_socket());
  }
  return std::unique_ptr<SseReader>(new SseReader(std::move(impl)));
}

std::optional<SseEvent> SseReader::Next(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    // Parse complete events out of what has arrived.
    size_t end;
    while ((end = impl_->pending.find("\n\n")) != std::string::npos) {
      std::string block = impl_->pending.substr(0, end);
      impl_->pending.erase(0, end + 2);
      SseEvent event;
      bool any = false;
      for (absl::string_view line : absl::StrSplit(block, '\n')) {
        if (line.empty() || line[0] == ':') continue;
        std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, absl::MaxSplits(':', 1));
        absl::string_view value = kv.second;
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
        if (kv.first == "id") event.id = std::string(value), any = true;
        if (kv.first == "event") event.event = std::string(value), any = true;
        if (kv.first == "data") {
          absl::StrAppend(&event.data, event.data.empty() ? "" : "\n", value);
          any = true;
        }
      }
      if (any) return event;
    }
    if (impl_->ended || !impl_->socket) return std::nullopt;
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return std::nullopt;
    char chunk[4096];
    size_t got = 0;
    bool timed_out = false;
    beast::error_code ec = asio::error::would_block;
    asio::steady_timer timer(impl_->ioc);
    timer.expires_after(std::chrono::milliseconds(absl::ToInt64Milliseconds(left) + 1));
    timer.async_wait([&](beast::error_code e) {
      if (!e) {
        timed_out = true;
        impl_->socket->cancel();  // the read ends; the socket stays open
      }
    });
    impl_->socket->async_read_some(asio::buffer(chunk), [&](beast::error_code e, size_t n) {
      ec = e;
      got = n;
      timer.cancel();
    });
    impl_->ioc.restart();
    impl_->ioc.run();
    impl_->pending.append(chunk, got);
    if (timed_out && got == 0) return std::nullopt;
    if (ec && ec != asio::error::operation_aborted) impl_->ended = true;
  }
}

}  // namespace opsuite::testing
