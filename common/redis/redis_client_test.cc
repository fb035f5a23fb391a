#include "common/redis/redis_client.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "common/clock.h"
#include "common/ports.h"
#include "common/testing/redis_server.h"
#include "gtest/gtest.h"

namespace opsuite::redis {
namespace {

using ::opsuite::testing::RedisServer;

// Generous timeouts: the build machine is shared, and these tests are about behaviour, not
// speed. Timeout behaviour is tested with a paused server instead.
RedisOptions Patient() {
  RedisOptions o;
  o.command_timeout = absl::Seconds(2);
  o.connect_timeout = absl::Seconds(2);
  o.pool_wait = absl::Seconds(2);
  return o;
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  std::shared_ptr<RedisClient> Client(RedisOptions o = Patient(), std::string suffix = "") {
    auto c = RedisClient::Create(server_->url() + suffix, o);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : nullptr;
  }
  std::unique_ptr<RedisServer> server_;
};

TEST(ParseRedisUrlTest, Forms) {
  auto ep = ParseRedisUrl("redis://10.1.2.3:6390/4");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->host, "10.1.2.3");
  EXPECT_EQ(ep->port, 6390);
  EXPECT_EQ(ep->db, 4);
  EXPECT_EQ(ep->password, "");

  ep = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "localhost");
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->db, 0);

  ep = ParseRedisUrl("redis://:s3cret@cache.internal:7000/");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->password, "s3cret");
  EXPECT_EQ(ep->host, "cache.internal");
  EXPECT_EQ(ep->port, 7000);

  ep = ParseRedisUrl("redis://[::1]:6380/2");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->db, 2);

  EXPECT_EQ(ParseRedisUrl("http://x:1").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRedisUrl("redis://x:99999").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRedisUrl("redis://x:1/db").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRedisUrl("redis://:1").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(RedisClient::Create("redis://h:1", {.pool_size = 0}).ok());
}

TEST_F(RedisClientTest, RoundTripsEveryReplyType) {
  auto c = Client();
  ASSERT_NE(c, nullptr);
  const std::string binary("a\0b\r\n\xff", 6);  // binary-safe: NUL, CRLF, high bytes

  auto set = c->Command({"SET", binary, binary});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->is_status());
  EXPECT_EQ(set->str, "OK");

  auto get = c->Command({"GET", binary});
  ASSERT_TRUE(get.ok());
  ASSERT_TRUE(get->is_string());
  EXPECT_EQ(get->str, binary);

  auto missing = c->Command({"GET", "nope"});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->is_nil());

  auto incr = c->Command({"INCRBY", "n", "41"});
  ASSERT_TRUE(incr.ok());
  EXPECT_TRUE(incr->is_integer());
  EXPECT_EQ(incr->integer, 41);

  ASSERT_TRUE(c->Command({"RPUSH", "l", "x", "y"}).ok());
  auto range = c->Command({"LRANGE", "l", "0", "-1"});
  ASSERT_TRUE(range.ok());
  ASSERT_TRUE(range->is_array());
  ASSERT_EQ(range->elements.size(), 2u);
  EXPECT_EQ(range->elements[1].str, "y");

  auto wrong = c->Command({"LPUSH", binary, "x"});  // a string key: WRONGTYPE
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StrContains(wrong.status().message(), "WRONGTYPE"))
      << wrong.status();
  EXPECT_TRUE(absl::StrContains(wrong.status().message(), c->address())) << wrong.status();

  // An error reply is Redis answering: the connection stays usable, the breaker closed.
  EXPECT_TRUE(c->Command({"PING"}).ok());
  RedisStats st = c->Stats();
  EXPECT_EQ(st.errors, 1u);
  EXPECT_EQ(st.breaker_opens, 0u);
  EXPECT_EQ(st.calls, 8u);
}

TEST_F(RedisClientTest, PipelineKeepsOrderAndReportsErrors) {
  auto c = Client();
  ASSERT_NE(c, nullptr);
  auto replies = c->Pipeline({{"SET", "k", "1"}, {"INCR", "k"}, {"INCR", "k"}, {"GET", "k"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_EQ((*replies)[1].integer, 2);
  EXPECT_EQ((*replies)[2].integer, 3);
  EXPECT_EQ((*replies)[3].str, "3");

  auto bad = c->Pipeline({{"INCR", "k"}, {"HGET", "k", "f"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "HGET (command 2 of 2")) << bad.status();
  EXPECT_EQ(c->Command({"GET", "k"})->str, "4");  // the first one ran
}

TEST_F(RedisClientTest, SelectsTheDatabaseFromTheUrl) {
  auto db3 = Client(Patient(), "/3");
  auto db0 = Client();
  ASSERT_TRUE(db3->Command({"SET", "where", "three"}).ok());
  EXPECT_TRUE(db0->Command({"GET", "where"})->is_nil());
  EXPECT_EQ(db3->Command({"GET", "where"})->str, "three");
}

TEST_F(RedisClientTest, ConcurrentCallersShareTheSmallPool) {
  RedisOptions o = Patient();
  o.pool_size = 3;
  auto c = Client(o);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (!c->Command({"INCR", "counter"}).ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(c->Command({"GET", "counter"})->str, "1600");
}

TEST_F(RedisClientTest, UnreachableIsUnavailableWithAnActionableMessage) {
  const int port = opsuite::FreePort();  // nothing listens there
  auto c = RedisClient::Create("redis://127.0.0.1:" + std::to_string(port), Patient());
  ASSERT_TRUE(c.ok());
  auto r = (*c)->Command({"PING"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "redis 127.0.0.1:" + std::to_string(port) +
                                       " unreachable: Connection refused");
}

TEST_F(RedisClientTest, TimeoutFailsTheCallAndDiscardsTheConnection) {
  RedisOptions o = Patient();
  o.command_timeout = absl::Milliseconds(50);
  auto c = Client(o);
  ASSERT_TRUE(c->Command({"SET", "a", "value-of-a"}).ok());

  server_->Pause();
  auto r = c->Command({"GET", "a"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "timed out after 50ms (GET)"))
      << r.status();
  server_->Resume();

  // The late reply to GET a must not be taken as the answer to the next command.
  auto b = c->Command({"GET", "b"});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(b->is_nil());
}

TEST_F(RedisClientTest, PerCallTimeoutForBlockingCommands) {
  RedisOptions o = Patient();
  o.command_timeout = absl::Milliseconds(20);
  auto c = Client(o);
  // BLPOP blocks 0.2 s: the default 20 ms would cut it short, the override does not.
  auto short_wait = c->Command({"BLPOP", "empty", "0.2"});
  EXPECT_EQ(short_wait.status().code(), absl::StatusCode::kUnavailable);
  auto long_wait = c->Command({"BLPOP", "empty", "0.2"}, absl::Seconds(2));
  ASSERT_TRUE(long_wait.ok()) << long_wait.status();
  EXPECT_TRUE(long_wait->is_nil());
  // And the connection went back to the pool with the default timeout restored.
  EXPECT_EQ(c->Command({"BLPOP", "empty", "0.2"}).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(RedisClientTest, BreakerOpensFailsFastAndRecoversAfterRestart) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  RedisOptions o = Patient();
  o.breaker_failures = 3;
  o.breaker_cooldown = absl::Seconds(1);
  o.clock = &clock;
  auto c = Client(o);
  ASSERT_TRUE(c->Command({"PING"}).ok());

  server_->Stop();
  for (int i = 0; i < 3; ++i) {
    auto r = c->Command({"PING"});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_FALSE(absl::StrContains(r.status().message(), "circuit breaker")) << r.status();
  }
  EXPECT_EQ(c->Stats().breaker_opens, 1u);
  EXPECT_TRUE(c->breaker_open());

  // Open: calls fail without touching the network, and say why.
  for (int i = 0; i < 10; ++i) {
    auto r = c->Command({"PING"});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_TRUE(absl::StrContains(r.status().message(), "circuit breaker open after 3"))
        << r.status();
    EXPECT_TRUE(absl::StrContains(r.status().message(), "Connection refused")) << r.status();
  }
  EXPECT_EQ(c->Stats().rejected, 10u);

  // Redis comes back, but the breaker stays open until the cooldown has passed.
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_FALSE(c->Command({"PING"}).ok());
  clock.Advance(absl::Seconds(1));
  auto probe = c->Command({"PING"});
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_TRUE(c->Command({"SET", "x", "1"}).ok());
  EXPECT_FALSE(c->breaker_open());
  EXPECT_EQ(c->Stats().breaker_opens, 1u);
}

TEST_F(RedisClientTest, FailedProbeReopensTheBreaker) {
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  RedisOptions o = Patient();
  o.breaker_failures = 2;
  o.clock = &clock;
  auto c = Client(o);
  server_->Stop();
  EXPECT_FALSE(c->Command({"PING"}).ok());
  EXPECT_FALSE(c->Command({"PING"}).ok());
  EXPECT_EQ(c->Stats().breaker_opens, 1u);

  clock.Advance(o.breaker_cooldown);
  auto probe = c->Command({"PING"});  // goes to the network, fails
  EXPECT_TRUE(absl::StrContains(probe.status().message(), "unreachable")) << probe.status();
  EXPECT_EQ(c->Stats().breaker_opens, 2u);
  auto again = c->Command({"PING"});  // open again at once
  EXPECT_TRUE(absl::StrContains(again.status().message(), "circuit breaker open"))
      << again.status();
}

}  // namespace
}  // namespace opsuite::redis
