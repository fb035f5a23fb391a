// A time zone for tests, loaded or the test fails naming it.
#pragma once

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace opsuite::testing {

inline absl::TimeZone Zone(const char* name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << name;
  return tz;
}

}  // namespace opsuite::testing
