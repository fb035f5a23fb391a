// opsuite-crm: the crm service alone (`opsuite --target=crm` in one binary). It asks planning
// for the org tree: give planning's address with --peers=planning=HOST:PORT.
#include "common/server/server.h"
#include "services/crm/crm_module.h"

int main(int argc, char** argv) {
  return opsuite::server::Main({opsuite::crm::CrmModule()}, argc, argv);
}
