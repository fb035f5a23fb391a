#include "services/crm/domain/credit_rules.h"

#include <algorithm>
#include <string>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace opsuite::crm {
namespace {

// Formats any amount of cents that fits in 128 bits (sums of two int64 always do).
std::string FormatCents(absl::int128 cents) {
  const bool negative = cents < 0;
  absl::uint128 magnitude =
      negative ? absl::uint128(0) - static_cast<absl::uint128>(cents) : absl::uint128(cents);
  const int fraction = static_cast<int>(absl::Uint128Low64(magnitude % 100));
  magnitude /= 100;
  std::string digits;  // the integer part, least significant digit first
  do {
    if (digits.size() % 4 == 3) digits.push_back(',');
    digits.push_back(static_cast<char>('0' + absl::Uint128Low64(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  std::reverse(digits.begin(), digits.end());
  return absl::StrCat(negative ? "-" : "", digits, ".", fraction < 10 ? "0" : "", fraction);
}

}  // namespace

std::string FormatMoney(int64_t cents) { return FormatCents(absl::int128(cents)); }

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
                   FormatCents(total)));
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
                               " paid = ", FormatCents(open)));
  }
  return absl::OkStatus();
}

}  // namespace opsuite::crm
