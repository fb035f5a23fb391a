#include "common/redis/redis_client.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/status.h"
#include "common/thread_name.h"

namespace opsuite::redis {

namespace {

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:  // REDIS_REPLY_NIL
      out.type = Reply::Type::kNil;
      break;
  }
  return out;
}

// A command as hiredis takes it: pointers and lengths, so arguments are binary-safe.
struct ArgvView {
  explicit ArgvView(const std::vector<std::string>& argv) {
    ptrs.reserve(argv.size());
    lens.reserve(argv.size());
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
};

// Sends `argv` and waits for the reply; nullptr on a transport failure.
redisReply* CommandArgv(redisContext* c, const std::vector<std::string>& argv) {
  ArgvView v(argv);
  return static_cast<redisReply*>(redisCommandArgv(c, v.argc(), v.ptrs.data(), v.lens.data()));
}

timeval SocketTimeout(absl::Duration d) {
  if (d < absl::Milliseconds(1)) d = absl::Milliseconds(1);  // 0 would mean "forever"
  return absl::ToTimeval(d);
}

// hiredis writes with write(2); a write to a socket Redis closed must not kill the process.
void IgnoreSigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { signal(SIGPIPE, SIG_IGN); });
}

}  // namespace

absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view url_in) {
  // Abseil here is built with its own string_view, so the string helpers want that one.
  const absl::string_view url(url_in.data(), url_in.size());
  const std::string shown = log::RedactedUrl(url);  // messages never carry the password
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "redis://")) {
  } else if (absl::StrContains(rest, "://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis url \"", shown, "\": scheme must be redis:// (redis://host:port/db)"));
  }
  RedisEndpoint ep;
  if (size_t at = rest.rfind('@'); at != absl::string_view::npos) {
    absl::string_view userinfo = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    // redis://:password@host or redis://user:password@host (the user is ignored: no ACLs).
    size_t colon = userinfo.find(':');
    ep.password = std::string(colon == absl::string_view::npos ? userinfo
                                                               : userinfo.substr(colon + 1));
  }
  absl::string_view hostport = rest;
  if (size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    hostport = rest.substr(0, slash);
    absl::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!absl::SimpleAtoi(db, &ep.db) || ep.db < 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("redis url \"", shown, "\": database \"", db, "\" is not a number >= 0"));
    }
  }
  absl::string_view port;
  if (absl::ConsumePrefix(&hostport, "[")) {  // [::1]:6379
    size_t close = hostport.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("redis url \"", shown, "\": missing ']'"));
    }
    ep.host = std::string(hostport.substr(0, close));
    absl::string_view after = hostport.substr(close + 1);
    if (absl::ConsumePrefix(&after, ":")) port = after;
  } else if (size_t colon = hostport.rfind(':'); colon != absl::string_view::npos) {
    ep.host = std::string(hostport.substr(0, colon));
    port = hostport.substr(colon + 1);
  } else {
    ep.host = std::string(hostport);
  }
  if (ep.host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis url \"", shown, "\": no host (expected redis://host:port/db)"));
  }
  if (!port.empty() && (!absl::SimpleAtoi(port, &ep.port) || ep.port <= 0 || ep.port > 65535)) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis url \"", shown, "\": port \"", port, "\" is not in 1..65535"));
  }
  return ep;
}

struct RedisClient::Connection {
  explicit Connection(redisContext* c) : ctx(c) {}
  ~Connection() {
    if (ctx != nullptr) redisFree(ctx);
  }
  redisContext* ctx;
  absl::Duration timeout;  // what the socket is set to now
};

// The shared connection of pipelined mode, and the thread that owns it. Callers append their
// formatted commands to `queue_`; the thread moves what is queued onto the wire in one write,
// reads whatever replies have come, and hands each request its replies in order. Deadlines are
// on the steady clock (the client's Clock is the breaker's, and may be a test's fake).
class RedisClient::Pipe {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<std::vector<Reply>>)>;

  explicit Pipe(RedisClient* client) : client_(client) {
    event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    thread_ = StartThread("redis-pipe", [this] { Run(); });
  }

  ~Pipe() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    Wake();
    thread_.join();
    if (event_fd_ >= 0) close(event_fd_);
  }

  // Queues `commands` (sent back to back) and calls `done` with their replies, or with the
  // transport failure, on the I/O thread.
  void Submit(const std::vector<std::vector<std::string>>& commands, Done done) {
    Request r;
    r.replies = commands.size();
    r.what = commands.front().front();
    r.timeout = client_->options_.command_timeout;
    r.deadline = Steady::now() + absl::ToChronoNanoseconds(r.timeout);
    r.done = std::move(done);
    for (const auto& argv : commands) {
      ArgvView v(argv);
      char* formatted = nullptr;
      int len = redisFormatCommandArgv(&formatted, v.argc(), v.ptrs.data(), v.lens.data());
      if (len < 0 || formatted == nullptr) {
        r.done(absl::ResourceExhaustedError("redis: cannot format a command (out of memory)"));
        return;
      }
      r.bytes.append(formatted, static_cast<size_t>(len));
      redisFreeCommand(formatted);
    }
    bool wake = false;
    {
      absl::MutexLock lock(&mu_);
      queue_.push_back(std::move(r));
      if (sleeping_ && !woken_) {
        woken_ = true;
        wake = true;
      }
    }
    if (wake) Wake();
  }

  uint64_t commands() const { return commands_.load(std::memory_order_relaxed); }
  uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }

 private:
  using Steady = std::chrono::steady_clock;
  struct Request {
    std::string bytes;
    size_t replies = 0;
    std::string what;  // the first command's name, for messages
    absl::Duration timeout;
    Steady::time_point deadline;
    Done done;
  };
  struct InFlight {
    size_t remaining = 0;
    std::vector<Reply> replies;
    std::string what;
    absl::Duration timeout;
    Steady::time_point sent;
    Steady::time_point deadline;
    Done done;  // empty once answered by a timeout: its replies are then read and dropped
  };

  void Wake() {
    const uint64_t one = 1;
    if (write(event_fd_, &one, sizeof(one)) < 0) {
      // The counter is full (it never is: each wake is read) or the fd is gone: the I/O thread
      // still wakes for its own deadlines.
    }
  }

  // Fails every request in flight with `status` and closes the connection.
  void Drop(const absl::Status& status) {
    std::deque<InFlight> failed;
    failed.swap(inflight_);
    conn_.reset();
    out_.clear();
    out_pos_ = 0;
    for (InFlight& f : failed) {
      if (f.done) f.done(status);
    }
  }

  absl::Status Closed(absl::string_view why) const {
    const std::string what = inflight_.empty() ? std::string("read") : inflight_.front().what;
    return absl::UnavailableError(absl::StrCat("redis ", client_->address_, " ", why, " (",
                                               what, ")"));
  }

  // Moves what callers queued to the connection's output, connecting first if need be; when
  // Redis cannot be reached the requests are failed with why.
  void Take(std::vector<Request>& batch) {
    if (batch.empty()) return;
    if (conn_ == nullptr) {
      absl::StatusOr<std::unique_ptr<Connection>> conn = client_->Connect();
      if (!conn.ok()) {
        for (Request& r : batch) r.done(conn.status());
        batch.clear();
        return;
      }
      conn_ = *std::move(conn);
      const int fd = conn_->ctx->fd;
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    const Steady::time_point now = Steady::now();
    uint64_t n = 0;
    for (Request& r : batch) {
      out_.append(r.bytes);
      n += r.replies;
      inflight_.push_back(InFlight{r.replies, {}, std::move(r.what), r.timeout, now, r.deadline,
                                   std::move(r.done)});
      inflight_.back().replies.reserve(r.replies);
    }
    commands_.fetch_add(n, std::memory_order_relaxed);
    batch.clear();
  }

  void Flush() {
    if (conn_ == nullptr || out_pos_ == out_.size()) return;
    const int fd = conn_->ctx->fd;
    writes_.fetch_add(1, std::memory_order_relaxed);
    while (out_pos_ < out_.size()) {
      ssize_t n = send(fd, out_.data() + out_pos_, out_.size() - out_pos_, MSG_NOSIGNAL);
      if (n > 0) {
        out_pos_ += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // POLLOUT later
      Drop(absl::UnavailableError(absl::StrCat("redis ", client_->address_, " unreachable: ",
                                               n < 0 ? strerror(errno) : "short write")));
      return;
    }
    out_.clear();
    out_pos_ = 0;
  }

  void Read() {
    if (conn_ == nullptr) return;
    redisContext* c = conn_->ctx;
    for (;;) {
      ssize_t n = recv(c->fd, buf_.data(), buf_.size(), MSG_DONTWAIT);
      if (n > 0) {
        if (redisReaderFeed(c->reader, buf_.data(), static_cast<size_t>(n)) != REDIS_OK) {
          Drop(Closed("sent a malformed reply"));
          return;
        }
        if (static_cast<size_t>(n) < buf_.size()) break;
        continue;
      }
      if (n == 0) {
        Drop(Closed("closed the connection"));
        return;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      Drop(absl::UnavailableError(
          absl::StrCat("redis ", client_->address_, " unreachable: ", strerror(errno))));
      return;
    }
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(c->reader, &raw) != REDIS_OK) {
        Drop(Closed("sent a malformed reply"));
        return;
      }
      if (raw == nullptr) return;
      if (inflight_.empty()) {
        freeReplyObject(raw);
        Drop(Closed("sent a reply nobody asked for"));
        return;
      }
      InFlight& f = inflight_.front();
      f.replies.push_back(Convert(static_cast<redisReply*>(raw)));
      freeReplyObject(raw);
      if (--f.remaining > 0) continue;
      InFlight done = std::move(f);
      inflight_.pop_front();
      if (done.done) done.done(std::move(done.replies));
    }
  }

  // Answers the requests whose deadline passed (their replies will be dropped), closes a
  // connection that stayed silent too long, and returns how long poll may sleep (-1: no limit).
  int Expire() {
    if (inflight_.empty()) return -1;
    const Steady::time_point now = Steady::now();
    const InFlight& oldest = inflight_.front();
    const auto stuck_after =
        std::max<Steady::duration>(std::chrono::seconds(1),
                                   10 * absl::ToChronoNanoseconds(oldest.timeout));
    if (!oldest.done && now - oldest.sent >= stuck_after) {
      Drop(Closed("stayed silent; connection reset"));
      return -1;
    }
    Steady::time_point next = oldest.sent + stuck_after;
    for (InFlight& f : inflight_) {
      if (!f.done) continue;
      if (now >= f.deadline) {
        Done d = std::move(f.done);
        f.done = nullptr;
        d(absl::UnavailableError(absl::StrCat("redis ", client_->address_, " timed out after ",
                                              absl::FormatDuration(f.timeout), " (", f.what,
                                              ")")));
        continue;
      }
      next = std::min(next, f.deadline);
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
    return static_cast<int>(std::clamp<int64_t>(wait, 0, 60000));
  }

  void Run() {
    std::vector<Request> batch;
    for (;;) {
      bool stop;
      {
        absl::MutexLock lock(&mu_);
        batch.swap(queue_);
        stop = stop_;
      }
      Take(batch);
      Flush();
      int timeout = Expire();
      bool pending = false;
      for (const InFlight& f : inflight_) pending = pending || static_cast<bool>(f.done);
      if (stop && !pending) {
        absl::MutexLock lock(&mu_);
        if (queue_.empty()) break;
        continue;
      }
      pollfd fds[2] = {{event_fd_, POLLIN, 0}, {-1, 0, 0}};
      if (conn_ != nullptr) {
        // An idle connection is watched too, so a Redis that closes it is noticed.
        fds[1] = {conn_->ctx->fd,
                  static_cast<short>(POLLIN | (out_pos_ < out_.size() ? POLLOUT : 0)), 0};
      }
      {
        absl::MutexLock lock(&mu_);
        if (!queue_.empty() || stop_ != stop) continue;
        sleeping_ = true;
      }
      int ready = poll(fds, conn_ != nullptr ? 2 : 1, timeout);
      {
        absl::MutexLock lock(&mu_);
        sleeping_ = false;
        woken_ = false;
      }
      if (ready <= 0) continue;
      if (fds[0].revents & POLLIN) {
        uint64_t count;
        while (read(event_fd_, &count, sizeof(count)) > 0) {
        }
      }
      if (fds[1].revents != 0) {
        if (fds[1].revents & POLLOUT) Flush();
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) Read();
      }
    }
    Drop(absl::UnavailableError(absl::StrCat("redis ", client_->address_, ": client closed")));
  }

  RedisClient* const client_;
  int event_fd_ = -1;
  std::thread thread_;

  absl::Mutex mu_;
  std::vector<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool sleeping_ ABSL_GUARDED_BY(mu_) = false;  // the I/O thread is (about to be) in poll
  bool woken_ ABSL_GUARDED_BY(mu_) = false;     // and someone has written the eventfd

  // The I/O thread's own.
  std::unique_ptr<Connection> conn_;
  std::string out_;
  size_t out_pos_ = 0;
  std::deque<InFlight> inflight_;
  std::vector<char> buf_ = std::vector<char>(64 * 1024);

  std::atomic<uint64_t> commands_{0};
  std::atomic<uint64_t> writes_{0};
};

absl::StatusOr<std::shared_ptr<RedisClient>> RedisClient::Create(std::string_view url,
                                                                 RedisOptions options) {
  absl::StatusOr<RedisEndpoint> ep = ParseRedisUrl(url);
  if (!ep.ok()) return ep.status();
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("redis pool_size must be at least 1");
  }
  if (options.breaker_failures < 1) {
    return absl::InvalidArgumentError("redis breaker_failures must be at least 1");
  }
  if (options.command_timeout <= absl::ZeroDuration() ||
      options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("redis timeouts must be positive");
  }
  IgnoreSigpipe();
  return std::shared_ptr<RedisClient>(new RedisClient(*std::move(ep), options));
}

RedisClient::RedisClient(RedisEndpoint endpoint, RedisOptions options)
    : endpoint_(std::move(endpoint)),
      options_(options),
      address_(absl::StrContains(endpoint_.host, ':')
                   ? absl::StrCat("[", endpoint_.host, "]:", endpoint_.port)
                   : absl::StrCat(endpoint_.host, ":", endpoint_.port)),
      clock_(options.clock != nullptr ? options.clock : RealClock::Default()) {
  if (options_.pipeline) pipe_ = std::make_unique<Pipe>(this);
}

RedisClient::~RedisClient() { pipe_.reset(); }

RedisStats RedisClient::Stats() const {
  RedisStats s;
  s.calls = calls_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.breaker_opens = breaker_opens_.load(std::memory_order_relaxed);
  if (pipe_ != nullptr) {
    s.pipelined_commands = pipe_->commands();
    s.pipelined_writes = pipe_->writes();
  }
  return s;
}

bool RedisClient::breaker_open() const {
  absl::MutexLock lock(&breaker_mu_);
  return open_;
}

absl::StatusOr<Reply> RedisClient::Command(const std::vector<std::string>& argv,
                                           absl::Duration timeout) {
  absl::StatusOr<std::vector<Reply>> replies = Call({argv}, timeout);
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

absl::StatusOr<std::vector<Reply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& commands, absl::Duration timeout) {
  if (commands.empty()) return std::vector<Reply>();
  return Call(commands, timeout);
}

absl::Status RedisClient::Begin(bool* probe) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  if (absl::Status admitted = Admit(probe); !admitted.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return admitted;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Reply>> RedisClient::Finish(
    absl::StatusOr<std::vector<Reply>> result, Outcome outcome, bool probe,
    const std::vector<std::vector<std::string>>* commands, absl::string_view first) {
  Record(outcome, probe, result.status());
  if (!result.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return result.status();
  }
  const size_t n = result->size();
  for (size_t i = 0; i < n; ++i) {
    const Reply& r = (*result)[i];
    if (!r.is_error()) continue;
    errors_.fetch_add(1, std::memory_order_relaxed);
    absl::string_view name = commands != nullptr ? absl::string_view((*commands)[i][0]) : first;
    return absl::InternalError(
        n == 1 ? absl::StrCat("redis ", address_, ": ", name, ": ", r.str)
               : absl::StrCat("redis ", address_, ": ", name, " (command ", i + 1, " of ", n,
                              " in a pipeline): ", r.str));
  }
  return result;
}

absl::StatusOr<std::vector<Reply>> RedisClient::Call(
    const std::vector<std::vector<std::string>>& commands, absl::Duration timeout) {
  for (const auto& argv : commands) {
    if (argv.empty()) {
      calls_.fetch_add(1, std::memory_order_relaxed);
      errors_.fetch_add(1, std::memory_order_relaxed);
      return absl::InvalidArgumentError("redis command with no arguments");
    }
  }
  bool probe = false;
  RETURN_IF_ERROR(Begin(&probe));
  if (pipe_ != nullptr && timeout <= absl::ZeroDuration()) {
    // Wait for the I/O thread's answer. The state lives on this stack: the callback finishes
    // with it before it releases `mu`, and this thread returns only after taking `mu`.
    struct Wait {
      absl::Mutex mu;
      absl::CondVar cv;
      bool done = false;
      absl::StatusOr<std::vector<Reply>> result;
    } wait;
    pipe_->Submit(commands, [&wait](absl::StatusOr<std::vector<Reply>> r) {
      absl::MutexLock lock(&wait.mu);
      wait.result = std::move(r);
      wait.done = true;
      wait.cv.Signal();
    });
    absl::MutexLock lock(&wait.mu);
    while (!wait.done) wait.cv.Wait(&wait.mu);
    const Outcome outcome = wait.result.ok() ? Outcome::kAnswered : Outcome::kTransportFailure;
    return Finish(std::move(wait.result), outcome, probe, &commands, "");
  }
  Outcome outcome = Outcome::kNoVerdict;
  absl::StatusOr<std::vector<Reply>> result =
      Run(commands, timeout > absl::ZeroDuration() ? timeout : options_.command_timeout,
          &outcome);
  return Finish(std::move(result), outcome, probe, &commands, "");
}

void RedisClient::CommandAsync(const std::vector<std::string>& argv,
                               absl::AnyInvocable<void(absl::StatusOr<Reply>)> done) {
  if (pipe_ == nullptr || argv.empty()) {
    absl::StatusOr<Reply> reply = Command(argv);
    if (done) done(std::move(reply));
    return;
  }
  bool probe = false;
  if (absl::Status admitted = Begin(&probe); !admitted.ok()) {
    if (done) done(admitted);
    return;
  }
  pipe_->Submit({argv}, [this, probe, name = argv[0], done = std::move(done)](
                            absl::StatusOr<std::vector<Reply>> r) mutable {
    const Outcome outcome = r.ok() ? Outcome::kAnswered : Outcome::kTransportFailure;
    absl::StatusOr<std::vector<Reply>> result =
        Finish(std::move(r), outcome, probe, nullptr, name);
    if (!done) return;
    if (!result.ok()) {
      done(result.status());
    } else {
      done(std::move(result->front()));
    }
  });
}

absl::Status RedisClient::Admit(bool* probe) {
  absl::MutexLock lock(&breaker_mu_);
  if (!open_) return absl::OkStatus();
  absl::Time now = clock_->Now();
  if (now < open_until_ || probe_in_flight_) {
    return absl::UnavailableError(absl::StrCat(
        "redis ", address_, " circuit breaker open after ", consecutive_failures_,
        " consecutive failures (last: ", last_error_, "); next attempt in ",
        absl::FormatDuration(absl::Ceil(std::max(open_until_ - now, absl::ZeroDuration()),
                                        absl::Milliseconds(1)))));
  }
  probe_in_flight_ = true;
  *probe = true;
  return absl::OkStatus();
}

void RedisClient::Record(Outcome outcome, bool probe, const absl::Status& status) {
  absl::MutexLock lock(&breaker_mu_);
  if (probe) probe_in_flight_ = false;
  switch (outcome) {
    case Outcome::kNoVerdict:
      return;
    case Outcome::kAnswered:
      consecutive_failures_ = 0;
      open_ = false;
      return;
    case Outcome::kTransportFailure:
      ++consecutive_failures_;
      last_error_ = std::string(status.message());
      if (probe || (!open_ && consecutive_failures_ >= options_.breaker_failures)) {
        open_ = true;
        open_until_ = clock_->Now() + options_.breaker_cooldown;
        breaker_opens_.fetch_add(1, std::memory_order_relaxed);
      }
      return;
  }
}

absl::Status RedisClient::TransportError(const redisContext* ctx, absl::Duration timeout,
                                         absl::string_view what) const {
  if (ctx == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address_, " unreachable: cannot allocate a connection"));
  }
  absl::string_view err = ctx->errstr;
  if (ctx->err == REDIS_ERR_IO &&
      (absl::StrContains(err, "temporarily unavailable") ||
       absl::StrContains(err, "timed out"))) {
    return absl::UnavailableError(absl::StrCat("redis ", address_, " timed out after ",
                                               absl::FormatDuration(timeout), " (", what, ")"));
  }
  if (ctx->err == REDIS_ERR_EOF) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address_, " closed the connection (", what, ")"));
  }
  return absl::UnavailableError(absl::StrCat("redis ", address_, " unreachable: ",
                                             err.empty() ? "unknown error" : err));
}

absl::StatusOr<std::unique_ptr<RedisClient::Connection>> RedisClient::Connect() {
  redisContext* c = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                            SocketTimeout(options_.connect_timeout));
  if (c == nullptr || c->err != 0) {
    absl::Status s = TransportError(c, options_.connect_timeout, "connect");
    if (c != nullptr && c->err == REDIS_ERR_IO &&
        absl::StrContains(c->errstr, "temporarily unavailable")) {
      s = absl::UnavailableError(absl::StrCat("redis ", address_,
                                              " unreachable: connect timed out after ",
                                              absl::FormatDuration(options_.connect_timeout)));
    }
    if (c != nullptr) redisFree(c);
    return s;
  }
  auto conn = std::make_unique<Connection>(c);
  // AUTH and SELECT are part of connecting: give them the connect timeout.
  redisSetTimeout(c, SocketTimeout(options_.connect_timeout));
  conn->timeout = options_.connect_timeout;
  auto setup = [&](std::vector<std::string> argv) -> absl::Status {
    redisReply* r = CommandArgv(c, argv);
    if (r == nullptr) return TransportError(c, options_.connect_timeout, argv[0]);
    Reply reply = Convert(r);
    freeReplyObject(r);
    if (reply.is_error()) {
      // Misconfiguration (wrong password, no such db): Redis cannot be used, so it counts
      // as unavailable and trips the breaker like an outage would.
      return absl::UnavailableError(
          absl::StrCat("redis ", address_, " refused ", argv[0], ": ", reply.str));
    }
    return absl::OkStatus();
  };
  if (!endpoint_.password.empty()) {
    if (absl::Status s = setup({"AUTH", endpoint_.password}); !s.ok()) return s;
  }
  if (endpoint_.db != 0) {
    if (absl::Status s = setup({"SELECT", absl::StrCat(endpoint_.db)}); !s.ok()) return s;
  }
  return conn;
}

absl::StatusOr<std::unique_ptr<RedisClient::Connection>> RedisClient::Acquire(
    Outcome* outcome) {
  {
    absl::MutexLock lock(&pool_mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool_mu_) {
      return !idle_.empty() || open_connections_ < options_.pool_size;
    };
    if (!pool_mu_.AwaitWithTimeout(absl::Condition(&ready), options_.pool_wait)) {
      *outcome = Outcome::kNoVerdict;
      return absl::UnavailableError(absl::StrCat(
          "redis ", address_, ": all ", options_.pool_size, " connections busy for ",
          absl::FormatDuration(options_.pool_wait), " (raise pool_size?)"));
    }
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_connections_;  // reserve the slot while connecting outside the lock
  }
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connect();
  if (!conn.ok()) {
    absl::MutexLock lock(&pool_mu_);
    --open_connections_;
    *outcome = Outcome::kTransportFailure;
  }
  return conn;
}

void RedisClient::Release(std::unique_ptr<Connection> conn) {
  absl::MutexLock lock(&pool_mu_);
  idle_.push_back(std::move(conn));
}

void RedisClient::Discard(std::unique_ptr<Connection> conn) {
  // A transport failure on one connection usually means Redis went away or restarted, so
  // the idle connections are dead too: drop them rather than fail once on each.
  std::vector<std::unique_ptr<Connection>> dead;
  {
    absl::MutexLock lock(&pool_mu_);
    dead.swap(idle_);
    open_connections_ -= static_cast<int>(dead.size()) + 1;
  }
  conn.reset();
  dead.clear();  // closes the sockets outside the lock
}

absl::StatusOr<std::vector<Reply>> RedisClient::Run(
    const std::vector<std::vector<std::string>>& commands, absl::Duration timeout,
    Outcome* outcome) {
  absl::StatusOr<std::unique_ptr<Connection>> acquired = Acquire(outcome);
  if (!acquired.ok()) return acquired.status();
  std::unique_ptr<Connection> conn = *std::move(acquired);
  redisContext* c = conn->ctx;
  if (conn->timeout != timeout) {
    if (redisSetTimeout(c, SocketTimeout(timeout)) != REDIS_OK) {
      absl::Status s = TransportError(c, timeout, "set timeout");
      Discard(std::move(conn));
      *outcome = Outcome::kTransportFailure;
      return s;
    }
    conn->timeout = timeout;
  }
  for (const auto& argv : commands) {
    ArgvView v(argv);
    if (redisAppendCommandArgv(c, v.argc(), v.ptrs.data(), v.lens.data()) != REDIS_OK) {
      absl::Status s = TransportError(c, timeout, argv[0]);
      Discard(std::move(conn));
      *outcome = Outcome::kTransportFailure;
      return s;
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (const auto& argv : commands) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
      // Includes a timeout: the reply may still arrive later, so this connection's stream
      // is out of step with its commands and must never be reused.
      absl::Status s = TransportError(c, timeout, argv[0]);
      if (raw != nullptr) freeReplyObject(raw);
      Discard(std::move(conn));
      *outcome = Outcome::kTransportFailure;
      return s;
    }
    replies.push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  Release(std::move(conn));
  *outcome = Outcome::kAnswered;
  return replies;
}

absl::StatusOr<std::unique_ptr<Subscriber>> RedisClient::OpenSubscriber() {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connect());
  redisContext* c = conn->ctx;
  conn->ctx = nullptr;  // the Subscriber owns it now
  return std::unique_ptr<Subscriber>(new Subscriber(c, address_, options_.connect_timeout));
}

Subscriber::~Subscriber() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

absl::StatusOr<Reply> Subscriber::Command(const std::vector<std::string>& argv) {
  if (dead_) return absl::UnavailableError(absl::StrCat("redis ", address_, ": subscriber closed"));
  redisReply* r = CommandArgv(ctx_, argv);
  if (r == nullptr) {
    dead_ = true;
    return absl::UnavailableError(absl::StrCat("redis ", address_, " (", argv[0],
                                               "): ", ctx_->errstr[0] ? ctx_->errstr : "failed"));
  }
  Reply reply = Convert(r);
  freeReplyObject(r);
  if (reply.is_error()) {
    return absl::InternalError(absl::StrCat("redis ", address_, " (", argv[0], "): ", reply.str));
  }
  return reply;
}

absl::Status Subscriber::Poll(std::vector<Reply>* out) {
  auto closed = [&](absl::string_view why) {
    dead_ = true;
    return absl::UnavailableError(absl::StrCat("redis ", address_, ": subscriber ", why));
  };
  if (dead_) return closed("closed");
  char buf[16384];
  for (;;) {
    ssize_t n = recv(ctx_->fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      if (redisReaderFeed(ctx_->reader, buf, static_cast<size_t>(n)) != REDIS_OK) {
        return closed("got a malformed reply");
      }
      if (static_cast<size_t>(n) < sizeof(buf)) break;
      continue;
    }
    if (n == 0) return closed("connection closed by redis");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return closed(strerror(errno));
  }
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(ctx_->reader, &raw) != REDIS_OK) return closed("got a malformed reply");
    if (raw == nullptr) return absl::OkStatus();
    out->push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
}

int Subscriber::fd() const { return ctx_->fd; }

bool Subscriber::Wait(absl::Duration timeout) const {
  if (dead_) return true;
  pollfd p{ctx_->fd, POLLIN, 0};
  int ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(timeout)));
  return poll(&p, 1, ms) > 0;
}

}  // namespace opsuite::redis
