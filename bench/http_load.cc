#include "bench/http_load.h"

#include <optional>
#include <thread>
#include <vector>

#include "boost/asio/connect.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace opsuite::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Slot {
  explicit Slot(asio::io_context& ioc) : socket(asio::make_strand(ioc)) {}
  tcp::socket socket;
  bool connected = false;
  beast::flat_buffer buffer;
  std::string request;
  std::optional<http::response_parser<http::string_body>> parser;
};

struct HttpLoad::Impl {
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::endpoint endpoint;
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<std::thread> threads;
};

HttpLoad::HttpLoad(std::string host, int port, int slots, int threads) : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = tcp::endpoint(asio::ip::make_address(host), static_cast<unsigned short>(port));
  for (int i = 0; i < slots; ++i) impl_->slots.push_back(std::make_unique<Slot>(impl_->ioc));
  impl_->work.emplace(impl_->ioc.get_executor());
  for (int i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

HttpLoad::~HttpLoad() {
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
}

void HttpLoad::Send(int slot, std::string request,
                    std::function<void(int status, const std::string& body)> done) {
  Slot* s = impl_->slots[slot].get();
  asio::post(s->socket.get_executor(), [this, s, request = std::move(request), done = std::move(done)]() mutable {
    s->request = std::move(request);
    auto fail = [s, done] {
      beast::error_code ec;
      s->socket.close(ec);
      s->connected = false;
      done(0, "");
    };
    auto exchange = [s, done, fail] {
      asio::async_write(s->socket, asio::buffer(s->request), [s, done, fail](beast::error_code ec, size_t) {
        if (ec) return fail();
        s->parser.emplace();
        s->parser->body_limit(64 << 20);
        http::async_read(s->socket, s->buffer, *s->parser, [s, done, fail](beast::error_code ec, size_t) {
          if (ec) return fail();
          auto& res = s->parser->get();
          if (!res.keep_alive()) {
            beast::error_code ignored;
            s->socket.close(ignored);
            s->connected = false;
          }
          done(res.result_int(), res.body());
        });
      });
    };
    if (s->connected) return exchange();
    s->buffer.clear();
    s->socket.async_connect(impl_->endpoint, [s, exchange, fail](beast::error_code ec) {
      if (ec) return fail();
      s->connected = true;
      beast::error_code ignored;
      s->socket.set_option(tcp::no_delay(true), ignored);
      exchange();
    });
  });
}

}  // namespace opsuite::bench
