#include "common/server/backends.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/cache/memory_cache.h"
#include "common/cache/near_cache.h"
#include "common/cache/redis_cache.h"
#include "common/events/inprocess_bus.h"
#include "common/events/outbox_relay.h"
#include "common/events/redis_stream_bus.h"
#include "common/log.h"
#include "common/redis/redis_client.h"
#include "common/status.h"

namespace opsuite::server {
namespace {

class BackendsImpl final : public Backends {
 public:
  BackendsImpl(std::unique_ptr<cache::Cache> cache, std::unique_ptr<events::EventPublisher> pub,
               std::unique_ptr<events::EventSource> source, events::EventSource* shared_source,
               std::shared_ptr<redis::RedisClient> redis, std::string description)
      : cache_(std::move(cache)),
        publisher_(std::move(pub)),
        owned_source_(std::move(source)),
        source_(shared_source != nullptr ? shared_source : owned_source_.get()),
        redis_(std::move(redis)),
        description_(std::move(description)) {}
  ~BackendsImpl() override { Stop(); }

  cache::Cache* cache() override { return cache_.get(); }
  events::EventPublisher* publisher() override { return publisher_.get(); }
  std::shared_ptr<redis::RedisClient> redis() override { return redis_; }
  events::EventSource* source() override { return source_; }

  void StartOutboxRelay(storage::Database* db) override {
    auto relay = std::make_unique<events::OutboxRelay>(*db, *publisher_);
    events::OutboxRelay* r = relay.get();
    db->OnCommit([r] { r->Notify(); });
    r->Start();
    relays_.push_back(std::move(relay));
  }

  void Stop() override {
    for (auto& r : relays_) r->Stop();
  }

  std::string Describe() const override { return description_; }

 private:
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<events::EventPublisher> publisher_;
  std::unique_ptr<events::EventSource> owned_source_;
  events::EventSource* source_;
  std::shared_ptr<redis::RedisClient> redis_;
  std::vector<std::unique_ptr<events::OutboxRelay>> relays_;
  std::string description_;
};

}  // namespace

namespace {

// "7.0.15" from INFO server, or "" when Redis does not say.
std::string RedisVersion(redis::RedisClient& client) {
  absl::StatusOr<redis::Reply> info = client.Command({"INFO", "server"});
  if (!info.ok()) return "";
  for (absl::string_view line : absl::StrSplit(info->str, "\r\n")) {
    if (absl::ConsumePrefix(&line, "redis_version:")) return std::string(line);
  }
  return "";
}

bool OlderThan7(const std::string& version) {
  int major = 0;
  return absl::SimpleAtoi(absl::string_view(version).substr(0, version.find('.')), &major) &&
         major < 7;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Backends>> MakeBackends(const std::string& redis_url,
                                                       size_t near_cache_entries,
                                                       absl::Duration cache_timeout,
                                                       const Clock* clock) {
  Clock* mutable_clock = const_cast<Clock*>(clock);
  if (redis_url.empty()) {
    // One in-process bus is both ends.
    auto bus =
        std::make_unique<events::InProcessBus>(events::InProcessBusOptions{.clock = mutable_clock});
    events::EventSource* source = bus.get();
    return std::make_unique<BackendsImpl>(
        std::make_unique<cache::MemoryCache>(cache::MemoryCacheOptions{.clock = mutable_clock}),
        std::move(bus), nullptr, source, nullptr, "in-process cache and event bus");
  }
  // The cache gives up within a few milliseconds; the stream publisher may wait longer.
  // Short commands from every request: one pipelined connection carries them in batches.
  redis::RedisOptions cache_options;
  cache_options.pipeline = true;
  cache_options.command_timeout = cache_timeout;
  ASSIGN_OR_RETURN(auto cache_client, redis::RedisClient::Create(redis_url, cache_options));
  redis::RedisOptions stream_options;
  stream_options.command_timeout = absl::Seconds(1);
  stream_options.pool_size = 2;
  ASSIGN_OR_RETURN(auto stream_client, redis::RedisClient::Create(redis_url, stream_options));
  // Data structures (sorted sets, leases): a few round trips per call, more patience.
  redis::RedisOptions data_options;
  data_options.command_timeout = absl::Milliseconds(500);
  data_options.pool_size = 4;
  ASSIGN_OR_RETURN(auto data_client, redis::RedisClient::Create(redis_url, data_options));
  // Consumers block in XREADGROUP: their own connections, so a blocked read never starves
  // the relay.
  redis::RedisOptions consumer_options;
  consumer_options.command_timeout = absl::Seconds(1);
  consumer_options.pool_size = 4;
  ASSIGN_OR_RETURN(auto consumer_client, redis::RedisClient::Create(redis_url, consumer_options));
  if (!cache_client->Command({"PING"}).ok()) {
    log::Warn("redis is not answering; serving from the database and keeping events in the "
              "outbox until it does",
              {{"redis", redis_url}});
  } else if (std::string version = RedisVersion(*cache_client); OlderThan7(version)) {
    // SET ... NX GET (the cache's get-or-lease) came with 7.0; older ones refuse it, and then
    // every cached read goes to the database.
    log::Warn("redis is older than 7.0: the cache will not fill; upgrade it",
              {{"redis", redis_url}, {"version", version}});
  }
  std::unique_ptr<cache::Cache> cache = std::make_unique<cache::RedisCache>(cache_client);
  if (near_cache_entries > 0) {
    cache = std::make_unique<cache::NearCache>(
        std::move(cache), cache_client,
        cache::NearCacheOptions{.max_entries = near_cache_entries, .clock = mutable_clock});
  }
  return std::make_unique<BackendsImpl>(std::move(cache),
                                        std::make_unique<events::RedisStreamBus>(stream_client),
                                        std::make_unique<events::RedisStreamBus>(consumer_client),
                                        nullptr, std::move(data_client),
                                        absl::StrCat("redis ", redis_url));
}

}  // namespace opsuite::server
