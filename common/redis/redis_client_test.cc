#include "common/redis/redis_client.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
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

// Every behaviour holds for both transports: a pooled connection per call, and the shared
// pipelined connection (RedisOptions::pipeline).
class RedisClientTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  bool pipelined() const { return GetParam(); }
  std::shared_ptr<RedisClient> Client(RedisOptions o = Patient(), std::string suffix = "") {
    o.pipeline = pipelined();
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

TEST_P(RedisClientTest, RoundTripsEveryReplyType) {
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

TEST_P(RedisClientTest, PipelineKeepsOrderAndReportsErrors) {
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

TEST_P(RedisClientTest, SelectsTheDatabaseFromTheUrl) {
  auto db3 = Client(Patient(), "/3");
  auto db0 = Client();
  ASSERT_TRUE(db3->Command({"SET", "where", "three"}).ok());
  EXPECT_TRUE(db0->Command({"GET", "where"})->is_nil());
  EXPECT_EQ(db3->Command({"GET", "where"})->str, "three");
}

TEST_P(RedisClientTest, ConcurrentCallersShareTheSmallPool) {
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

TEST_P(RedisClientTest, UnreachableIsUnavailableWithAnActionableMessage) {
  const int port = opsuite::FreePort();  // nothing listens there
  auto c = RedisClient::Create("redis://127.0.0.1:" + std::to_string(port), Patient());
  ASSERT_TRUE(c.ok());
  auto r = (*c)->Command({"PING"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "redis 127.0.0.1:" + std::to_string(port) +
                                       " unreachable: Connection refused");
}

TEST_P(RedisClientTest, TimeoutFailsTheCallAndDiscardsTheConnection) {
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

TEST_P(RedisClientTest, PerCallTimeoutForBlockingCommands) {
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

TEST_P(RedisClientTest, BreakerOpensFailsFastAndRecoversAfterRestart) {
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

TEST_P(RedisClientTest, FailedProbeReopensTheBreaker) {
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

TEST_P(RedisClientTest, AsyncCommandsAnswerInOrderAndALaterReadSeesThem) {
  auto c = Client();
  constexpr int kN = 500;
  absl::Mutex mu;
  std::vector<int> order;
  int failed = 0;
  for (int i = 0; i < kN; ++i) {
    c->CommandAsync({"SET", "async", std::to_string(i)}, [&, i](absl::StatusOr<Reply> r) {
      absl::MutexLock lock(&mu);
      if (!r.ok() || r->str != "OK") ++failed;
      order.push_back(i);
    });
  }
  c->CommandAsync({"INCR", "async-counter"});  // no callback: fire and forget
  // Commands are answered in the order sent, so this read comes after every SET above.
  auto last = c->Command({"GET", "async"});
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->str, std::to_string(kN - 1));
  EXPECT_EQ(c->Command({"GET", "async-counter"})->str, "1");
  absl::MutexLock lock(&mu);
  ASSERT_EQ(order.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(failed, 0);

  // An error reply reaches the callback as INTERNAL naming the command.
  absl::Notification got;
  absl::Status status;
  c->CommandAsync({"HGET", "async", "f"}, [&](absl::StatusOr<Reply> r) {
    status = r.status();
    got.Notify();
  });
  ASSERT_TRUE(got.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StrContains(status.message(), "HGET: WRONGTYPE")) << status;
}

INSTANTIATE_TEST_SUITE_P(Transports, RedisClientTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Pipelined" : "Pooled";
                         });

class PipelinedClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    RedisOptions o = Patient();
    o.pipeline = true;
    auto c = RedisClient::Create(server_->url(), o);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *c;
  }
  std::unique_ptr<RedisServer> server_;
  std::shared_ptr<RedisClient> client_;
};

TEST_F(PipelinedClientTest, ConcurrentCallersShareWritesAndEachGetsItsOwnReply) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = "per-thread-" + std::to_string(t);
      for (int i = 1; i <= kPerThread; ++i) {
        // Each thread's counter goes 1, 2, 3...: a reply handed to the wrong caller shows.
        auto r = client_->Command({"INCR", key});
        if (!r.ok() || r->integer != i) wrong++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  RedisStats st = client_->Stats();
  EXPECT_EQ(st.pipelined_commands, static_cast<uint64_t>(kThreads * kPerThread));
  // Batching: callers that queued while a write was out shared the next one.
  EXPECT_LT(st.pipelined_writes, st.pipelined_commands);
  EXPECT_GT(st.pipelined_writes, 0u);
}

TEST_F(PipelinedClientTest, ABlockingCommandWithItsOwnTimeoutLeavesTheSharedConnectionFree) {
  std::atomic<bool> popped{false};
  std::thread blocked([&] {
    auto r = client_->Command({"BLPOP", "never", "1"}, absl::Seconds(5));  // a pooled one
    EXPECT_TRUE(r.ok()) << r.status();
    popped = true;
  });
  absl::SleepFor(absl::Milliseconds(50));  // let BLPOP reach Redis first
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(client_->Command({"PING"}).ok());
  EXPECT_FALSE(popped.load()) << "PINGs waited for the blocking command";
  blocked.join();
  EXPECT_EQ(client_->Stats().pipelined_commands, 20u);
}

TEST_F(PipelinedClientTest, ALateReplyIsDroppedAndTheNextCallersGetTheirOwn) {
  // A burst of reads is cut off by a pause: each times out on its own, and after Redis answers
  // again the late replies are not handed to the callers that came next.
  RedisOptions o = Patient();
  o.pipeline = true;
  o.command_timeout = absl::Milliseconds(50);
  o.breaker_failures = 1000;
  auto c = RedisClient::Create(server_->url(), o);
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*c)->Command({"SET", "k" + std::to_string(i), "v" + std::to_string(i)}).ok());
  }
  server_->Pause();
  std::atomic<int> timed_out{0};
  for (int i = 0; i < 10; ++i) {
    (*c)->CommandAsync({"GET", "k" + std::to_string(i)}, [&](absl::StatusOr<Reply> r) {
      if (r.status().code() == absl::StatusCode::kUnavailable &&
          absl::StrContains(r.status().message(), "timed out after 50ms (GET)")) {
        timed_out++;
      }
    });
  }
  auto during = (*c)->Command({"GET", "k0"});
  EXPECT_EQ(during.status().code(), absl::StatusCode::kUnavailable) << during.status();
  server_->Resume();
  for (int i = 9; i >= 0; --i) {
    auto r = (*c)->Command({"GET", "k" + std::to_string(i)});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->str, "v" + std::to_string(i));
  }
  EXPECT_EQ(timed_out.load(), 10);
}

TEST_F(PipelinedClientTest, CallersInFlightWhenRedisDiesFailAndItRecoversAfterRestart) {
  ASSERT_TRUE(client_->Command({"PING"}).ok());
  server_->Pause();  // hold the next commands in flight
  std::atomic<int> unavailable{0};
  absl::BlockingCounter answered(50);
  for (int i = 0; i < 50; ++i) {
    client_->CommandAsync({"INCR", "c"}, [&](absl::StatusOr<Reply> r) {
      if (r.status().code() == absl::StatusCode::kUnavailable) unavailable++;
      answered.DecrementCount();
    });
  }
  server_->Stop();  // kill -9 while paused: the connection closes under them
  answered.Wait();
  EXPECT_EQ(unavailable.load(), 50);
  ASSERT_TRUE(server_->Restart().ok());
  absl::StatusOr<Reply> r;
  for (int i = 0; i < 200; ++i) {  // until the breaker lets a probe through (1 s cooldown)
    r = client_->Command({"INCR", "c"});
    if (r.ok()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->integer, 1);  // a fresh Redis, and none of the failed INCRs replayed
}

}  // namespace
}  // namespace opsuite::redis
