// opsuite-scheduler: the scheduler service alone (`opsuite --target=scheduler` in one binary); peers'
// addresses come from --peers.
#include "common/server/server.h"
#include "services/scheduler/scheduler_module.h"

int main(int argc, char** argv) {
  return opsuite::server::Main({opsuite::scheduler::SchedulerModule()}, argc, argv);
}
