// opsuite-gateway: the HTTP/JSON gateway alone (`opsuite --target=gateway` in one binary).
// Name where each service runs: --peers=planning=HOST:PORT,crm=HOST:PORT,...
#include "common/server/server.h"
#include "services/gateway/gateway_module.h"

int main(int argc, char** argv) {
  return opsuite::server::Main({opsuite::gateway::GatewayModule()}, argc, argv);
}
