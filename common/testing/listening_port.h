// Test helper: a socket listening on a loopback port that never accepts. The port stays taken
// (nobody else can bind it), and a client's connection completes in the kernel but nothing
// ever answers: a server that hangs.
//
//   ListeningPort silent;
//   Connect(absl::StrCat("127.0.0.1:", silent.port()));  // connects, then waits forever
#pragma once

namespace opsuite::testing {

class ListeningPort {
 public:
  ListeningPort();
  ~ListeningPort();
  ListeningPort(const ListeningPort&) = delete;
  ListeningPort& operator=(const ListeningPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace opsuite::testing
