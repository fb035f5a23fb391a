// A name for this process among its replicas: "host:pid:random" (stream consumers, leases,
// run history).
#pragma once

#include <string>

namespace opsuite::server {

std::string NewReplicaId();

}  // namespace opsuite::server
