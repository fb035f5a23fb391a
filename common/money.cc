#include "common/money.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace opsuite {

std::string FormatMoney128(absl::int128 cents) {
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

std::string FormatMoney(int64_t cents) { return FormatMoney128(absl::int128(cents)); }

}  // namespace opsuite
