// Idempotent creates and records: the first response to a `request_id` is stored in the
// same transaction as the change, and a repeat returns it without changing anything.
//
//   db.Write([&](Tx& tx) -> absl::Status {
//     ASSIGN_OR_RETURN(bool seen, LookupIdempotent(tx, org, "RecordActual", request_id, &out));
//     if (seen) return absl::OkStatus();
//     ... make the change, fill `out` ...
//     return RememberIdempotent(tx, org, "RecordActual", request_id, out);
//   });
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "common/storage/database.h"
#include "google/protobuf/message.h"

namespace opsuite::storage {

// True (and `*response` filled) when `request_id` was already served in `scope`.
// An empty request_id is never remembered.
absl::StatusOr<bool> LookupIdempotent(Tx& tx, absl::string_view org, absl::string_view scope,
                                      absl::string_view request_id,
                                      google::protobuf::Message* response);
absl::Status RememberIdempotent(Tx& tx, absl::string_view org, absl::string_view scope,
                                absl::string_view request_id,
                                const google::protobuf::Message& response);

}  // namespace opsuite::storage
