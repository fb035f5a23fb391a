// CSV import and export of customers (opsctl's `customers import/export`, ImportCustomers).
// The reader follows RFC 4180 and what spreadsheets actually write: UTF-8 with or without a
// byte-order mark, CRLF or LF line breaks, quoted fields with "" for a quote and line breaks
// inside, and reports the 1-based line each record starts on so a person can find it in the
// file. The customer mapping turns a header row plus records into v1::Customer messages and
// collects every bad value as {line, field, reason} without stopping at the first; the writer
// produces the same columns, so an export imports back unchanged.
//
//   ASSIGN_OR_RETURN(CustomerCsv csv, ParseCustomersCsv(file_contents));
//   for (const CsvFieldError& e : csv.errors) { /* "line 7, tier: must be KEY, ..." */ }
//   for (const CustomerCsvRow& row : csv.rows) { /* row.line, row.customer */ }
//
//   std::string out = CustomerCsvHeader();            // or WriteCustomersCsv(customers)
//   for (const Customer& c : page) out += CustomerCsvRecord(c);
//
// Pure functions: no I/O.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "opsuite/crm/v1/customer.pb.h"

namespace opsuite::crm {

// ---- RFC 4180 ---------------------------------------------------------------------------------

// One record and the 1-based line of the file it starts on.
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
  friend bool operator==(const CsvRecord&, const CsvRecord&) = default;
};

// Parses `text`: a leading UTF-8 BOM is skipped; records end at CRLF, LF or a lone CR (the
// last one may end at the end of the text); fields are separated by commas; a field starting
// with a quote runs to the matching quote, with "" standing for one quote and line breaks kept
// as they are (they advance the line count). Completely empty lines are skipped; a line of
// commas is a record of empty fields. Field values are returned as written, not trimmed.
// A malformed record is INVALID_ARGUMENT whose message starts with "line N: ", N the line the
// record starts on: a quoted field that is never closed, a quote inside an unquoted field or
// text after a closing quote (a stray quote), bytes that are not UTF-8 (a file saved as
// GBK: save it as "CSV UTF-8").
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text);

// `field` as written to a CSV file: quoted (quotes doubled) iff it holds a comma, a quote, a
// CR or a LF.
std::string CsvField(absl::string_view field);

// The fields joined by commas, each through CsvField(), ended by CRLF. (A record of a single
// empty field is thus an empty line, which ParseCsv skips; files with two or more columns, like
// the customer file, never meet this.)
std::string CsvLine(const std::vector<std::string>& fields);

// ---- Customers --------------------------------------------------------------------------------

// The columns of a customer file, in export order: name, kind, tier, stage, province, city,
// industry, owner_id, credit_limit, tags, contact_name, contact_title, contact_phone,
// contact_email, notes.
const std::vector<std::string>& CustomerCsvColumns();

// A value that could not be used: the line its record starts on, the column (empty when the
// whole record is wrong) and why.
struct CsvFieldError {
  int line = 0;
  std::string field;
  std::string reason;
  friend bool operator==(const CsvFieldError&, const CsvFieldError&) = default;
};

struct CustomerCsvRow {
  int line = 0;
  v1::Customer customer;
};

// The good rows, in file order, and an error for every bad value of the other rows.
struct CustomerCsv {
  std::vector<CustomerCsvRow> rows;
  std::vector<CsvFieldError> errors;
};

// Reads a customer file. The first record is the header: column names from
// CustomerCsvColumns() in any order and any subset that includes `name`, matched without
// regard to case or surrounding spaces. An unknown, repeated or empty column name, a missing
// `name` column, an empty file or a malformed record (ParseCsv) is INVALID_ARGUMENT for the
// whole file, naming the columns. Then each record is a customer; values are trimmed of
// surrounding ASCII spaces and an empty value leaves the field unset:
//   name           required;
//   tier           KEY, TIER1, TIER2, OTHER (case-insensitive, TIER_ prefix allowed) or
//                  重点客户/一级客户/二级客户/其他 (001:125; 客户 optional, Traditional too);
//   stage          LEAD, CONTACTED, ... LOST (case-insensitive, STAGE_ prefix allowed);
//   province, city region;
//   credit_limit   yuan, at most 2 decimals, commas between digits allowed ("50,000.5"),
//                  not negative -> cents;
//   tags           separated by ';' (or '；'), each trimmed, empty ones dropped;
//   contact_*      one contact when any of them is set; contact_email needs an '@' with
//                  text on both sides and no spaces;
//   kind, industry, owner_id, notes as they are.
// A record with a different number of fields than the header is one error (field ""); a
// record whose fields are all blank (spreadsheets leave such rows) is skipped. A row with any
// error is left out of `rows`; the others are kept.
absl::StatusOr<CustomerCsv> ParseCustomersCsv(absl::string_view text);

// The header line (CustomerCsvColumns(), CRLF), after a UTF-8 BOM when `bom` is set (Excel
// needs one to read UTF-8).
std::string CustomerCsvHeader(bool bom = true);

// One customer as a CSV line in CustomerCsvColumns() order: tier and stage by name without
// prefix ("" when unspecified), credit_limit in yuan with 2 decimals and no separators
// ("50000.00"), tags joined by ';', the first contact's name, title, phone and email (a file
// has room for one contact per customer; the other contacts, birthdays, contact notes and
// the output-only fields are not exported). ParseCustomersCsv reads every exported value back
// the same, except for spaces around a value (trimmed) and a tag holding ';' (split).
std::string CustomerCsvRecord(const v1::Customer& customer);

// CustomerCsvHeader(bom) followed by a record per customer.
std::string WriteCustomersCsv(const std::vector<v1::Customer>& customers, bool bom = true);

}  // namespace opsuite::crm
