// A thread-safe Redis client on hiredis (synchronous connections), built for a cache that
// must never slow a request down: short timeouts, a small connection pool, and a circuit
// breaker so that a Redis that is down costs nothing but a counter increment.
//
//   ASSIGN_OR_RETURN(std::shared_ptr<RedisClient> redis,
//                    RedisClient::Create("redis://127.0.0.1:6379/0"));
//   ASSIGN_OR_RETURN(Reply r, redis->Command({"GET", key}));
//   if (r.is_string()) Use(r.str);
//
//   // A client for the outbox relay or a stream reader: more patience.
//   RedisOptions slow;
//   slow.command_timeout = absl::Seconds(1);
//   auto relay_redis = RedisClient::Create(url, slow);
//
// Errors are absl::Status: UNAVAILABLE when Redis cannot be reached, times out or the
// breaker is open ("redis 127.0.0.1:6390 unreachable: Connection refused"), INTERNAL when
// Redis answers with an error reply ("redis 127.0.0.1:6390: WRONGTYPE ...").
//
// Connections: created lazily (a service starts with Redis down), at most `pool_size` at
// once; a connection whose command failed in transport is closed, never reused, and the
// idle ones are dropped too (after a Redis restart they are all dead). Commands are sent
// as argument vectors (redisAppendCommandArgv), so keys and values are binary-safe.
//
// Pipelined mode (`RedisOptions::pipeline`, for the cache): commands with the default timeout
// share one connection owned by an I/O thread instead of taking a pooled one each. Whatever
// callers submitted while the last batch was on the wire goes out in one write, and the
// replies are matched back in order, so many concurrent callers cost Redis and the kernel one
// read and one write per batch instead of one each. CommandAsync does not wait at all (a
// cache fill). A command given its own timeout (a blocking one) still takes a pooled
// connection, so it never holds up the shared one. A command that times out fails alone: its
// late reply is read and dropped, and the connection is closed only if Redis stays silent for
// a second or more. Not for commands that change the connection's state (SELECT, SUBSCRIBE,
// MULTI outside one Pipeline call).
//
// Circuit breaker: after `breaker_failures` consecutive transport failures it opens for
// `breaker_cooldown`; while open, calls fail with UNAVAILABLE without touching the network.
// After the cooldown exactly one call goes through as a probe (half-open): success closes
// the breaker, failure opens it again. Error replies do not count: Redis answered.
//
// Creating a client sets SIGPIPE to ignored: hiredis writes with write(2), and a write to a
// connection Redis closed would otherwise kill the process.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

struct redisContext;

namespace opsuite::redis {

// One reply from Redis, copied out of hiredis' reply tree.
struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  Type type = Type::kNil;
  int64_t integer = 0;          // kInteger
  std::string str;              // kString, kStatus ("OK", "QUEUED"), kError (the message)
  std::vector<Reply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_integer() const { return type == Type::kInteger; }
  bool is_string() const { return type == Type::kString; }
  bool is_status() const { return type == Type::kStatus; }
  bool is_error() const { return type == Type::kError; }
  bool is_array() const { return type == Type::kArray; }
};

// Where Redis is: redis://[:password@]host[:port][/db].
struct RedisEndpoint {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string password;  // empty: no AUTH
};

// INVALID_ARGUMENT naming what is wrong with `url`.
absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view url);

struct RedisOptions {
  int pool_size = 8;
  absl::Duration connect_timeout = absl::Milliseconds(100);
  // Per command (send + wait for the reply). 5 ms fits a cache on loopback or in a rack;
  // callers that can wait (the outbox relay, blocking stream reads) raise it.
  absl::Duration command_timeout = absl::Milliseconds(5);
  // How long a call waits for a free connection when `pool_size` are busy.
  absl::Duration pool_wait = absl::Milliseconds(50);
  int breaker_failures = 5;
  absl::Duration breaker_cooldown = absl::Seconds(1);
  Clock* clock = nullptr;  // for the breaker; nullptr = RealClock::Default()
  // Default-timeout commands share one pipelined connection (see the top of this file).
  bool pipeline = false;
};

struct RedisStats {
  uint64_t calls = 0;          // Command() and Pipeline() calls
  uint64_t errors = 0;         // calls that did not return OK (incl. breaker rejections)
  uint64_t rejected = 0;       // of those, refused by the open breaker
  uint64_t breaker_opens = 0;  // transitions to open (incl. a failed half-open probe)
  // Pipelined mode: commands sent on the shared connection, and the writes that carried them
  // (fewer writes than commands: batching at work).
  uint64_t pipelined_commands = 0;
  uint64_t pipelined_writes = 0;
};

// A connection of its own, outside the pool, for messages Redis pushes (SUBSCRIBE, client-side
// caching with CLIENT TRACKING ... REDIRECT): connected, authenticated and on the URL's db.
//
//   ASSIGN_OR_RETURN(auto sub, redis->OpenSubscriber());
//   ASSIGN_OR_RETURN(Reply id, sub->Command({"CLIENT", "ID"}));
//   RETURN_IF_ERROR(sub->Command({"SUBSCRIBE", "__redis__:invalidate"}).status());
//   std::vector<Reply> messages;
//   while (sub->Wait(absl::Milliseconds(200))) RETURN_IF_ERROR(sub->Poll(&messages));
//
// Not thread-safe: callers serialize their use of one Subscriber.
class Subscriber {
 public:
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Sends one command and waits (up to the connect timeout) for its reply. An error reply is
  // INTERNAL. For the set-up before messages start to flow.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv);
  // Reads what the socket holds now, never blocking, and appends each complete message to
  // *out. UNAVAILABLE once the connection has closed or failed; the Subscriber is then dead.
  absl::Status Poll(std::vector<Reply>* out);
  // Waits up to `timeout` for something to read; true when Poll has something to do (data or
  // a closed connection).
  bool Wait(absl::Duration timeout) const;
  // The socket, for a caller's own poll(2).
  int fd() const;

 private:
  friend class RedisClient;
  Subscriber(redisContext* ctx, std::string address, absl::Duration timeout)
      : ctx_(ctx), address_(std::move(address)), timeout_(timeout) {}

  redisContext* ctx_;
  const std::string address_;
  const absl::Duration timeout_;
  bool dead_ = false;
};

class RedisClient {
 public:
  // Does not connect: the first call does. Fails only for a malformed URL or options.
  static absl::StatusOr<std::shared_ptr<RedisClient>> Create(std::string_view url,
                                                             RedisOptions options = {});
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Sends one command, e.g. {"SET", key, value, "PX", "1000"}. `timeout` overrides the
  // command timeout for this call (zero: the default); a blocking command (XREADGROUP
  // BLOCK, BLPOP) needs one longer than its block time. An error reply is INTERNAL.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv,
                                absl::Duration timeout = absl::ZeroDuration());

  // Sends several commands in one round trip on one connection and returns their replies
  // in order. If any reply is an error the call fails with INTERNAL naming the first one
  // (earlier commands have been executed; wrap them in MULTI/EXEC when that matters).
  absl::StatusOr<std::vector<Reply>> Pipeline(const std::vector<std::vector<std::string>>& commands,
                                              absl::Duration timeout = absl::ZeroDuration());

  // Sends one command and returns at once; `done` (optional) gets the reply, on the client's
  // I/O thread in pipelined mode, so it must be quick and must not wait for Redis itself.
  // Without pipelining the command runs in the caller, and `done` too, before this returns.
  // Replies come back in the order the commands were sent, and a later command on the shared
  // connection sees what an earlier one wrote.
  void CommandAsync(const std::vector<std::string>& argv,
                    absl::AnyInvocable<void(absl::StatusOr<Reply>)> done = nullptr);

  // Opens a connection for pushed messages (see Subscriber); UNAVAILABLE when Redis cannot be
  // reached. The breaker is not consulted: a subscriber reconnects on its own schedule.
  absl::StatusOr<std::unique_ptr<Subscriber>> OpenSubscriber();

  RedisStats Stats() const;
  // True while the breaker refuses calls (open, or half-open with its probe in flight).
  bool breaker_open() const;
  // "host:port", for messages.
  const std::string& address() const { return address_; }
  const RedisOptions& options() const { return options_; }

 private:
  struct Connection;
  class Pipe;
  RedisClient(RedisEndpoint endpoint, RedisOptions options);

  // The breaker's verdict before a call: OK to go ahead (setting *probe when this call is
  // the half-open probe), or UNAVAILABLE.
  absl::Status Admit(bool* probe);
  // What a call tells the breaker: Redis answered, could not be reached, or neither (the
  // call never got a connection because the pool was busy).
  enum class Outcome { kAnswered, kTransportFailure, kNoVerdict };
  void Record(Outcome outcome, bool probe, const absl::Status& status);

  // Counts the call and asks the breaker: OK to go ahead (*probe set when this call is the
  // half-open probe), or the UNAVAILABLE to return.
  absl::Status Begin(bool* probe);
  // What a call returns once the transport is done: tells the breaker, counts errors, and
  // turns an error reply into INTERNAL naming the command (`first` is the first command's
  // name, for a single one).
  absl::StatusOr<std::vector<Reply>> Finish(absl::StatusOr<std::vector<Reply>> result,
                                            Outcome outcome, bool probe,
                                            const std::vector<std::vector<std::string>>* commands,
                                            absl::string_view first);

  absl::StatusOr<std::unique_ptr<Connection>> Acquire(Outcome* outcome);
  absl::StatusOr<std::unique_ptr<Connection>> Connect();
  void Release(std::unique_ptr<Connection> conn);
  void Discard(std::unique_ptr<Connection> conn);

  // Runs `commands` on a pooled connection and says in *outcome whether Redis answered.
  absl::StatusOr<std::vector<Reply>> Run(const std::vector<std::vector<std::string>>& commands,
                                         absl::Duration timeout, Outcome* outcome);
  absl::StatusOr<std::vector<Reply>> Call(const std::vector<std::vector<std::string>>& commands,
                                          absl::Duration timeout);
  absl::Status TransportError(const redisContext* ctx, absl::Duration timeout,
                              absl::string_view what) const;

  const RedisEndpoint endpoint_;
  const RedisOptions options_;
  const std::string address_;
  Clock* const clock_;

  mutable absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(pool_mu_);
  int open_connections_ ABSL_GUARDED_BY(pool_mu_) = 0;  // idle + in use + connecting

  mutable absl::Mutex breaker_mu_;
  int consecutive_failures_ ABSL_GUARDED_BY(breaker_mu_) = 0;
  bool open_ ABSL_GUARDED_BY(breaker_mu_) = false;
  absl::Time open_until_ ABSL_GUARDED_BY(breaker_mu_);
  bool probe_in_flight_ ABSL_GUARDED_BY(breaker_mu_) = false;
  std::string last_error_ ABSL_GUARDED_BY(breaker_mu_);

  // Counters are atomics so that the hot path takes no extra lock.
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> breaker_opens_{0};

  // Last, so that it stops (and runs its last callbacks) before anything above goes.
  std::unique_ptr<Pipe> pipe_;
};

}  // namespace opsuite::redis
