// opsctl's human-readable output: aligned tables and key-value listings that account for the
// double width of CJK characters, and short forms of common opsuite values.
//
//   Table t({"ID", "NAME"});
//   t.AddRow({"d1", "销售部"});
//   std::cout << t.Render();
//   // ID  NAME
//   // d1  销售部
//
//   std::cout << RenderKeyValues(MessageFields(employee));   // every set field, one a line
//
//   std::vector<Column<Order>> columns = {{"ID", [](const Order& o) { return o.id(); }}, ...};
//   std::cout << RenderTable(columns, response.orders());              // a list
//   std::cout << RenderKeyValues(RecordFields(columns, order));        // one: "id  o1" lines
#pragma once

#include "common/money.h"
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "opsuite/common/v1/common.pb.h"
#include "opsuite/planning/v1/target.pb.h"

namespace opsuite::opsctl {

// Terminal columns `text` (UTF-8) takes: 2 for East Asian wide characters, else 1.
int DisplayWidth(absl::string_view text);
// `text` padded with spaces to `width` columns.
std::string PadRight(absl::string_view text, int width);

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  size_t size() const { return rows_.size(); }
  // Columns separated by two spaces; the last column is not padded; one line per row.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;
// "key  value" lines with the values aligned.
std::string RenderKeyValues(const KeyValues& rows);

// A column of a table of `Row`s: its header and how a row shows in it. One list of columns
// prints both a list of rows (RenderTable) and a single row (RecordFields).
template <typename Row>
struct Column {
  std::string header;
  std::function<std::string(const Row&)> cell;
};

template <typename Row, typename Rows>
std::string RenderTable(const std::vector<Column<Row>>& columns, const Rows& rows) {
  std::vector<std::string> headers;
  for (const Column<Row>& c : columns) headers.push_back(c.header);
  Table table(std::move(headers));
  for (const Row& row : rows) {
    std::vector<std::string> cells;
    for (const Column<Row>& c : columns) cells.push_back(c.cell(row));
    table.AddRow(std::move(cells));
  }
  return table.Render();
}

// One row as (lower-case header, cell), leaving out empty cells.
template <typename Row>
KeyValues RecordFields(const std::vector<Column<Row>>& columns, const Row& row) {
  KeyValues out;
  for (const Column<Row>& c : columns) {
    std::string value = c.cell(row);
    if (!value.empty()) out.emplace_back(absl::AsciiStrToLower(c.header), std::move(value));
  }
  return out;
}

using ::opsuite::FormatMoney;  // common/money.h: cents -> "12,000.50"

// "MONTH:2026-03-01"; empty for an unset period.
std::string FormatPeriod(const common::v1::Period& period);
// "employee:e1", "department:d1", "org" (or "org:ID").
std::string FormatOwner(const planning::v1::Owner& owner);
// "2026-03-02T13:00:00Z"; empty for an unset timestamp.
std::string FormatTimestamp(const google::protobuf::Timestamp& ts);
// 0.4091 -> "40.9%".
std::string FormatPercent(double ratio);
// A double without trailing zeros: 90 -> "90", 87.5 -> "87.5".
std::string FormatNumber(double value);

// Every set field of `message` as (path, text): nested messages flatten to "a.b", repeated
// fields to "a[0].b" (repeated scalars join with ","); periods, owners, timestamps and field
// masks in their short forms; enums by short name.
KeyValues MessageFields(const google::protobuf::Message& message);

}  // namespace opsuite::opsctl
