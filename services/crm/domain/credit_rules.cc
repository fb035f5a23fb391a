#include "services/crm/domain/credit_rules.h"

#include <string>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "common/money.h"
#include "common/status.h"

namespace opsuite::crm {

absl::Status CheckCredit(int64_t credit_limit, int64_t open_receivables, int64_t amount,
                         absl::string_view currency) {
  if (amount <= 0) {
    return InvalidField("amount", absl::StrCat("must be more than 0 cents, got ", amount));
  }
  if (credit_limit == 0) return absl::OkStatus();  // no limit set; see the header
  const absl::int128 total = absl::int128(open_receivables) + absl::int128(amount);
  if (total <= absl::int128(credit_limit)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("credit limit ", FormatMoney(credit_limit), " ",
                   currency.empty() ? kDefaultCurrency : currency, " exceeded: open receivables ",
                   FormatMoney(open_receivables), " + this order ", FormatMoney(amount), " = ",
                   FormatMoney128(total)));
}

absl::Status CheckPayment(int64_t amount, int64_t order_amount, int64_t paid_so_far) {
  if (amount <= 0) {
    return InvalidField("amount", absl::StrCat("must be more than 0 cents, got ", amount));
  }
  const absl::int128 open = absl::int128(order_amount) - absl::int128(paid_so_far);
  if (open <= 0) {
    return InvalidField(
        "amount", absl::StrCat("the order is already paid in full (", FormatMoney(paid_so_far),
                               " of ", FormatMoney(order_amount), "); a payment of ",
                               FormatMoney(amount), " would over-pay it"));
  }
  if (absl::int128(amount) > open) {
    return InvalidField(
        "amount", absl::StrCat(FormatMoney(amount), " exceeds what is still open on the order: ",
                               FormatMoney(order_amount), " - ", FormatMoney(paid_so_far),
                               " paid = ", FormatMoney128(open)));
  }
  return absl::OkStatus();
}

}  // namespace opsuite::crm
