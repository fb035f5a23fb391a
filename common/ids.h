// Server-assigned ids and opaque page tokens.
//
// Ids are "<prefix>_" + 26 Crockford base32 characters: 48 bits of milliseconds then 80
// random bits (a ULID), so ids sort by creation time and keyset pagination on id stays
// correct while rows are inserted.
//
//   std::string id = NewId("emp");                   // "emp_01JD6Q3..."
//   std::string token = EncodePageToken("emp_01JD6Q3...");
//   ASSIGN_OR_RETURN(std::string after, DecodePageToken(req.page_token()));
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace opsuite {

std::string NewId(absl::string_view prefix, absl::Time now = absl::Now());

// Page tokens carry the last key served; they are opaque (base64url) to clients.
std::string EncodePageToken(absl::string_view last_key);
// INVALID_ARGUMENT naming `page_token` when it was not made by EncodePageToken.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token);

// A batch of ids: at most `max`, none empty. INVALID_ARGUMENT names `field` or `field[i]`.
absl::Status CheckIdList(const google::protobuf::RepeatedPtrField<std::string>& ids,
                         absl::string_view field, int max = 1000);

// page_size 0 -> `fallback`; negative -> INVALID_ARGUMENT; above `max` -> `max`.
absl::StatusOr<int> PageSize(int requested, int fallback = 100, int max = 1000);

}  // namespace opsuite
