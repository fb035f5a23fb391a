#include "services/notify/channels/net.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace opsuite::notify::net {
namespace {

// Milliseconds left until `deadline` for poll(), at least 0, rounded up.
int MillisLeft(absl::Time deadline) {
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
  return ms > 1000 * 1000 * 1000 ? 1000 * 1000 * 1000 : static_cast<int>(ms);
}

// Waits for `events` on `fd` until `deadline`: OK when ready, UNAVAILABLE on timeout.
absl::Status Wait(int fd, short events, absl::Time deadline, absl::Duration timeout,
                  absl::string_view what) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, MillisLeft(deadline));
    if (n > 0) return absl::OkStatus();
    if (n == 0) {
      return absl::UnavailableError(
          absl::StrCat("timed out after ", absl::FormatDuration(timeout), " ", what));
    }
    if (errno != EINTR) return absl::UnavailableError(absl::StrCat("poll: ", strerror(errno)));
  }
}

}  // namespace

std::string HostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<Conn> Conn::Dial(const std::string& host, int port, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addrs = nullptr;
  std::string service = absl::StrCat(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &addrs);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc)));
  }
  std::string last_error = "no address";
  for (addrinfo* a = addrs; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = absl::StrCat("socket: ", strerror(errno));
      continue;
    }
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = absl::StrCat("connect: ", strerror(errno));
        close(fd);
        continue;
      }
      absl::Status ready = Wait(fd, POLLOUT, deadline, timeout, "connecting");
      if (!ready.ok()) {
        last_error = std::string(ready.message());
        close(fd);
        continue;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err != 0) {
        last_error = absl::StrCat("connect: ", strerror(err));
        close(fd);
        continue;
      }
    }
    freeaddrinfo(addrs);
    return Conn(fd, timeout);
  }
  freeaddrinfo(addrs);
  return absl::UnavailableError(last_error);
}

Conn::Conn(Conn&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      timeout_(other.timeout_),
      buffer_(std::move(other.buffer_)) {}

Conn& Conn::operator=(Conn&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    timeout_ = other.timeout_;
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

Conn::~Conn() {
  if (fd_ >= 0) close(fd_);
}

absl::Status Conn::WriteAll(absl::string_view data) {
  const absl::Time deadline = absl::Now() + timeout_;
  while (!data.empty()) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      absl::Status ready = Wait(fd_, POLLOUT, deadline, timeout_, "sending");
      if (!ready.ok()) return ready;
      continue;
    }
    return absl::UnavailableError(absl::StrCat("send: ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> Conn::Fill() {
  const absl::Time deadline = absl::Now() + timeout_;
  char buf[8192];
  for (;;) {
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      buffer_.append(buf, static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
    if (n == 0) return size_t{0};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      absl::Status ready = Wait(fd_, POLLIN, deadline, timeout_, "waiting for a reply");
      if (!ready.ok()) return ready;
      continue;
    }
    return absl::UnavailableError(absl::StrCat("recv: ", strerror(errno)));
  }
}

absl::StatusOr<std::string> Conn::ReadLine(size_t max) {
  size_t scanned = 0;
  for (;;) {
    size_t nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    scanned = buffer_.size();
    if (buffer_.size() > max) {
      return absl::UnavailableError(absl::StrCat("a reply line longer than ", max, " bytes"));
    }
    absl::StatusOr<size_t> n = Fill();
    if (!n.ok()) return n.status();
    if (*n == 0) return absl::UnavailableError("the connection closed in the middle of a reply");
  }
}

absl::StatusOr<std::string> Conn::ReadExactly(size_t n) {
  while (buffer_.size() < n) {
    absl::StatusOr<size_t> got = Fill();
    if (!got.ok()) return got.status();
    if (*got == 0) break;
  }
  size_t take = std::min(n, buffer_.size());
  std::string out = buffer_.substr(0, take);
  buffer_.erase(0, take);
  return out;
}

absl::StatusOr<std::string> Conn::ReadUntilClose(size_t max) {
  while (buffer_.size() < max) {
    absl::StatusOr<size_t> got = Fill();
    if (!got.ok()) return got.status();
    if (*got == 0) break;
  }
  size_t take = std::min(max, buffer_.size());
  std::string out = buffer_.substr(0, take);
  buffer_.erase(0, take);
  return out;
}

}  // namespace opsuite::notify::net
