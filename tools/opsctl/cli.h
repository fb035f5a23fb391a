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

void AddDirectoryCommands(std::vector<Command>* commands);
void AddTargetCommands(std::vector<Command>* commands);
void AddGoalCardCommands(std::vector<Command>* commands);
void AddReportCommands(std::vector<Command>* commands);

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

// An option that sets one proto field by name (`--dept` sets `department_id`), so create and
// update commands share one table of fields.
struct FieldOption {
  std::string option;
  std::string field;
  std::string value_name;
  std::string help;
  bool required_on_create = false;
};
// The option specs for `fields`; `create` marks the required ones.
std::vector<OptionSpec> FieldOptionSpecs(const std::vector<FieldOption>& fields, bool create);
// Sets each field whose option was given (SetFieldFromText); with `mask`, lists them there.
absl::Status ApplyFieldOptions(const Args& args, const std::vector<FieldOption>& fields,
                               google::protobuf::Message* message,
                               google::protobuf::FieldMask* mask = nullptr);

// Option specs shared by several commands.
OptionSpec RequestIdOption();
OptionSpec EtagOption();
std::vector<OptionSpec> PageOptions();
// Sets `page_size`/`page_token` of a List request from --page-size/--page-token.
absl::Status ApplyPageOptions(const Args& args, google::protobuf::Message* request);
// "(more: --page-token=TOKEN)" after a table when there is a next page.
void PrintNextPage(const std::string& next_page_token);

}  // namespace opsuite::opsctl
