// The scoring module: what `--target=scoring` (or all) runs.
#pragma once

#include "common/server/module.h"

namespace opsuite::scoring {

server::ModuleSpec ScoringModule();

}  // namespace opsuite::scoring
