#include "services/crm/customer_text.h"

#include "absl/strings/str_cat.h"

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

}  // namespace opsuite::crm
