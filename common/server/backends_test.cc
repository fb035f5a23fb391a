#include "common/server/backends.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/testing/listening_port.h"
#include "gtest/gtest.h"

namespace opsuite::server {
namespace {

// --redis_cache_timeout reaches the cache's client: against a Redis that never answers, a
// cache read gives up after that long (and not after the 5 ms default), then reads as a miss.
TEST(BackendsTest, TheCacheWaitsForRedisAsLongAsConfigured) {
  testing::ListeningPort silent;  // a "Redis" that takes connections and never answers
  auto backends = MakeBackends(absl::StrCat("redis://127.0.0.1:", silent.port()),
                               /*near_cache_entries=*/0, absl::Milliseconds(300), nullptr);
  ASSERT_TRUE(backends.ok()) << backends.status();
  const absl::Time start = absl::Now();
  EXPECT_FALSE((*backends)->cache()->Get("ops:{acme}:test:k:v1").has_value());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  (*backends)->Stop();
}

}  // namespace
}  // namespace opsuite::server
