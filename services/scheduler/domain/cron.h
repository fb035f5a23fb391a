// Five-field cron expressions and their fire times in a time zone (pure, no I/O).
//
//   ASSIGN_OR_RETURN(Cron cron, ParseCron("0 21 * * *", "job.cron"));
//   absl::Time next = Next(cron, now, tz);          // strictly after `now`
//   absl::Time last = Previous(cron, now, tz);      // the latest fire time <= `now`
//
// Fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC), day of
// week (0-7 or SUN-SAT; 0 and 7 are both Sunday). Each field is `*`, a value, a range `a-b`,
// a step `*/n` or `a-b/n` or `a/n` (a to the field's maximum), or a comma list of those.
// Names are case-insensitive and may be range ends (MON-FRI).
//
// Days (Vixie cron): when both day-of-month and day-of-week are restricted (neither field
// starts with `*`), a day matches if EITHER matches; otherwise both must (the `*` one always
// does). So "0 0 1,15 * MON" fires on the 1st, the 15th and every Monday.
//
// Time zones, through civil time: a fire time is a local wall-clock minute. A local time that
// does not exist (the hour skipped when clocks spring forward) fires once, at the instant the
// clocks jump (02:30 on a New York spring-forward day fires at 03:00 EDT; several skipped times
// and 03:00 itself fire that instant once). A local time that occurs twice (clocks fall back)
// fires once, at its first occurrence.
#pragma once

#include <bitset>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace opsuite::scheduler {

struct Cron {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // 1..31
  std::bitset<13> months;         // 1..12
  std::bitset<7> days_of_week;    // 0 (Sunday) .. 6 (Saturday)
  bool day_of_month_star = true;  // the field starts with `*` (unrestricted)
  bool day_of_week_star = true;
  std::string text;  // as parsed, fields separated by one space
};

// INVALID_ARGUMENT naming `field` and the part that is wrong, e.g.
// "job.cron: minute 61 is out of 0-59".
absl::StatusOr<Cron> ParseCron(absl::string_view text, absl::string_view field = "cron");

// Whether `day` is a fire day of `cron` (month, day of month and day of week).
bool MatchesDay(const Cron& cron, absl::CivilDay day);

// The first fire time strictly after `after`; absl::InfiniteFuture() when there is none in
// the next 10 years (cannot happen for an expression ParseCron accepted).
absl::Time Next(const Cron& cron, absl::Time after, const absl::TimeZone& tz);

// The latest fire time at or before `at`; absl::InfinitePast() when there is none in the 10
// years before. What a scheduler that was down compares with its last run (catch-up).
absl::Time Previous(const Cron& cron, absl::Time at, const absl::TimeZone& tz);

// The instant a local wall-clock minute fires at (see the time-zone rules above).
absl::Time FireInstant(absl::CivilMinute minute, const absl::TimeZone& tz);

}  // namespace opsuite::scheduler
