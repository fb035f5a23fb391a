// `--target=gateway`: the HTTP/JSON gateway as a module (in `opsuite --target=all` it serves
// the services of the same process; alone, it reaches them through --peers).
#pragma once

#include "absl/status/statusor.h"
#include "common/server/module.h"
#include "services/gateway/gateway.h"

namespace opsuite::gateway {

server::ModuleSpec GatewayModule();

// The gateway options from the --http_* / --web_dir / --cors_origins / --rate_* flags.
absl::StatusOr<GatewayOptions> GatewayOptionsFromFlags();

}  // namespace opsuite::gateway
