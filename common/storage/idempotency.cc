#include "common/storage/idempotency.h"

#include "absl/time/clock.h"
#include "common/status.h"

namespace opsuite::storage {

absl::StatusOr<bool> LookupIdempotent(Tx& tx, absl::string_view org, absl::string_view scope,
                                      absl::string_view request_id,
                                      google::protobuf::Message* response) {
  if (request_id.empty()) return false;
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT response FROM idempotency WHERE org_id = ? AND "
                                       "scope = ? AND request_id = ?",
                                       {std::string(org), std::string(scope),
                                        std::string(request_id)}));
  if (rows.empty()) return false;
  if (!response->ParseFromString(rows[0].Text(0))) {
    return absl::DataLossError("a remembered response does not parse");
  }
  return true;
}

absl::Status RememberIdempotent(Tx& tx, absl::string_view org, absl::string_view scope,
                                absl::string_view request_id,
                                const google::protobuf::Message& response) {
  if (request_id.empty()) return absl::OkStatus();
  return tx
      .Exec("INSERT INTO idempotency (org_id, scope, request_id, response, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            {std::string(org), std::string(scope), std::string(request_id),
             Blob{response.SerializeAsString()}, absl::ToUnixMillis(absl::Now())})
      .status();
}

}  // namespace opsuite::storage
