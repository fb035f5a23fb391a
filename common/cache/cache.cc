#include "common/cache/cache.h"

#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace opsuite::cache {

std::string NewLease() {
  thread_local absl::BitGen gen;
  std::string lease(kLeasePrefix);
  absl::StrAppendFormat(&lease, "%016x", absl::Uniform<uint64_t>(gen));
  return lease;
}

std::string Key(std::string_view org, std::string_view svc, std::string_view type,
                std::string_view id, int schema) {
  // The org sits in a hash tag ({...}) so that one org's keys share a Redis Cluster slot.
  std::string schema_text = std::to_string(schema);
  std::string key;
  key.reserve(4 + org.size() + 2 + svc.size() + 1 + type.size() + 1 + id.size() + 2 +
              schema_text.size());
  key.append("ops:{").append(org).append("}:").append(svc).append(":").append(type);
  key.append(":").append(id).append(":v").append(schema_text);
  return key;
}

}  // namespace opsuite::cache
