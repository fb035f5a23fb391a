// opsuite-scoring: the scoring service alone (`opsuite --target=scoring` in one binary). It
// reads its inputs from planning and crm: give their addresses with
// --peers=planning=HOST:PORT,crm=HOST:PORT.
#include "common/server/server.h"
#include "services/scoring/scoring_module.h"

int main(int argc, char** argv) {
  return opsuite::server::Main({opsuite::scoring::ScoringModule()}, argc, argv);
}
