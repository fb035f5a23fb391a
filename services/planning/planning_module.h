// The planning module: what `--target=planning` (or all) runs.
#pragma once

#include "common/server/module.h"

namespace opsuite::planning {

server::ModuleSpec PlanningModule();

}  // namespace opsuite::planning
