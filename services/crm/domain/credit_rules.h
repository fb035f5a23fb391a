// Credit limits and payments (domain.md §2.7): marketing and finance agree each customer's
// credit account and limit (003:10); an order that would take the customer's open
// receivables (signed and not yet paid) over its limit is refused, and a payment may not
// exceed what is still open on its order. Money is integer cents everywhere.
//
//   RETURN_IF_ERROR(CheckCredit(customer.credit_limit(), customer.open_receivables(),
//                               request.amount(), customer.currency()));
//   RETURN_IF_ERROR(CheckPayment(request.amount(), order.amount(), order.paid()));
//   FormatMoney(5000000)  // "50,000.00"
//
// Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/money.h"

namespace opsuite::crm {

// Used when a customer has no currency.
inline constexpr absl::string_view kDefaultCurrency = "CNY";

using ::opsuite::FormatMoney;  // common/money.h

// Whether an order of `amount` cents may be created for a customer with `credit_limit` and
// `open_receivables` (both cents): open_receivables + amount must stay <= credit_limit (equal
// is allowed). Beyond it: FAILED_PRECONDITION giving the numbers, e.g. "credit limit 50,000.00
// CNY exceeded: open receivables 45,000.00 + this order 8,000.00 = 53,000.00". The sum is
// computed without overflow. `amount` <= 0 is INVALID_ARGUMENT on `amount`.
//
// A credit_limit of 0 means no limit has been set and nothing is checked: otherwise every
// customer created without a limit (the proto default) could not order at all, cash
// customers included. A negative limit is checked like any other (every order exceeds it).
// An empty `currency` reads as CNY.
absl::Status CheckCredit(int64_t credit_limit, int64_t open_receivables, int64_t amount,
                         absl::string_view currency);

// Whether a payment of `amount` cents may be recorded on an order of `order_amount` cents of
// which `paid_so_far` has been received: 0 < amount <= order_amount - paid_so_far. Otherwise
// INVALID_ARGUMENT on `amount` with the numbers (a fully paid order takes no more payments).
absl::Status CheckPayment(int64_t amount, int64_t order_amount, int64_t paid_so_far);

}  // namespace opsuite::crm
