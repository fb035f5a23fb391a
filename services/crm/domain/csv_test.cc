#include "services/crm/domain/csv.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace opsuite::crm {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::opsuite::crm::v1::Customer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

using Fields = std::vector<std::string>;

std::vector<CsvRecord> Parse(absl::string_view text) {
  auto records = ParseCsv(text);
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *records : std::vector<CsvRecord>{};
}

std::string ParseError(absl::string_view text) {
  auto records = ParseCsv(text);
  EXPECT_FALSE(records.ok());
  if (records.ok()) return "";
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(records.status().message());
}

// ---- RFC 4180 reader ------------------------------------------------------------------------

TEST(ParseCsvTest, RecordsAndLines) {
  EXPECT_THAT(Parse("a,b,c\n1,2,3\n"), ElementsAre(CsvRecord{1, Fields{"a", "b", "c"}},
                                                   CsvRecord{2, Fields{"1", "2", "3"}}));
  EXPECT_THAT(Parse("a,b\n1,2"),  // no line break at the end
              ElementsAre(CsvRecord{1, Fields{"a", "b"}}, CsvRecord{2, Fields{"1", "2"}}));
  EXPECT_THAT(Parse(""), IsEmpty());
}

TEST(ParseCsvTest, ByteOrderMarkIsSkipped) {
  EXPECT_THAT(
      Parse("\xEF\xBB\xBFname,city\n佐妮,广州\n"),
      ElementsAre(CsvRecord{1, Fields{"name", "city"}}, CsvRecord{2, Fields{"佐妮", "广州"}}));
  EXPECT_THAT(Parse("\xEF\xBB\xBF"), IsEmpty());
}

TEST(ParseCsvTest, QuotedFieldsWithDoubledQuotes) {
  EXPECT_THAT(Parse("\"say \"\"hi\"\"\",x,\"a,b\"\n"),
              ElementsAre(CsvRecord{1, Fields{"say \"hi\"", "x", "a,b"}}));
  EXPECT_THAT(Parse("\"\",x,\"\"\"\"\n"), ElementsAre(CsvRecord{1, Fields{"", "x", "\""}}));
}

TEST(ParseCsvTest, EmbeddedNewlinesKeepLineNumbersRight) {
  const std::string text =
      "name,notes\n"       // line 1
      "A,\"line one\n"     // line 2
      "line two\n"         // line 3
      "line three\"\n"     // line 4
      "B,plain\n"          // line 5
      "\"C\nD\",\"x\"\n";  // lines 6-7
  EXPECT_THAT(Parse(text),
              ElementsAre(CsvRecord{1, Fields{"name", "notes"}},
                          CsvRecord{2, Fields{"A", "line one\nline two\nline three"}},
                          CsvRecord{5, Fields{"B", "plain"}}, CsvRecord{6, Fields{"C\nD", "x"}}));
}

TEST(ParseCsvTest, CrLfLineBreaks) {
  EXPECT_THAT(Parse("a,b\r\n1,2\r\n\"x\r\ny\",3\r\nlast,4\r\n"),
              ElementsAre(CsvRecord{1, Fields{"a", "b"}}, CsvRecord{2, Fields{"1", "2"}},
                          CsvRecord{3, Fields{"x\r\ny", "3"}}, CsvRecord{5, Fields{"last", "4"}}));
  // A lone CR (old Mac files) ends a line too.
  EXPECT_THAT(Parse("a\rb\r"), ElementsAre(CsvRecord{1, Fields{"a"}}, CsvRecord{2, Fields{"b"}}));
}

TEST(ParseCsvTest, EmptyLinesAreSkippedButCounted) {
  EXPECT_THAT(Parse("a\n\n\r\n\nb\n"),
              ElementsAre(CsvRecord{1, Fields{"a"}}, CsvRecord{5, Fields{"b"}}));
}

TEST(ParseCsvTest, EmptyFields) {
  EXPECT_THAT(Parse("a,\n,,\n"),
              ElementsAre(CsvRecord{1, Fields{"a", ""}}, CsvRecord{2, Fields{"", "", ""}}));
  EXPECT_THAT(Parse("a,"), ElementsAre(CsvRecord{1, Fields{"a", ""}}));
}

TEST(ParseCsvTest, SpacesAreKept) {
  EXPECT_THAT(Parse(" a , b \n"), ElementsAre(CsvRecord{1, Fields{" a ", " b "}}));
}

TEST(ParseCsvTest, UnterminatedQuoteNamesTheRecordLine) {
  EXPECT_EQ(ParseError("a,b\n1,\"oops\n2,3\n"),
            "line 2: field 2 opens a quote on line 2 that is never closed");
  // After an embedded newline, the line is still the record's own.
  EXPECT_THAT(ParseError("a\n\"x\ny\"\n\"open\n"), StartsWith("line 4: "));
}

TEST(ParseCsvTest, StrayQuotes) {
  EXPECT_THAT(ParseError("a,b\"c\n"), StartsWith("line 1: field 2 has a quote"));
  EXPECT_THAT(ParseError("x\n\"ab\"c,d\n"), StartsWith("line 2: field 1 has text after"));
  EXPECT_THAT(ParseError("x\n\"ab\" ,d\n"), StartsWith("line 2: field 1 has text after"));
}

TEST(ParseCsvTest, NonUtf8IsRefusedWithItsLine) {
  // "你好" in GBK, as a Chinese Excel saves "CSV" by default.
  const std::string message = ParseError("name\n\xC4\xE3\xBA\xC3\n");
  EXPECT_THAT(message, StartsWith("line 2: field 1 is not UTF-8"));
  EXPECT_THAT(message, HasSubstr("CSV UTF-8"));
}

// ---- Writer ---------------------------------------------------------------------------------

TEST(CsvWriterTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(" spaced "), " spaced ");
  EXPECT_EQ(CsvField("广东佐妮"), "广东佐妮");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvLine({"a", "b,c", ""}), "a,\"b,c\",\r\n");
}

TEST(CsvWriterTest, WhatIsWrittenParsesBack) {
  const Fields fields = {"a", "b,c", "say \"hi\"", "x\r\ny", "", " s ", "\"", "广东"};
  EXPECT_THAT(Parse(CsvLine(fields) + CsvLine(fields)),
              ElementsAre(CsvRecord{1, fields}, CsvRecord{3, fields}));
}

// ---- Customers ------------------------------------------------------------------------------

CustomerCsv ParseCustomers(absl::string_view text) {
  auto csv = ParseCustomersCsv(text);
  EXPECT_TRUE(csv.ok()) << csv.status();
  return csv.ok() ? *std::move(csv) : CustomerCsv{};
}

std::string CustomersError(absl::string_view text) {
  auto csv = ParseCustomersCsv(text);
  EXPECT_FALSE(csv.ok());
  if (csv.ok()) return "";
  EXPECT_EQ(csv.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(csv.status().message());
}

TEST(CustomerCsvTest, Columns) {
  EXPECT_THAT(CustomerCsvColumns(),
              ElementsAre("name", "kind", "tier", "stage", "province", "city", "industry",
                          "owner_id", "credit_limit", "tags", "contact_name", "contact_title",
                          "contact_phone", "contact_email", "notes"));
}

TEST(CustomerCsvTest, EveryColumn) {
  const CustomerCsv csv = ParseCustomers(
      "\xEF\xBB\xBF"
      "name,kind,tier,stage,province,city,industry,owner_id,credit_limit,tags,contact_name,"
      "contact_title,contact_phone,contact_email,notes\r\n"
      "廣東佐妮化妝品有限公司,dealer,KEY,INTENT,广东,广州,cosmetics,e-7,\"50,000.50\","
      "vip;化妆品,陈经理,采购经理,+86 138-0000-0000,chen@zuoni.example,\"likes tea\nno calls "
      "before 10\"\r\n");
  EXPECT_THAT(csv.errors, IsEmpty());
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].line, 2);
  const Customer& c = csv.rows[0].customer;
  EXPECT_EQ(c.name(), "廣東佐妮化妝品有限公司");
  EXPECT_EQ(c.kind(), "dealer");
  EXPECT_EQ(c.tier(), v1::TIER_KEY);
  EXPECT_EQ(c.stage(), v1::STAGE_INTENT);
  EXPECT_EQ(c.region().province(), "广东");
  EXPECT_EQ(c.region().city(), "广州");
  EXPECT_EQ(c.industry(), "cosmetics");
  EXPECT_EQ(c.owner_id(), "e-7");
  EXPECT_EQ(c.credit_limit(), 5000050);
  EXPECT_THAT(c.tags(), ElementsAre("vip", "化妆品"));
  ASSERT_EQ(c.contacts_size(), 1);
  EXPECT_EQ(c.contacts(0).name(), "陈经理");
  EXPECT_EQ(c.contacts(0).title(), "采购经理");
  EXPECT_EQ(c.contacts(0).phone(), "+86 138-0000-0000");
  EXPECT_EQ(c.contacts(0).email(), "chen@zuoni.example");
  EXPECT_EQ(c.notes(), "likes tea\nno calls before 10");
}

TEST(CustomerCsvTest, HeaderIsCaseAndSpaceInsensitiveAndAnySubset) {
  const CustomerCsv csv = ParseCustomers(" City ,NAME\n广州,佐妮\n");
  EXPECT_THAT(csv.errors, IsEmpty());
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].customer.name(), "佐妮");
  EXPECT_EQ(csv.rows[0].customer.region().city(), "广州");
  EXPECT_EQ(csv.rows[0].customer.contacts_size(), 0);  // no contact columns, no contact
  EXPECT_EQ(csv.rows[0].customer.tier(), v1::TIER_UNSPECIFIED);
}

TEST(CustomerCsvTest, UnknownColumnsAreNamed) {
  const std::string message = CustomersError("name,phone,Remark\nx,1,2\n");
  EXPECT_THAT(message, StartsWith("line 1: unknown columns \"phone\", \"remark\""));
  EXPECT_THAT(message, HasSubstr("the columns are: name, kind,"));
}

TEST(CustomerCsvTest, MissingNameColumn) {
  EXPECT_THAT(CustomersError("city,tier\n广州,KEY\n"), HasSubstr("no \"name\" column"));
}

TEST(CustomerCsvTest, RepeatedAndUnnamedColumns) {
  EXPECT_THAT(CustomersError("name,city,City\nx,a,b\n"), HasSubstr("column \"city\" given twice"));
  EXPECT_THAT(CustomersError("name,,city\nx,,a\n"), HasSubstr("column 2 without a name"));
}

TEST(CustomerCsvTest, EmptyFile) {
  EXPECT_THAT(CustomersError(""), HasSubstr("the file is empty"));
  EXPECT_THAT(CustomersError("\xEF\xBB\xBF\r\n"), HasSubstr("the file is empty"));
  // A header alone is a valid, empty import.
  const CustomerCsv csv = ParseCustomers("name\n");
  EXPECT_THAT(csv.rows, IsEmpty());
  EXPECT_THAT(csv.errors, IsEmpty());
}

TEST(CustomerCsvTest, MalformedRecordFailsTheFile) {
  EXPECT_THAT(CustomersError("name\nok\n\"broken\n"), StartsWith("line 3: "));
}

TEST(CustomerCsvTest, BadTierIsReportedAndOtherRowsKept) {
  const CustomerCsv csv = ParseCustomers("name,tier\nA,KEY\nB,GOLD\nC,tier2\n");
  ASSERT_EQ(csv.errors.size(), 1u);
  EXPECT_EQ(csv.errors[0].line, 3);
  EXPECT_EQ(csv.errors[0].field, "tier");
  EXPECT_THAT(csv.errors[0].reason, HasSubstr("must be KEY, TIER1, TIER2 or OTHER"));
  EXPECT_THAT(csv.errors[0].reason, HasSubstr("\"GOLD\""));
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0].line, 2);
  EXPECT_EQ(csv.rows[0].customer.name(), "A");
  EXPECT_EQ(csv.rows[1].line, 4);
  EXPECT_EQ(csv.rows[1].customer.tier(), v1::TIER_TIER2);
}

TEST(CustomerCsvTest, TierSpellings) {
  const std::vector<std::pair<std::string, v1::Tier>> cases = {
      {"KEY", v1::TIER_KEY},        {"key", v1::TIER_KEY},          {"TIER_KEY", v1::TIER_KEY},
      {"Tier1", v1::TIER_TIER1},    {"tier_tier1", v1::TIER_TIER1}, {"TIER2", v1::TIER_TIER2},
      {"other", v1::TIER_OTHER},    {"重点客户", v1::TIER_KEY},     {"重點", v1::TIER_KEY},
      {"一级客户", v1::TIER_TIER1}, {"一級", v1::TIER_TIER1},       {"二级", v1::TIER_TIER2},
      {"二級客戶", v1::TIER_TIER2}, {"其他", v1::TIER_OTHER},
  };
  for (const auto& [text, tier] : cases) {
    const CustomerCsv csv = ParseCustomers(absl::StrCat("name,tier\nx,", text, "\n"));
    ASSERT_EQ(csv.rows.size(), 1u) << text;
    EXPECT_EQ(csv.rows[0].customer.tier(), tier) << text;
  }
  for (const char* bad : {"UNSPECIFIED", "TIER_UNSPECIFIED", "3", "TIER3", "gold"}) {
    const CustomerCsv csv = ParseCustomers(absl::StrCat("name,tier\nx,", bad, "\n"));
    EXPECT_THAT(csv.rows, IsEmpty()) << bad;
    ASSERT_EQ(csv.errors.size(), 1u) << bad;
    EXPECT_EQ(csv.errors[0].field, "tier");
  }
}

TEST(CustomerCsvTest, StageSpellings) {
  const CustomerCsv csv =
      ParseCustomers("name,stage\na,lead\nb,STAGE_LOST\nc,Sample_Order\nd,won\ne,\n");
  ASSERT_EQ(csv.rows.size(), 4u);
  EXPECT_EQ(csv.rows[0].customer.stage(), v1::STAGE_LEAD);
  EXPECT_EQ(csv.rows[1].customer.stage(), v1::STAGE_LOST);
  EXPECT_EQ(csv.rows[2].customer.stage(), v1::STAGE_SAMPLE_ORDER);
  EXPECT_EQ(csv.rows[3].customer.stage(), v1::STAGE_UNSPECIFIED);  // empty: unset
  EXPECT_THAT(csv.errors, ElementsAre(CsvFieldError{5, "stage",
                                                    "must be LEAD, CONTACTED, INTENT, "
                                                    "SAMPLE_ORDER, FIRST_ORDER, REPEAT, DORMANT "
                                                    "or LOST, got \"won\""}));
}

TEST(CustomerCsvTest, CreditLimitInYuan) {
  const std::vector<std::pair<std::string, int64_t>> good = {
      {"0", 0},
      {"50000", 5000000},
      {"50000.5", 5000050},
      {"50000.05", 5000005},
      {"\"50,000.00\"", 5000000},
      {"0.01", 1},
      {"92233720368547758.07", INT64_MAX},
  };
  for (const auto& [text, cents] : good) {
    const CustomerCsv csv = ParseCustomers(absl::StrCat("name,credit_limit\nx,", text, "\n"));
    ASSERT_EQ(csv.rows.size(), 1u) << text;
    EXPECT_EQ(csv.rows[0].customer.credit_limit(), cents) << text;
  }
  for (const char* bad : {"-1", "1.234", "1.", ".5", "abc", "1e5", "\",5\"", "\"5,\"",
                          "92233720368547758.08", "99999999999999999999", "¥100"}) {
    const CustomerCsv csv = ParseCustomers(absl::StrCat("name,credit_limit\nx,", bad, "\n"));
    EXPECT_THAT(csv.rows, IsEmpty()) << bad;
    ASSERT_EQ(csv.errors.size(), 1u) << bad;
    EXPECT_EQ(csv.errors[0].field, "credit_limit") << bad;
  }
}

TEST(CustomerCsvTest, TagsAndTrimming) {
  const CustomerCsv csv = ParseCustomers("name,tags,city\n  佐妮  , vip; 酒店；hotel;; ,  广州 \n");
  ASSERT_EQ(csv.rows.size(), 1u);
  const Customer& c = csv.rows[0].customer;
  EXPECT_EQ(c.name(), "佐妮");
  EXPECT_THAT(c.tags(), ElementsAre("vip", "酒店", "hotel"));
  EXPECT_EQ(c.region().city(), "广州");
}

TEST(CustomerCsvTest, EveryBadValueOfARowIsReported) {
  const CustomerCsv csv = ParseCustomers(
      "name,tier,credit_limit,contact_email\n"
      " ,GOLD,-5,not-an-email\n"
      "ok,,,\n");
  EXPECT_THAT(csv.errors, ElementsAre(::testing::Field(&CsvFieldError::field, "tier"),
                                      ::testing::Field(&CsvFieldError::field, "credit_limit"),
                                      ::testing::Field(&CsvFieldError::field, "contact_email"),
                                      ::testing::Field(&CsvFieldError::field, "name")));
  for (const CsvFieldError& e : csv.errors) EXPECT_EQ(e.line, 2);
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].line, 3);
}

TEST(CustomerCsvTest, EmailChecks) {
  for (const char* good : {"a@b", "chen@zuoni.example"}) {
    EXPECT_THAT(ParseCustomers(absl::StrCat("name,contact_email\nx,", good, "\n")).errors,
                IsEmpty())
        << good;
  }
  for (const char* bad : {"@b", "a@", "a@b@c", "a b@c", "plain"}) {
    EXPECT_THAT(ParseCustomers(absl::StrCat("name,contact_email\nx,", bad, "\n")).errors,
                ElementsAre(::testing::Field(&CsvFieldError::field, "contact_email")))
        << bad;
  }
}

TEST(CustomerCsvTest, WrongFieldCountIsOneErrorForTheRecord) {
  const CustomerCsv csv = ParseCustomers("name,city\na,b,c\nd\ne,f\n");
  EXPECT_THAT(csv.errors, ElementsAre(CsvFieldError{2, "", "has 3 fields; the header has 2"},
                                      CsvFieldError{3, "", "has 1 field; the header has 2"}));
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].line, 4);
}

TEST(CustomerCsvTest, BlankRowsAreSkipped) {
  const CustomerCsv csv = ParseCustomers("name,city\n,\n  ,  \n\na,b\n");
  EXPECT_THAT(csv.errors, IsEmpty());
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].line, 5);
}

TEST(CustomerCsvTest, LineNumbersAfterEmbeddedNewlines) {
  const CustomerCsv csv = ParseCustomers(
      "name,notes,tier\n"
      "A,\"1\n2\n3\",KEY\n"  // lines 2-4
      "B,x,BAD\n");          // line 5
  ASSERT_EQ(csv.errors.size(), 1u);
  EXPECT_EQ(csv.errors[0].line, 5);
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].line, 2);
}

// ---- Export and round trip ------------------------------------------------------------------

Customer Sample() {
  Customer c;
  c.set_name("廣東佐妮化妝品有限公司, \"总店\"");
  c.set_kind("dealer");
  c.set_tier(v1::TIER_TIER1);
  c.set_stage(v1::STAGE_FIRST_ORDER);
  c.mutable_region()->set_province("广东");
  c.mutable_region()->set_city("广州");
  c.set_industry("cosmetics");
  c.set_owner_id("e-7");
  c.set_credit_limit(5000005);
  c.add_tags("vip");
  c.add_tags("化妆品, 护肤");
  v1::Contact* contact = c.add_contacts();
  contact->set_name("陈经理");
  contact->set_title("采购");
  contact->set_phone("+86 138-0000-0000");
  contact->set_email("chen@zuoni.example");
  c.set_notes("line one\r\nline two\nsays \"call after 10\"");
  return c;
}

TEST(CustomerCsvExportTest, Format) {
  Customer c;
  c.set_name("ABC Hotel");
  c.set_tier(v1::TIER_KEY);
  c.set_credit_limit(5000000);
  EXPECT_EQ(CustomerCsvHeader(false),
            "name,kind,tier,stage,province,city,industry,owner_id,credit_limit,tags,"
            "contact_name,contact_title,contact_phone,contact_email,notes\r\n");
  EXPECT_THAT(CustomerCsvHeader(), StartsWith("\xEF\xBB\xBFname,kind,"));
  EXPECT_EQ(CustomerCsvRecord(c), "ABC Hotel,,KEY,,,,,,50000.00,,,,,,\r\n");
  EXPECT_EQ(WriteCustomersCsv({c}, false),
            CustomerCsvHeader(false) + "ABC Hotel,,KEY,,,,,,50000.00,,,,,,\r\n");
}

TEST(CustomerCsvExportTest, RoundTrip) {
  Customer minimal;
  minimal.set_name("x");
  Customer no_contact = Sample();
  no_contact.clear_contacts();
  no_contact.set_tier(v1::TIER_OTHER);
  no_contact.set_stage(v1::STAGE_DORMANT);
  const std::vector<Customer> customers = {Sample(), minimal, no_contact};

  for (bool bom : {true, false}) {
    const std::string file = WriteCustomersCsv(customers, bom);
    const CustomerCsv csv = ParseCustomers(file);
    EXPECT_THAT(csv.errors, IsEmpty());
    ASSERT_EQ(csv.rows.size(), customers.size());
    for (size_t i = 0; i < customers.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(csv.rows[i].customer, customers[i]))
          << i << "\nwant: " << customers[i].DebugString()
          << "\ngot:  " << csv.rows[i].customer.DebugString();
    }
    // Sample's notes span three lines, so the next record starts on line 5.
    EXPECT_EQ(csv.rows[0].line, 2);
    EXPECT_EQ(csv.rows[1].line, 5);
  }
}

TEST(CustomerCsvExportTest, OnlyTheFirstContactIsExported) {
  Customer c = Sample();
  c.add_contacts()->set_name("second");
  const CustomerCsv csv = ParseCustomers(WriteCustomersCsv({c}));
  ASSERT_EQ(csv.rows.size(), 1u);
  ASSERT_EQ(csv.rows[0].customer.contacts_size(), 1);
  EXPECT_EQ(csv.rows[0].customer.contacts(0).name(), "陈经理");
}

}  // namespace
}  // namespace opsuite::crm
