#include "common/period.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"

namespace opsuite {

const absl::TimeZone& DefaultOrgZone() {
  static const absl::TimeZone* zone = [] {
    auto* tz = new absl::TimeZone();
    if (!absl::LoadTimeZone("Asia/Shanghai", tz)) *tz = absl::FixedTimeZone(8 * 3600);
    return tz;
  }();
  return *zone;
}
namespace {


// Echoing a client's text back is helpful, echoing a megabyte of it is not.
constexpr size_t kMaxEchoedChars = 40;

std::string Echo(std::string_view text) {
  if (text.size() <= kMaxEchoedChars) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, kMaxEchoedChars)) + "...\"";
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int Digits(std::string_view text) {
  int n = 0;
  for (char c : text) n = n * 10 + (c - '0');
  return n;
}

// Why a day cannot start a period of `granularity`, in words a client can act on.
std::string AlignmentRule(Granularity granularity) {
  switch (granularity) {
    case GRANULARITY_YEAR:
      return "years start on Jan 1";
    case GRANULARITY_HALF:
      return "halves start on Jan 1 and Jul 1";
    case GRANULARITY_QUARTER:
      return "quarters start on Jan 1, Apr 1, Jul 1, Oct 1";
    case GRANULARITY_MONTH:
      return "months start on the 1st";
    case GRANULARITY_WEEK:
      return "ISO weeks start on a Monday";
    default:
      return "";
  }
}

}  // namespace

absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, std::string_view field) {
  // Strict: exactly YYYY-MM-DD. absl::ParseCivilTime would accept "2026-2-30" style inputs
  // and normalise impossible days, which would silently move a client's period.
  bool shape_ok = text.size() == 10 && text[4] == '-' && text[7] == '-';
  for (size_t i = 0; shape_ok && i < text.size(); ++i) {
    if (i != 4 && i != 7 && !IsDigit(text[i])) shape_ok = false;
  }
  if (!shape_ok) {
    if (text.empty()) return InvalidField(std::string(field), "is required (YYYY-MM-DD)");
    return InvalidField(std::string(field),
                        absl::StrCat("must be a date YYYY-MM-DD, got ", Echo(text)));
  }
  const int year = Digits(text.substr(0, 4));
  const int month = Digits(text.substr(5, 2));
  const int day = Digits(text.substr(8, 2));
  const absl::CivilDay parsed(year, month, day);
  // CivilDay normalises out-of-range fields (Feb 30 -> Mar 2); a real day round-trips.
  if (year < 1 || parsed.year() != year || parsed.month() != month || parsed.day() != day) {
    return InvalidField(std::string(field), absl::StrCat(Echo(text), " is not a calendar day"));
  }
  return parsed;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

int IsoWeekday(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
    case absl::Weekday::sunday:
      return 7;
  }
  return 1;  // unreachable: every Weekday is handled above
}

absl::CivilDay IsoWeekStart(absl::CivilDay day) { return day - (IsoWeekday(day) - 1); }

absl::CivilDay AlignDown(Granularity granularity, absl::CivilDay day) {
  switch (granularity) {
    case GRANULARITY_YEAR:
      return absl::CivilDay(day.year(), 1, 1);
    case GRANULARITY_HALF:
      return absl::CivilDay(day.year(), day.month() <= 6 ? 1 : 7, 1);
    case GRANULARITY_QUARTER:
      return absl::CivilDay(day.year(), (day.month() - 1) / 3 * 3 + 1, 1);
    case GRANULARITY_MONTH:
      return absl::CivilDay(day.year(), day.month(), 1);
    case GRANULARITY_WEEK:
      return IsoWeekStart(day);
    default:
      // DAY, and unknown values (which PeriodRange rejects): every day starts itself.
      return day;
  }
}

absl::CivilDay NextPeriodStart(Granularity granularity, absl::CivilDay start) {
  const absl::CivilDay aligned = AlignDown(granularity, start);
  const absl::CivilMonth month(aligned);
  switch (granularity) {
    case GRANULARITY_YEAR:
      return absl::CivilDay(month + 12);
    case GRANULARITY_HALF:
      return absl::CivilDay(month + 6);
    case GRANULARITY_QUARTER:
      return absl::CivilDay(month + 3);
    case GRANULARITY_MONTH:
      return absl::CivilDay(month + 1);
    case GRANULARITY_WEEK:
      return aligned + 7;
    default:
      // DAY and unknown values: one day, so loops over periods always make progress.
      return aligned + 1;
  }
}

int GranularityRank(Granularity granularity) {
  switch (granularity) {
    case GRANULARITY_YEAR:
      return 0;
    case GRANULARITY_HALF:
      return 1;
    case GRANULARITY_QUARTER:
      return 2;
    case GRANULARITY_MONTH:
      return 3;
    case GRANULARITY_WEEK:
      return 4;
    case GRANULARITY_DAY:
      return 5;
    default:
      return -1;
  }
}

std::string GranularityName(Granularity granularity) {
  switch (granularity) {
    case GRANULARITY_YEAR:
      return "YEAR";
    case GRANULARITY_HALF:
      return "HALF";
    case GRANULARITY_QUARTER:
      return "QUARTER";
    case GRANULARITY_MONTH:
      return "MONTH";
    case GRANULARITY_WEEK:
      return "WEEK";
    case GRANULARITY_DAY:
      return "DAY";
    case GRANULARITY_UNSPECIFIED:
      return "UNSPECIFIED";
    default:
      return absl::StrCat("UNKNOWN(", static_cast<int>(granularity), ")");
  }
}

absl::StatusOr<DateRange> PeriodRange(const Period& period, std::string_view field) {
  // Both fields are checked before returning so a client sees every mistake at once.
  FieldViolations violations;
  const Granularity granularity = period.granularity();
  const bool granularity_ok = GranularityRank(granularity) >= 0;
  if (!granularity_ok) {
    violations.Add(std::string(field) + ".granularity",
                   granularity == GRANULARITY_UNSPECIFIED
                       ? "is required (YEAR, HALF, QUARTER, MONTH, WEEK or DAY)"
                       : absl::StrCat("must be YEAR, HALF, QUARTER, MONTH, WEEK or DAY, got ",
                                      static_cast<int>(granularity)));
  }
  const std::string date_field = std::string(field) + ".start_date";
  absl::StatusOr<absl::CivilDay> start = ParseDate(period.start_date(), date_field);
  if (!start.ok()) {
    // ParseDate's message is "<field>: <description>"; keep only the description.
    absl::string_view message = start.status().message();
    const std::string prefix = absl::StrCat(date_field, ": ");
    if (message.substr(0, prefix.size()) == prefix) message.remove_prefix(prefix.size());
    violations.Add(date_field, std::string(message));
  } else if (granularity_ok && AlignDown(granularity, *start) != *start) {
    violations.Add(
        date_field,
        absl::StrCat(FormatDate(*start), " is not the start of a ", GranularityName(granularity),
                     " (", AlignmentRule(granularity), "; the ", GranularityName(granularity),
                     " holding it starts on ", FormatDate(AlignDown(granularity, *start)), ")"));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return DateRange{*start, NextPeriodStart(granularity, *start) - 1};
}

}  // namespace opsuite
