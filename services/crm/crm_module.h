// The crm module: what `--target=crm` (or all) runs.
#pragma once

#include "common/server/module.h"

namespace opsuite::crm {

server::ModuleSpec CrmModule();

}  // namespace opsuite::crm
