#include "tools/opsctl/format.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "tools/opsctl/args.h"

namespace opsuite::opsctl {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

bool IsWide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
         (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

// The text of one non-repeated field, or of element `index` of a repeated one.
std::string ScalarText(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection* r = message.GetReflection();
  const bool rep = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(message, field, index) : r->GetString(message, field);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(message, field, index)
                              : r->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(message, field, index)
                              : r->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(message, field, index)
                              : r->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(message, field, index)
                              : r->GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatNumber(rep ? r->GetRepeatedDouble(message, field, index)
                              : r->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FormatNumber(rep ? r->GetRepeatedFloat(message, field, index)
                              : r->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return ShortEnumName(field->enum_type(), rep ? r->GetRepeatedEnumValue(message, field, index)
                                                   : r->GetEnumValue(message, field));
    default:
      return "";
  }
}

// The short form of a well-known message, or std::nullopt to flatten it.
std::optional<std::string> ShortForm(const Message& message) {
  const std::string& type = message.GetDescriptor()->full_name();
  if (type == common::v1::Period::descriptor()->full_name()) {
    common::v1::Period period;
    period.CopyFrom(message);
    return FormatPeriod(period);
  }
  if (type == planning::v1::Owner::descriptor()->full_name()) {
    planning::v1::Owner owner;
    owner.CopyFrom(message);
    return FormatOwner(owner);
  }
  if (type == google::protobuf::Timestamp::descriptor()->full_name()) {
    google::protobuf::Timestamp ts;
    ts.CopyFrom(message);
    return FormatTimestamp(ts);
  }
  if (type == google::protobuf::FieldMask::descriptor()->full_name()) {
    google::protobuf::FieldMask mask;
    mask.CopyFrom(message);
    return absl::StrJoin(mask.paths(), ",");
  }
  return std::nullopt;
}

void Flatten(const Message& message, const std::string& prefix, KeyValues* out) {
  if (std::optional<std::string> text = ShortForm(message)) {
    out->emplace_back(prefix, *text);
    return;
  }
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string name =
        prefix.empty() ? field->name() : absl::StrCat(prefix, ".", field->name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < r->FieldSize(message, field); ++i) {
          Flatten(r->GetRepeatedMessage(message, field, i), absl::StrCat(name, "[", i, "]"), out);
        }
      } else {
        Flatten(r->GetMessage(message, field), name, out);
      }
    } else if (field->is_repeated()) {
      std::vector<std::string> items;
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        items.push_back(ScalarText(message, field, i));
      }
      out->emplace_back(name, absl::StrJoin(items, ","));
    } else {
      out->emplace_back(name, ScalarText(message, field, 0));
    }
  }
}

}  // namespace

int DisplayWidth(absl::string_view text) {
  int width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1F;
    }
    if (i + len > text.size()) len = text.size() - i;
    for (size_t k = 1; k < len; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    width += IsWide(cp) ? 2 : 1;
    i += len;
  }
  return width;
}

std::string PadRight(absl::string_view text, int width) {
  std::string out(text);
  out.append(static_cast<size_t>(std::max(0, width - DisplayWidth(text))), ' ');
  return out;
}

std::string Table::Render() const {
  std::vector<int> widths(headers_.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i >= widths.size()) widths.push_back(0);
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);
  std::string out;
  auto render = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      line += i + 1 == row.size() ? row[i] : PadRight(row[i], widths[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  };
  render(headers_);
  for (const auto& row : rows_) render(row);
  return out;
}

std::string RenderKeyValues(const KeyValues& rows) {
  int width = 0;
  for (const auto& [key, value] : rows) width = std::max(width, DisplayWidth(key));
  std::string out;
  for (const auto& [key, value] : rows) {
    std::string line = absl::StrCat(PadRight(key, width), "  ", value);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string FormatPeriod(const common::v1::Period& period) {
  if (period.granularity() == 0 && period.start_date().empty()) return "";
  return absl::StrCat(ShortEnumName(common::v1::Granularity_descriptor(), period.granularity()),
                      ":", period.start_date());
}

std::string FormatOwner(const planning::v1::Owner& owner) {
  std::string kind = ShortEnumName(planning::v1::OwnerKind_descriptor(), owner.kind());
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (owner.id().empty()) return kind;
  return absl::StrCat(kind, ":", owner.id());
}

std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatPercent(double ratio) { return absl::StrFormat("%.1f%%", ratio * 100); }

std::string FormatNumber(double value) {
  if (std::trunc(value) == value && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  std::string out = absl::StrFormat("%.4f", value);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

KeyValues MessageFields(const Message& message) {
  KeyValues out;
  Flatten(message, "", &out);
  return out;
}

}  // namespace opsuite::opsctl
