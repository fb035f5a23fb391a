#include "common/server/replica.h"

#include <limits.h>
#include <unistd.h>

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace opsuite::server {

std::string NewReplicaId() {
  char host[HOST_NAME_MAX + 1] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  absl::BitGen gen;
  return absl::StrCat(host[0] != '\0' ? host : "localhost", ":", getpid(), ":",
                      absl::StrFormat("%06x", absl::Uniform<uint32_t>(gen, 0, 1u << 24)));
}

}  // namespace opsuite::server
