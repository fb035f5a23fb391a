// opsuite: every service in one process (the embedded default). `--target` picks modules.
#include "common/server/server.h"
#include "services/crm/crm_module.h"
#include "services/gateway/gateway_module.h"
#include "services/notify/notify_module.h"
#include "services/planning/planning_module.h"
#include "services/scheduler/scheduler_module.h"
#include "services/scoring/scoring_module.h"

int main(int argc, char** argv) {
  return opsuite::server::Main(
      {opsuite::planning::PlanningModule(), opsuite::crm::CrmModule(),
       opsuite::scoring::ScoringModule(), opsuite::notify::NotifyModule(),
       opsuite::scheduler::SchedulerModule(), opsuite::gateway::GatewayModule()},
      argc, argv);
}
