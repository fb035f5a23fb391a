// The notify module: what `--target=notify` (or all) runs.
#pragma once

#include "common/server/module.h"

namespace opsuite::notify {

server::ModuleSpec NotifyModule();

}  // namespace opsuite::notify
