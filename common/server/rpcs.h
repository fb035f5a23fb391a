// The RPCs of the suite's five API packages (planning, crm, scoring, notify, scheduler), read
// from the generated descriptor pool: an RPC is listed as soon as its service is linked in. For
// the checks that must cover every RPC (the authorization matrix, the request fuzzer).
//
//   for (const auto* m : server::SuiteRpcs()) {
//     if (!m->client_streaming() && !m->server_streaming()) Check(m);
//   }
#pragma once

#include <vector>

#include "google/protobuf/descriptor.h"

namespace opsuite::server {

// Unary and streaming, sorted by full name ("opsuite.crm.v1.CustomerService.GetCustomer").
std::vector<const google::protobuf::MethodDescriptor*> SuiteRpcs();

}  // namespace opsuite::server
