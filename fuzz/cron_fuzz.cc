// The scheduler's cron parser and its fire-time search, from any text.
// Properties: parsing never crashes; a parsed expression's normalized text parses to the same
// expression; in three time zones, Next(t) is after t, Previous(t) is not after t, and a fire
// time is its own Previous.
#include <cstdint>

#include "absl/time/time.h"
#include "fuzz/check.h"
#include "services/scheduler/domain/cron.h"

namespace {

using opsuite::scheduler::Cron;

bool Same(const Cron& a, const Cron& b) {
  return a.minutes == b.minutes && a.hours == b.hours && a.days_of_month == b.days_of_month &&
         a.months == b.months && a.days_of_week == b.days_of_week &&
         a.day_of_month_star == b.day_of_month_star && a.day_of_week_star == b.day_of_week_star;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return 0;  // a cron line is short; longer inputs only repeat list items
  auto cron = opsuite::scheduler::ParseCron(opsuite::fuzz::AsText(data, size));
  if (!cron.ok()) {
    FUZZ_CHECK(cron.status().code() == absl::StatusCode::kInvalidArgument, "%s",
               cron.status().ToString().c_str());
    return 0;
  }
  auto again = opsuite::scheduler::ParseCron(cron->text);
  FUZZ_CHECK(again.ok() && Same(*cron, *again), "normalized text \"%s\" does not parse back",
             cron->text.c_str());

  static const absl::TimeZone* zones = [] {
    static absl::TimeZone z[3];
    absl::LoadTimeZone("UTC", &z[0]);
    absl::LoadTimeZone("Asia/Shanghai", &z[1]);
    absl::LoadTimeZone("America/New_York", &z[2]);  // has DST gaps and repeats
    return z;
  }();
  // 2026-03-08 06:59 UTC: a minute before New York springs forward; 2026-11-01: falls back.
  const absl::Time instants[] = {absl::FromUnixSeconds(1772953140),
                                 absl::FromUnixSeconds(1793509200),
                                 absl::FromUnixSeconds(1798761599)};  // 2026-12-31 23:59:59
  for (int z = 0; z < 3; ++z) {
    for (absl::Time t : instants) {
      absl::Time next = opsuite::scheduler::Next(*cron, t, zones[z]);
      FUZZ_CHECK(next > t, "Next is not after the start (%s)", cron->text.c_str());
      absl::Time prev = opsuite::scheduler::Previous(*cron, t, zones[z]);
      FUZZ_CHECK(prev <= t, "Previous is after the start (%s)", cron->text.c_str());
      if (next != absl::InfiniteFuture()) {
        absl::Time self = opsuite::scheduler::Previous(*cron, next, zones[z]);
        FUZZ_CHECK(self == next, "the fire time %s is not its own Previous (%s) in %s",
                   absl::FormatTime(next).c_str(), cron->text.c_str(), zones[z].name().c_str());
      }
    }
  }
  return 0;
}
