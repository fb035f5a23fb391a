// The transactional outbox (DESIGN.md §6): a service appends events in the same transaction
// as the change they describe; an OutboxRelay (common/events/outbox_relay.h) publishes them
// to the stream and marks them sent. Nothing is lost while the stream is unreachable.
//
//   db.Write([&](Tx& tx) -> absl::Status {
//     RETURN_IF_ERROR(SaveCard(tx, card));
//     return AppendOutbox(tx, MakeEvent(...));
//   });
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/database.h"
#include "opsuite/common/v1/event.pb.h"

namespace opsuite::storage {

struct OutboxRow {
  int64_t seq = 0;  // increasing in commit order
  ::opsuite::common::v1::Event event;
};

absl::Status AppendOutbox(Tx& tx, const ::opsuite::common::v1::Event& event);
// The oldest unsent rows, at most `limit`, in `seq` order.
absl::StatusOr<std::vector<OutboxRow>> FetchUnsentOutbox(Database& db, int limit);
absl::Status MarkOutboxSent(Database& db, const std::vector<int64_t>& seqs);
// How many rows wait to be sent.
absl::StatusOr<int64_t> CountUnsentOutbox(Database& db);

}  // namespace opsuite::storage
