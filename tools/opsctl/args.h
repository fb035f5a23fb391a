// opsctl's command-line and value parsing, kept free of gRPC so it is unit-tested alone.
//
//   std::vector<OptionSpec> specs = {{"name", "TEXT", "department name", .required = true}};
//   ASSIGN_OR_RETURN(Args args, Args::Parse({"--name=销售部", "extra"}, specs));
//   args.Get("name");          // "销售部"
//   args.positionals();        // {"extra"}
//
//   ParseQuantity("1.5亿")                  // 150000000
//   ParseYuan("1.2万")                      // 1200000 (cents: 12000.00 yuan)
//   ParseOwner("employee:e1")              // Owner{EMPLOYEE, "e1"}
//   ParsePeriod("MONTH:2026-03-01")        // Period{MONTH, "2026-03-01"}; also "2026-Q1"
//   ParseTask("拜访客户|ROUTINE|30|10 家|2026-03-31|有记录")
//
// Every parser fails INVALID_ARGUMENT with a message naming the option and the expected form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "opsuite/common/v1/common.pb.h"
#include "opsuite/crm/v1/customer.pb.h"
#include "opsuite/planning/v1/goal_card.pb.h"
#include "opsuite/planning/v1/target.pb.h"

namespace opsuite::opsctl {

// One `--name=VALUE` (or `--name` for a flag) a command accepts. Names compare with '-' and
// '_' equal, so `--role-class` and `--role_class` are the same option.
struct OptionSpec {
  std::string name;        // without the dashes
  std::string value_name;  // e.g. "ID"; empty for a boolean flag
  std::string help;
  bool required = false;
  bool repeatable = false;
};

// "role-class" -> "role_class".
std::string CanonicalOptionName(absl::string_view name);

// A parsed command line: options by canonical name, positionals in order.
//
// Grammar: `--name=value`, `--name value` (for an option that takes a value), `--flag`,
// `--flag=true|false`, `-h` (= `--help`); `--` ends the options; anything else is a
// positional (so "-5" is a positional).
class Args {
 public:
  // `--help` is always understood. Options not in `specs` are errors, unless `allow_unknown`
  // (then `--x` is a flag and `--x=v` an option, and no following word is taken as a value).
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv,
                                    const std::vector<OptionSpec>& specs,
                                    bool allow_unknown = false);

  const std::vector<std::string>& positionals() const { return positionals_; }
  bool Has(absl::string_view name) const;
  // The last value given for `name`.
  std::optional<std::string> Get(absl::string_view name) const;
  std::string GetOr(absl::string_view name, absl::string_view fallback) const;
  // Every value, in order (repeatable options).
  std::vector<std::string> GetAll(absl::string_view name) const;
  // A boolean flag: absent is false; `--flag` is true; `--flag=false` is false.
  bool Flag(absl::string_view name) const;
  // Names of the options given, canonical, in order of first appearance.
  std::vector<std::string> Names() const;

  // The positionals without the first `n` (the command's words).
  void DropLeadingPositionals(size_t n);

 private:
  std::vector<std::pair<std::string, std::string>> options_;  // canonical name, value
  std::vector<std::string> positionals_;
};

// An integer with an optional Chinese unit suffix: 万 (×10⁴) or 亿 (×10⁸); the number may then
// carry decimals ("1.5亿" = 150000000, "1500万" = 15000000). Plain integers are taken as they
// are; "_" and "," digit separators are ignored; a leading "-" is allowed. The result must
// be a whole number that fits in int64.
absl::StatusOr<int64_t> ParseQuantity(absl::string_view text);

// Money: yuan with at most 2 decimals, or with 万/亿 and correspondingly more ("1.2万" =
// 12000.00 yuan), as cents ("50000" -> 5000000, "12000.50" -> 1200050, "1.2万" -> 1200000).
// Separators as ParseQuantity; not negative.
absl::StatusOr<int64_t> ParseYuan(absl::string_view text);

// "org" | "org:ID" | "department:ID" | "dept:ID" | "employee:ID" | "emp:ID".
absl::StatusOr<planning::v1::Owner> ParseOwner(absl::string_view text);

// YEAR|HALF|QUARTER|MONTH|WEEK|DAY, any case, with or without the GRANULARITY_ prefix.
absl::StatusOr<common::v1::Granularity> ParseGranularity(absl::string_view text);

// "GRANULARITY:YYYY-MM-DD" (the date must be aligned to the granularity), or the shorthands
// "2026" (YEAR), "2026-H2" (HALF), "2026-Q1" (QUARTER), "2026-03" (MONTH), "2026-03-02" (DAY).
absl::StatusOr<common::v1::Period> ParsePeriod(absl::string_view text);

// A real calendar day, strictly YYYY-MM-DD.
absl::StatusOr<std::string> ParseDate(absl::string_view text);

// RFC 3339 ("2026-03-02T21:00:00+08:00" or "...Z").
absl::StatusOr<absl::Time> ParseInstant(absl::string_view text);

// `time` as a google.protobuf.Timestamp.
google::protobuf::Timestamp ToProtoTimestamp(absl::Time time);

// A Go-style duration ("90s", "12h", "1h30m") or days ("7d").
absl::StatusOr<absl::Duration> ParseDurationArg(absl::string_view text);

// "title|KIND|weight|key_result|due_date|quality|id": title and weight required; KIND is
// ROUTINE (the default when empty) or AD_HOC; due_date YYYY-MM-DD; id names an existing task
// (card update). A literal '|' in a field is written "\|".
absl::StatusOr<planning::v1::GoalTask> ParseTask(absl::string_view text);

// "name|title|phone|email": a customer contact; the name is required, the rest may be left
// empty or off ("王经理||13800000000"). A literal '|' is written "\|".
absl::StatusOr<crm::v1::Contact> ParseContact(absl::string_view text);

// "1,3,3,3" -> {1, 3, 3, 3}; each a quantity (ParseQuantity).
absl::StatusOr<std::vector<int64_t>> ParseIntList(absl::string_view text);

// "employee:A=60,employee:B=40".
absl::StatusOr<std::vector<planning::v1::DecomposeTargetRequest::Share>> ParseShares(
    absl::string_view text);

// "t1=90,t2=80.5" -> {{"t1", 90}, {"t2", 80.5}}.
absl::StatusOr<std::vector<std::pair<std::string, double>>> ParseScores(absl::string_view text);

// "admin,manager" -> {"admin", "manager"}; each must be employee, manager, admin or service.
absl::StatusOr<std::vector<std::string>> ParseRoles(absl::string_view text);

// "sub:org:role1,role2" (roles may be empty) -> the parts.
struct Identity {
  std::string subject;
  std::string org;
  std::vector<std::string> roles;
};
absl::StatusOr<Identity> ParseIdentity(absl::string_view text);

// "true|false|yes|no|1|0|on|off".
absl::StatusOr<bool> ParseBool(absl::string_view text);

// An enum value by name: exact ("ROLE_CLASS_SALES"), or the name without the enum's prefix
// ("SALES", "sales", "ad-hoc"). The prefix is the UNSPECIFIED value's name less
// "UNSPECIFIED". The error lists the accepted names.
absl::StatusOr<int> ParseEnumValue(const google::protobuf::EnumDescriptor* type,
                                   absl::string_view text);
// The value's name without the enum's prefix ("SALES"); the number when unknown.
std::string ShortEnumName(const google::protobuf::EnumDescriptor* type, int number);

// Sets the field `field_name` (a proto field name, or a dotted path into singular message
// fields: "region.city") of `message` from text: strings as they are, integers through
// ParseQuantity, doubles, bools (ParseBool), enums (ParseEnumValue), Timestamps (RFC 3339,
// ParseInstant), Periods (ParsePeriod), repeated ones comma-separated. Appends the field name
// (of a path: its first field, "region") to `mask` when given.
absl::Status SetFieldFromText(google::protobuf::Message* message, absl::string_view field_name,
                              absl::string_view text, google::protobuf::FieldMask* mask = nullptr);

// Ids separated by commas and/or whitespace ("e1,e2 e3"): at least one, none repeated.
absl::StatusOr<std::vector<std::string>> ParseIdList(absl::string_view text);

// A finite decimal number: "95.5", "-3", "1e2".
absl::StatusOr<double> ParseNumber(absl::string_view text);

// `message` from proto3 JSON (field names lowerCamelCase or as in the .proto, enums by name;
// a UTF-8 BOM is skipped). Unknown fields are errors. The error says where:
// "3:14: expected an object key or }" (line:column) for broken JSON,
// "items[2].bands.mx: unknown field" or "subject_kind: invalid value \"X\"..." for a field.
absl::Status ParseJsonMessage(absl::string_view json, google::protobuf::Message* message);
// A JSON array of objects ("[{...}, {...}]") into the repeated message field `field` of
// `message` (other fields untouched); errors as ParseJsonMessage, paths from the element
// ("[1].points: ...").
absl::Status ParseJsonArray(absl::string_view json, absl::string_view field,
                            google::protobuf::Message* message);

// A random id for idempotent requests ("opsctl-3f9c0a5e7b12d4c8").
std::string RandomRequestId();

}  // namespace opsuite::opsctl
