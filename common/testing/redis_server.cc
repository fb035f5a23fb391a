#include "common/testing/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/ports.h"
#include "common/status.h"
#include "common/testing/child_process.h"

namespace opsuite::testing {

namespace {

// True when something on 127.0.0.1:port answers PING with +PONG. Plain sockets, so the
// helper does not depend on the client it is used to test.
bool Ping(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{0, 200 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    static const char kPing[] = "PING\r\n";
    if (send(fd, kPing, sizeof(kPing) - 1, MSG_NOSIGNAL) == sizeof(kPing) - 1) {
      char buf[16] = {};
      ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
      ok = n >= 5 && std::strncmp(buf, "+PONG", 5) == 0;
    }
  }
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(RedisServerOptions options) {
  absl::Status last;
  // FreePort() can race with another process taking the port; try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    char tmpl[] = "/tmp/opsuite-redis-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
    }
    std::unique_ptr<RedisServer> server(new RedisServer(FreePort(), tmpl, options));
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

RedisServer::~RedisServer() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);  // redis.log, and the append-only files if persistent
}

std::string RedisServer::url() const { return absl::StrCat("redis://127.0.0.1:", port_); }

absl::Status RedisServer::Launch() {
  const std::string port = absl::StrCat(port_);
  const std::string log = dir_ + "/redis.log";
  std::vector<std::string> args = {"redis-server", "--port", port, "--bind", "127.0.0.1",
                                   "--save", "", "--daemonize", "no", "--dir", dir_,
                                   "--logfile", "", "--protected-mode", "no"};
  if (options_.persistent) {
    args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", "always"});
  } else {
    args.insert(args.end(), {"--appendonly", "no"});
  }
  ASSIGN_OR_RETURN(pid_t pid, SpawnChild(args, log));
  pid_ = pid;
  paused_ = false;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (Ping(port_)) return absl::OkStatus();
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat("redis-server on port ", port_,
                                                 " exited at start (status ", wstatus,
                                                 "); log:\n", ReadTail(log)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  Stop();
  return absl::DeadlineExceededError(absl::StrCat(
      "redis-server on port ", port_, " did not answer PING within 10s; log:\n", ReadTail(log)));
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  paused_ = false;
}

absl::Status RedisServer::Restart() {
  Stop();
  // The old listening socket is gone with the process; redis sets SO_REUSEADDR, so the
  // port can be bound again at once. Retry briefly in case the kernel is slow to free it.
  absl::Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    s = Launch();
    if (s.ok()) return s;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return s;
}

void RedisServer::Pause() {
  if (pid_ > 0 && !paused_) {
    kill(pid_, SIGSTOP);
    // Wait until it is really stopped, so the next command surely meets a frozen server.
    int wstatus = 0;
    while (waitpid(pid_, &wstatus, WUNTRACED) < 0 && errno == EINTR) {
    }
    paused_ = true;
  }
}

void RedisServer::Resume() {
  if (pid_ > 0 && paused_) {
    kill(pid_, SIGCONT);
    int wstatus = 0;
    while (waitpid(pid_, &wstatus, WCONTINUED) < 0 && errno == EINTR) {
    }
    paused_ = false;
  }
}

}  // namespace opsuite::testing
