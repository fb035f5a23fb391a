#include "services/crm/domain/csv.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/crm/domain/stage_rules.h"

namespace opsuite::crm {
namespace {

using ::opsuite::crm::v1::Customer;
using ::opsuite::crm::v1::Stage;
using ::opsuite::crm::v1::Tier;

constexpr absl::string_view kBom = "\xEF\xBB\xBF";

// Column names.
constexpr char kName[] = "name";
constexpr char kKind[] = "kind";
constexpr char kTier[] = "tier";
constexpr char kStage[] = "stage";
constexpr char kProvince[] = "province";
constexpr char kCity[] = "city";
constexpr char kIndustry[] = "industry";
constexpr char kOwnerId[] = "owner_id";
constexpr char kCreditLimit[] = "credit_limit";
constexpr char kTags[] = "tags";
constexpr char kContactName[] = "contact_name";
constexpr char kContactTitle[] = "contact_title";
constexpr char kContactPhone[] = "contact_phone";
constexpr char kContactEmail[] = "contact_email";
constexpr char kNotes[] = "notes";

// Structural UTF-8 check (no overlongs, surrogates or values above U+10FFFF).
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = b(i);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    int extra;
    uint32_t cp;
    uint32_t min;
    if ((lead & 0xE0) == 0xC0) {
      extra = 1, cp = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, cp = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, cp = lead & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((b(i + k) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

bool IsLineBreak(char c) { return c == '\n' || c == '\r'; }

// Consumes the line break at text[*pos] (CRLF counts as one).
void SkipLineBreak(absl::string_view text, size_t* pos) {
  if (text[*pos] == '\r' && *pos + 1 < text.size() && text[*pos + 1] == '\n') ++*pos;
  ++*pos;
}

absl::Status RecordError(int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
}

// The enum value named by a CSV value: upper-cased, with or without the type's prefix.
template <typename Enum>
std::optional<Enum> ParseEnum(absl::string_view value, absl::string_view prefix,
                              bool (*parse)(const std::string&, Enum*)) {
  const std::string upper = absl::AsciiStrToUpper(value);
  Enum e;
  if (parse(upper, &e) || parse(absl::StrCat(prefix, upper), &e)) {
    if (static_cast<int>(e) != 0) return e;  // never UNSPECIFIED
  }
  return std::nullopt;
}

std::optional<Tier> ParseTier(absl::string_view value) {
  static const auto* const kChinese = new std::map<std::string, Tier, std::less<>>{
      {"重点客户", v1::TIER_KEY},   {"重点", v1::TIER_KEY},       {"重點客戶", v1::TIER_KEY},
      {"重點", v1::TIER_KEY},       {"一级客户", v1::TIER_TIER1}, {"一级", v1::TIER_TIER1},
      {"一級客戶", v1::TIER_TIER1}, {"一級", v1::TIER_TIER1},     {"二级客户", v1::TIER_TIER2},
      {"二级", v1::TIER_TIER2},     {"二級客戶", v1::TIER_TIER2}, {"二級", v1::TIER_TIER2},
      {"其他", v1::TIER_OTHER},     {"其他客户", v1::TIER_OTHER}, {"其他客戶", v1::TIER_OTHER},
  };
  if (auto it = kChinese->find(value); it != kChinese->end()) return it->second;
  return ParseEnum<Tier>(value, "TIER_", &v1::Tier_Parse);
}

std::optional<Stage> ParseStage(absl::string_view value) {
  return ParseEnum<Stage>(value, "STAGE_", &v1::Stage_Parse);
}

// Yuan with at most two decimals -> cents; nullopt when malformed, negative or too large.
std::optional<int64_t> ParseYuan(absl::string_view value) {
  absl::int128 cents = 0;
  size_t i = 0;
  int digits = 0;
  for (; i < value.size() && value[i] != '.'; ++i) {
    const char c = value[i];
    if (c == ',') {
      // Only between digits: "50,000" but not ",5" or "5,".
      if (digits == 0 || i + 1 >= value.size() || !absl::ascii_isdigit(value[i + 1])) {
        return std::nullopt;
      }
      continue;
    }
    if (!absl::ascii_isdigit(c)) return std::nullopt;
    cents = cents * 10 + (c - '0');
    if (cents > absl::int128(INT64_MAX)) return std::nullopt;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  cents *= 100;
  if (i < value.size()) {  // value[i] == '.'
    const absl::string_view fraction = value.substr(i + 1);
    if (fraction.empty() || fraction.size() > 2) return std::nullopt;
    for (char c : fraction) {
      if (!absl::ascii_isdigit(c)) return std::nullopt;
    }
    cents += (fraction[0] - '0') * 10 + (fraction.size() == 2 ? fraction[1] - '0' : 0);
  }
  if (cents > absl::int128(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(cents);
}

// Cents as yuan with two decimals and no separators: 5000050 -> "50000.50".
std::string FormatYuan(int64_t cents) {
  const bool negative = cents < 0;
  const uint64_t magnitude =
      negative ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  const uint64_t fraction = magnitude % 100;
  return absl::StrCat(negative ? "-" : "", magnitude / 100, ".", fraction < 10 ? "0" : "",
                      fraction);
}

bool IsPlausibleEmail(absl::string_view email) {
  const size_t at = email.find('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 == email.size()) return false;
  if (email.find('@', at + 1) != absl::string_view::npos) return false;
  for (char c : email) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "KEY", "TIER1", ...; "" for TIER_UNSPECIFIED and unknown values.
std::string TierName(Tier tier) {
  if (tier == v1::TIER_UNSPECIFIED || !v1::Tier_IsValid(tier)) return "";
  absl::string_view name = v1::Tier_Name(tier);
  absl::ConsumePrefix(&name, "TIER_");
  return std::string(name);
}

absl::string_view Trim(absl::string_view s) { return absl::StripAsciiWhitespace(s); }

// Fills `customer` from one record; appends an error per bad value.
void MapRecord(const std::vector<std::string>& columns, const CsvRecord& record, Customer* customer,
               std::vector<CsvFieldError>* errors) {
  v1::Contact contact;
  bool has_contact = false;
  auto error = [&](const std::string& field, std::string reason) {
    errors->push_back(CsvFieldError{record.line, field, std::move(reason)});
  };
  bool named = false;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& column = columns[i];
    const absl::string_view value = Trim(record.fields[i]);
    if (column == kName) named = !value.empty();
    if (value.empty()) continue;
    const std::string text(value);
    if (column == kName) {
      customer->set_name(text);
    } else if (column == kKind) {
      customer->set_kind(text);
    } else if (column == kTier) {
      if (std::optional<Tier> tier = ParseTier(value)) {
        customer->set_tier(*tier);
      } else {
        error(column, absl::StrCat("must be KEY, TIER1, TIER2 or OTHER (or 重点客户, 一级客户, "
                                   "二级客户, 其他), got \"",
                                   value, "\""));
      }
    } else if (column == kStage) {
      if (std::optional<Stage> stage = ParseStage(value)) {
        customer->set_stage(*stage);
      } else {
        error(column, absl::StrCat("must be LEAD, CONTACTED, INTENT, SAMPLE_ORDER, FIRST_ORDER, "
                                   "REPEAT, DORMANT or LOST, got \"",
                                   value, "\""));
      }
    } else if (column == kProvince) {
      customer->mutable_region()->set_province(text);
    } else if (column == kCity) {
      customer->mutable_region()->set_city(text);
    } else if (column == kIndustry) {
      customer->set_industry(text);
    } else if (column == kOwnerId) {
      customer->set_owner_id(text);
    } else if (column == kCreditLimit) {
      if (std::optional<int64_t> cents = ParseYuan(value)) {
        customer->set_credit_limit(*cents);
      } else {
        error(column, absl::StrCat("must be an amount in yuan, not negative, with at most 2 "
                                   "decimals (like 50000 or 50,000.00), got \"",
                                   value, "\""));
      }
    } else if (column == kTags) {
      for (absl::string_view tag : absl::StrSplit(value, ';')) {
        for (absl::string_view part : absl::StrSplit(tag, "；")) {  // full-width too
          part = Trim(part);
          if (!part.empty()) customer->add_tags(std::string(part));
        }
      }
    } else if (column == kContactName) {
      contact.set_name(text);
      has_contact = true;
    } else if (column == kContactTitle) {
      contact.set_title(text);
      has_contact = true;
    } else if (column == kContactPhone) {
      contact.set_phone(text);
      has_contact = true;
    } else if (column == kContactEmail) {
      if (!IsPlausibleEmail(value)) {
        error(column,
              absl::StrCat("must be an email address like name@example.com, got \"", value, "\""));
      }
      contact.set_email(text);
      has_contact = true;
    } else if (column == kNotes) {
      customer->set_notes(text);
    }
  }
  if (!named) error(kName, "must not be empty");
  if (has_contact) *customer->add_contacts() = std::move(contact);
}

}  // namespace

// ---- RFC 4180 ---------------------------------------------------------------------------------

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text) {
  if (absl::StartsWith(text, kBom)) text.remove_prefix(kBom.size());
  std::vector<CsvRecord> records;
  const size_t n = text.size();
  size_t pos = 0;
  int line = 1;
  while (pos < n) {
    if (IsLineBreak(text[pos])) {  // an empty line
      SkipLineBreak(text, &pos);
      ++line;
      continue;
    }
    CsvRecord record;
    record.line = line;
    while (true) {  // one field per turn
      std::string field;
      const int field_number = static_cast<int>(record.fields.size()) + 1;
      if (pos < n && text[pos] == '"') {
        const int opened_on = line;
        ++pos;
        bool closed = false;
        while (pos < n) {
          const char c = text[pos];
          if (c == '"') {
            if (pos + 1 < n && text[pos + 1] == '"') {
              field.push_back('"');
              pos += 2;
              continue;
            }
            ++pos;
            closed = true;
            break;
          }
          if (IsLineBreak(c)) {
            const size_t start = pos;
            SkipLineBreak(text, &pos);
            field.append(text.data() + start, pos - start);
            ++line;
            continue;
          }
          field.push_back(c);
          ++pos;
        }
        if (!closed) {
          return RecordError(record.line,
                             absl::StrCat("field ", field_number, " opens a quote on line ",
                                          opened_on, " that is never closed"));
        }
        if (pos < n && text[pos] != ',' && !IsLineBreak(text[pos])) {
          return RecordError(
              record.line,
              absl::StrCat("field ", field_number,
                           " has text after its closing quote; a quote inside a quoted field "
                           "is written twice (\"\")"));
        }
      } else {
        while (pos < n && text[pos] != ',' && !IsLineBreak(text[pos])) {
          if (text[pos] == '"') {
            return RecordError(
                record.line,
                absl::StrCat("field ", field_number,
                             " has a quote but does not start with one; quote the whole field "
                             "and write the quote twice (\"\")"));
          }
          field.push_back(text[pos]);
          ++pos;
        }
      }
      if (!IsValidUtf8(field)) {
        return RecordError(record.line,
                           absl::StrCat("field ", field_number,
                                        " is not UTF-8 text; save the file as \"CSV UTF-8\""));
      }
      record.fields.push_back(std::move(field));
      if (pos >= n) break;
      if (text[pos] == ',') {
        ++pos;
        continue;  // a comma at the very end still ends in an (empty) field
      }
      SkipLineBreak(text, &pos);
      ++line;
      break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::string CsvField(absl::string_view field) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(field);
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    line += CsvField(fields[i]);
  }
  line += "\r\n";
  return line;
}

// ---- Customers --------------------------------------------------------------------------------

const std::vector<std::string>& CustomerCsvColumns() {
  static const auto* const kColumns = new std::vector<std::string>{
      kName,        kKind,         kTier,         kStage,        kProvince,
      kCity,        kIndustry,     kOwnerId,      kCreditLimit,  kTags,
      kContactName, kContactTitle, kContactPhone, kContactEmail, kNotes};
  return *kColumns;
}

absl::StatusOr<CustomerCsv> ParseCustomersCsv(absl::string_view text) {
  absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv(text);
  if (!records.ok()) return records.status();
  if (records->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the file is empty; its first line must name the columns, from: ",
                     absl::StrJoin(CustomerCsvColumns(), ", ")));
  }
  const CsvRecord& header = records->front();
  std::vector<std::string> columns;
  std::vector<std::string> unknown;
  std::vector<std::string> repeated;
  std::vector<int> unnamed;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = absl::AsciiStrToLower(Trim(header.fields[i]));
    columns.push_back(name);
    if (name.empty()) {
      unnamed.push_back(static_cast<int>(i) + 1);
    } else if (std::find(CustomerCsvColumns().begin(), CustomerCsvColumns().end(), name) ==
               CustomerCsvColumns().end()) {
      unknown.push_back(absl::StrCat("\"", name, "\""));
    } else if (std::count(columns.begin(), columns.end(), name) == 2) {
      repeated.push_back(absl::StrCat("\"", name, "\""));
    }
  }
  std::vector<std::string> problems;
  if (!unknown.empty()) {
    problems.push_back(absl::StrCat("unknown column", unknown.size() > 1 ? "s " : " ",
                                    absl::StrJoin(unknown, ", ")));
  }
  if (!repeated.empty()) {
    problems.push_back(absl::StrCat("column", repeated.size() > 1 ? "s " : " ",
                                    absl::StrJoin(repeated, ", "), " given twice"));
  }
  if (!unnamed.empty()) {
    problems.push_back(absl::StrCat("column", unnamed.size() > 1 ? "s " : " ",
                                    absl::StrJoin(unnamed, ", "), " without a name"));
  }
  if (std::find(columns.begin(), columns.end(), kName) == columns.end()) {
    problems.push_back("no \"name\" column");
  }
  if (!problems.empty()) {
    return RecordError(header.line,
                       absl::StrCat(absl::StrJoin(problems, "; "), " (the columns are: ",
                                    absl::StrJoin(CustomerCsvColumns(), ", "), ")"));
  }

  CustomerCsv out;
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& record = (*records)[r];
    bool blank = true;
    for (const std::string& field : record.fields) {
      if (!Trim(field).empty()) {
        blank = false;
        break;
      }
    }
    if (blank) continue;
    if (record.fields.size() != columns.size()) {
      out.errors.push_back(CsvFieldError{
          record.line, "",
          absl::StrCat("has ", record.fields.size(), " field", record.fields.size() == 1 ? "" : "s",
                       "; the header has ", columns.size())});
      continue;
    }
    const size_t errors_before = out.errors.size();
    CustomerCsvRow row;
    row.line = record.line;
    MapRecord(columns, record, &row.customer, &out.errors);
    if (out.errors.size() == errors_before) out.rows.push_back(std::move(row));
  }
  return out;
}

std::string CustomerCsvHeader(bool bom) {
  return absl::StrCat(bom ? kBom : "", CsvLine(CustomerCsvColumns()));
}

std::string CustomerCsvRecord(const Customer& customer) {
  const v1::Contact* contact = customer.contacts().empty() ? nullptr : &customer.contacts(0);
  return CsvLine({
      customer.name(),
      customer.kind(),
      TierName(customer.tier()),
      IsKnownStage(customer.stage()) ? StageName(customer.stage()) : "",
      customer.region().province(),
      customer.region().city(),
      customer.industry(),
      customer.owner_id(),
      FormatYuan(customer.credit_limit()),
      absl::StrJoin(customer.tags(), ";"),
      contact ? contact->name() : "",
      contact ? contact->title() : "",
      contact ? contact->phone() : "",
      contact ? contact->email() : "",
      customer.notes(),
  });
}

std::string WriteCustomersCsv(const std::vector<Customer>& customers, bool bom) {
  std::string out = CustomerCsvHeader(bom);
  for (const Customer& customer : customers) out += CustomerCsvRecord(customer);
  return out;
}

}  // namespace opsuite::crm
