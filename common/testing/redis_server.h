// Test helper: a real, throw-away `redis-server` on 127.0.0.1 and a free port.
//
// No persistence (`--save "" --appendonly no`), its working directory in a fresh temp dir,
// killed when the helper is destroyed (and when the thread that started it dies:
// PR_SET_PDEATHSIG, so call Start()/Restart() from the test's main thread, not from a
// short-lived helper thread).
// Tests never assume a Redis is already running.
//
//   auto server = opsuite::testing::RedisServer::Start();
//   ASSERT_TRUE(server.ok()) << server.status();
//   auto client = RedisClient::Create((*server)->url());
//   (*server)->Stop();               // SIGKILL: Redis is down (data is gone)
//   ASSERT_TRUE((*server)->Restart().ok());  // same port, empty
//   (*server)->Pause();              // SIGSTOP: connections hang, commands time out
//   (*server)->Resume();             // SIGCONT: data intact
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace opsuite::testing {

struct RedisServerOptions {
  // Append-only file with fsync on every write (`--appendonly yes --appendfsync always`), as
  // deploy/compose.yaml runs Redis: Stop() (SIGKILL) then Restart() keeps the data.
  bool persistent = false;
};

class RedisServer {
 public:
  // Starts redis-server and waits (up to 10 s) until it answers PING.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  // "redis://127.0.0.1:<port>"
  std::string url() const;

  // Kills the server (SIGKILL) and reaps it. A no-op when it is not running.
  void Stop();
  // Starts it again on the same port (after Stop(), or kills it first): empty, or with the
  // data it had when `persistent`.
  absl::Status Restart();
  // Freezes / thaws the process: while paused the kernel still accepts connections but
  // nothing answers, which is what a slow or hung Redis looks like to a client.
  void Pause();
  void Resume();
  bool running() const { return pid_ > 0; }

 private:
  RedisServer(int port, std::string dir, RedisServerOptions options)
      : port_(port), dir_(std::move(dir)), options_(options) {}
  absl::Status Launch();

  const int port_;
  const std::string dir_;  // working directory and log file
  const RedisServerOptions options_;
  pid_t pid_ = -1;
  bool paused_ = false;
};

}  // namespace opsuite::testing
