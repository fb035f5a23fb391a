// Test helper: a tiny TCP server on 127.0.0.1 and a free port, one thread, one connection at
// a time, for fake servers that speak a line protocol (SmtpSink, HttpSink).
//
//   auto server = TcpServer::Start([](TcpServer::Conn& c) { ... c.ReadLine() ... });
//   (*server)->port();
// Stops (and joins its thread) in the destructor; a connection being served is dropped.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace opsuite::testing {

class TcpServer {
 public:
  // One accepted connection. Reads give up (std::nullopt) at EOF, after `idle` without
  // data, or when the server stops.
  class Conn {
   public:
    Conn(int fd, const std::atomic<bool>* stop, absl::Duration idle)
        : fd_(fd), stop_(stop), idle_(idle) {}
    // A line without its "\n" (and a "\r" before it).
    std::optional<std::string> ReadLine();
    // Exactly `n` bytes.
    std::optional<std::string> ReadBytes(size_t n);
    bool Write(absl::string_view data);

   private:
    bool Fill();
    int fd_;
    const std::atomic<bool>* stop_;
    absl::Duration idle_;
    std::string buffer_;
  };
  using Handler = std::function<void(Conn&)>;

  static absl::StatusOr<std::unique_ptr<TcpServer>> Start(Handler handler,
                                                          absl::Duration idle = absl::Seconds(10));
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  int port() const { return port_; }
  // Connections accepted so far.
  int connections() const { return connections_.load(); }

 private:
  TcpServer(int fd, int port, Handler handler, absl::Duration idle)
      : fd_(fd), port_(port), handler_(std::move(handler)), idle_(idle) {}
  void Loop();

  const int fd_;
  const int port_;
  const Handler handler_;
  const absl::Duration idle_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace opsuite::testing
