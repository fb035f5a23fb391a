#include "services/planning/domain/report_rules.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace opsuite::planning {
namespace {

using ::opsuite::planning::v1::REPORT_KIND_DAILY;
using ::opsuite::planning::v1::REPORT_KIND_MONTHLY;
using ::opsuite::planning::v1::REPORT_KIND_WEEKLY;

constexpr char kDefaultDailyDeadline[] = "21:00";    // 003:365 每天晚上9點前
constexpr char kDefaultWeeklyDeadline[] = "18:00";   // 003:368 每周六晚6點前
constexpr char kDefaultMonthlyDeadline[] = "18:00";  // end of the working day, month end
constexpr int kDefaultWeeklyWeekday = 6;             // Saturday (003:368)

// Debian's Abseil has its own absl::string_view, distinct from std::string_view.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsIsoWeekday(int64_t d) { return d >= 1 && d <= 7; }

absl::CivilDay LastDayOfMonth(absl::CivilDay day) {
  return absl::CivilDay(absl::CivilMonth(day) + 1) - 1;
}

// The kind's deadline time of day, or the default's if the policy's does not parse.
TimeOfDay DeadlineTime(const ReportPolicy& policy, ReportKind kind) {
  std::string_view text;
  std::string_view fallback;
  switch (kind) {
    case REPORT_KIND_WEEKLY:
      text = policy.weekly_deadline();
      fallback = kDefaultWeeklyDeadline;
      break;
    case REPORT_KIND_MONTHLY:
      text = policy.monthly_deadline();
      fallback = kDefaultMonthlyDeadline;
      break;
    default:
      text = policy.daily_deadline();
      fallback = kDefaultDailyDeadline;
      break;
  }
  absl::StatusOr<TimeOfDay> t = ParseTimeOfDay(text, "");
  return t.ok() ? *t : *ParseTimeOfDay(fallback, "");
}

bool IsKnownKind(ReportKind kind) {
  return kind == REPORT_KIND_DAILY || kind == REPORT_KIND_WEEKLY || kind == REPORT_KIND_MONTHLY;
}

}  // namespace

ReportPolicy DefaultReportPolicy() {
  ReportPolicy p;
  p.set_daily_deadline(kDefaultDailyDeadline);
  for (int d = 1; d <= 5; ++d) p.add_daily_weekdays(d);  // working days; weekends not due
  p.set_weekly_deadline_weekday(kDefaultWeeklyWeekday);
  p.set_weekly_deadline(kDefaultWeeklyDeadline);
  p.set_monthly_deadline(kDefaultMonthlyDeadline);
  p.set_weekly_required(true);
  // The seeds ask for monthly plans from departments (003:75), not a monthly report from
  // every employee, so it is opt-in.
  p.set_monthly_required(false);
  return p;
}

absl::StatusOr<TimeOfDay> ParseTimeOfDay(std::string_view text, std::string_view field) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (text.size() == 5 && digit(text[0]) && digit(text[1]) && text[2] == ':' && digit(text[3]) &&
      digit(text[4])) {
    const int hour = (text[0] - '0') * 10 + (text[1] - '0');
    const int minute = (text[3] - '0') * 10 + (text[4] - '0');
    if (hour <= 23 && minute <= 59) return TimeOfDay{hour, minute};
  }
  return InvalidField(std::string(field),
                      absl::StrCat("must be a time HH:MM from 00:00 to 23:59, got \"",
                                   Av(text.substr(0, 40)), "\""));
}

absl::Status ValidateReportPolicy(const ReportPolicy& policy) {
  FieldViolations violations;
  auto check_time = [&violations](std::string_view text, std::string_view field) {
    if (!ParseTimeOfDay(text, field).ok()) {
      violations.Add(std::string(field),
                     absl::StrCat("must be a time HH:MM from 00:00 to 23:59, got \"",
                                  Av(text.substr(0, 40)), "\""));
    }
  };
  check_time(policy.daily_deadline(), "daily_deadline");
  check_time(policy.weekly_deadline(), "weekly_deadline");
  check_time(policy.monthly_deadline(), "monthly_deadline");
  std::set<int> seen;
  for (int i = 0; i < policy.daily_weekdays_size(); ++i) {
    const int d = policy.daily_weekdays(i);
    const std::string field = absl::StrCat("daily_weekdays[", i, "]");
    if (!IsIsoWeekday(d)) {
      violations.Add(field,
                     absl::StrCat("must be an ISO weekday 1 (Monday) to 7 (Sunday), got ", d));
    } else if (!seen.insert(d).second) {
      violations.Add(field, absl::StrCat("weekday ", d, " is listed twice"));
    }
  }
  if (!IsIsoWeekday(policy.weekly_deadline_weekday())) {
    violations.Add("weekly_deadline_weekday",
                   absl::StrCat("must be an ISO weekday 1 (Monday) to 7 (Sunday), got ",
                                policy.weekly_deadline_weekday()));
  }
  return violations.ToStatus();
}

absl::StatusOr<absl::CivilDay> NormalizePeriodDate(ReportKind kind, absl::CivilDay day) {
  switch (kind) {
    case REPORT_KIND_DAILY:
      return day;
    case REPORT_KIND_WEEKLY:
      if (IsoWeekday(day) != 1) {
        return InvalidField("period_date",
                            absl::StrCat(FormatDate(day),
                                         " is not a Monday; a weekly report's period_date is the "
                                         "Monday of its ISO week (",
                                         FormatDate(IsoWeekStart(day)), ")"));
      }
      return day;
    case REPORT_KIND_MONTHLY:
      if (day.day() != 1) {
        return InvalidField(
            "period_date",
            absl::StrCat(FormatDate(day),
                         " is not the first of a month; a monthly report's "
                         "period_date is the first of its month (",
                         FormatDate(AlignDown(common::v1::GRANULARITY_MONTH, day)), ")"));
      }
      return day;
    default:
      return InvalidField("kind", kind == v1::REPORT_KIND_UNSPECIFIED
                                      ? "is required (DAILY, WEEKLY or MONTHLY)"
                                      : absl::StrCat("must be DAILY, WEEKLY or MONTHLY, got ",
                                                     static_cast<int>(kind)));
  }
}

absl::CivilDay DeadlineDay(const ReportPolicy& policy, ReportKind kind,
                           absl::CivilDay period_date) {
  switch (kind) {
    case REPORT_KIND_WEEKLY: {
      const int weekday = IsIsoWeekday(policy.weekly_deadline_weekday())
                              ? policy.weekly_deadline_weekday()
                              : kDefaultWeeklyWeekday;
      return IsoWeekStart(period_date) + (weekday - 1);
    }
    case REPORT_KIND_MONTHLY:
      return LastDayOfMonth(period_date);
    default:
      return period_date;
  }
}

absl::Time Deadline(const ReportPolicy& policy, ReportKind kind, absl::CivilDay period_date,
                    const absl::TimeZone& tz) {
  if (!IsKnownKind(kind)) return absl::InfiniteFuture();
  const absl::CivilDay day = DeadlineDay(policy, kind, period_date);
  const TimeOfDay t = DeadlineTime(policy, kind);
  // FromCivil resolves a skipped wall time to the transition and a repeated one to its first
  // occurrence; see the header.
  return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), t.hour, t.minute, 0),
                         tz);
}

bool IsLate(absl::Time submitted, absl::Time deadline) { return submitted > deadline; }

std::vector<absl::CivilDay> DuePeriods(const ReportPolicy& policy, ReportKind kind, DateRange range,
                                       absl::Time now, const absl::TimeZone& tz) {
  std::vector<absl::CivilDay> due;
  if (range.last < range.first) return due;
  // Deadlines grow with the period, so the scan stops at the first one not yet passed.
  auto passed = [&](absl::CivilDay period) { return Deadline(policy, kind, period, tz) < now; };
  switch (kind) {
    case REPORT_KIND_DAILY: {
      std::set<int> weekdays(policy.daily_weekdays().begin(), policy.daily_weekdays().end());
      if (weekdays.empty()) return due;
      for (absl::CivilDay d = range.first; d <= range.last && passed(d); ++d) {
        if (weekdays.count(IsoWeekday(d))) due.push_back(d);
      }
      break;
    }
    case REPORT_KIND_WEEKLY:
      if (!policy.weekly_required()) return due;
      for (absl::CivilDay monday = IsoWeekStart(range.first); monday <= range.last; monday += 7) {
        const absl::CivilDay deadline_day = DeadlineDay(policy, kind, monday);
        if (deadline_day < range.first) continue;
        if (deadline_day > range.last || !passed(monday)) break;
        due.push_back(monday);
      }
      break;
    case REPORT_KIND_MONTHLY:
      if (!policy.monthly_required()) return due;
      for (absl::CivilMonth month(range.first); absl::CivilDay(month) <= range.last; ++month) {
        const absl::CivilDay first(month);
        const absl::CivilDay last = LastDayOfMonth(first);
        if (last < range.first) continue;
        if (last > range.last || !passed(first)) break;
        due.push_back(first);
      }
      break;
    default:
      break;
  }
  return due;
}

ComplianceCounts CountCompliance(const std::vector<absl::CivilDay>& due,
                                 const std::map<absl::CivilDay, bool>& submitted_late) {
  ComplianceCounts c;
  for (absl::CivilDay period : due) {
    ++c.expected;
    auto it = submitted_late.find(period);
    if (it == submitted_late.end()) {
      ++c.missing;
    } else if (it->second) {
      ++c.late;
    }
  }
  return c;
}

void SetCompliance(ReportKind kind, const ComplianceCounts& counts, ReportCompliance* out) {
  switch (kind) {
    case REPORT_KIND_DAILY:
      out->set_daily_expected(counts.expected);
      out->set_daily_missing(counts.missing);
      out->set_daily_late(counts.late);
      break;
    case REPORT_KIND_WEEKLY:
      out->set_weekly_expected(counts.expected);
      out->set_weekly_missing(counts.missing);
      out->set_weekly_late(counts.late);
      break;
    case REPORT_KIND_MONTHLY:
      out->set_monthly_expected(counts.expected);
      out->set_monthly_missing(counts.missing);
      out->set_monthly_late(counts.late);
      break;
    default:
      break;
  }
}

}  // namespace opsuite::planning
