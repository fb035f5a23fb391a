#include "tools/opsctl/customer_import.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace opsuite::opsctl {
namespace {

using ::opsuite::crm::CsvFieldError;
using ::opsuite::crm::v1::Customer;
using ::opsuite::crm::v1::ImportCustomersRequest;
using ::opsuite::crm::v1::ImportCustomersResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

// Line 1 the header; line 3 has a bad tier; the record of line 5 runs over two lines.
constexpr char kFile[] =
    "name,tier,city,notes\n"
    "甲酒店,KEY,上海,\n"
    "乙酒店,GOLD,上海,\n"
    "丙酒店,TIER1,杭州,\n"
    "丁酒店,OTHER,杭州,\"两行\n备注\"\n"
    "戊酒店,TIER2,苏州,\n";

crm::CustomerCsv Parse(absl::string_view text) {
  absl::StatusOr<crm::CustomerCsv> csv = crm::ParseCustomersCsv(text);
  EXPECT_TRUE(csv.ok()) << csv.status();
  return csv.ok() ? *std::move(csv) : crm::CustomerCsv();
}

ImportCustomersResponse::RowError RowError(int row, std::string field, std::string reason) {
  ImportCustomersResponse::RowError e;
  e.set_row(row);
  e.set_field(std::move(field));
  e.set_reason(std::move(reason));
  return e;
}

// A server that creates every row but those it is told to reject, and records the requests.
struct FakeServer {
  std::vector<ImportCustomersRequest> requests;
  // By call index: the errors to answer with.
  std::map<size_t, std::vector<ImportCustomersResponse::RowError>> errors;
  std::optional<size_t> fail_call;

  ImportSender Sender() {
    return [this](const ImportCustomersRequest& request) -> std::optional<ImportCustomersResponse> {
      const size_t call = requests.size();
      requests.push_back(request);
      if (fail_call == call) return std::nullopt;
      ImportCustomersResponse response;
      std::set<int> bad;
      for (const auto& e : errors[call]) {
        *response.add_errors() = e;
        bad.insert(e.row());
      }
      if (request.all_or_nothing() && !bad.empty()) return response;
      for (int i = 0; i < request.customers_size(); ++i) {
        if (!bad.count(i + 1)) {
          response.add_created_ids(absl::StrCat("C", call, "-", i + 1));
        }
      }
      return response;
    };
  }
};

TEST(PlanImportChunksTest, CutsAtTheLimit) {
  std::vector<ImportChunk> chunks = PlanImportChunks("file", 12001);
  ASSERT_THAT(chunks, SizeIs(3));
  EXPECT_EQ(chunks[0].begin, 0u);
  EXPECT_EQ(chunks[0].end, 5000u);
  EXPECT_EQ(chunks[1].begin, 5000u);
  EXPECT_EQ(chunks[1].end, 10000u);
  EXPECT_EQ(chunks[2].begin, 10000u);
  EXPECT_EQ(chunks[2].end, 12001u);
  EXPECT_THAT(chunks[0].request_id, MatchesRegex("opsctl-import-[0-9a-f]{16}-0"));
  EXPECT_THAT(chunks[2].request_id, MatchesRegex("opsctl-import-[0-9a-f]{16}-2"));
  EXPECT_THAT(PlanImportChunks("file", 5000), SizeIs(1));
  EXPECT_THAT(PlanImportChunks("file", 0), SizeIs(0));
}

TEST(PlanImportChunksTest, RequestIdsFollowTheContent) {
  std::vector<ImportChunk> a = PlanImportChunks("name\nx\n", 1);
  std::vector<ImportChunk> again = PlanImportChunks("name\nx\n", 1);
  std::vector<ImportChunk> other = PlanImportChunks("name\ny\n", 1);
  EXPECT_EQ(a[0].request_id, again[0].request_id);  // a re-run repeats the request
  EXPECT_NE(a[0].request_id, other[0].request_id);
  // Fixed across runs and machines: FNV-1a of the bytes.
  EXPECT_EQ(PlanImportChunks("", 1)[0].request_id, "opsctl-import-cbf29ce484222325-0");
}

TEST(CsvColumnOfFieldTest, ServerPathsToColumns) {
  EXPECT_EQ(CsvColumnOfField("customer.name"), "name");
  EXPECT_EQ(CsvColumnOfField("customer.region.city"), "city");
  EXPECT_EQ(CsvColumnOfField("customer.contacts[0].email"), "contact_email");
  EXPECT_EQ(CsvColumnOfField("customer.contacts"), "contacts");
  EXPECT_EQ(CsvColumnOfField("customer.tags[3]"), "tags");
  EXPECT_EQ(CsvColumnOfField("customer.owner_id"), "owner_id");
  EXPECT_EQ(CsvColumnOfField("customer.credit_limit"), "credit_limit");
  EXPECT_EQ(CsvColumnOfField("customer.currency"), "currency");
  EXPECT_EQ(CsvColumnOfField(""), "");
}

TEST(ImportErrorsOnLinesTest, MapsRowsOfTheChunkToLines) {
  crm::CustomerCsv csv = Parse(kFile);
  ASSERT_THAT(csv.rows, SizeIs(4));     // lines 2, 4, 5, 7
  const ImportChunk second{2, 4, "r"};  // lines 5 and 7
  ImportCustomersResponse response;
  *response.add_errors() = RowError(2, "customer.region.city", "customer.region.city: too long");
  *response.add_errors() = RowError(1, "customer.name", "the same customer as row 2");
  *response.add_errors() = RowError(
      2, "customer.name", "customer.name: must not be empty; customer.contacts[0].email: bad");
  *response.add_errors() = RowError(3, "", "out of range");
  EXPECT_THAT(
      ImportErrorsOnLines(csv.rows, second, response),
      ElementsAre(CsvFieldError{7, "city", "too long"},
                  CsvFieldError{5, "name", "the same customer as line 7"},
                  CsvFieldError{7, "name", "must not be empty"},
                  CsvFieldError{7, "contact_email", "bad"}, CsvFieldError{0, "", "out of range"}));
}

TEST(RunImportTest, PartialImportReportsLinesOfBothKinds) {
  crm::CustomerCsv csv = Parse(kFile);
  FakeServer server;
  server.errors[0] = {RowError(2, "customer.name", "customer \"丙酒店\" already exists: c9")};
  server.errors[1] = {RowError(2, "customer.owner_id", "no employee e404")};
  absl::StatusOr<ImportResult> result = RunImport(kFile, csv, {.max_rows = 2}, server.Sender());
  ASSERT_TRUE(result.ok()) << result.status();

  ASSERT_THAT(server.requests, SizeIs(2));
  EXPECT_EQ(server.requests[0].customers(0).name(), "甲酒店");
  EXPECT_EQ(server.requests[0].customers(1).name(), "丙酒店");
  EXPECT_EQ(server.requests[1].customers(0).notes(), "两行\n备注");
  EXPECT_FALSE(server.requests[0].all_or_nothing());
  EXPECT_NE(server.requests[0].request_id(), server.requests[1].request_id());

  ASSERT_THAT(result->errors, SizeIs(3));
  EXPECT_EQ(result->errors[0].line, 3);  // the file's own error
  EXPECT_EQ(result->errors[0].field, "tier");
  EXPECT_EQ(FormatCsvError("c.csv", result->errors[1]),
            "c.csv:4: name: customer \"丙酒店\" already exists: c9");
  EXPECT_EQ(FormatCsvError("c.csv", result->errors[2]), "c.csv:7: owner_id: no employee e404");
  EXPECT_THAT(result->created_ids, ElementsAre("C0-1", "C1-1"));
  EXPECT_EQ(result->not_imported, 0u);
  EXPECT_EQ(ImportSummary(*result), "imported 2 customers; 3 rows rejected");
  EXPECT_EQ(ImportExitCode(*result), 1);
}

TEST(RunImportTest, SameFileSameRequests) {
  crm::CustomerCsv csv = Parse(kFile);
  FakeServer first;
  FakeServer second;
  ASSERT_TRUE(RunImport(kFile, csv, {.max_rows = 2}, first.Sender()).ok());
  ASSERT_TRUE(RunImport(kFile, csv, {.max_rows = 2}, second.Sender()).ok());
  ASSERT_THAT(second.requests, SizeIs(2));
  EXPECT_EQ(first.requests[0].request_id(), second.requests[0].request_id());
  EXPECT_EQ(first.requests[1].request_id(), second.requests[1].request_id());
}

TEST(RunImportTest, CleanFileExitsZero) {
  constexpr char kClean[] = "\xEF\xBB\xBFname,tier\r\n甲,KEY\r\n乙,OTHER\r\n";
  FakeServer server;
  absl::StatusOr<ImportResult> result = RunImport(kClean, Parse(kClean), {}, server.Sender());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(ImportSummary(*result), "imported 2 customers; 0 rows rejected");
  EXPECT_EQ(ImportExitCode(*result), 0);
}

TEST(RunImportTest, AllOrNothingSendsNothingWhenTheFileHasErrors) {
  FakeServer server;
  absl::StatusOr<ImportResult> result =
      RunImport(kFile, Parse(kFile), {.all_or_nothing = true}, server.Sender());
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(server.requests, SizeIs(0));
  EXPECT_THAT(result->notes, ElementsAre(HasSubstr("nothing was sent")));
  EXPECT_EQ(ImportSummary(*result),
            "imported 0 customers; 1 rows rejected; 4 valid rows not imported");
  EXPECT_EQ(ImportExitCode(*result), 1);
}

TEST(RunImportTest, AllOrNothingServerRejection) {
  constexpr char kGood[] = "name,tier\n甲,KEY\n乙,KEY\n丙,KEY\n";
  FakeServer server;
  server.errors[0] = {RowError(3, "customer.name", "the same customer as row 1")};
  absl::StatusOr<ImportResult> result =
      RunImport(kGood, Parse(kGood), {.all_or_nothing = true}, server.Sender());
  ASSERT_TRUE(result.ok());
  ASSERT_THAT(server.requests, SizeIs(1));
  EXPECT_TRUE(server.requests[0].all_or_nothing());
  EXPECT_THAT(result->errors, ElementsAre(CsvFieldError{4, "name", "the same customer as line 2"}));
  EXPECT_EQ(ImportSummary(*result),
            "imported 0 customers; 1 rows rejected; 2 valid rows not imported");
}

TEST(RunImportTest, AllOrNothingRefusesMoreThanOneCall) {
  FakeServer server;
  absl::StatusOr<ImportResult> result = RunImport(
      "x", Parse("name\na\nb\nc\n"), {.all_or_nothing = true, .max_rows = 2}, server.Sender());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("split the file"));
  EXPECT_THAT(server.requests, SizeIs(0));
}

TEST(RunImportTest, DryRunSendsNothing) {
  FakeServer server;
  absl::StatusOr<ImportResult> result =
      RunImport(kFile, Parse(kFile), {.dry_run = true, .max_rows = 3}, server.Sender());
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(server.requests, SizeIs(0));
  EXPECT_EQ(ImportSummary(*result), "dry run: 4 rows to import in 2 calls; 1 rows rejected");
  EXPECT_EQ(ImportExitCode(*result), 1);
}

TEST(RunImportTest, StopsAfterAFailedCall) {
  FakeServer server;
  server.fail_call = 0;
  absl::StatusOr<ImportResult> result =
      RunImport(kFile, Parse(kFile), {.max_rows = 2}, server.Sender());
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(server.requests, SizeIs(1));
  EXPECT_TRUE(result->call_failed);
  EXPECT_THAT(result->notes, ElementsAre("rows from line 2 on were not imported: the call failed"));
  EXPECT_EQ(result->not_imported, 4u);
  EXPECT_EQ(ImportExitCode(*result), 1);
}

TEST(FileErrorTest, TakesTheLine) {
  EXPECT_EQ(FileError(absl::InvalidArgumentError("line 3: a quoted field is never closed")),
            (CsvFieldError{3, "", "a quoted field is never closed"}));
  EXPECT_EQ(FileError(absl::InvalidArgumentError("the file is empty")),
            (CsvFieldError{0, "", "the file is empty"}));
  EXPECT_EQ(FormatCsvError("c.csv", {0, "", "the file is empty"}), "c.csv: the file is empty");
  EXPECT_EQ(FormatCsvError("c.csv", {3, "", "stray quote"}), "c.csv:3: stray quote");
  // A real one from the parser.
  absl::StatusOr<crm::CustomerCsv> bad = crm::ParseCustomersCsv("name\n\"open\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(FileError(bad.status()).line, 2);
}

// What `customer export` writes (WriteCustomersCsv of the listed customers) reads back the same
// through `customer import`'s path, with and without the byte-order mark.
TEST(ExportImportTest, RoundTrip) {
  std::vector<Customer> customers(2);
  customers[0].set_id("c1");  // output-only fields are not exported
  customers[0].set_name("锦江, \"总店\"");
  customers[0].set_tier(crm::v1::TIER_KEY);
  customers[0].set_stage(crm::v1::STAGE_INTENT);
  customers[0].set_kind("hotel");
  customers[0].mutable_region()->set_province("上海");
  customers[0].mutable_region()->set_city("上海");
  customers[0].set_industry("酒店");
  customers[0].set_owner_id("e7");
  customers[0].set_credit_limit(5000050);
  customers[0].add_tags("连锁");
  customers[0].add_tags("华东");
  auto* contact = customers[0].add_contacts();
  contact->set_name("王经理");
  contact->set_title("采购");
  contact->set_phone("13800000000");
  contact->set_email("wang@example.com");
  customers[0].set_notes("第一行\n第二行");
  customers[1].set_name("小店");
  customers[1].set_tier(crm::v1::TIER_OTHER);

  for (bool bom : {true, false}) {
    const std::string text = crm::WriteCustomersCsv(customers, bom);
    crm::CustomerCsv csv = Parse(text);
    EXPECT_THAT(csv.errors, SizeIs(0));
    ASSERT_THAT(csv.rows, SizeIs(2));
    Customer expected = customers[0];
    expected.clear_id();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(csv.rows[0].customer, expected))
        << csv.rows[0].customer.DebugString();
    EXPECT_EQ(csv.rows[1].line, 4);  // the quoted notes span lines 2-3

    FakeServer server;
    absl::StatusOr<ImportResult> result = RunImport(text, csv, {}, server.Sender());
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(ImportSummary(*result), "imported 2 customers; 0 rows rejected");
  }
}

}  // namespace
}  // namespace opsuite::opsctl
