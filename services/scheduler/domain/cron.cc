#include "services/scheduler/domain/cron.h"

#include <array>
#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace opsuite::scheduler {
namespace {

constexpr int kSearchDays = 366 * 10;

struct FieldSpec {
  const char* name;  // "minute", as in messages
  int min;
  int max;  // the largest value accepted in the text (7 for day-of-week)
  const char* const* names = nullptr;  // names of min, min+1, ... (months, weekdays)
  int name_count = 0;
  const char* expected;  // what a value looks like, for messages
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, nullptr, 0, "0-59"},
    {"hour", 0, 23, nullptr, 0, "0-23"},
    {"day-of-month", 1, 31, nullptr, 0, "1-31"},
    {"month", 1, 12, kMonthNames, 12, "1-12 or JAN-DEC"},
    {"day-of-week", 0, 7, kDayNames, 7, "0-7 or SUN-SAT"},
};

// One value of a field: a number or (months, weekdays) a name.
absl::StatusOr<int> ParseValue(const FieldSpec& spec, absl::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(spec.name, " has an empty value"));
  }
  int value = 0;
  if (absl::ascii_isdigit(static_cast<unsigned char>(text[0]))) {
    if (!absl::SimpleAtoi(text, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(spec.name, " \"", text, "\" is not a number (", spec.expected, ")"));
    }
  } else {
    if (spec.name_count == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(spec.name, " \"", text, "\" is not a number (", spec.expected, ")"));
    }
    const std::string upper = absl::AsciiStrToUpper(text);
    for (int i = 0; i < spec.name_count; ++i) {
      if (upper == spec.names[i]) return spec.min + i;
    }
    return absl::InvalidArgumentError(
        absl::StrCat(spec.name, " \"", text, "\" is not a ", spec.name, " (", spec.expected, ")"));
  }
  if (value < spec.min || value > spec.max) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec.name, " ", value, " is out of ", spec.min, "-", spec.max));
  }
  return value;
}

// One field into the values it allows (indexes into `out`, sized max + 1).
absl::Status ParseField(const FieldSpec& spec, absl::string_view text, std::vector<bool>* out) {
  out->assign(static_cast<size_t>(spec.max) + 1, false);
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    if (item.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(spec.name, " list \"", text, "\" has an empty item"));
    }
    absl::string_view base = item;
    int step = 1;
    bool stepped = false;
    if (size_t slash = item.find('/'); slash != absl::string_view::npos) {
      base = item.substr(0, slash);
      absl::string_view step_text = item.substr(slash + 1);
      if (!absl::SimpleAtoi(step_text, &step) || step < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            spec.name, " step \"", step_text, "\" in \"", item, "\" must be a whole number >= 1"));
      }
      if (step > spec.max) {
        return absl::InvalidArgumentError(absl::StrCat(spec.name, " step ", step, " in \"", item,
                                                       "\" is larger than ", spec.max));
      }
      stepped = true;
    }
    int first = spec.min;
    int last = spec.max;
    if (base == "*") {
      if (&spec == &kFields[4]) last = 6;  // */2 over the week, not over 0-7
    } else if (size_t dash = base.find('-'); dash != absl::string_view::npos) {
      auto a = ParseValue(spec, base.substr(0, dash));
      if (!a.ok()) return a.status();
      auto b = ParseValue(spec, base.substr(dash + 1));
      if (!b.ok()) return b.status();
      first = *a;
      last = *b;
      if (first > last) {
        return absl::InvalidArgumentError(
            absl::StrCat(spec.name, " range \"", base, "\" runs backwards"));
      }
    } else {
      auto a = ParseValue(spec, base);
      if (!a.ok()) return a.status();
      first = *a;
      last = stepped ? spec.max : *a;  // "5/15": from 5 to the end, every 15
      if (stepped && &spec == &kFields[4]) last = 6;
    }
    for (int v = first; v <= last; v += step) (*out)[static_cast<size_t>(v)] = true;
  }
  return absl::OkStatus();
}

template <size_t N>
void Fill(const std::vector<bool>& values, std::bitset<N>* bits) {
  for (size_t i = 0; i < values.size() && i < N; ++i) {
    if (values[i]) bits->set(i);
  }
}

int DaysIn(int month) {
  static constexpr std::array<int, 13> kDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[static_cast<size_t>(month)];
}

// The nicknames cron implementations accept for common schedules.
absl::string_view Nickname(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "@yearly" || lower == "@annually") return "0 0 1 1 *";
  if (lower == "@monthly") return "0 0 1 * *";
  if (lower == "@weekly") return "0 0 * * 0";
  if (lower == "@daily" || lower == "@midnight") return "0 0 * * *";
  if (lower == "@hourly") return "0 * * * *";
  return "";
}

}  // namespace

absl::StatusOr<Cron> ParseCron(absl::string_view text, absl::string_view field) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (!trimmed.empty() && trimmed[0] == '@') {
    absl::string_view expanded = Nickname(trimmed);
    if (expanded.empty()) {
      return InvalidField(std::string(field),
                          absl::StrCat("\"", trimmed,
                                       "\" is not a known nickname (@yearly, @monthly, @weekly, "
                                       "@daily, @hourly)"));
    }
    trimmed = expanded;
  }
  std::vector<absl::string_view> parts =
      absl::StrSplit(trimmed, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (parts.size() != 5) {
    return InvalidField(std::string(field),
                        absl::StrCat("expected 5 fields (minute hour day-of-month month "
                                     "day-of-week), got ",
                                     parts.size(), trimmed.empty() ? "" : absl::StrCat(" in \"", trimmed, "\"")));
  }
  Cron cron;
  std::vector<bool> values;
  for (size_t i = 0; i < 5; ++i) {
    absl::Status s = ParseField(kFields[i], parts[i], &values);
    if (!s.ok()) return InvalidField(std::string(field), std::string(s.message()));
    switch (i) {
      case 0: Fill(values, &cron.minutes); break;
      case 1: Fill(values, &cron.hours); break;
      case 2: Fill(values, &cron.days_of_month); break;
      case 3: Fill(values, &cron.months); break;
      case 4:
        if (values[7]) values[0] = true;  // 7 is Sunday too
        Fill(values, &cron.days_of_week);
        break;
    }
  }
  cron.day_of_month_star = parts[2][0] == '*';
  cron.day_of_week_star = parts[4][0] == '*';
  // A day of month that no month given has ("0 0 30 2 *") would never fire.
  if (!cron.day_of_month_star && cron.day_of_week_star) {
    bool meets = false;
    for (int m = 1; m <= 12 && !meets; ++m) {
      if (!cron.months[static_cast<size_t>(m)]) continue;
      for (int d = 1; d <= DaysIn(m) && !meets; ++d) meets = cron.days_of_month[static_cast<size_t>(d)];
    }
    if (!meets) {
      return InvalidField(std::string(field),
                          absl::StrCat("day-of-month ", parts[2], " never occurs in month ",
                                       parts[3], ": the job would never run"));
    }
  }
  cron.text = absl::StrJoin(parts, " ");
  return cron;
}

bool MatchesDay(const Cron& cron, absl::CivilDay day) {
  if (!cron.months[static_cast<size_t>(day.month())]) return false;
  const bool dom = cron.days_of_month[static_cast<size_t>(day.day())];
  // absl::Weekday runs Monday (0) .. Sunday (6); cron counts Sunday as 0.
  const int weekday = (static_cast<int>(absl::GetWeekday(day)) + 1) % 7;
  const bool dow = cron.days_of_week[static_cast<size_t>(weekday)];
  if (!cron.day_of_month_star && !cron.day_of_week_star) return dom || dow;
  if (!cron.day_of_month_star) return dom;
  if (!cron.day_of_week_star) return dow;
  return true;
}

absl::Time FireInstant(absl::CivilMinute minute, const absl::TimeZone& tz) {
  const absl::TimeZone::TimeInfo info = tz.At(absl::CivilSecond(minute));
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED:
      return info.trans;  // the clocks jumped over it: fire as they jump
    case absl::TimeZone::TimeInfo::REPEATED:
    case absl::TimeZone::TimeInfo::UNIQUE:
    default:
      return info.pre;  // the first occurrence
  }
}

// Both searches walk wall-clock minutes in order. FireInstant never decreases as the wall
// clock advances (skipped minutes collapse onto the jump, repeated ones onto their first
// pass), so the first minute found in either direction is the answer.
absl::Time Next(const Cron& cron, absl::Time after, const absl::TimeZone& tz) {
  if (after == absl::InfiniteFuture()) return absl::InfiniteFuture();
  const absl::CivilMinute start(absl::ToCivilSecond(after, tz));
  const absl::CivilDay last_day = absl::CivilDay(start) + kSearchDays;
  for (absl::CivilDay day(start); day <= last_day; ++day) {
    if (!cron.months[static_cast<size_t>(day.month())]) {
      day = absl::CivilDay(absl::CivilMonth(day) + 1) - 1;  // to the month's last day
      continue;
    }
    if (!MatchesDay(cron, day)) continue;
    for (int h = 0; h < 24; ++h) {
      if (!cron.hours[static_cast<size_t>(h)]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!cron.minutes[static_cast<size_t>(m)]) continue;
        const absl::CivilMinute c(day.year(), day.month(), day.day(), h, m);
        if (c <= start) continue;
        const absl::Time t = FireInstant(c, tz);
        if (t > after) return t;
      }
    }
  }
  return absl::InfiniteFuture();
}

absl::Time Previous(const Cron& cron, absl::Time at, const absl::TimeZone& tz) {
  if (at == absl::InfinitePast()) return absl::InfinitePast();
  // A repeated hour can put fire times later on the wall clock before `at`: start a day on.
  const absl::CivilMinute top = absl::CivilMinute(absl::ToCivilSecond(at, tz)) + 24 * 60;
  const absl::CivilDay first_day = absl::CivilDay(top) - kSearchDays;
  for (absl::CivilDay day(top); day >= first_day; --day) {
    if (!cron.months[static_cast<size_t>(day.month())]) {
      day = absl::CivilDay(absl::CivilMonth(day));  // to the month's first day
      continue;
    }
    if (!MatchesDay(cron, day)) continue;
    for (int h = 23; h >= 0; --h) {
      if (!cron.hours[static_cast<size_t>(h)]) continue;
      for (int m = 59; m >= 0; --m) {
        if (!cron.minutes[static_cast<size_t>(m)]) continue;
        const absl::CivilMinute c(day.year(), day.month(), day.day(), h, m);
        if (c > top) continue;
        const absl::Time t = FireInstant(c, tz);
        if (t <= at) return t;
      }
    }
  }
  return absl::InfinitePast();
}

}  // namespace opsuite::scheduler
