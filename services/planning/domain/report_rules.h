// Work-report deadlines and compliance: when a daily, weekly or monthly report is due in an
// employee's timezone, whether a submission was late, and which reports count as missing.
// Defaults come from the seeds: daily by 21:00 the same day (003:365), weekly by Saturday
// 18:00 (003:368), monthly by 18:00 on the month's last day (not required by default).
//
//   const ReportPolicy policy = DefaultReportPolicy();
//   ASSIGN_OR_RETURN(absl::CivilDay period, NormalizePeriodDate(REPORT_KIND_WEEKLY, day));
//   absl::Time due = Deadline(policy, REPORT_KIND_WEEKLY, period, tz);  // Sat 18:00 in tz
//   bool late = IsLate(submit_time, due);
//   std::vector<absl::CivilDay> expected =
//       DuePeriods(policy, REPORT_KIND_DAILY, month_range, now, tz);
//   SetCompliance(REPORT_KIND_DAILY, CountCompliance(expected, submitted), &compliance);
//
// Pure functions: no I/O; `now` and the zone are passed in.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/period.h"
#include "opsuite/planning/v1/report.pb.h"

namespace opsuite::planning {

using ::opsuite::planning::v1::ReportCompliance;
using ::opsuite::planning::v1::ReportKind;
using ::opsuite::planning::v1::ReportPolicy;

// Daily 21:00 on ISO weekdays 1-5, weekly Saturday (6) 18:00 and required, monthly 18:00 on
// the last day and not required.
ReportPolicy DefaultReportPolicy();

// A wall-clock time of day.
struct TimeOfDay {
  int hour = 0;
  int minute = 0;
  friend bool operator==(const TimeOfDay&, const TimeOfDay&) = default;
};

// Strict "HH:MM", 00:00 .. 23:59. INVALID_ARGUMENT names `field`.
absl::StatusOr<TimeOfDay> ParseTimeOfDay(std::string_view text, std::string_view field);

// Every field of a policy (after an update mask was applied): the three deadlines "HH:MM"
// (`daily_deadline`, `weekly_deadline`, `monthly_deadline`), daily weekdays 1..7 without
// repeats (`daily_weekdays[i]`), weekly_deadline_weekday 1..7. All violations at once.
absl::Status ValidateReportPolicy(const ReportPolicy& policy);

// The canonical period_date of a report: DAILY any day; WEEKLY the Monday of its ISO week;
// MONTHLY the first of the month. A day that is not canonical is INVALID_ARGUMENT on
// `period_date` (naming the day it should be); an unspecified or unknown kind on `kind`.
absl::StatusOr<absl::CivilDay> NormalizePeriodDate(ReportKind kind, absl::CivilDay day);

// The local day a report is due: DAILY the day itself; WEEKLY the day of the ISO week
// holding `period_date` whose ISO weekday is weekly_deadline_weekday; MONTHLY the last day of
// the month holding `period_date`.
absl::CivilDay DeadlineDay(const ReportPolicy& policy, ReportKind kind, absl::CivilDay period_date);

// The instant a report is due: DeadlineDay at the kind's deadline time, wall-clock in `tz`
// (absl::FromCivil, so the UTC offset is the one in force that day). A deadline on a
// wall-clock time that does not exist (inside a spring-forward DST gap, e.g. 02:30 in New
// York on 2026-03-08) is the instant the clocks jump (03:00 EDT); one that happens twice (the
// autumn fall-back hour) is its first occurrence. The policy should be valid; an unparsable
// time or weekday falls back to DefaultReportPolicy()'s. An unspecified or unknown kind is
// never due: absl::InfiniteFuture().
absl::Time Deadline(const ReportPolicy& policy, ReportKind kind, absl::CivilDay period_date,
                    const absl::TimeZone& tz);

// Late iff submitted strictly after the deadline: a report at 21:00:00 sharp is on time.
bool IsLate(absl::Time submitted, absl::Time deadline);

// The period dates (canonical, ascending) of the reports of `kind` that are required by
// `policy`, belong to `range` and whose deadline has passed by `now` (deadline < now, so a
// report is not missing at the very instant it is due). A period belongs to the range when
// its deadline day does: DAILY days whose ISO weekday is in daily_weekdays; WEEKLY (if
// weekly_required) the weeks whose deadline day is in the range; MONTHLY (if
// monthly_required) the months whose last day is in the range.
std::vector<absl::CivilDay> DuePeriods(const ReportPolicy& policy, ReportKind kind, DateRange range,
                                       absl::Time now, const absl::TimeZone& tz);

// Expected, missing and late reports of one kind.
struct ComplianceCounts {
  int32_t expected = 0;  // due periods (deadline passed)
  int32_t missing = 0;   // due periods with no report
  int32_t late = 0;      // due periods whose report came after the deadline
  friend bool operator==(const ComplianceCounts&, const ComplianceCounts&) = default;
};

// Counts `due` (from DuePeriods) against the reports submitted, keyed by period_date with
// their late flag. Reports for periods not in `due` (not yet due, or outside the range) are
// ignored.
ComplianceCounts CountCompliance(const std::vector<absl::CivilDay>& due,
                                 const std::map<absl::CivilDay, bool>& submitted_late);

// Writes `counts` into the `kind` fields of `out` (daily_*, weekly_* or monthly_*); an
// unspecified kind writes nothing.
void SetCompliance(ReportKind kind, const ComplianceCounts& counts, ReportCompliance* out);

}  // namespace opsuite::planning
