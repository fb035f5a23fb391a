// opsctl customer ... / crm policy: opsuite.crm.v1.CustomerService (客户, the public pool, CSV
// import and export).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "opsuite/crm/v1/customer.grpc.pb.h"
#include "services/crm/domain/csv.h"
#include "tools/opsctl/cli.h"
#include "tools/opsctl/customer_import.h"

namespace opsuite::opsctl {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::opsuite::crm::v1::BatchGetCustomersResponse;
using ::opsuite::crm::v1::Contact;
using ::opsuite::crm::v1::CreateCustomerRequest;
using ::opsuite::crm::v1::CrmPolicy;
using ::opsuite::crm::v1::Customer;
using ::opsuite::crm::v1::CustomerService;
using ::opsuite::crm::v1::ImportCustomersRequest;
using ::opsuite::crm::v1::ImportCustomersResponse;
using ::opsuite::crm::v1::ListCustomersRequest;
using ::opsuite::crm::v1::ListCustomersResponse;
using ::opsuite::crm::v1::OwnerChange;
using ::opsuite::crm::v1::ReleaseIdleCustomersResponse;
using ::opsuite::crm::v1::StageChange;
using ::opsuite::crm::v1::UpdateCustomerRequest;
using Stub = CustomerService::Stub;

constexpr char kTierHelp[] = "KEY | TIER1 | TIER2 | OTHER";
constexpr char kStageHelp[] =
    "LEAD | CONTACTED | INTENT | SAMPLE_ORDER | FIRST_ORDER | REPEAT | DORMANT | LOST";
constexpr char kContactHelp[] = "'name|title|phone|email' (title, phone and email may be empty)";

std::string TierName(int tier) { return ShortEnumName(crm::v1::Tier_descriptor(), tier); }
std::string StageName(int stage) { return ShortEnumName(crm::v1::Stage_descriptor(), stage); }
std::string OwnerText(const std::string& owner_id) {
  return owner_id.empty() ? "(pool)" : owner_id;
}

// The fields create and update share. Money is yuan on the command line, cents on the wire.
const std::vector<FieldOption>& CustomerFields() {
  static const auto* fields = new std::vector<FieldOption>{
      {"name", "name", "TEXT", "the customer's name", true},
      {"tier", "tier", "TIER", kTierHelp, true},
      {"stage", "stage", "STAGE", absl::StrCat(kStageHelp, " (a new customer: LEAD)")},
      {"kind", "kind", "TEXT", "free classification: hotel, agency, dealer, ..."},
      {"province", "region.province", "TEXT", "province (update: give --city too)"},
      {"city", "region.city", "TEXT", "city (update: give --province too)"},
      {"industry", "industry", "TEXT", "industry"},
      {"credit-limit", "credit_limit", "YUAN", "credit limit in yuan: 50000.00, 5万; 0: no credit",
       false, CentsFromYuan},
      {"currency", "currency", "CODE", "ISO 4217 (default CNY)"},
      {"tags", "tags", "A,B", "tags, comma-separated (update: the whole new list)"},
      {"notes", "notes", "TEXT", "notes"},
      {"annual-consumption", "annual_consumption_cents", "YUAN",
       "annual consumption in yuan (hotel archives)", false, CentsFromYuan},
      {"discount", "discount_percent", "PERCENT", "discount, 0-100"},
  };
  return *fields;
}

// The customer's fields create sets: the shared ones and the owner.
const std::vector<FieldOption>& CreateFields() {
  static const auto* fields = [] {
    auto* out = new std::vector<FieldOption>(CustomerFields());
    out->push_back({"owner", "owner_id", "ID",
                    "the salesperson (default: you; for an admin: the public pool)"});
    return out;
  }();
  return *fields;
}

// The filters of list and export.
const std::vector<FieldOption>& FilterFields() {
  static const auto* fields = new std::vector<FieldOption>{
      {"owner", "owner_id", "ID|-", "this salesperson's customers; - for the public pool"},
      {"tier", "tier", "TIER", kTierHelp},
      {"stage", "stage", "STAGE", kStageHelp},
      {"province", "province", "TEXT", "in this province"},
      {"city", "city", "TEXT", "in this city"},
      {"tag", "tag", "TAG", "with this tag"},
      {"query", "query", "TEXT",
       "part of a customer or contact name (case and 简/繁 do not matter)"},
      {"order-by", "order_by", "ORDER",
       "id (default) | name | -update_time | -last_effective_activity_time"},
  };
  return *fields;
}

OptionSpec ContactOption(std::string help) {
  return {"contact", "CONTACT", std::move(help), false, /*repeatable=*/true};
}

// Adds --contact values as contacts (the whole list, listed in `mask` when given).
absl::Status ApplyContacts(const Args& args, Customer* customer,
                           google::protobuf::FieldMask* mask) {
  if (!args.Has("contact")) return absl::OkStatus();
  for (const std::string& text : args.GetAll("contact")) {
    absl::StatusOr<Contact> contact = ParseContact(text);
    if (!contact.ok()) return UsageError(absl::StrCat("--contact: ", contact.status().message()));
    *customer->add_contacts() = *std::move(contact);
  }
  if (mask != nullptr) mask->add_paths("contacts");
  return absl::OkStatus();
}

// ---- Output ----

const std::vector<Column<Customer>>& CustomerColumns() {
  static const auto* columns = new std::vector<Column<Customer>>{
      {"ID", [](const Customer& c) { return c.id(); }},
      {"NAME", [](const Customer& c) { return c.name(); }},
      {"TIER", [](const Customer& c) { return TierName(c.tier()); }},
      {"STAGE", [](const Customer& c) { return StageName(c.stage()); }},
      {"OWNER", [](const Customer& c) { return OwnerText(c.owner_id()); }},
      {"REGION",
       [](const Customer& c) {
         std::vector<std::string> parts;
         for (const std::string& p : {c.region().province(), c.region().city()}) {
           if (!p.empty()) parts.push_back(p);
         }
         return absl::StrJoin(parts, " ");
       }},
      {"CREDIT LIMIT", [](const Customer& c) { return FormatMoney(c.credit_limit()); }},
      {"OPEN", [](const Customer& c) { return FormatMoney(c.open_receivables()); }},
      {"LAST ACTIVITY",
       [](const Customer& c) { return FormatTimestamp(c.last_effective_activity_time()); }},
  };
  return *columns;
}

// The table's columns and the rest of a customer's own fields.
const std::vector<Column<Customer>>& CustomerDetailColumns() {
  static const auto* columns = [] {
    auto* out = new std::vector<Column<Customer>>(CustomerColumns());
    auto money_if_set = [](int64_t cents) { return cents == 0 ? "" : FormatMoney(cents); };
    out->insert(out->end(),
                {
                    {"KIND", [](const Customer& c) { return c.kind(); }},
                    {"INDUSTRY", [](const Customer& c) { return c.industry(); }},
                    {"CURRENCY", [](const Customer& c) { return c.currency(); }},
                    {"TAGS", [](const Customer& c) { return absl::StrJoin(c.tags(), ","); }},
                    {"ANNUAL CONSUMPTION",
                     [money_if_set](const Customer& c) {
                       return money_if_set(c.annual_consumption_cents());
                     }},
                    {"DISCOUNT",
                     [](const Customer& c) {
                       return c.discount_percent() == 0 ? ""
                                                        : FormatNumber(c.discount_percent()) + "%";
                     }},
                    {"NOTES", [](const Customer& c) { return c.notes(); }},
                    {"CREATED", [](const Customer& c) { return FormatTimestamp(c.create_time()); }},
                    {"UPDATED", [](const Customer& c) { return FormatTimestamp(c.update_time()); }},
                    {"ETAG", [](const Customer& c) { return c.etag(); }},
                });
    return out;
  }();
  return *columns;
}

void PrintCustomer(const Customer& customer) {
  std::cout << RenderKeyValues(RecordFields(CustomerDetailColumns(), customer));
  if (customer.contacts_size() > 0) {
    static const auto* contact_columns = new std::vector<Column<Contact>>{
        {"CONTACT", [](const Contact& c) { return c.id(); }},
        {"NAME", [](const Contact& c) { return c.name(); }},
        {"TITLE", [](const Contact& c) { return c.title(); }},
        {"PHONE", [](const Contact& c) { return c.phone(); }},
        {"EMAIL", [](const Contact& c) { return c.email(); }},
        {"BIRTHDAY", [](const Contact& c) { return c.birthday(); }},
        {"DECIDES", [](const Contact& c) { return c.decision_maker() ? "yes" : ""; }},
        {"NOTES", [](const Contact& c) { return c.notes(); }},
    };
    std::cout << "\n" << RenderTable(*contact_columns, customer.contacts());
  }
  if (customer.stage_history_size() > 0) {
    static const auto* stage_columns = new std::vector<Column<StageChange>>{
        {"STAGE CHANGED", [](const StageChange& h) { return FormatTimestamp(h.time()); }},
        {"FROM", [](const StageChange& h) { return StageName(h.from()); }},
        {"TO", [](const StageChange& h) { return StageName(h.to()); }},
        {"BY", [](const StageChange& h) { return h.actor_id(); }},
        {"REASON", [](const StageChange& h) { return h.reason(); }},
    };
    std::cout << "\n" << RenderTable(*stage_columns, customer.stage_history());
  }
  if (customer.owner_history_size() > 0) {
    static const auto* owner_columns = new std::vector<Column<OwnerChange>>{
        {"OWNER CHANGED", [](const OwnerChange& h) { return FormatTimestamp(h.time()); }},
        {"FROM", [](const OwnerChange& h) { return OwnerText(h.from_owner_id()); }},
        {"TO", [](const OwnerChange& h) { return OwnerText(h.to_owner_id()); }},
        {"BY", [](const OwnerChange& h) { return h.actor_id(); }},
        {"REASON", [](const OwnerChange& h) { return h.reason(); }},
    };
    std::cout << "\n" << RenderTable(*owner_columns, customer.owner_history());
  }
}

void PrintCustomerList(const ListCustomersResponse& response) {
  std::cout << RenderTable(CustomerColumns(), response.customers());
  PrintNextPage(response.next_page_token());
}

// ---- Commands ----

RunResult CreateCustomer(const Args& args, Client& client) {
  CreateCustomerRequest request;
  absl::Status s = ApplyFieldOptions(args, CreateFields(), request.mutable_customer());
  if (s.ok()) s = ApplyContacts(args, request.mutable_customer(), nullptr);
  if (!s.ok()) return s;
  request.set_request_id(args.GetOr("request-id", ""));
  return client.Call(&Stub::CreateCustomer, request, PrintCustomer);
}

RunResult UpdateCustomer(const Args& args, Client& client) {
  if (args.Has("province") != args.Has("city")) {
    return UsageError("give --province and --city together: the region is replaced as a whole");
  }
  UpdateCustomerRequest request;
  Customer* customer = request.mutable_customer();
  absl::Status s =
      ApplyFieldOptions(args, CustomerFields(), customer, request.mutable_update_mask());
  if (s.ok()) s = ApplyContacts(args, customer, request.mutable_update_mask());
  if (!s.ok()) return s;
  if (request.update_mask().paths().empty()) {
    return UsageError(absl::StrCat(NothingToChange(CustomerFields()), ", --contact"));
  }
  customer->set_id(args.positionals()[0]);
  customer->set_etag(args.GetOr("etag", ""));
  return client.Call(&Stub::UpdateCustomer, request, PrintCustomer);
}

void PrintImportJson(const ImportResult& result) {
  google::protobuf::Struct out;
  auto& fields = *out.mutable_fields();
  fields["imported"].set_number_value(static_cast<double>(result.created_ids.size()));
  fields["rejected"].set_number_value(static_cast<double>(RejectedRows(result.errors)));
  fields["notImported"].set_number_value(static_cast<double>(result.not_imported));
  fields["dryRun"].set_bool_value(result.dry_run);
  for (const std::string& id : result.created_ids) {
    fields["createdIds"].mutable_list_value()->add_values()->set_string_value(id);
  }
  for (const crm::CsvFieldError& e : result.errors) {
    auto& error = *fields["errors"].mutable_list_value()->add_values()->mutable_struct_value();
    (*error.mutable_fields())["line"].set_number_value(e.line);
    (*error.mutable_fields())["field"].set_string_value(e.field);
    (*error.mutable_fields())["reason"].set_string_value(e.reason);
  }
  for (const std::string& note : result.notes) {
    fields["notes"].mutable_list_value()->add_values()->set_string_value(note);
  }
  PrintJson(out);
}

RunResult ImportCustomers(const Args& args, Client& client) {
  const std::string& path = args.positionals()[0];
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<crm::CustomerCsv> csv = crm::ParseCustomersCsv(*text);
  if (!csv.ok()) {
    std::cerr << "error: " << FormatCsvError(path, FileError(csv.status())) << "\n";
    return 1;
  }
  auto send =
      [&client](const ImportCustomersRequest& request) -> std::optional<ImportCustomersResponse> {
    ImportCustomersResponse response;
    grpc::Status status = client.Invoke(&Stub::ImportCustomers, request, &response);
    if (!status.ok()) {
      PrintRpcError(status, client.options());
      return std::nullopt;
    }
    return response;
  };
  absl::StatusOr<ImportResult> result = RunImport(
      *text, *csv, {.all_or_nothing = args.Flag("all-or-nothing"), .dry_run = args.Flag("dry-run")},
      send);
  if (!result.ok()) return UsageError(result.status().message());
  if (client.options().json) {
    PrintImportJson(*result);
  } else {
    for (const crm::CsvFieldError& e : result->errors) {
      std::cerr << FormatCsvError(path, e) << "\n";
    }
    for (const std::string& note : result->notes) std::cerr << note << "\n";
    std::cout << ImportSummary(*result) << "\n";
  }
  return ImportExitCode(*result);
}

RunResult ExportCustomers(const Args& args, Client& client) {
  ListCustomersRequest request;
  if (absl::Status s = ApplyFieldOptions(args, FilterFields(), &request); !s.ok()) return s;
  request.set_page_size(1000);  // the server's largest page
  std::vector<Customer> customers;
  do {
    ListCustomersResponse response;
    grpc::Status status = client.Invoke(&Stub::ListCustomers, request, &response);
    if (!status.ok()) return PrintRpcError(status, client.options());
    customers.insert(customers.end(), response.customers().begin(), response.customers().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  const std::string csv = crm::WriteCustomersCsv(customers, /*bom=*/!args.Flag("no-bom"));
  const std::optional<std::string> out = args.Get("out");
  if (!out) {
    std::cout << csv;
    return 0;
  }
  std::ofstream file(*out, std::ios::binary | std::ios::trunc);
  if (!(file << csv) || !file.flush()) {
    std::cerr << "error: cannot write " << *out << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cout << "exported " << customers.size() << " customers to " << *out << "\n";
  return 0;
}

std::string PolicyFieldHelp(const std::string& field) {
  if (field == "key_visit_days") return "days between visits to a KEY customer (30)";
  if (field == "tier1_visit_days") return "days between visits to a TIER1 customer (60)";
  if (field == "tier2_visit_days") return "days between visits to a TIER2 customer (90)";
  if (field == "other_visit_days") return "days between visits to an OTHER customer (0: none due)";
  if (field == "overdue_escalation_days") {
    return "days a visit stays overdue before the owner's manager is told (7)";
  }
  if (field == "effective_calls_per_day") return "quota of effective calls per working day (40)";
  if (field == "visits_per_week") return "quota of visits per week (2)";
  if (field == "pool_idle_days") {
    return "days without an effective activity before a customer returns to the pool (90)";
  }
  if (field == "pool_claims_per_day") return "customers one salesperson may claim a day (5)";
  return absl::StrCat("sets ", field);
}

const std::vector<FieldOption>& PolicyFields() {
  static const auto* fields = new std::vector<FieldOption>(
      MessageFieldOptions(CrmPolicy::descriptor(), [](const FieldDescriptor* f) -> FieldDoc {
        return {"N", PolicyFieldHelp(f->name())};
      }));
  return *fields;
}

}  // namespace

void AddCustomerCommands(std::vector<Command>* commands) {
  commands->push_back({
      .path = {"customer", "create"},
      .summary = "Create a customer",
      .options =
          Join(FieldOptionSpecs(CreateFields(), true),
               std::vector<OptionSpec>{ContactOption(absl::StrCat("a contact: ", kContactHelp)),
                                       RequestIdOption()}),
      .run = CreateCustomer,
      .details =
          "Example:\n"
          "  opsctl customer create --name=锦江酒店 --tier=KEY --kind=hotel "
          "--province=上海 --city=上海 \\\n"
          "    --credit-limit=5万 --tags=连锁,华东 --contact='王经理|采购经理|13800000000|'\n"
          "A customer with the same name in the same city is refused (ALREADY_EXISTS).",
  });
  commands->push_back({
      .path = {"customer", "get"},
      .positional_usage = "ID...",
      .summary = "Show one customer, or several (BatchGetCustomers) as a table",
      .min_positionals = 1,
      .max_positionals = Command::kAny,
      .run = ByCount(CallWithFields(&Stub::GetCustomer, {"id"}, {}, PrintCustomer),
                     CallWithFields(&Stub::BatchGetCustomers, {"ids"}, {},
                                    [](const BatchGetCustomersResponse& r) {
                                      std::cout << RenderTable(CustomerColumns(), r.customers());
                                    })),
  });
  commands->push_back({
      .path = {"customer", "list"},
      .summary = "List customers (the public pool with --owner=-)",
      .options = Join(FieldOptionSpecs(FilterFields(), false), PageOptions()),
      .run = CallWithFields(&Stub::ListCustomers, {}, FilterFields(), PrintCustomerList),
  });
  commands->push_back({
      .path = {"customer", "update"},
      .positional_usage = "ID",
      .summary = "Change a customer's fields (only those given)",
      .options = Join(
          FieldOptionSpecs(CustomerFields(), false),
          std::vector<OptionSpec>{
              ContactOption(absl::StrCat("the whole new contact list, one each: ", kContactHelp)),
              EtagOption()}),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = UpdateCustomer,
      .details = "Example: opsctl customer update C7 --tier=TIER1 --stage=INTENT --etag=W/\"3\"\n"
                 "--contact replaces every contact (their ids, birthdays and notes too).\n"
                 "The owner changes with 'customer transfer', 'release' and 'claim'.",
  });
  commands->push_back({
      .path = {"customer", "delete"},
      .positional_usage = "ID",
      .summary = "Delete a customer (its orders keep referring to it)",
      .options = {EtagOption()},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CallWithFields(&Stub::DeleteCustomer, {"id"}, {AsField(EtagOption(), "etag")}),
  });
  const std::vector<FieldOption> transfer_fields = {
      {"to", "new_owner_id", "EMP", "the new owner", true},
      {"reason", "reason", "TEXT", "why (kept in the ownership history)"}};
  commands->push_back({
      .path = {"customer", "transfer"},
      .positional_usage = "ID",
      .summary = "Give a customer to another salesperson (manager or admin)",
      .options = FieldOptionSpecs(transfer_fields, true),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CallWithFields(&Stub::TransferCustomer, {"id"}, transfer_fields, PrintCustomer),
  });
  const std::vector<FieldOption> release_fields = {
      {"reason", "reason", "TEXT", "why (kept in the ownership history)"}};
  commands->push_back({
      .path = {"customer", "release"},
      .positional_usage = "ID",
      .summary = "Give a customer back to the public pool",
      .options = FieldOptionSpecs(release_fields, true),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CallWithFields(&Stub::ReleaseCustomer, {"id"}, release_fields, PrintCustomer),
  });
  commands->push_back({
      .path = {"customer", "claim"},
      .positional_usage = "ID",
      .summary = "Take a customer from the public pool (up to the daily cap)",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CallWithFields(&Stub::ClaimCustomer, {"id"}, {}, PrintCustomer),
  });
  const std::vector<FieldOption> release_idle_fields = {
      {"as-of", "as_of", "RFC3339",
       "the moment to judge at, e.g. 2026-03-02T00:00:00+08:00 (default: now)"},
      AsField(RequestIdOption(), "request_id")};
  commands->push_back({
      .path = {"customer", "release-idle"},
      .summary = "Release every customer idle past the policy's pool_idle_days (the scheduler's "
                 "sweep)",
      .options = FieldOptionSpecs(release_idle_fields, true),
      .run = CallWithFields(&Stub::ReleaseIdleCustomers, {}, release_idle_fields,
                            [](const ReleaseIdleCustomersResponse& r) {
                              std::cout << "released " << r.released_ids_size()
                                        << " customers to the pool\n";
                              for (const std::string& id : r.released_ids()) {
                                std::cout << id << "\n";
                              }
                            }),
  });
  commands->push_back({
      .path = {"customer", "import"},
      .positional_usage = "FILE",
      .summary = "Create customers from a CSV file (UTF-8; '-' reads standard input)",
      .options =
          {
              {"all-or-nothing", "", "import nothing if any row is bad (at most 5000 rows)"},
              {"dry-run", "", "only check the file; send nothing"},
          },
      .min_positionals = 1,
      .max_positionals = 1,
      .run = ImportCustomers,
      .details = absl::StrCat(
          "Columns (a header row first; any order, any subset that has name):\n  ",
          absl::StrJoin(crm::CustomerCsvColumns(), ","),
          "\n"
          "tier is KEY, TIER1, TIER2, OTHER or 重点客户/一级客户/二级客户/其他; credit_limit is "
          "yuan (50000.00);\n"
          "tags are separated by ';'. Excel's \"CSV UTF-8\" files (with a BOM) are fine; GBK "
          "files are not.\n"
          "\n"
          "Every row is checked first and each bad value reported as FILE:LINE: column: "
          "reason.\n"
          "Without --all-or-nothing the import is partial: the good rows are created and the "
          "bad ones\n"
          "reported, locally or by the server (a duplicate name in the same city, an unknown "
          "owner);\n"
          "fix those rows in a new file of their own and import it. With --all-or-nothing a "
          "bad row,\n"
          "in the file or at the server, means nothing is created; a file of more than 5000 "
          "rows is\n"
          "then refused, since only one call is all-or-nothing.\n"
          "Rows are sent 5000 to a call; each call's request id comes from the file's content, "
          "so running\n"
          "the same file again (after a timeout, say) answers as the first run did and creates "
          "nothing twice.\n"
          "Prints 'imported N customers; M rows rejected'; exits 1 when a row was rejected or "
          "not imported.\n"
          "Example: opsctl customer import customers.csv --dry-run"),
  });
  commands->push_back({
      .path = {"customer", "export"},
      .summary = "Write customers as CSV, in the format 'customer import' reads",
      .options = Join(FieldOptionSpecs(FilterFields(), false),
                      std::vector<OptionSpec>{
                          {"out", "FILE", "write to this file (default: standard output)"},
                          {"no-bom", "", "leave out the UTF-8 byte-order mark Excel needs"}}),
      .run = ExportCustomers,
      .details = "Every page of ListCustomers with the filters given, one row per customer and "
                 "its first contact.\n"
                 "Example: opsctl customer export --owner=E7 --out=customers.csv",
  });
  AddPolicyCommands(commands, "crm", &Stub::GetCrmPolicy, &Stub::UpdateCrmPolicy, PolicyFields(),
                    {.get_summary = "Show the org's crm policy: visit intervals, quotas, the pool",
                     .set_summary = "Change the crm policy (admin)",
                     .set_details = "Example: opsctl crm policy set --pool-idle-days=60 "
                                    "--pool-claims-per-day=3 --key-visit-days=20"});
}

}  // namespace opsuite::opsctl
