// Asynchronous HTTP/1.1 keep-alive load for the benchmarks: one connection per slot (HTTP/1.1
// has one request in flight per connection), driven by I/O threads of its own.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace opsuite::bench {

class HttpLoad {
 public:
  HttpLoad(std::string host, int port, int slots, int threads = 1);
  ~HttpLoad();
  // Sends `request` (complete HTTP/1.1 bytes, keep-alive) on `slot`'s connection and calls
  // `done(status)` (0 on a transport error) from an I/O thread.
  void Send(int slot, std::string request, std::function<void(int status, const std::string& body)> done);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace opsuite::bench
