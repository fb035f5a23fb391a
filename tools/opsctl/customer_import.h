// opsctl customer import: a parsed customer CSV file (crm::ParseCustomersCsv) cut into
// ImportCustomers calls, and the server's answers put back on the file's lines. No I/O and no
// RPC of its own (the caller passes the function that sends a call), so it is tested alone.
//
//   absl::StatusOr<crm::CustomerCsv> csv = crm::ParseCustomersCsv(text);
//   absl::StatusOr<ImportResult> result = RunImport(text, *csv, {.all_or_nothing = true}, send);
//   for (const crm::CsvFieldError& e : result->errors) std::cerr << FormatCsvError(path, e);
//   std::cout << ImportSummary(*result) << "\n";   // "imported 12 customers; 2 rows rejected"
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "opsuite/crm/v1/customer.pb.h"
#include "services/crm/domain/csv.h"

namespace opsuite::opsctl {

// ImportCustomersRequest takes at most this many customers.
inline constexpr size_t kMaxImportRows = 5000;

// One ImportCustomers call: the good rows [begin, end) of the file.
struct ImportChunk {
  size_t begin = 0;
  size_t end = 0;
  std::string request_id;
};

// `row_count` rows cut into chunks of at most `max_rows`. Each request id is derived from the
// file's bytes and the chunk's index ("opsctl-import-<hash>-<index>"), so importing the same
// file again repeats the same requests and the server creates nothing twice.
std::vector<ImportChunk> PlanImportChunks(absl::string_view file_content, size_t row_count,
                                          size_t max_rows = kMaxImportRows);

// The request for `chunk` of `rows`.
crm::v1::ImportCustomersRequest ImportRequest(const std::vector<crm::CustomerCsvRow>& rows,
                                              const ImportChunk& chunk, bool all_or_nothing);

// The CSV column a server field path is about: "customer.region.city" -> "city",
// "customer.contacts[0].email" -> "contact_email", "customer.tags[2]" -> "tags"; a field with
// no column keeps its path without "customer." ("currency").
std::string CsvColumnOfField(absl::string_view field);

// The errors of `response` to `chunk`, each on the CSV line of its row (row is 1-based in the
// chunk; 0 when out of range). A reason listing several violations ("customer.name: ...;
// customer.tier: ...") becomes one error per violation, and "row N" in a reason (a duplicate
// of an earlier row) is rewritten to that row's "line L".
std::vector<crm::CsvFieldError> ImportErrorsOnLines(
    const std::vector<crm::CustomerCsvRow>& rows, const ImportChunk& chunk,
    const crm::v1::ImportCustomersResponse& response);

struct ImportOptions {
  bool all_or_nothing = false;  // one bad row, in the file or at the server: nothing is created
  bool dry_run = false;         // check the file only; send nothing
  size_t max_rows = kMaxImportRows;
};

// Sends one call; std::nullopt when the call failed (the sender has said why).
using ImportSender = std::function<std::optional<crm::v1::ImportCustomersResponse>(
    const crm::v1::ImportCustomersRequest&)>;

struct ImportResult {
  std::vector<crm::CsvFieldError> errors;  // the file's and the server's, by line
  std::vector<std::string> created_ids;
  std::vector<std::string> notes;  // why good rows were not imported, for the person
  size_t valid_rows = 0;           // rows that passed the checks of the file
  size_t calls = 0;                // calls made (for a dry run: the calls it would make)
  size_t not_imported = 0;         // valid rows neither created nor rejected
  bool call_failed = false;        // a call failed; the rows from it on were not sent
  bool dry_run = false;
};

// Sends the good rows of `csv` in chunks (PlanImportChunks) through `send`, stopping after a
// call that fails. With all_or_nothing, nothing is sent when the file has an error, and a file
// of more than `max_rows` good rows is INVALID_ARGUMENT (one call is all-or-nothing, several
// are not).
absl::StatusOr<ImportResult> RunImport(absl::string_view file_content, const crm::CustomerCsv& csv,
                                       const ImportOptions& options, const ImportSender& send);

// How many different lines `errors` are on.
size_t RejectedRows(const std::vector<crm::CsvFieldError>& errors);

// "imported 12 customers; 2 rows rejected", with "; 30 valid rows not imported" when some were
// held back; for a dry run "dry run: 12 rows to import in 1 call; 2 rows rejected".
std::string ImportSummary(const ImportResult& result);

// 0, or 1 when a row was rejected or not imported or a call failed.
int ImportExitCode(const ImportResult& result);

// "customers.csv:7: tier: must be KEY, ..."; without "FIELD: " when the whole record is wrong
// and without ":LINE" for line 0.
std::string FormatCsvError(absl::string_view file, const crm::CsvFieldError& error);

// A whole-file error of ParseCustomersCsv ("line 3: a quoted field is never closed") as an error
// on that line (line 0 when the message names none).
crm::CsvFieldError FileError(const absl::Status& status);

}  // namespace opsuite::opsctl
