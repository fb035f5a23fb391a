// Internal to the channels: a TCP connection with a timeout on every step (connect, each
// read, each write), over a non-blocking socket and poll(). Errors are UNAVAILABLE with a
// short reason ("connect: Connection refused", "timed out after 10s waiting for a reply");
// callers put "smtp host:port: " or "webhook host:port: " in front.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace opsuite::notify::net {

class Conn {
 public:
  // Resolves `host` and connects to the first address that answers within `timeout`
  // (the whole dial); `timeout` then bounds each read and write.
  static absl::StatusOr<Conn> Dial(const std::string& host, int port, absl::Duration timeout);

  Conn(Conn&& other) noexcept;
  Conn& operator=(Conn&& other) noexcept;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn();

  absl::Status WriteAll(absl::string_view data);
  // One line up to and without its "\n" (and a "\r" before it). UNAVAILABLE on EOF before a
  // line ends, on a timeout, or when the line is longer than `max` bytes.
  absl::StatusOr<std::string> ReadLine(size_t max = 64 * 1024);
  // Up to `n` more bytes (fewer at EOF).
  absl::StatusOr<std::string> ReadExactly(size_t n);
  // Everything until the peer closes, at most `max` bytes (the rest is left unread).
  absl::StatusOr<std::string> ReadUntilClose(size_t max);

 private:
  Conn(int fd, absl::Duration timeout) : fd_(fd), timeout_(timeout) {}
  // Reads more into buffer_; 0 at EOF.
  absl::StatusOr<size_t> Fill();

  int fd_ = -1;
  absl::Duration timeout_;
  std::string buffer_;  // read but not yet consumed
};

// "host:port" for messages, with IPv6 literals bracketed.
std::string HostPort(const std::string& host, int port);

}  // namespace opsuite::notify::net
