#include "common/testing/tcp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace opsuite::testing {
namespace {

constexpr int kPollMillis = 20;  // how often a waiting thread looks at the stop flag

}  // namespace

bool TcpServer::Conn::Fill() {
  const absl::Time deadline = absl::Now() + idle_;
  char buf[8192];
  while (!stop_->load()) {
    pollfd p{fd_, POLLIN, 0};
    int n = poll(&p, 1, kPollMillis);
    if (n < 0 && errno != EINTR) return false;
    if (n <= 0) {
      if (absl::Now() > deadline) return false;
      continue;
    }
    ssize_t got = recv(fd_, buf, sizeof(buf), 0);
    if (got > 0) {
      buffer_.append(buf, static_cast<size_t>(got));
      return true;
    }
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    return false;
  }
  return false;
}

std::optional<std::string> TcpServer::Conn::ReadLine() {
  for (;;) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (!Fill()) return std::nullopt;
  }
}

std::optional<std::string> TcpServer::Conn::ReadBytes(size_t n) {
  while (buffer_.size() < n) {
    if (!Fill()) return std::nullopt;
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

bool TcpServer::Conn::Write(absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

absl::StatusOr<std::unique_ptr<TcpServer>> TcpServer::Start(Handler handler, absl::Duration idle) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // the kernel picks a free port
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 16) != 0) {
    absl::Status s = absl::InternalError(absl::StrCat("bind/listen: ", strerror(errno)));
    close(fd);
    return s;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::unique_ptr<TcpServer> server(
      new TcpServer(fd, ntohs(addr.sin_port), std::move(handler), idle));
  server->thread_ = std::thread([s = server.get()] { s->Loop(); });
  return server;
}

TcpServer::~TcpServer() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  close(fd_);
}

void TcpServer::Loop() {
  while (!stop_.load()) {
    pollfd p{fd_, POLLIN, 0};
    int n = poll(&p, 1, kPollMillis);
    if (n <= 0) continue;
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    connections_.fetch_add(1);
    Conn conn(c, &stop_, idle_);
    handler_(conn);
    close(c);
  }
}

}  // namespace opsuite::testing
