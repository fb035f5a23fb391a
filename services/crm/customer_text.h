// The folded text a customer row is stored with (crm_store.h SaveCustomer): the key of the
// duplicate guard and the search column ListCustomers' `query` matches against.
//
//   SaveCustomer(tx, org, row, NameKey(*ctx->folder, row.customer),
//                SearchText(*ctx->folder, row.customer), /*insert=*/false);
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "opsuite/crm/v1/customer.pb.h"
#include "services/crm/crm_store.h"
#include "services/crm/domain/search.h"

namespace opsuite::crm {

// The folded name (NormalizedName): one live customer per key and city.
std::string NameKey(const TextFolder& folder, const v1::Customer& customer);

// The folded customer name, then each contact's folded name, joined by "\x1f" (a control
// character no name holds, so a query cannot match across two names).
std::string SearchText(const TextFolder& folder, const v1::Customer& customer);

// Saves a changed customer under its next version: version + 1, its etag, update_time now,
// and the folded columns.
absl::Status SaveChangedCustomer(storage::Tx& tx, const TextFolder& folder,
                                 const std::string& org, CustomerRow& row, absl::Time now);

}  // namespace opsuite::crm
