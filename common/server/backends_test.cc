#include "common/server/backends.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace opsuite::server {
namespace {

// A "Redis" that takes connections (the kernel completes them) and never answers.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 64);
    socklen_t n = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n);
    port_ = ntohs(a.sin_port);
  }
  ~SilentServer() { close(fd_); }
  std::string url() const { return absl::StrCat("redis://127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// --redis_cache_timeout reaches the cache's client: against a Redis that never answers, a
// cache read gives up after that long (and not after the 5 ms default), then reads as a miss.
TEST(BackendsTest, TheCacheWaitsForRedisAsLongAsConfigured) {
  SilentServer silent;
  auto backends = MakeBackends(silent.url(), /*near_cache_entries=*/0, absl::Milliseconds(300),
                               nullptr);
  ASSERT_TRUE(backends.ok()) << backends.status();
  const absl::Time start = absl::Now();
  EXPECT_FALSE((*backends)->cache()->Get("ops:{acme}:test:k:v1").has_value());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  (*backends)->Stop();
}

}  // namespace
}  // namespace opsuite::server
