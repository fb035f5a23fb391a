#include "tools/opsctl/customer_import.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace opsuite::opsctl {
namespace {

using ::opsuite::crm::CsvFieldError;
using ::opsuite::crm::CustomerCsvRow;
using ::opsuite::crm::v1::ImportCustomersRequest;
using ::opsuite::crm::v1::ImportCustomersResponse;

// FNV-1a, 64 bits: the same on every machine and in every run (absl::Hash is seeded).
uint64_t StableHash(absl::string_view data) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// The CSV line of 1-based `row` of `chunk`; 0 when there is no such row.
int LineOfRow(const std::vector<CustomerCsvRow>& rows, const ImportChunk& chunk, int64_t row) {
  if (row < 1 || static_cast<uint64_t>(row) > chunk.end - chunk.begin) return 0;
  return rows[chunk.begin + static_cast<size_t>(row) - 1].line;
}

// `reason` with each "row N" (a row of the chunk) written as "line L".
std::string RowsToLines(absl::string_view reason, const std::vector<CustomerCsvRow>& rows,
                        const ImportChunk& chunk) {
  std::string out;
  size_t done = 0;  // reason[0, done) is in `out`
  for (size_t at = reason.find("row "); at != absl::string_view::npos;
       at = reason.find("row ", at + 1)) {
    if (at > 0 && absl::ascii_isalpha(reason[at - 1])) continue;  // "arrow 5"
    size_t end = at + 4;
    while (end < reason.size() && absl::ascii_isdigit(reason[end])) ++end;
    int64_t row = 0;
    if (!absl::SimpleAtoi(reason.substr(at + 4, end - at - 4), &row)) continue;
    const int line = LineOfRow(rows, chunk, row);
    if (line == 0) continue;
    absl::StrAppend(&out, reason.substr(done, at - done), "line ", line);
    done = end;
  }
  absl::StrAppend(&out, reason.substr(done));
  return out;
}

bool ByLine(const CsvFieldError& a, const CsvFieldError& b) { return a.line < b.line; }

}  // namespace

std::vector<ImportChunk> PlanImportChunks(absl::string_view file_content, size_t row_count,
                                          size_t max_rows) {
  const uint64_t hash = StableHash(file_content);
  std::vector<ImportChunk> chunks;
  for (size_t begin = 0; begin < row_count; begin += max_rows) {
    chunks.push_back({begin, std::min(row_count, begin + max_rows),
                      absl::StrFormat("opsctl-import-%016x-%d", hash, chunks.size())});
  }
  return chunks;
}

ImportCustomersRequest ImportRequest(const std::vector<CustomerCsvRow>& rows,
                                     const ImportChunk& chunk, bool all_or_nothing) {
  ImportCustomersRequest request;
  for (size_t i = chunk.begin; i < chunk.end; ++i) *request.add_customers() = rows[i].customer;
  request.set_all_or_nothing(all_or_nothing);
  request.set_request_id(chunk.request_id);
  return request;
}

std::string CsvColumnOfField(absl::string_view field) {
  absl::ConsumePrefix(&field, "customer.");
  std::string column(field);
  if (absl::ConsumePrefix(&field, "region.")) {
    column = std::string(field);
  } else if (absl::StartsWith(field, "contacts[")) {
    const size_t dot = field.find("].");
    column = dot == absl::string_view::npos ? "contact_name"
                                            : absl::StrCat("contact_", field.substr(dot + 2));
  } else if (absl::StartsWith(field, "tags[")) {
    column = "tags";
  }
  const std::vector<std::string>& columns = crm::CustomerCsvColumns();
  if (std::find(columns.begin(), columns.end(), column) != columns.end()) return column;
  return std::string(field);
}

std::vector<CsvFieldError> ImportErrorsOnLines(const std::vector<CustomerCsvRow>& rows,
                                               const ImportChunk& chunk,
                                               const ImportCustomersResponse& response) {
  std::vector<CsvFieldError> out;
  for (const ImportCustomersResponse::RowError& e : response.errors()) {
    const int line = LineOfRow(rows, chunk, e.row());
    const size_t first = out.size();
    for (absl::string_view part : absl::StrSplit(e.reason(), "; ")) {
      const std::string text = RowsToLines(part, rows, chunk);
      const size_t colon = text.find(": ");
      if (absl::StartsWith(text, "customer.") && colon != std::string::npos) {
        out.push_back({line, CsvColumnOfField(text.substr(0, colon)), text.substr(colon + 2)});
      } else if (out.size() > first) {
        absl::StrAppend(&out.back().reason, "; ", text);
      } else {
        out.push_back({line, CsvColumnOfField(e.field()), text});
      }
    }
  }
  return out;
}

absl::StatusOr<ImportResult> RunImport(absl::string_view file_content, const crm::CustomerCsv& csv,
                                       const ImportOptions& options, const ImportSender& send) {
  ImportResult result;
  result.dry_run = options.dry_run;
  result.errors = csv.errors;
  result.valid_rows = csv.rows.size();
  if (options.all_or_nothing && result.valid_rows > options.max_rows) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--all-or-nothing: the file has ", result.valid_rows, " rows and one call takes at most ",
        options.max_rows, "; split the file, or import without --all-or-nothing"));
  }
  const std::vector<ImportChunk> chunks =
      PlanImportChunks(file_content, csv.rows.size(), options.max_rows);
  if (options.dry_run) {
    result.calls = chunks.size();
    return result;
  }
  if (options.all_or_nothing && !csv.errors.empty()) {
    result.not_imported = result.valid_rows;
    result.notes.push_back(absl::StrCat("nothing was sent: --all-or-nothing and ",
                                        RejectedRows(csv.errors), " rows have errors"));
    return result;
  }
  size_t server_rejected = 0;
  for (const ImportChunk& chunk : chunks) {
    std::optional<ImportCustomersResponse> response =
        send(ImportRequest(csv.rows, chunk, options.all_or_nothing));
    ++result.calls;
    if (!response) {
      result.call_failed = true;
      result.notes.push_back(absl::StrCat("rows from line ", csv.rows[chunk.begin].line,
                                          " on were not imported: the call failed"));
      break;
    }
    result.created_ids.insert(result.created_ids.end(), response->created_ids().begin(),
                              response->created_ids().end());
    std::vector<CsvFieldError> errors = ImportErrorsOnLines(csv.rows, chunk, *response);
    server_rejected += RejectedRows(errors);
    result.errors.insert(result.errors.end(), errors.begin(), errors.end());
    if (options.all_or_nothing && response->errors_size() > 0) {
      result.notes.push_back("nothing was imported: --all-or-nothing and the server rejected rows");
    }
  }
  result.not_imported =
      result.valid_rows - std::min(result.valid_rows, result.created_ids.size() + server_rejected);
  std::stable_sort(result.errors.begin(), result.errors.end(), ByLine);
  return result;
}

size_t RejectedRows(const std::vector<CsvFieldError>& errors) {
  std::set<int> lines;
  for (const CsvFieldError& e : errors) lines.insert(e.line);
  return lines.size();
}

std::string ImportSummary(const ImportResult& result) {
  const size_t rejected = RejectedRows(result.errors);
  if (result.dry_run) {
    return absl::StrCat("dry run: ", result.valid_rows, " rows to import in ", result.calls,
                        result.calls == 1 ? " call" : " calls", "; ", rejected, " rows rejected");
  }
  std::string summary = absl::StrCat("imported ", result.created_ids.size(), " customers; ",
                                     rejected, " rows rejected");
  if (result.not_imported > 0) {
    absl::StrAppend(&summary, "; ", result.not_imported, " valid rows not imported");
  }
  return summary;
}

int ImportExitCode(const ImportResult& result) {
  return result.errors.empty() && result.not_imported == 0 && !result.call_failed ? 0 : 1;
}

std::string FormatCsvError(absl::string_view file, const CsvFieldError& error) {
  return absl::StrCat(file, error.line > 0 ? absl::StrCat(":", error.line) : "", ": ",
                      error.field.empty() ? "" : absl::StrCat(error.field, ": "), error.reason);
}

CsvFieldError FileError(const absl::Status& status) {
  absl::string_view message = status.message();
  absl::string_view rest = message;
  if (absl::ConsumePrefix(&rest, "line ")) {
    const size_t colon = rest.find(": ");
    int line = 0;
    if (colon != absl::string_view::npos && absl::SimpleAtoi(rest.substr(0, colon), &line)) {
      return {line, "", std::string(rest.substr(colon + 2))};
    }
  }
  return {0, "", std::string(message)};
}

}  // namespace opsuite::opsctl
