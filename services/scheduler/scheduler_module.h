// The scheduler module: what `--target=scheduler` (or all) runs.
#pragma once

#include "common/server/module.h"

namespace opsuite::scheduler {

server::ModuleSpec SchedulerModule();

// Tests: runs one tick of every scheduler in this process now, on the calling thread (after
// moving a FakeClock), refreshing each one's lease first. Returns when the runs that tick
// fired are recorded.
void TickSchedulersForTest();

}  // namespace opsuite::scheduler
