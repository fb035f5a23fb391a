#include "services/crm/customer_text.h"

#include "absl/strings/str_cat.h"
#include "common/storage/etag.h"
#include "common/timestamps.h"

namespace opsuite::crm {

std::string NameKey(const TextFolder& folder, const v1::Customer& customer) {
  return NormalizedName(folder, customer.name());
}

std::string SearchText(const TextFolder& folder, const v1::Customer& customer) {
  std::string out = folder.Fold(customer.name());
  for (const v1::Contact& contact : customer.contacts()) {
    absl::StrAppend(&out, "\x1f", folder.Fold(contact.name()));
  }
  return out;
}

absl::Status SaveChangedCustomer(storage::Tx& tx, const TextFolder& folder,
                                 const std::string& org, CustomerRow& row, absl::Time now) {
  row.version += 1;
  row.customer.set_etag(storage::EtagOf(row.version));
  *row.customer.mutable_update_time() = ToProto(now);
  return SaveCustomer(tx, org, row, NameKey(folder, row.customer),
                      SearchText(folder, row.customer), /*insert=*/false);
}

}  // namespace opsuite::crm
