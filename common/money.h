// Money as people read it: cents -> "12,345.67" (thousands separators, two decimals).
//
//   FormatMoney(5000000)  // "50,000.00"
#pragma once

#include <cstdint>
#include <string>

#include "absl/numeric/int128.h"

namespace opsuite {

std::string FormatMoney(int64_t cents);
// Any amount of cents that fits in 128 bits (a sum of two int64 amounts always does).
std::string FormatMoney128(absl::int128 cents);

}  // namespace opsuite
