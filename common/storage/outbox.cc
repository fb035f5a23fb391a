#include "common/storage/outbox.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"

namespace opsuite::storage {

absl::Status AppendOutbox(Tx& tx, const ::opsuite::common::v1::Event& event) {
  return tx
      .Exec("INSERT INTO outbox (event_id, event, created_at) VALUES (?, ?, ?)",
            {event.id(), Blob{event.SerializeAsString()}, absl::ToUnixMillis(absl::Now())})
      .status();
}

absl::StatusOr<std::vector<OutboxRow>> FetchUnsentOutbox(Database& db, int limit) {
  std::vector<OutboxRow> out;
  std::vector<int64_t> corrupt;
  RETURN_IF_ERROR(db.Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT seq, event FROM outbox WHERE sent_at IS NULL "
                                         "ORDER BY seq LIMIT ?",
                                         {int64_t{limit}}));
    for (const Row& row : rows) {
      OutboxRow r;
      r.seq = row.Int(0);
      if (!r.event.ParseFromString(row.Text(1))) {
        corrupt.push_back(r.seq);
        continue;
      }
      out.push_back(std::move(r));
    }
    return absl::OkStatus();
  }));
  if (!corrupt.empty()) {
    // A row that does not parse would block every row behind it forever: park it (sent_at
    // -1 keeps it for inspection) and say so.
    for (int64_t seq : corrupt) {
      log::Error("outbox row does not parse; parked", {{"seq", seq}});
    }
    RETURN_IF_ERROR(db.Write([&](Tx& tx) -> absl::Status {
      for (int64_t seq : corrupt) {
        RETURN_IF_ERROR(tx.Exec("UPDATE outbox SET sent_at = -1 WHERE seq = ?", {seq}).status());
      }
      return absl::OkStatus();
    }));
  }
  return out;
}

absl::Status MarkOutboxSent(Database& db, const std::vector<int64_t>& seqs) {
  if (seqs.empty()) return absl::OkStatus();
  int64_t now = absl::ToUnixMillis(absl::Now());
  return db.Write([&](Tx& tx) -> absl::Status {
    for (int64_t seq : seqs) {
      RETURN_IF_ERROR(tx.Exec("UPDATE outbox SET sent_at = ? WHERE seq = ?", {now, seq}).status());
    }
    // Sent rows are kept for a day for inspection, then dropped.
    return tx
        .Exec("DELETE FROM outbox WHERE sent_at > 0 AND sent_at < ?",
              {now - int64_t{24} * 3600 * 1000})
        .status();
  });
}

absl::StatusOr<int64_t> CountUnsentOutbox(Database& db) {
  int64_t count = 0;
  RETURN_IF_ERROR(db.Read([&](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL", {}));
    count = rows.empty() ? 0 : rows[0].Int(0);
    return absl::OkStatus();
  }));
  return count;
}

}  // namespace opsuite::storage
