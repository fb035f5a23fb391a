#include "common/storage/etag.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace opsuite::storage {

std::string EtagOf(int64_t version) { return absl::StrCat(version); }

int64_t VersionOfEtag(absl::string_view etag) {
  int64_t v = 0;
  return absl::SimpleAtoi(etag, &v) ? v : 0;
}

absl::Status CheckEtag(absl::string_view etag, int64_t version, absl::string_view what) {
  if (etag.empty() || VersionOfEtag(etag) == version) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat(what, " changed since it was read (etag ", etag,
                                         ", now ", EtagOf(version), "); read it again and retry"));
}

}  // namespace opsuite::storage
