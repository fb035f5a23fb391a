#include "services/gateway/json_writer.h"

#include <charconv>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"

namespace opsuite::gateway {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

void AppendString(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

template <class Float>
void AppendFloat(Float v, std::string* out) {
  if (std::isnan(v)) return out->append("\"NaN\""), void();
  if (std::isinf(v)) return out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\""), void();
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
  out->append(buf, end);
}

// Seconds and nanos as "1.5s" / "-0.000000001s" (Duration) or the fraction of a Timestamp.
void AppendNanos(int32_t nanos, std::string* out) {
  if (nanos == 0) return;
  if (nanos % 1'000'000 == 0) {
    absl::StrAppend(out, ".", absl::Dec(nanos / 1'000'000, absl::kZeroPad3));
  } else if (nanos % 1000 == 0) {
    absl::StrAppend(out, ".", absl::Dec(nanos / 1000, absl::kZeroPad6));
  } else {
    absl::StrAppend(out, ".", absl::Dec(nanos, absl::kZeroPad9));
  }
}

std::string CamelCase(absl::string_view path) {
  std::string out;
  bool up = false;
  for (char c : path) {
    if (c == '_') {
      up = true;
    } else {
      out.push_back(up ? static_cast<char>(absl::ascii_toupper(static_cast<unsigned char>(c))) : c);
      up = false;
    }
  }
  return out;
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  absl::Status Message(const pb::Message& m) {
    const pb::Descriptor* d = m.GetDescriptor();
    if (d->file()->name().rfind("google/protobuf/", 0) == 0) {
      bool handled = false;
      WellKnown(m, &handled);
      if (handled) return status_;
    }
    return Fields(m);
  }

 private:
  // The fields of `m` as a JSON object.
  absl::Status Fields(const pb::Message& m) {
    const pb::Descriptor* d = m.GetDescriptor();
    const pb::Reflection* r = m.GetReflection();
    out_->push_back('{');
    bool first = true;
    for (int i = 0; i < d->field_count(); ++i) {
      const FD* f = d->field(i);
      if (f->is_repeated()) {
        // Empty lists and maps are printed ([] / {}), as always_print_primitive_fields does.
      } else if (f->has_presence()) {
        if (!r->HasField(m, f)) continue;  // unset messages, oneofs and `optional` scalars
      }
      if (!first) out_->push_back(',');
      first = false;
      AppendString(f->json_name(), out_);
      out_->push_back(':');
      if (f->is_map()) {
        Map(m, f);
      } else if (f->is_repeated()) {
        out_->push_back('[');
        int n = r->FieldSize(m, f);
        for (int k = 0; k < n; ++k) {
          if (k) out_->push_back(',');
          Value(m, f, k);
        }
        out_->push_back(']');
      } else {
        Value(m, f, -1);
      }
      if (!status_.ok()) return status_;
    }
    out_->push_back('}');
    return status_;
  }

  void Map(const pb::Message& m, const FD* f) {
    const pb::Reflection* r = m.GetReflection();
    const FD* key = f->message_type()->map_key();
    const FD* value = f->message_type()->map_value();
    out_->push_back('{');
    int n = r->FieldSize(m, f);
    for (int k = 0; k < n; ++k) {
      const pb::Message& entry = r->GetRepeatedMessage(m, f, k);
      const pb::Reflection* er = entry.GetReflection();
      if (k) out_->push_back(',');
      std::string name;
      switch (key->cpp_type()) {
        case FD::CPPTYPE_STRING: name = er->GetString(entry, key); break;
        case FD::CPPTYPE_BOOL: name = er->GetBool(entry, key) ? "true" : "false"; break;
        case FD::CPPTYPE_INT32: name = absl::StrCat(er->GetInt32(entry, key)); break;
        case FD::CPPTYPE_INT64: name = absl::StrCat(er->GetInt64(entry, key)); break;
        case FD::CPPTYPE_UINT32: name = absl::StrCat(er->GetUInt32(entry, key)); break;
        case FD::CPPTYPE_UINT64: name = absl::StrCat(er->GetUInt64(entry, key)); break;
        default: break;
      }
      AppendString(name, out_);
      out_->push_back(':');
      Value(entry, value, -1);
    }
    out_->push_back('}');
  }

  // Field `f` of `m` (element `k` when repeated).
  void Value(const pb::Message& m, const FD* f, int k) {
    const pb::Reflection* r = m.GetReflection();
    bool rep = k >= 0;
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32:
        absl::StrAppend(out_, rep ? r->GetRepeatedInt32(m, f, k) : r->GetInt32(m, f));
        break;
      case FD::CPPTYPE_UINT32:
        absl::StrAppend(out_, rep ? r->GetRepeatedUInt32(m, f, k) : r->GetUInt32(m, f));
        break;
      case FD::CPPTYPE_INT64:
        absl::StrAppend(out_, "\"", rep ? r->GetRepeatedInt64(m, f, k) : r->GetInt64(m, f), "\"");
        break;
      case FD::CPPTYPE_UINT64:
        absl::StrAppend(out_, "\"", rep ? r->GetRepeatedUInt64(m, f, k) : r->GetUInt64(m, f), "\"");
        break;
      case FD::CPPTYPE_DOUBLE:
        AppendFloat(rep ? r->GetRepeatedDouble(m, f, k) : r->GetDouble(m, f), out_);
        break;
      case FD::CPPTYPE_FLOAT:
        AppendFloat(rep ? r->GetRepeatedFloat(m, f, k) : r->GetFloat(m, f), out_);
        break;
      case FD::CPPTYPE_BOOL:
        out_->append((rep ? r->GetRepeatedBool(m, f, k) : r->GetBool(m, f)) ? "true" : "false");
        break;
      case FD::CPPTYPE_ENUM: {
        int number = rep ? r->GetRepeatedEnumValue(m, f, k) : r->GetEnumValue(m, f);
        if (f->enum_type()->full_name() == "google.protobuf.NullValue") {
          out_->append("null");
          break;
        }
        const pb::EnumValueDescriptor* v = f->enum_type()->FindValueByNumber(number);
        if (v != nullptr) {
          AppendString(v->name(), out_);
        } else {
          absl::StrAppend(out_, number);
        }
        break;
      }
      case FD::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& s = rep ? r->GetRepeatedStringReference(m, f, k, &scratch)
                                   : r->GetStringReference(m, f, &scratch);
        if (f->type() == FD::TYPE_BYTES) {
          AppendString(absl::Base64Escape(s), out_);
        } else {
          AppendString(s, out_);
        }
        break;
      }
      case FD::CPPTYPE_MESSAGE: {
        const pb::Message& sub = rep ? r->GetRepeatedMessage(m, f, k) : r->GetMessage(m, f);
        absl::Status s = Message(sub);
        if (!s.ok()) status_ = s;
        break;
      }
    }
  }

  // Writes the JSON form of a google.protobuf.* type; *handled false for ordinary messages.
  void WellKnown(const pb::Message& m, bool* handled) {
    const pb::Descriptor* d = m.GetDescriptor();
    const pb::Reflection* r = m.GetReflection();
    const std::string& name = d->full_name();
    *handled = true;
    if (name == "google.protobuf.Timestamp") {
      int64_t seconds = r->GetInt64(m, d->field(0));
      int32_t nanos = r->GetInt32(m, d->field(1));
      std::string t = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(seconds),
                                       absl::UTCTimeZone());
      AppendNanos(nanos, &t);
      t.push_back('Z');
      AppendString(t, out_);
    } else if (name == "google.protobuf.Duration") {
      int64_t seconds = r->GetInt64(m, d->field(0));
      int32_t nanos = r->GetInt32(m, d->field(1));
      std::string t = (seconds < 0 || nanos < 0) ? "-" : "";
      absl::StrAppend(&t, seconds < 0 ? -seconds : seconds);
      AppendNanos(nanos < 0 ? -nanos : nanos, &t);
      t.push_back('s');
      AppendString(t, out_);
    } else if (name == "google.protobuf.FieldMask") {
      std::string paths;
      const FD* f = d->field(0);
      for (int k = 0; k < r->FieldSize(m, f); ++k) {
        if (k) paths.push_back(',');
        paths += CamelCase(r->GetRepeatedString(m, f, k));
      }
      AppendString(paths, out_);
    } else if (name == "google.protobuf.Struct") {
      Map(m, d->field(0));
    } else if (name == "google.protobuf.ListValue") {
      const FD* f = d->field(0);
      out_->push_back('[');
      for (int k = 0; k < r->FieldSize(m, f); ++k) {
        if (k) out_->push_back(',');
        Value(m, f, k);
      }
      out_->push_back(']');
    } else if (name == "google.protobuf.Value") {
      const pb::OneofDescriptor* kind = d->oneof_decl(0);
      const FD* set = r->GetOneofFieldDescriptor(m, kind);
      if (set == nullptr) {
        out_->append("null");
      } else {
        Value(m, set, -1);
      }
    } else if (name == "google.protobuf.Empty") {
      out_->append("{}");
    } else if (name == "google.protobuf.Any") {
      Any(m);
    } else if (absl::EndsWith(name, "Value") && d->field_count() == 1 &&
               d->field(0)->name() == "value") {
      Value(m, d->field(0), -1);  // wrappers: the wrapped value
    } else {
      *handled = false;
    }
  }

  void Any(const pb::Message& m) {
    const pb::Descriptor* d = m.GetDescriptor();
    const pb::Reflection* r = m.GetReflection();
    std::string url = r->GetString(m, d->FindFieldByNumber(1));
    if (url.empty()) return out_->append("{}"), void();
    std::string bytes = r->GetString(m, d->FindFieldByNumber(2));
    const pb::Descriptor* type =
        d->file()->pool()->FindMessageTypeByName(url.substr(url.rfind('/') + 1));
    if (type == nullptr) {
      status_ = absl::NotFoundError(absl::StrCat("Any of unknown type ", url));
      return;
    }
    pb::DynamicMessageFactory factory(d->file()->pool());
    std::unique_ptr<pb::Message> inner(factory.GetPrototype(type)->New());
    if (!inner->ParseFromString(bytes)) {
      status_ = absl::DataLossError(absl::StrCat("Any of type ", url, " does not parse"));
      return;
    }
    out_->append("{\"@type\":");
    AppendString(url, out_);
    if (type->file()->name().rfind("google/protobuf/", 0) == 0 &&
        type->full_name() != "google.protobuf.Any") {
      bool handled = false;
      std::string value;
      Writer inner_writer(&value);
      inner_writer.WellKnown(*inner, &handled);
      if (handled) {
        absl::StrAppend(out_, ",\"value\":", value, "}");
        return;
      }
    }
    // The message's own fields, after "@type".
    std::string fields;
    Writer inner_writer(&fields);
    status_ = inner_writer.Fields(*inner);
    if (fields.size() > 2) absl::StrAppend(out_, ",", fields.substr(1, fields.size() - 2));
    out_->push_back('}');
  }

  std::string* out_;
  absl::Status status_;
};

}  // namespace

absl::Status AppendJson(const google::protobuf::Message& message, std::string* out) {
  return Writer(out).Message(message);
}

}  // namespace opsuite::gateway
