#include "common/events/redis_stream_bus.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace opsuite::events {

namespace {

using redis::Reply;

// Field/value pairs of one stream entry, as the fields Redis returned them.
std::vector<std::pair<std::string, std::string>> Fields(const Reply& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    out.emplace_back(r.elements[i].str, r.elements[i + 1].str);
  }
  return out;
}

// One [id, [field, value, ...]] element. std::nullopt for an entry that was deleted or
// trimmed while pending (Redis returns its id with a nil field list).
std::optional<StreamEntry> ParseEntry(const Reply& r) {
  if (!r.is_array() || r.elements.size() < 2 || !r.elements[1].is_array()) {
    return std::nullopt;
  }
  StreamEntry entry;
  entry.entry_id = r.elements[0].str;
  bool parsed = false;
  std::string id, type, org;
  for (auto& [field, value] : Fields(r.elements[1])) {
    if (field == "event") {
      parsed = entry.event.ParseFromString(value);
    } else if (field == "id") {
      id = value;
    } else if (field == "type") {
      type = value;
    } else if (field == "org") {
      org = value;
    }
  }
  if (!parsed) {
    // A malformed entry is still handed out (with what the plain fields say) so the
    // consumer can dead-letter it instead of meeting it again forever.
    entry.event.Clear();
    entry.event.set_id(id);
    entry.event.set_type(type);
    entry.event.set_org_id(org);
  }
  return entry;
}

bool IsNoGroup(const absl::Status& s) {
  return s.code() == absl::StatusCode::kInternal && absl::StrContains(s.message(), "NOGROUP");
}

std::string Millis(absl::Duration d) {
  return absl::StrCat(std::max<int64_t>(0, absl::ToInt64Milliseconds(d)));
}

}  // namespace

RedisStreamBus::RedisStreamBus(std::shared_ptr<redis::RedisClient> client,
                               RedisStreamBusOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

absl::Status RedisStreamBus::Publish(const std::vector<Event>& events) {
  const size_t batch = static_cast<size_t>(std::max(options_.publish_batch, 1));
  for (size_t i = 0; i < events.size(); i += batch) {
    std::vector<std::vector<std::string>> commands;
    for (size_t j = i; j < events.size() && j < i + batch; ++j) {
      const Event& e = events[j];
      std::vector<std::string> argv = {"XADD", options_.stream};
      if (options_.max_len > 0) {
        argv.insert(argv.end(), {"MAXLEN", "~", absl::StrCat(options_.max_len)});
      }
      argv.insert(argv.end(), {"*", "id", e.id(), "type", e.type(), "org", e.org_id(),
                               "event", e.SerializeAsString()});
      commands.push_back(std::move(argv));
    }
    // One connection, in order: the stream gets the events in the order given.
    absl::StatusOr<std::vector<Reply>> replies = client_->Pipeline(commands);
    if (!replies.ok()) {
      return absl::Status(replies.status().code(),
                          absl::StrCat("publishing ", events.size(), " events to ",
                                       options_.stream, ": ", replies.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::Status RedisStreamBus::EnsureGroup(const std::string& group) {
  absl::StatusOr<Reply> r =
      client_->Command({"XGROUP", "CREATE", options_.stream, group, "0", "MKSTREAM"});
  if (!r.ok() && !absl::StrContains(r.status().message(), "BUSYGROUP")) return r.status();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StreamEntry>> RedisStreamBus::Read(const std::string& group,
                                                              const std::string& consumer,
                                                              int count, absl::Duration block) {
  absl::StatusOr<std::vector<StreamEntry>> out = ReadOnce(group, consumer, count, block);
  if (IsNoGroup(out.status())) {
    // The group is gone (Redis restarted without persistence, or the stream was deleted):
    // recreate it rather than fail until someone restarts the consumer.
    RETURN_IF_ERROR(EnsureGroup(group));
    out = ReadOnce(group, consumer, count, block);
  }
  return out;
}

absl::StatusOr<std::vector<StreamEntry>> RedisStreamBus::ReadOnce(const std::string& group,
                                                                  const std::string& consumer,
                                                                  int count,
                                                                  absl::Duration block) {
  std::vector<std::string> argv = {"XREADGROUP", "GROUP", group, consumer,
                                   "COUNT",      absl::StrCat(std::max(count, 1))};
  absl::Duration timeout = absl::ZeroDuration();  // the client's default
  if (block >= absl::Milliseconds(1)) {
    // BLOCK 0 would mean "forever": a zero `block` sends no BLOCK at all.
    argv.insert(argv.end(), {"BLOCK", Millis(block)});
    timeout = block + std::max(options_.block_slack, client_->options().command_timeout);
  }
  argv.insert(argv.end(), {"STREAMS", options_.stream, ">"});
  ASSIGN_OR_RETURN(Reply reply, client_->Command(argv, timeout));
  std::vector<StreamEntry> out;
  if (!reply.is_array()) return out;  // nil: nothing arrived within `block`
  for (const Reply& stream : reply.elements) {
    if (!stream.is_array() || stream.elements.size() < 2) continue;
    for (const Reply& e : stream.elements[1].elements) {
      if (std::optional<StreamEntry> entry = ParseEntry(e)) out.push_back(*std::move(entry));
    }
  }
  return out;
}

absl::StatusOr<std::vector<StreamEntry>> RedisStreamBus::Claim(const std::string& group,
                                                               const std::string& consumer,
                                                               absl::Duration min_idle,
                                                               int count) {
  absl::StatusOr<std::vector<StreamEntry>> out = ClaimOnce(group, consumer, min_idle, count);
  if (IsNoGroup(out.status())) {
    RETURN_IF_ERROR(EnsureGroup(group));
    out = ClaimOnce(group, consumer, min_idle, count);
  }
  return out;
}

absl::StatusOr<std::vector<StreamEntry>> RedisStreamBus::ClaimOnce(const std::string& group,
                                                                   const std::string& consumer,
                                                                   absl::Duration min_idle,
                                                                   int count) {
  count = std::max(count, 1);
  std::vector<StreamEntry> out;
  std::string cursor = "0-0";
  // XAUTOCLAIM looks at a bounded slice of the pending list per call; follow the cursor
  // until enough are claimed or the list is done (bounded, so a huge list cannot hold us).
  for (int round = 0; round < 100 && static_cast<int>(out.size()) < count; ++round) {
    ASSIGN_OR_RETURN(
        Reply reply,
        client_->Command({"XAUTOCLAIM", options_.stream, group, consumer, Millis(min_idle),
                          cursor, "COUNT", absl::StrCat(count - static_cast<int>(out.size()))}));
    // Redis 7: [next cursor, [entries], [ids deleted from the stream, dropped from the PEL]]
    if (!reply.is_array() || reply.elements.size() < 2) {
      return absl::InternalError(absl::StrCat("redis ", client_->address(),
                                              ": unexpected XAUTOCLAIM reply"));
    }
    cursor = reply.elements[0].str;
    for (const Reply& e : reply.elements[1].elements) {
      if (std::optional<StreamEntry> entry = ParseEntry(e)) out.push_back(*std::move(entry));
    }
    if (cursor == "0-0") break;
  }
  if (out.empty()) return out;
  // Delivery counts (XAUTOCLAIM has just incremented them): one XPENDING per entry, in one
  // round trip.
  std::vector<std::vector<std::string>> commands;
  commands.reserve(out.size());
  for (const StreamEntry& e : out) {
    commands.push_back({"XPENDING", options_.stream, group, e.entry_id, e.entry_id, "1"});
  }
  ASSIGN_OR_RETURN(std::vector<Reply> pending, client_->Pipeline(commands));
  for (size_t i = 0; i < out.size() && i < pending.size(); ++i) {
    // [[id, consumer, idle ms, deliveries]]
    const Reply& p = pending[i];
    if (p.is_array() && !p.elements.empty() && p.elements[0].elements.size() >= 4) {
      out[i].deliveries = p.elements[0].elements[3].integer;
    }
  }
  return out;
}

absl::Status RedisStreamBus::Ack(const std::string& group, const std::vector<std::string>& ids) {
  if (ids.empty()) return absl::OkStatus();
  std::vector<std::string> argv = {"XACK", options_.stream, group};
  argv.insert(argv.end(), ids.begin(), ids.end());
  return client_->Command(argv).status();
}

absl::Status RedisStreamBus::DeadLetter(const std::string& group, const StreamEntry& entry,
                                        const std::string& reason) {
  const Event& e = entry.event;
  // MULTI/EXEC: the copy and the acknowledgement happen together or not at all.
  ASSIGN_OR_RETURN(
      std::vector<Reply> replies,
      client_->Pipeline({{"MULTI"},
                         {"XADD", options_.dead_stream, "*", "id", e.id(), "type", e.type(),
                          "org", e.org_id(), "event", e.SerializeAsString(), "reason", reason,
                          "group", group, "entry_id", entry.entry_id, "deliveries",
                          absl::StrCat(entry.deliveries)},
                         {"XACK", options_.stream, group, entry.entry_id},
                         {"EXEC"}}));
  const Reply& exec = replies.back();
  if (!exec.is_array()) {
    return absl::InternalError(absl::StrCat("redis ", client_->address(),
                                            ": dead-lettering ", entry.entry_id,
                                            ": transaction aborted"));
  }
  for (const Reply& r : exec.elements) {
    if (r.is_error()) {
      return absl::InternalError(absl::StrCat("redis ", client_->address(), ": dead-lettering ",
                                              entry.entry_id, ": ", r.str));
    }
  }
  return absl::OkStatus();
}

}  // namespace opsuite::events
