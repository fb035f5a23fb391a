// opsctl's command table and the one way every command calls an RPC.
//
// A command is a path of words ("emp create"), the options it takes and a function. Each
// service's commands live in their own file and register through Add*Commands(); main.cc
// finds the command, parses its options and runs it.
//
//   return client.Call(&DirectoryService::Stub::GetEmployee, request, PrintEmployee);
//
// Client::Call sets the deadline and `authorization: Bearer` metadata, then prints the
// response (proto3 JSON with --json, else with the given printer) or the error with its
// field violations; it returns the process exit code (0, or 1 for an RPC error).
#pragma once

#include <cstddef>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "tools/opsctl/args.h"
#include "tools/opsctl/format.h"

namespace opsuite::opsctl {

struct GlobalOptions {
  std::string addr;
  std::string token;  // the bearer token; empty sends none
  bool json = false;
  absl::Duration timeout = absl::Seconds(10);
  // From --tls_ca, --tls_cert, --tls_key: TLS when a CA or a certificate is given; null:
  // plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

// Writes `message` as proto3 JSON (lowerCamelCase names, enums by name, default values
// omitted) to stdout.
void PrintJson(const google::protobuf::Message& message);
// Every set field of `message`, one "key  value" line each.
void PrintMessage(const google::protobuf::Message& message);
// "error: CODE: message", then each BadRequest field violation (and precondition failure)
// from the status details, and a hint for common causes. Returns 1.
int PrintRpcError(const grpc::Status& status, const GlobalOptions& options);

class Client {
 public:
  explicit Client(GlobalOptions options) : options_(std::move(options)) {}

  const GlobalOptions& options() const { return options_; }

  // Calls `method` on a stub of the channel to --addr and prints the outcome.
  template <typename Stub, typename Request, typename Response, typename Print>
  int Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
           const Request& request, Print&& print) {
    Response response;
    grpc::Status status = Invoke(method, request, &response);
    if (!status.ok()) return PrintRpcError(status, options_);
    if (options_.json) {
      PrintJson(response);
    } else {
      print(response);
    }
    return 0;
  }
  template <typename Stub, typename Request, typename Response>
  int Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
           const Request& request) {
    return Call(method, request, [](const Response& r) { PrintMessage(r); });
  }

  // The call alone (for commands that look at the response before printing).
  template <typename Stub, typename Request, typename Response>
  grpc::Status Invoke(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                      const Request& request, Response* response) {
    Stub stub(Channel());
    grpc::ClientContext context;
    PrepareContext(&context);
    return (stub.*method)(&context, request, response);
  }

 private:
  std::shared_ptr<grpc::Channel> Channel();
  // The deadline and the authorization metadata.
  void PrepareContext(grpc::ClientContext* context) const;

  GlobalOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
};

// What a command's function returns: the exit code, or a usage error (exit 2 with a hint).
using RunResult = absl::StatusOr<int>;
using RunFunction = std::function<RunResult(const Args& args, Client& client)>;

struct Command {
  std::vector<std::string> path;  // {"emp", "create"}
  std::string positional_usage;   // "ID", "ID TASK_ID PERCENT"; empty for none
  std::string summary;            // one line
  std::vector<OptionSpec> options;
  size_t min_positionals = 0;
  size_t max_positionals = 0;  // kAny for no limit
  RunFunction run;
  std::string details;  // more help text (examples, formats), printed by --help

  static constexpr size_t kAny = std::numeric_limits<size_t>::max();
};

// "emp create".
std::string CommandName(const Command& command);

// The whole file at `path` ("-": stdin); a file that cannot be read is a usage error.
absl::StatusOr<std::string> ReadFile(const std::string& path);

void AddDirectoryCommands(std::vector<Command>* commands);
void AddTargetCommands(std::vector<Command>* commands);
void AddGoalCardCommands(std::vector<Command>* commands);
void AddReportCommands(std::vector<Command>* commands);
void AddCustomerCommands(std::vector<Command>* commands);
void AddActivityCommands(std::vector<Command>* commands);
void AddOrderCommands(std::vector<Command>* commands);
void AddScoringCommands(std::vector<Command>* commands);
void AddSchedulerCommands(std::vector<Command>* commands);

// A usage error for RunResult.
inline absl::Status UsageError(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

// The value of option `name` through `parse` (e.g. ParseOwner), std::nullopt when absent;
// a parse error names the option.
template <typename Parse>
auto ParseOption(const Args& args, absl::string_view name, Parse parse)
    -> absl::StatusOr<std::optional<typename decltype(parse(absl::string_view()))::value_type>> {
  using Value = typename decltype(parse(absl::string_view()))::value_type;
  std::optional<std::string> text = args.Get(name);
  if (!text) return std::optional<Value>();
  auto parsed = parse(*text);
  if (!parsed.ok()) {
    return UsageError(absl::StrCat("--", name, ": ", parsed.status().message()));
  }
  return std::optional<Value>(*std::move(parsed));
}

// Option specs shared by several commands.
OptionSpec RequestIdOption();
OptionSpec EtagOption();
std::vector<OptionSpec> PageOptions();
// Sets `page_size`/`page_token` of a List request from --page-size/--page-token (those the
// command line has).
absl::Status ApplyPageOptions(const Args& args, google::protobuf::Message* request);
// "(more: --page-token=TOKEN)" after a table when there is a next page.
void PrintNextPage(const std::string& next_page_token);

// Turns an option's text into the text SetFieldFromText takes, checking it on the way.
using FieldConvert = std::function<absl::StatusOr<std::string>(absl::string_view)>;

// An option that sets one proto field by name (`--dept` sets `department_id`, `--city` sets
// `region.city`), so create and update commands share one table of fields. A `value_name` of
// "" makes it a flag that sets a bool field.
struct FieldOption {
  std::string option;
  std::string field;
  std::string value_name;
  std::string help;
  bool required_on_create = false;
  FieldConvert convert;  // e.g. CentsFromYuan, ParseDate; none: the text as it is
};
// The option specs for `fields`; `create` marks the required ones.
std::vector<OptionSpec> FieldOptionSpecs(const std::vector<FieldOption>& fields, bool create);
// Sets each field whose option was given (SetFieldFromText); with `mask`, lists them there.
absl::Status ApplyFieldOptions(const Args& args, const std::vector<FieldOption>& fields,
                               google::protobuf::Message* message,
                               google::protobuf::FieldMask* mask = nullptr);
// `spec` as the option of proto field `field`: AsField(RequestIdOption(), "request_id").
FieldOption AsField(const OptionSpec& spec, std::string field);
// "nothing to change: give at least one of --a, --b, --c".
std::string NothingToChange(const std::vector<FieldOption>& fields);
// A FieldOption converter for money: yuan (ParseYuan: "50000.00", "1.2万") to cents.
absl::StatusOr<std::string> CentsFromYuan(absl::string_view text);

// What MessageFieldOptions says about one field.
struct FieldDoc {
  std::string value_name;
  std::string help;
};
// One option per field of `type` but `etag`, named after it with '-' for '_'
// (--pool-idle-days sets pool_idle_days); `describe` gives each its value name and help.
std::vector<FieldOption> MessageFieldOptions(
    const google::protobuf::Descriptor* type,
    const std::function<FieldDoc(const google::protobuf::FieldDescriptor*)>& describe);

// Sets field `fields[i]` of `message` from positional i (SetFieldFromText); a repeated last
// field takes every remaining positional.
absl::Status ApplyPositionals(const Args& args, const std::vector<std::string>& fields,
                              google::protobuf::Message* message);

// A command function that sends one request built from the command line: positionals into
// `positional_fields` (ApplyPositionals), options into `fields` (ApplyFieldOptions) and
// --page-size/--page-token when the command has them; `print` shows the response.
//
//   .run = CallWithFields(&Stub::TransferCustomer, {"id"}, TransferFields(), PrintCustomer),
template <typename Stub, typename Request, typename Response, typename Print>
RunFunction CallWithFields(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                        Response*),
                           std::vector<std::string> positional_fields,
                           std::vector<FieldOption> fields, Print print) {
  return [method, positional_fields = std::move(positional_fields), fields = std::move(fields),
          print](const Args& args, Client& client) -> RunResult {
    Request request;
    if (absl::Status s = ApplyPositionals(args, positional_fields, &request); !s.ok()) return s;
    if (absl::Status s = ApplyFieldOptions(args, fields, &request); !s.ok()) return s;
    if (absl::Status s = ApplyPageOptions(args, &request); !s.ok()) return s;
    return client.Call(method, request, print);
  };
}
template <typename Stub, typename Request, typename Response>
RunFunction CallWithFields(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                        Response*),
                           std::vector<std::string> positional_fields,
                           std::vector<FieldOption> fields = {}) {
  return CallWithFields(method, std::move(positional_fields), std::move(fields),
                        [](const Response& r) { PrintMessage(r); });
}

// `one` when the command got a single positional, else `many` (a Get and its BatchGet).
RunFunction ByCount(RunFunction one, RunFunction many);

// The option specs of `specs` followed by `more`.
template <typename Options>
std::vector<OptionSpec> Join(std::vector<OptionSpec> specs, const Options& more) {
  specs.insert(specs.end(), more.begin(), more.end());
  return specs;
}

// What AddPolicyCommands says about a policy.
struct PolicyText {
  std::string get_summary;  // "Show the org's report deadline policy"
  std::string set_summary;  // "Change the report deadline policy (admin)"
  std::string set_details;  // an example
};

// `GROUP policy [get]` and `GROUP policy set --FIELD=VALUE... [--etag]` for an org's policy
// message: set sends the fields given, an update_mask naming them and the etag.
template <typename Stub, typename GetRequest, typename UpdateRequest, typename Policy>
void AddPolicyCommands(std::vector<Command>* commands, const std::string& group,
                       grpc::Status (Stub::*get)(grpc::ClientContext*, const GetRequest&, Policy*),
                       grpc::Status (Stub::*update)(grpc::ClientContext*, const UpdateRequest&,
                                                    Policy*),
                       const std::vector<FieldOption>& fields, PolicyText text) {
  commands->push_back({
      .path = {group, "policy"},
      .positional_usage = "[get]",
      .summary = std::move(text.get_summary),
      .max_positionals = 1,
      .run = [get](const Args& args, Client& client) -> RunResult {
        if (!args.positionals().empty() && args.positionals()[0] != "get") {
          return UsageError(absl::StrCat("unknown policy action \"", args.positionals()[0],
                                         "\"; use get or set"));
        }
        return client.Call(get, GetRequest());
      },
  });
  commands->push_back({
      .path = {group, "policy", "set"},
      .summary = std::move(text.set_summary),
      .options = Join(FieldOptionSpecs(fields, false), std::vector<OptionSpec>{EtagOption()}),
      .run = [update, fields](const Args& args, Client& client) -> RunResult {
        UpdateRequest request;
        absl::Status s = ApplyFieldOptions(args, fields, request.mutable_policy(),
                                           request.mutable_update_mask());
        if (!s.ok()) return s;
        if (request.update_mask().paths().empty()) return UsageError(NothingToChange(fields));
        request.mutable_policy()->set_etag(args.GetOr("etag", ""));
        return client.Call(update, request);
      },
      .details = std::move(text.set_details),
  });
}

}  // namespace opsuite::opsctl
