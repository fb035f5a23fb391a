// Etags: every mutable resource carries its row version as an opaque etag; an update that
// names a stale one fails ABORTED (DESIGN.md §4).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace opsuite::storage {

// The etag of `version` ("3" for version 3); etags are opaque to clients.
std::string EtagOf(int64_t version);
// ABORTED when `etag` is set and is not the etag of `version`.
absl::Status CheckEtag(absl::string_view etag, int64_t version, absl::string_view what);
// The version in an etag made by EtagOf (0 when it is not one).
int64_t VersionOfEtag(absl::string_view etag);

}  // namespace opsuite::storage
