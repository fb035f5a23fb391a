// crm's CSV reader (RFC 4180 and the customer import format), from any bytes.
// Properties: no crash; errors are INVALID_ARGUMENT starting "line N: " or naming the file's
// header; records parsed from the text are written back by CsvLine and parse to the same
// fields (a round trip); the customer import never panics on what ParseCsv accepts.
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "fuzz/check.h"
#include "services/crm/domain/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const absl::string_view text = opsuite::fuzz::AsText(data, size);
  auto records = opsuite::crm::ParseCsv(text);
  if (!records.ok()) {
    FUZZ_CHECK(records.status().code() == absl::StatusCode::kInvalidArgument &&
                   absl::StartsWith(records.status().message(), "line "),
               "%s", records.status().ToString().c_str());
  } else {
    std::string written;
    for (const auto& r : *records) {
      FUZZ_CHECK(r.line >= 1, "record line %d", r.line);
      written += opsuite::crm::CsvLine(r.fields);
    }
    // A BOM that a first field starts with would be taken for the file's own: write one first.
    if (written.starts_with("\xEF\xBB\xBF")) written.insert(0, "\xEF\xBB\xBF");
    auto again = opsuite::crm::ParseCsv(written);
    FUZZ_CHECK(again.ok(), "written records do not parse: %s", again.status().ToString().c_str());
    // Lines of only empty fields: one empty field is an empty line, which ParseCsv skips.
    size_t j = 0;
    for (const auto& r : *records) {
      if (r.fields.size() == 1 && r.fields[0].empty()) continue;
      FUZZ_CHECK(j < again->size() && (*again)[j].fields == r.fields,
                 "record from line %d changed in the round trip", r.line);
      ++j;
    }
  }
  auto customers = opsuite::crm::ParseCustomersCsv(text);
  if (!customers.ok()) {
    FUZZ_CHECK(customers.status().code() == absl::StatusCode::kInvalidArgument, "%s",
               customers.status().ToString().c_str());
    return 0;
  }
  // What the import accepted exports to a file that imports to the same records.
  std::vector<opsuite::crm::v1::Customer> accepted;
  for (const auto& row : customers->rows) accepted.push_back(row.customer);
  auto reread = opsuite::crm::ParseCustomersCsv(opsuite::crm::WriteCustomersCsv(accepted));
  FUZZ_CHECK(reread.ok() && reread->errors.empty() && reread->rows.size() == accepted.size(),
             "an exported file does not import cleanly: %s",
             reread.ok() ? (reread->errors.empty() ? "row count" : reread->errors[0].reason.c_str())
                         : reread.status().ToString().c_str());
  for (size_t i = 0; i < accepted.size(); ++i) {
    FUZZ_CHECK(opsuite::crm::CustomerCsvRecord(reread->rows[i].customer) ==
                   opsuite::crm::CustomerCsvRecord(accepted[i]),
               "customer %zu changed in export and import", i);
  }
  return 0;
}
