// opsuite-planning: the planning service alone (`opsuite --target=planning` in one binary).
#include "common/server/server.h"
#include "services/planning/planning_module.h"

int main(int argc, char** argv) {
  return opsuite::server::Main({opsuite::planning::PlanningModule()}, argc, argv);
}
