#include "tools/opsctl/args.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <unordered_set>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/json_util.h"

namespace opsuite::opsctl {
namespace {

using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::EnumValueDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::opsuite::common::v1::Granularity;
using ::opsuite::common::v1::Period;
using ::opsuite::planning::v1::GoalTask;
using ::opsuite::planning::v1::Owner;
using ::opsuite::planning::v1::OwnerKind;
using ::opsuite::planning::v1::TaskKind;

constexpr absl::string_view kWan = "万";
constexpr absl::string_view kYi = "亿";

absl::Status Invalid(absl::string_view message) { return absl::InvalidArgumentError(message); }

bool AllDigits(absl::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// `text` split at unescaped `sep`, with "\<sep>" and "\\" unescaped.
std::vector<std::string> SplitEscaped(absl::string_view text, char sep) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == sep || text[i + 1] == '\\')) {
      out.back().push_back(text[++i]);
    } else if (c == sep) {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  return out;
}

// The prefix shared by an enum's value names: "ROLE_CLASS_" from "ROLE_CLASS_UNSPECIFIED".
std::string EnumPrefix(const EnumDescriptor* type) {
  const EnumValueDescriptor* zero = type->FindValueByNumber(0);
  if (zero == nullptr) return "";
  absl::string_view name = zero->name();
  if (!absl::ConsumeSuffix(&name, "UNSPECIFIED")) return "";
  return std::string(name);
}

std::string WithoutUnderscores(absl::string_view s) { return absl::StrReplaceAll(s, {{"_", ""}}); }

// Days since the civil date's fields were normalised differ from the input: a real date.
std::optional<absl::CivilDay> RealDay(int64_t y, int m, int d) {
  absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d) return std::nullopt;
  return day;
}

std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

absl::StatusOr<absl::CivilDay> ParseCivilDay(absl::string_view text) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-' && AllDigits(text.substr(0, 4)) &&
      AllDigits(text.substr(5, 2)) && AllDigits(text.substr(8, 2))) {
    int y = 0, m = 0, d = 0;
    (void)absl::SimpleAtoi(text.substr(0, 4), &y);
    (void)absl::SimpleAtoi(text.substr(5, 2), &m);
    (void)absl::SimpleAtoi(text.substr(8, 2), &d);
    if (std::optional<absl::CivilDay> day = RealDay(y, m, d)) return *day;
    return Invalid(absl::StrCat("\"", text, "\" is not a real calendar day"));
  }
  return Invalid(absl::StrCat("\"", text, "\" is not a date; write YYYY-MM-DD"));
}

// Empty when `day` is a valid start of a `granularity` period, else what a start looks like.
std::string AlignmentProblem(Granularity granularity, absl::CivilDay day) {
  const int m = day.month();
  const bool first = day.day() == 1;
  switch (granularity) {
    case common::v1::GRANULARITY_YEAR:
      return m == 1 && first ? "" : "a YEAR starts on January 1";
    case common::v1::GRANULARITY_HALF:
      return (m == 1 || m == 7) && first ? "" : "a HALF starts on January 1 or July 1";
    case common::v1::GRANULARITY_QUARTER:
      return (m - 1) % 3 == 0 && first ? ""
                                       : "a QUARTER starts on January, April, July or October 1";
    case common::v1::GRANULARITY_MONTH:
      return first ? "" : "a MONTH starts on the 1st";
    case common::v1::GRANULARITY_WEEK:
      return absl::GetWeekday(day) == absl::Weekday::monday ? "" : "a WEEK starts on a Monday";
    default:
      return "";
  }
}

// The start of the period of `granularity` containing `day` (for a suggestion).
absl::CivilDay AlignDown(Granularity granularity, absl::CivilDay day) {
  const int64_t y = day.year();
  const int m = day.month();
  switch (granularity) {
    case common::v1::GRANULARITY_YEAR:
      return absl::CivilDay(y, 1, 1);
    case common::v1::GRANULARITY_HALF:
      return absl::CivilDay(y, m <= 6 ? 1 : 7, 1);
    case common::v1::GRANULARITY_QUARTER:
      return absl::CivilDay(y, (m - 1) / 3 * 3 + 1, 1);
    case common::v1::GRANULARITY_MONTH:
      return absl::CivilDay(y, m, 1);
    case common::v1::GRANULARITY_WEEK:
      return absl::PrevWeekday(day + 1, absl::Weekday::monday);
    default:
      return day;
  }
}

Period MakePeriod(Granularity granularity, absl::CivilDay start) {
  Period period;
  period.set_granularity(granularity);
  period.set_start_date(FormatDay(start));
  return period;
}

// A message with a text form: a Timestamp (RFC 3339) or a Period (ParsePeriod).
absl::Status SetMessageFromText(google::protobuf::Message* message, absl::string_view text) {
  const std::string& type = message->GetDescriptor()->full_name();
  if (type == google::protobuf::Timestamp::descriptor()->full_name()) {
    absl::StatusOr<absl::Time> time = ParseInstant(text);
    if (!time.ok()) return time.status();
    message->CopyFrom(ToProtoTimestamp(*time));
    return absl::OkStatus();
  }
  if (type == Period::descriptor()->full_name()) {
    absl::StatusOr<Period> period = ParsePeriod(text);
    if (!period.ok()) return period.status();
    message->CopyFrom(*period);
    return absl::OkStatus();
  }
  return Invalid(
      absl::StrCat("a ", message->GetDescriptor()->name(), " cannot be set from the command line"));
}

// `text` as a whole number of 10^-`decimals` units ("12.5" with 2 decimals is 1250), after an
// optional 万 (x10^4) or 亿 (x10^8); `form` says how to write a number, `too_precise` what is
// wrong with one that has too many decimals.
absl::StatusOr<int64_t> ParseScaled(absl::string_view text, int decimals, absl::string_view form,
                                    absl::string_view too_precise) {
  const std::string original(text);
  std::string s = absl::StrReplaceAll(absl::StripAsciiWhitespace(text), {{"_", ""}, {",", ""}});
  absl::string_view v = s;
  int64_t multiplier = 1;
  int max_decimals = decimals;
  for (int i = 0; i < decimals; ++i) multiplier *= 10;
  if (absl::ConsumeSuffix(&v, kYi)) {
    multiplier *= 100'000'000;
    max_decimals += 8;
  } else if (absl::ConsumeSuffix(&v, kWan)) {
    multiplier *= 10'000;
    max_decimals += 4;
  }
  const bool negative = absl::ConsumePrefix(&v, "-");
  if (!negative) absl::ConsumePrefix(&v, "+");
  absl::string_view whole = v;
  absl::string_view fraction;
  if (size_t dot = v.find('.'); dot != absl::string_view::npos) {
    whole = v.substr(0, dot);
    fraction = v.substr(dot + 1);
  }
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  const bool digits_ok = (AllDigits(whole) || (whole.empty() && !fraction.empty())) &&
                         (fraction.empty() || AllDigits(fraction));
  if (!digits_ok) return Invalid(absl::StrCat("\"", original, "\" is not a number; ", form));
  if (static_cast<int>(fraction.size()) > max_decimals) {
    return Invalid(absl::StrCat("\"", original, "\" ", too_precise));
  }
  constexpr __int128 kMax = std::numeric_limits<int64_t>::max();
  __int128 total = 0;
  for (char c : whole) {
    total = total * 10 + (c - '0');
    if (total * multiplier > kMax) break;
  }
  total *= multiplier;
  __int128 scale = multiplier;
  for (char c : fraction) {
    scale /= 10;
    total += (c - '0') * scale;
  }
  if (total > kMax) return Invalid(absl::StrCat("\"", original, "\" is too large"));
  return static_cast<int64_t>(negative ? -total : total);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Args

std::string CanonicalOptionName(absl::string_view name) {
  return absl::StrReplaceAll(name, {{"-", "_"}});
}

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv,
                                 const std::vector<OptionSpec>& specs, bool allow_unknown) {
  auto find_spec = [&specs](absl::string_view name) -> const OptionSpec* {
    for (const OptionSpec& spec : specs) {
      if (CanonicalOptionName(spec.name) == name) return &spec;
    }
    return nullptr;
  };
  Args args;
  bool options_ended = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    absl::string_view token = argv[i];
    if (options_ended || !absl::StartsWith(token, "-") || token == "-" ||
        (!absl::StartsWith(token, "--") && token != "-h")) {
      args.positionals_.emplace_back(token);
      continue;
    }
    if (token == "--") {
      options_ended = true;
      continue;
    }
    if (token == "-h") token = "--help";
    absl::string_view body = token.substr(2);
    size_t eq = body.find('=');
    std::string name = CanonicalOptionName(body.substr(0, eq));
    std::optional<std::string> value;
    if (eq != absl::string_view::npos) value = std::string(body.substr(eq + 1));
    const std::string shown = absl::StrCat("--", body.substr(0, eq));
    if (name.empty()) return Invalid(absl::StrCat("malformed option \"", token, "\""));

    const OptionSpec* spec = find_spec(name);
    if (spec == nullptr && name == "help") {  // always understood
      static const OptionSpec* help = new OptionSpec{"help", "", "show help"};
      spec = help;
    }
    if (spec == nullptr) {
      if (!allow_unknown) return Invalid(absl::StrCat("unknown option ", shown));
      args.options_.emplace_back(name, value.value_or("true"));
      continue;
    }
    if (spec->value_name.empty()) {  // a boolean flag
      bool on = true;
      if (value) {
        absl::StatusOr<bool> parsed = ParseBool(*value);
        if (!parsed.ok()) return Invalid(absl::StrCat(shown, ": ", parsed.status().message()));
        on = *parsed;
      }
      args.options_.emplace_back(name, on ? "true" : "false");
      continue;
    }
    if (!value) {
      if (i + 1 >= argv.size() || absl::StartsWith(argv[i + 1], "--")) {
        return Invalid(absl::StrCat(shown, " needs a value: ", shown, "=", spec->value_name));
      }
      value = argv[++i];
    }
    args.options_.emplace_back(name, *value);
  }
  if (!args.Flag("help")) {
    for (const OptionSpec& spec : specs) {
      if (spec.required && !args.Has(CanonicalOptionName(spec.name))) {
        return Invalid(absl::StrCat("--", spec.name, "=", spec.value_name, " is required"));
      }
    }
  }
  return args;
}

bool Args::Has(absl::string_view name) const {
  const std::string canonical = CanonicalOptionName(name);
  for (const auto& [n, v] : options_) {
    if (n == canonical) return true;
  }
  return false;
}

std::optional<std::string> Args::Get(absl::string_view name) const {
  const std::string canonical = CanonicalOptionName(name);
  std::optional<std::string> out;
  for (const auto& [n, v] : options_) {
    if (n == canonical) out = v;
  }
  return out;
}

std::string Args::GetOr(absl::string_view name, absl::string_view fallback) const {
  return Get(name).value_or(std::string(fallback));
}

std::vector<std::string> Args::GetAll(absl::string_view name) const {
  const std::string canonical = CanonicalOptionName(name);
  std::vector<std::string> out;
  for (const auto& [n, v] : options_) {
    if (n == canonical) out.push_back(v);
  }
  return out;
}

bool Args::Flag(absl::string_view name) const { return Get(name).value_or("false") == "true"; }

std::vector<std::string> Args::Names() const {
  std::vector<std::string> names;
  for (const auto& [n, v] : options_) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  return names;
}

void Args::DropLeadingPositionals(size_t n) {
  n = std::min(n, positionals_.size());
  positionals_.erase(positionals_.begin(), positionals_.begin() + static_cast<ptrdiff_t>(n));
}

// ---------------------------------------------------------------------------------------------
// Values

absl::StatusOr<int64_t> ParseQuantity(absl::string_view text) {
  return ParseScaled(text, 0, "write an integer, optionally with 万 or 亿 (1500万, 1.5亿)",
                     "is not a whole number; values are integers in the target's unit (1.5万 = "
                     "15000 is fine)");
}

absl::StatusOr<int64_t> ParseYuan(absl::string_view text) {
  absl::StatusOr<int64_t> cents =
      ParseScaled(text, 2, "write yuan, optionally with 万 or 亿 (50000, 12000.50, 1.2万)",
                  "has more than 2 decimals; amounts are yuan to the fen (0.01)");
  if (cents.ok() && *cents < 0) {
    return Invalid(absl::StrCat("\"", text, "\": an amount must not be negative"));
  }
  return cents;
}

absl::StatusOr<Owner> ParseOwner(absl::string_view text) {
  absl::string_view kind_text = text;
  absl::string_view id;
  if (size_t colon = text.find(':'); colon != absl::string_view::npos) {
    kind_text = text.substr(0, colon);
    id = text.substr(colon + 1);
  }
  const std::string kind_lower = absl::AsciiStrToLower(kind_text);
  Owner owner;
  if (kind_lower == "org" || kind_lower == "organization") {
    owner.set_kind(planning::v1::OWNER_KIND_ORG);
  } else if (kind_lower == "department" || kind_lower == "dept") {
    owner.set_kind(planning::v1::OWNER_KIND_DEPARTMENT);
  } else if (kind_lower == "employee" || kind_lower == "emp") {
    owner.set_kind(planning::v1::OWNER_KIND_EMPLOYEE);
  } else {
    absl::StatusOr<int> kind = ParseEnumValue(planning::v1::OwnerKind_descriptor(), kind_text);
    if (!kind.ok() || *kind == 0) {
      return Invalid(absl::StrCat("owner \"", text,
                                  "\" is not one of org, org:ID, department:ID, employee:ID"));
    }
    owner.set_kind(static_cast<OwnerKind>(*kind));
  }
  if (id.empty() && owner.kind() != planning::v1::OWNER_KIND_ORG) {
    return Invalid(absl::StrCat("owner \"", text, "\" needs an id: ", kind_lower, ":ID"));
  }
  owner.set_id(std::string(id));
  return owner;
}

absl::StatusOr<Granularity> ParseGranularity(absl::string_view text) {
  absl::StatusOr<int> value = ParseEnumValue(common::v1::Granularity_descriptor(), text);
  if (!value.ok() || *value == 0) {
    return Invalid(absl::StrCat("granularity \"", text,
                                "\" is not one of YEAR, HALF, QUARTER, MONTH, WEEK, DAY"));
  }
  return static_cast<Granularity>(*value);
}

absl::StatusOr<Period> ParsePeriod(absl::string_view text) {
  const absl::string_view hint =
      "write GRANULARITY:YYYY-MM-DD (MONTH:2026-03-01), or 2026, 2026-H1, 2026-Q1, 2026-03, "
      "2026-03-02";
  if (size_t colon = text.find(':'); colon != absl::string_view::npos) {
    absl::StatusOr<Granularity> granularity = ParseGranularity(text.substr(0, colon));
    if (!granularity.ok()) {
      return Invalid(absl::StrCat("period \"", text, "\": ", granularity.status().message()));
    }
    absl::StatusOr<absl::CivilDay> day = ParseCivilDay(text.substr(colon + 1));
    if (!day.ok()) return Invalid(absl::StrCat("period \"", text, "\": ", day.status().message()));
    std::string problem = AlignmentProblem(*granularity, *day);
    if (!problem.empty()) {
      const Period aligned = MakePeriod(*granularity, AlignDown(*granularity, *day));
      return Invalid(absl::StrCat("period \"", text, "\": ", problem, " (try ",
                                  text.substr(0, colon), ":", aligned.start_date(), ")"));
    }
    return MakePeriod(*granularity, *day);
  }
  // Shorthands.
  if (text.size() == 4 && AllDigits(text)) {
    int y = 0;
    (void)absl::SimpleAtoi(text, &y);
    return MakePeriod(common::v1::GRANULARITY_YEAR, absl::CivilDay(y, 1, 1));
  }
  if (text.size() == 7 && AllDigits(text.substr(0, 4)) && text[4] == '-') {
    int y = 0;
    (void)absl::SimpleAtoi(text.substr(0, 4), &y);
    const char kind = absl::ascii_toupper(text[5]);
    const char n = text[6];
    if (kind == 'H' && (n == '1' || n == '2')) {
      return MakePeriod(common::v1::GRANULARITY_HALF, absl::CivilDay(y, n == '1' ? 1 : 7, 1));
    }
    if (kind == 'Q' && n >= '1' && n <= '4') {
      return MakePeriod(common::v1::GRANULARITY_QUARTER, absl::CivilDay(y, (n - '1') * 3 + 1, 1));
    }
    int m = 0;
    if (AllDigits(text.substr(5, 2)) && absl::SimpleAtoi(text.substr(5, 2), &m) && m >= 1 &&
        m <= 12) {
      return MakePeriod(common::v1::GRANULARITY_MONTH, absl::CivilDay(y, m, 1));
    }
  }
  if (text.size() == 10) {
    absl::StatusOr<absl::CivilDay> day = ParseCivilDay(text);
    if (!day.ok()) return Invalid(absl::StrCat("period \"", text, "\": ", day.status().message()));
    return MakePeriod(common::v1::GRANULARITY_DAY, *day);
  }
  return Invalid(absl::StrCat("period \"", text, "\" is not understood; ", hint));
}

absl::StatusOr<std::string> ParseDate(absl::string_view text) {
  absl::StatusOr<absl::CivilDay> day = ParseCivilDay(text);
  if (!day.ok()) return day.status();
  return FormatDay(*day);
}

absl::StatusOr<absl::Time> ParseInstant(absl::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) {
    return Invalid(
        absl::StrCat("\"", text, "\" is not an RFC 3339 time (2026-03-02T21:00:00+08:00): ", err));
  }
  return t;
}

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time) {
  const int64_t seconds = absl::ToUnixSeconds(time);  // floors
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return ts;
}

absl::StatusOr<absl::Duration> ParseDurationArg(absl::string_view text) {
  absl::string_view days = text;
  if (absl::ConsumeSuffix(&days, "d")) {
    double n = 0;
    if (absl::SimpleAtod(days, &n) && std::isfinite(n)) return absl::Hours(24) * n;
  }
  absl::Duration d;
  if (!absl::ParseDuration(text, &d)) {
    return Invalid(absl::StrCat("\"", text, "\" is not a duration (90s, 12h, 1h30m, 7d)"));
  }
  return d;
}

absl::StatusOr<GoalTask> ParseTask(absl::string_view text) {
  const absl::string_view form = "title|ROUTINE|weight|key_result|due_date|quality";
  std::vector<std::string> fields = SplitEscaped(text, '|');
  for (std::string& f : fields) f = std::string(absl::StripAsciiWhitespace(f));
  auto fail = [&](absl::string_view why) {
    return Invalid(absl::StrCat("task \"", text, "\": ", why, "; write '", form, "'"));
  };
  if (fields.size() > 7) return fail("too many fields");
  fields.resize(7);
  GoalTask task;
  if (fields[0].empty()) return fail("the title is empty");
  task.set_title(fields[0]);
  if (fields[1].empty()) {
    task.set_kind(planning::v1::TASK_KIND_ROUTINE);
  } else {
    absl::StatusOr<int> kind = ParseEnumValue(planning::v1::TaskKind_descriptor(), fields[1]);
    if (!kind.ok() || *kind == 0) return fail("the kind must be ROUTINE or AD_HOC");
    task.set_kind(static_cast<TaskKind>(*kind));
  }
  int weight = 0;
  if (fields[2].empty()) return fail("the weight is missing");
  if (!absl::SimpleAtoi(fields[2], &weight) || weight < 0 || weight > 100) {
    return fail("the weight must be an integer percent 0-100");
  }
  task.set_weight(weight);
  task.set_key_result(fields[3]);
  if (!fields[4].empty()) {
    absl::StatusOr<std::string> due = ParseDate(fields[4]);
    if (!due.ok()) return fail(absl::StrCat("due date ", due.status().message()));
    task.set_due_date(*due);
  }
  task.set_quality(fields[5]);
  task.set_id(fields[6]);
  return task;
}

absl::StatusOr<crm::v1::Contact> ParseContact(absl::string_view text) {
  std::vector<std::string> fields = SplitEscaped(text, '|');
  for (std::string& f : fields) f = std::string(absl::StripAsciiWhitespace(f));
  auto fail = [&](absl::string_view why) {
    return Invalid(
        absl::StrCat("contact \"", text, "\": ", why, "; write 'name|title|phone|email'"));
  };
  if (fields.size() > 4) return fail("too many fields");
  fields.resize(4);
  if (fields[0].empty()) return fail("the name is empty");
  crm::v1::Contact contact;
  contact.set_name(fields[0]);
  contact.set_title(fields[1]);
  contact.set_phone(fields[2]);
  contact.set_email(fields[3]);
  return contact;
}

absl::StatusOr<std::vector<int64_t>> ParseIntList(absl::string_view text) {
  std::vector<int64_t> out;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    absl::StatusOr<int64_t> v = ParseQuantity(part);
    if (!v.ok()) return Invalid(absl::StrCat("list \"", text, "\": ", v.status().message()));
    out.push_back(*v);
  }
  return out;
}

absl::StatusOr<std::vector<planning::v1::DecomposeTargetRequest::Share>> ParseShares(
    absl::string_view text) {
  std::vector<planning::v1::DecomposeTargetRequest::Share> shares;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    size_t eq = part.rfind('=');
    if (eq == absl::string_view::npos) {
      return Invalid(absl::StrCat("share \"", part,
                                  "\" needs a weight: OWNER=WEIGHT "
                                  "(employee:A=60,employee:B=40)"));
    }
    absl::StatusOr<Owner> owner = ParseOwner(part.substr(0, eq));
    if (!owner.ok()) return owner.status();
    absl::StatusOr<int64_t> weight = ParseQuantity(part.substr(eq + 1));
    if (!weight.ok()) {
      return Invalid(absl::StrCat("share \"", part, "\": ", weight.status().message()));
    }
    if (*weight <= 0) return Invalid(absl::StrCat("share \"", part, "\": weight must be > 0"));
    auto& share = shares.emplace_back();
    *share.mutable_owner() = *owner;
    share.set_weight(*weight);
  }
  return shares;
}

absl::StatusOr<std::vector<std::pair<std::string, double>>> ParseScores(absl::string_view text) {
  std::vector<std::pair<std::string, double>> out;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    double score = 0;
    if (kv.first.empty() || !absl::SimpleAtod(kv.second, &score) || !std::isfinite(score)) {
      return Invalid(absl::StrCat("score \"", part, "\": write TASK_ID=SCORE (t1=90,t2=85)"));
    }
    out.emplace_back(std::string(kv.first), score);
  }
  return out;
}

absl::StatusOr<Identity> ParseIdentity(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return Invalid(absl::StrCat("identity \"", text, "\": write SUB:ORG:ROLE1,ROLE2"));
  }
  Identity identity{std::string(parts[0]), std::string(parts[1]), {}};
  if (parts.size() == 3) {
    absl::StatusOr<std::vector<std::string>> roles = ParseRoles(parts[2]);
    if (!roles.ok()) return roles.status();
    identity.roles = *std::move(roles);
  }
  return identity;
}

absl::StatusOr<std::vector<std::string>> ParseRoles(absl::string_view text) {
  std::vector<std::string> roles;
  for (absl::string_view role : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    role = absl::StripAsciiWhitespace(role);
    if (role != "employee" && role != "manager" && role != "admin" && role != "service") {
      return Invalid(
          absl::StrCat("unknown role \"", role, "\"; roles are employee, manager, admin, service"));
    }
    roles.emplace_back(role);
  }
  return roles;
}

absl::StatusOr<bool> ParseBool(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "yes" || lower == "1" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "0" || lower == "off") return false;
  return Invalid(absl::StrCat("\"", text, "\" is not a boolean (true or false)"));
}

absl::StatusOr<int> ParseEnumValue(const EnumDescriptor* type, absl::string_view text) {
  const std::string want =
      absl::AsciiStrToUpper(absl::StrReplaceAll(absl::StripAsciiWhitespace(text), {{"-", "_"}}));
  const std::string prefix = EnumPrefix(type);
  for (const std::string& name : {want, prefix + want}) {
    if (const EnumValueDescriptor* v = type->FindValueByName(name)) return v->number();
  }
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    const EnumValueDescriptor* v = type->value(i);
    if (v->number() == 0) continue;
    std::string short_name = ShortEnumName(type, v->number());
    if (!want.empty() && WithoutUnderscores(short_name) == WithoutUnderscores(want)) {
      return v->number();
    }
    names.push_back(std::move(short_name));
  }
  return Invalid(absl::StrCat("\"", text, "\" is not one of ", absl::StrJoin(names, ", ")));
}

std::string ShortEnumName(const EnumDescriptor* type, int number) {
  const EnumValueDescriptor* v = type->FindValueByNumber(number);
  if (v == nullptr) return absl::StrCat(number);
  absl::string_view name = v->name();
  absl::ConsumePrefix(&name, EnumPrefix(type));
  return std::string(name);
}

absl::Status SetFieldFromText(google::protobuf::Message* message, absl::string_view field_name,
                              absl::string_view text, google::protobuf::FieldMask* mask) {
  // A dotted path walks into singular message fields; the mask names the first field.
  const std::vector<std::string> path = absl::StrSplit(field_name, '.');
  const FieldDescriptor* top = nullptr;
  const FieldDescriptor* field = nullptr;
  for (size_t i = 0; i < path.size(); ++i) {
    if (field != nullptr) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated()) {
        return Invalid(absl::StrCat(field_name, ": ", field->name(), " is not a message"));
      }
      message = message->GetReflection()->MutableMessage(message, field);
    }
    field = message->GetDescriptor()->FindFieldByName(path[i]);
    if (field == nullptr) {
      return Invalid(absl::StrCat(message->GetDescriptor()->name(), " has no field ", path[i]));
    }
    if (top == nullptr) top = field;
  }
  const google::protobuf::Reflection* r = message->GetReflection();
  std::vector<std::string> items;
  if (field->is_repeated()) {
    r->ClearField(message, field);
    if (!text.empty()) items = absl::StrSplit(text, ',');
  } else {
    items.emplace_back(text);
  }
  for (const std::string& item : items) {
    auto fail = [&](absl::string_view why) { return Invalid(absl::StrCat(field_name, ": ", why)); };
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        field->is_repeated() ? r->AddString(message, field, item)
                             : r->SetString(message, field, item);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64: {
        absl::StatusOr<int64_t> v = ParseQuantity(item);
        if (!v.ok()) return fail(v.status().message());
        const bool is32 = field->cpp_type() == FieldDescriptor::CPPTYPE_INT32 ||
                          field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32;
        const bool is_unsigned = field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32 ||
                                 field->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
        if (is_unsigned && *v < 0) return fail("must not be negative");
        if (is32 && (*v > std::numeric_limits<int32_t>::max() ||
                     *v < std::numeric_limits<int32_t>::min())) {
          return fail("out of range");
        }
        switch (field->cpp_type()) {
          case FieldDescriptor::CPPTYPE_INT32:
            field->is_repeated() ? r->AddInt32(message, field, static_cast<int32_t>(*v))
                                 : r->SetInt32(message, field, static_cast<int32_t>(*v));
            break;
          case FieldDescriptor::CPPTYPE_UINT32:
            field->is_repeated() ? r->AddUInt32(message, field, static_cast<uint32_t>(*v))
                                 : r->SetUInt32(message, field, static_cast<uint32_t>(*v));
            break;
          case FieldDescriptor::CPPTYPE_UINT64:
            field->is_repeated() ? r->AddUInt64(message, field, static_cast<uint64_t>(*v))
                                 : r->SetUInt64(message, field, static_cast<uint64_t>(*v));
            break;
          default:
            field->is_repeated() ? r->AddInt64(message, field, *v)
                                 : r->SetInt64(message, field, *v);
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double d = 0;
        if (!absl::SimpleAtod(item, &d))
          return fail(absl::StrCat("\"", item, "\" is not a number"));
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
          field->is_repeated() ? r->AddFloat(message, field, static_cast<float>(d))
                               : r->SetFloat(message, field, static_cast<float>(d));
        } else {
          field->is_repeated() ? r->AddDouble(message, field, d) : r->SetDouble(message, field, d);
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        absl::StatusOr<bool> b = ParseBool(item);
        if (!b.ok()) return fail(b.status().message());
        field->is_repeated() ? r->AddBool(message, field, *b) : r->SetBool(message, field, *b);
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        absl::StatusOr<int> e = ParseEnumValue(field->enum_type(), item);
        if (!e.ok()) return fail(e.status().message());
        field->is_repeated() ? r->AddEnumValue(message, field, *e)
                             : r->SetEnumValue(message, field, *e);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        // The parsers' messages name the value already ("period \"2026-13\" is not ...").
        absl::Status s =
            SetMessageFromText(field->is_repeated() ? r->AddMessage(message, field)
                                                    : r->MutableMessage(message, field),
                               item);
        if (!s.ok()) return s;
        break;
      }
      default:
        return fail("cannot be set from the command line");
    }
  }
  if (mask != nullptr &&
      std::find(mask->paths().begin(), mask->paths().end(), top->name()) == mask->paths().end()) {
    mask->add_paths(top->name());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ParseIdList(absl::string_view text) {
  std::vector<std::string> ids;
  std::unordered_set<std::string> seen;  // up to 100,000 ids in a run
  for (absl::string_view id :
       absl::StrSplit(text, absl::ByAnyChar(", \t\r\n"), absl::SkipEmpty())) {
    if (!seen.emplace(id).second) {
      return Invalid(absl::StrCat("id \"", id, "\" is listed twice"));
    }
    ids.emplace_back(id);
  }
  if (ids.empty()) return Invalid("no ids: write ID,ID,...");
  return ids;
}

absl::StatusOr<double> ParseNumber(absl::string_view text) {
  double value = 0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(text), &value) || !std::isfinite(value)) {
    return Invalid(absl::StrCat("\"", text, "\" is not a number (e.g. 95.5)"));
  }
  return value;
}

namespace {

constexpr absl::string_view kBom = "\xEF\xBB\xBF";

// "LINE:COLUMN" (1-based; columns count characters) of byte `offset` of `text`.
std::string LineColumn(absl::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < offset; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  return absl::StrCat(line, ":", column);
}

// protobuf's sentence, as opsctl writes errors: "Expected a value." -> "expected a value".
std::string Sentence(absl::string_view text) {
  std::string out(absl::StripSuffix(absl::StripAsciiWhitespace(text), "."));
  if (!out.empty() && absl::ascii_isupper(static_cast<unsigned char>(out[0])) &&
      !(out.size() > 1 && absl::ascii_isupper(static_cast<unsigned char>(out[1])))) {
    out[0] = absl::ascii_tolower(static_cast<unsigned char>(out[0]));
  }
  return out;
}

// The field a JSON error path names ("items[2].bands.bands[0].min", proto names), or null.
const FieldDescriptor* FieldAtPath(const google::protobuf::Descriptor* type,
                                   absl::string_view path) {
  const FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    part = part.substr(0, part.find('['));
    if (type == nullptr) return nullptr;
    field = type->FindFieldByName(std::string(part));
    if (field == nullptr) return nullptr;
    type = field->message_type();
  }
  return field;
}

// "invalid value 5 for type TYPE_STRING" -> "invalid value 5 (expected a string)"; an enum
// lists its values.
// `element`: the value is one element of a repeated field ("items[2]").
std::string ExplainInvalidValue(absl::string_view detail, const FieldDescriptor* field,
                                bool element) {
  const size_t at = detail.find(" for type ");
  if (!absl::StartsWith(detail, "invalid value") || at == absl::string_view::npos) {
    return Sentence(detail);
  }
  absl::string_view type = detail.substr(at + 10);
  std::string expected;
  if (field != nullptr && field->enum_type() != nullptr) {
    std::vector<std::string> names;
    for (int i = 0; i < field->enum_type()->value_count(); ++i) {
      if (field->enum_type()->value(i)->number() != 0) {
        names.push_back(field->enum_type()->value(i)->name());
      }
    }
    expected = absl::StrCat("one of ", absl::StrJoin(names, ", "));
  } else if (type == "TYPE_STRING" || type == "TYPE_BYTES") {
    expected = "a string";
  } else if (type == "TYPE_BOOL") {
    expected = "true or false";
  } else if (type == "TYPE_DOUBLE" || type == "TYPE_FLOAT") {
    expected = "a number";
  } else if (absl::StartsWith(type, "TYPE_")) {
    expected = "a whole number in range";
  } else if (field != nullptr && field->message_type() != nullptr) {
    expected = field->is_repeated() && !element
                   ? absl::StrCat("an array of ", field->message_type()->name(), " objects")
                   : absl::StrCat("an object (", field->message_type()->name(), ")");
  } else {
    expected = std::string(type.substr(type.rfind('/') + 1));
  }
  return absl::StrCat(detail.substr(0, at), " (expected ", expected, ")");
}

// protobuf's JSON parse error `message` about `text`, restated: a syntax error ("Expected
// an object key or }.\n<segment>\n    ^") as "LINE:COL: expected an object key or }"; a field
// error ("(items[0].bands) mx: Cannot find field.") as "items[0].bands.mx: unknown field".
// `text` is what protobuf parsed: the caller's JSON is its `size` bytes from `skip` (the rest
// is ParseJsonArray's wrapper), and the path prefix `strip_path` is the wrapper's too.
std::string DescribeJsonError(absl::string_view text, size_t skip, size_t size,
                              absl::string_view strip_path,
                              const google::protobuf::Descriptor* type, absl::string_view message) {
  const size_t first_newline = message.find('\n');
  if (first_newline != absl::string_view::npos) {
    const absl::string_view reason = message.substr(0, first_newline);
    const absl::string_view rest = message.substr(first_newline + 1);
    const size_t last_newline = rest.rfind('\n');
    const absl::string_view segment = last_newline == absl::string_view::npos
                                          ? absl::string_view()
                                          : rest.substr(0, last_newline);
    const absl::string_view caret =
        last_newline == absl::string_view::npos ? rest : rest.substr(last_newline + 1);
    const size_t k = std::min(caret.find('^'), segment.size());
    // protobuf shows up to 20 bytes before the error: fewer means the text's start.
    size_t offset = text.size();
    if (!segment.empty()) {
      const size_t found = k < 20 ? 0 : text.find(segment);
      if (found != absl::string_view::npos) offset = found + k;
    }
    offset = offset < skip ? 0 : offset - skip;
    const std::string where =
        offset >= size ? "end of file" : LineColumn(text.substr(skip, size), offset);
    return absl::StrCat(where, ": ", Sentence(reason));
  }
  std::string path;
  std::string detail;
  if (absl::StartsWith(message, "(")) {
    const size_t close = message.find(')');
    path = std::string(message.substr(1, close == absl::string_view::npos ? 0 : close - 1));
    absl::string_view after =
        close == absl::string_view::npos ? message : message.substr(close + 1);
    if (absl::StartsWith(after, ": ")) {
      detail = std::string(after.substr(2));
    } else {
      after = absl::StripLeadingAsciiWhitespace(after);
      const size_t colon = after.find(": ");
      if (colon != absl::string_view::npos) {
        absl::StrAppend(&path, ".", after.substr(0, colon));
        detail = std::string(after.substr(colon + 2));
      } else {
        detail = std::string(after);
      }
    }
  } else {
    const size_t colon = message.find(": ");
    if (colon == absl::string_view::npos) return Sentence(message);
    path = std::string(message.substr(0, colon));
    detail = std::string(message.substr(colon + 2));
  }
  const FieldDescriptor* field = FieldAtPath(type, path);
  if (!strip_path.empty() && absl::StartsWith(path, strip_path)) {
    path = std::string(absl::StripPrefix(path.substr(strip_path.size()), "."));
  }
  if (detail == "Cannot find field.") {
    detail = "unknown field";
  } else {
    detail = ExplainInvalidValue(detail, field, absl::EndsWith(path, "]"));
  }
  if (detail == "root element must be a message") detail = "the file must hold a JSON object";
  if (path.empty()) return detail;
  return absl::StrCat(path, ": ", detail);
}

// protobuf's own status message (a protobuf StringPiece, not an absl::string_view here).
template <typename Status>
absl::string_view StatusText(const Status& status) {
  const auto message = status.message();
  return absl::string_view(message.data(), message.size());
}

}  // namespace

absl::Status ParseJsonMessage(absl::string_view json, google::protobuf::Message* message) {
  json = absl::StripPrefix(json, kBom);
  if (absl::StripAsciiWhitespace(json).empty()) return Invalid("the file is empty");
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (status.ok()) return absl::OkStatus();
  return Invalid(
      DescribeJsonError(json, 0, json.size(), "", message->GetDescriptor(), StatusText(status)));
}

absl::Status ParseJsonArray(absl::string_view json, absl::string_view field,
                            google::protobuf::Message* message) {
  const FieldDescriptor* f = message->GetDescriptor()->FindFieldByName(std::string(field));
  if (f == nullptr || !f->is_repeated() || f->message_type() == nullptr) {
    return absl::InternalError(absl::StrCat(field, " is not a repeated message field of ",
                                            message->GetDescriptor()->full_name()));
  }
  json = absl::StripPrefix(json, kBom);
  const absl::string_view body = absl::StripLeadingAsciiWhitespace(json);
  if (body.empty()) return Invalid("the file is empty");
  if (body[0] != '[') {
    return Invalid(absl::StrCat("expected a JSON array of ", f->message_type()->name(),
                                " objects: [{...}, {...}]"));
  }
  // The array as the field's value of an object; errors are told about the array alone.
  const std::string prefix = absl::StrCat("{\"", f->json_name(), "\":");
  const std::string wrapped = absl::StrCat(prefix, json, "\n}");
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  std::unique_ptr<google::protobuf::Message> parsed(message->New());
  const auto status = google::protobuf::util::JsonStringToMessage(wrapped, parsed.get(), options);
  if (!status.ok()) {
    return Invalid(DescribeJsonError(wrapped, prefix.size(), json.size(), f->name(),
                                     message->GetDescriptor(), StatusText(status)));
  }
  const google::protobuf::Reflection* from = parsed->GetReflection();
  const google::protobuf::Reflection* to = message->GetReflection();
  for (int i = 0; i < from->FieldSize(*parsed, f); ++i) {
    to->AddMessage(message, f)->CopyFrom(from->GetRepeatedMessage(*parsed, f, i));
  }
  return absl::OkStatus();
}

std::string RandomRequestId() {
  absl::BitGen gen;
  return absl::StrFormat("opsctl-%016x", absl::Uniform<uint64_t>(gen));
}

}  // namespace opsuite::opsctl
