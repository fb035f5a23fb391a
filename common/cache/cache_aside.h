// Cache-aside for protobuf messages (DESIGN.md §5): read the cache, on a miss load once per
// key (SingleFlight) from the source of truth, store the serialized message with a TTL.
//
//   absl::StatusOr<Employee> e = cache::GetOrLoad<Employee>(
//       cache, flights, cache::Key(org, "planning", "employee", id), absl::Minutes(5),
//       [&]() -> absl::StatusOr<Employee> { return store.GetEmployee(org, id); });
//
// - The template argument must be given (a lambda does not deduce through FunctionRef).
// - An error from the loader (NOT_FOUND included) is returned and nothing is cached, so a
//   resource created a moment later is seen at once.
// - A cached value that does not parse (a schema change without a key bump, corruption) is
//   deleted and loaded again.
// - A load racing a writer never caches the old row: see Cache::GetForFill.
// - The cache never fails the call: Redis being down just means every call loads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/cache/single_flight.h"
#include "common/executor.h"

namespace opsuite::cache {

// How long a reader's lease on a missing key lasts: longer than a load takes.
inline constexpr absl::Duration kFillLease = absl::Seconds(5);

// Loads `key` once across concurrent callers (SingleFlight) and fills the cache under `lease`
// (empty: no fill). The second half of GetOrLoad, for a caller that already holds the lease.
template <class Msg>
absl::StatusOr<Msg> LoadAndFill(Cache& cache, SingleFlight& flights, const std::string& key,
                                absl::Duration ttl, const std::string& lease,
                                absl::FunctionRef<absl::StatusOr<Msg>()> loader) {
  std::optional<Msg> mine;  // set when this caller ran the loader: no need to parse it back
  absl::StatusOr<std::string> bytes =
      flights.Do(key, [&]() -> absl::StatusOr<std::string> {
        absl::StatusOr<Msg> loaded = loader();
        if (!loaded.ok()) return loaded.status();
        std::string serialized;
        if (!loaded->SerializeToString(&serialized)) {
          return absl::InternalError(absl::StrCat("cannot serialize ", key));
        }
        cache.Fill(key, serialized, ttl, lease);
        mine = *std::move(loaded);
        return serialized;
      });
  if (!bytes.ok()) return bytes.status();
  if (mine.has_value()) return *std::move(mine);
  Msg msg;
  if (!msg.ParseFromString(*bytes)) {
    return absl::InternalError(absl::StrCat("cannot parse the value loaded for ", key));
  }
  return msg;
}

template <class Msg>
absl::StatusOr<Msg> GetOrLoad(Cache& cache, SingleFlight& flights, const std::string& key,
                              absl::Duration ttl,
                              absl::FunctionRef<absl::StatusOr<Msg>()> loader) {
  // The lease taken on a miss lets the fill below through only if no writer deleted the key
  // since: a row loaded before a commit is never put back after the commit's delete.
  std::string lease;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::optional<std::string> hit = cache.GetForFill(key, kFillLease, &lease);
    if (!hit.has_value()) break;
    Msg msg;
    if (msg.ParseFromString(*hit)) return msg;
    cache.Delete({key});  // unparseable: drop it, and take the lease to load it afresh
  }
  return LoadAndFill<Msg>(cache, flights, key, ttl, lease, loader);
}

// GetOrLoad for a call on the gRPC thread, which must not block: the cache is asked without
// waiting (Cache::GetForFillAsync), a hit goes straight to `done`, and only a miss runs
// `loader` (and the fill) on `executor`. `done` runs once, on whichever thread the answer came:
// the calling one for a near hit, the Redis client's I/O thread for a Redis hit, a worker after
// a load. When the cache cannot answer without blocking, all of GetOrLoad runs on a worker.
template <class Msg>
void GetOrLoadAsync(Cache& cache, SingleFlight& flights, Executor& executor, std::string key,
                    absl::Duration ttl, std::function<absl::StatusOr<Msg>()> loader,
                    absl::AnyInvocable<void(absl::StatusOr<Msg>)> done) {
  struct State {
    Cache& cache;
    SingleFlight& flights;
    Executor& executor;
    std::string key;
    absl::Duration ttl;
    std::function<absl::StatusOr<Msg>()> loader;
    absl::AnyInvocable<void(absl::StatusOr<Msg>)> done;

    void GetOrLoadOnWorker(const std::shared_ptr<State>& self) {
      executor.Submit([self] {
        self->done(GetOrLoad<Msg>(self->cache, self->flights, self->key, self->ttl,
                                  self->loader));
      });
    }
  };
  auto st = std::make_shared<State>(State{cache, flights, executor, std::move(key), ttl,
                                          std::move(loader), std::move(done)});
  Cache::FillDone answered = [st](std::optional<std::string> value, std::string lease) {
    if (value.has_value()) {
      Msg msg;
      if (msg.ParseFromString(*value)) {
        st->done(std::move(msg));
      } else {
        st->GetOrLoadOnWorker(st);  // unparseable: GetOrLoad drops it and loads afresh
      }
      return;
    }
    st->executor.Submit([st, lease = std::move(lease)] {
      st->done(LoadAndFill<Msg>(st->cache, st->flights, st->key, st->ttl, lease, st->loader));
    });
  };
  if (!cache.GetForFillAsync(st->key, kFillLease, answered)) st->GetOrLoadOnWorker(st);
}

}  // namespace opsuite::cache
