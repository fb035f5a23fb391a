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

#include <optional>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/cache/single_flight.h"

namespace opsuite::cache {

// How long a reader's lease on a missing key lasts: longer than a load takes.
inline constexpr absl::Duration kFillLease = absl::Seconds(5);

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
  absl::StatusOr<std::string> bytes =
      flights.Do(key, [&]() -> absl::StatusOr<std::string> {
        absl::StatusOr<Msg> loaded = loader();
        if (!loaded.ok()) return loaded.status();
        std::string serialized;
        if (!loaded->SerializeToString(&serialized)) {
          return absl::InternalError(absl::StrCat("cannot serialize ", key));
        }
        cache.Fill(key, serialized, ttl, lease);
        return serialized;
      });
  if (!bytes.ok()) return bytes.status();
  Msg msg;
  if (!msg.ParseFromString(*bytes)) {
    return absl::InternalError(absl::StrCat("cannot parse the value loaded for ", key));
  }
  return msg;
}

// The message this process holds for `key` without any I/O (Cache::Peek), or nothing: for an
// answer on the gRPC thread. A value that does not parse is nothing too.
template <class Msg>
std::optional<Msg> Peek(Cache& cache, const std::string& key) {
  std::optional<std::string> near = cache.Peek(key);
  if (!near.has_value()) return std::nullopt;
  Msg msg;
  if (!msg.ParseFromString(*near)) return std::nullopt;
  return msg;
}

}  // namespace opsuite::cache
