// Calendar days and periods (opsuite.common.v1.Period) shared by every service.
//
//   ASSIGN_OR_RETURN(absl::CivilDay d, ParseDate("2026-03-02", "date"));
//   ASSIGN_OR_RETURN(DateRange r, PeriodRange(period, "period"));   // validates alignment
//   FormatDate(r.last)  // "2026-03-31"
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "opsuite/common/v1/common.pb.h"

namespace opsuite {

using ::opsuite::common::v1::Granularity;
using ::opsuite::common::v1::Period;
using ::opsuite::common::v1::GRANULARITY_DAY;
using ::opsuite::common::v1::GRANULARITY_HALF;
using ::opsuite::common::v1::GRANULARITY_MONTH;
using ::opsuite::common::v1::GRANULARITY_QUARTER;
using ::opsuite::common::v1::GRANULARITY_UNSPECIFIED;
using ::opsuite::common::v1::GRANULARITY_WEEK;
using ::opsuite::common::v1::GRANULARITY_YEAR;

// An inclusive range of days.
struct DateRange {
  absl::CivilDay first;
  absl::CivilDay last;
  int64_t days() const { return last - first + 1; }
  bool Contains(absl::CivilDay d) const { return d >= first && d <= last; }
  friend bool operator==(const DateRange&, const DateRange&) = default;
};

// The zone an org's "today" is counted in until orgs carry their own: Asia/Shanghai (UTC+8),
// the seeds' zone. Falls back to a fixed UTC+8 when the zone database is missing.
const absl::TimeZone& DefaultOrgZone();

// Strict YYYY-MM-DD (a real calendar day). INVALID_ARGUMENT names `field`.
absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, std::string_view field);
std::string FormatDate(absl::CivilDay day);

// 1 (Monday) .. 7 (Sunday).
int IsoWeekday(absl::CivilDay day);
// The Monday of the ISO week holding `day`.
absl::CivilDay IsoWeekStart(absl::CivilDay day);

// The start of the period of `granularity` that contains `day`.
absl::CivilDay AlignDown(Granularity granularity, absl::CivilDay day);
// The first day after the period of `granularity` starting at `start`.
absl::CivilDay NextPeriodStart(Granularity granularity, absl::CivilDay start);

// 0 for YEAR .. 5 for DAY; a larger rank is finer. -1 for UNSPECIFIED/unknown values.
int GranularityRank(Granularity granularity);
// "YEAR", "QUARTER", ...
std::string GranularityName(Granularity granularity);

// Validates `period` (known granularity, a date aligned to it) and returns its days.
// Violations name `field`.granularity or `field`.start_date.
absl::StatusOr<DateRange> PeriodRange(const Period& period, std::string_view field);

}  // namespace opsuite
