#include "tools/opsctl/cli.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace opsuite::opsctl {
namespace {

constexpr char kBadRequestType[] = "type.googleapis.com/google.rpc.BadRequest";
constexpr char kPreconditionFailureType[] = "type.googleapis.com/google.rpc.PreconditionFailure";

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = false;
  options.always_print_enums_as_ints = false;
  options.preserve_proto_field_names = false;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "error: cannot print the response as JSON: " << status.ToString() << "\n";
    return;
  }
  std::cout << json;
  if (json.empty() || json.back() != '\n') std::cout << "\n";
}

void PrintMessage(const google::protobuf::Message& message) {
  KeyValues fields = MessageFields(message);
  if (fields.empty()) {
    std::cout << "ok\n";
    return;
  }
  std::cout << RenderKeyValues(fields);
}

int PrintRpcError(const grpc::Status& status, const GlobalOptions& options) {
  std::cerr << "error: " << CodeName(status.error_code());
  if (!status.error_message().empty()) std::cerr << ": " << status.error_message();
  std::cerr << "\n";
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      if (any.type_url() == kBadRequestType) {
        google::rpc::BadRequest bad_request;
        if (!bad_request.ParseFromString(any.value())) continue;
        for (const auto& v : bad_request.field_violations()) {
          std::cerr << "  " << v.field() << ": " << v.description() << "\n";
        }
      } else if (any.type_url() == kPreconditionFailureType) {
        google::rpc::PreconditionFailure failure;
        if (!failure.ParseFromString(any.value())) continue;
        for (const auto& v : failure.violations()) {
          std::cerr << "  " << v.type() << " " << v.subject() << ": " << v.description() << "\n";
        }
      }
    }
  }
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      std::cerr << "hint: is the server running at " << options.addr
                << "? (set --addr or OPSUITE_ADDR)\n";
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      if (options.token.empty()) {
        std::cerr << "hint: no token was sent; pass --token or set OPSUITE_TOKEN, or mint one "
                     "with --jwt_secret and --as=SUB:ORG:ROLES\n";
      }
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      std::cerr << "hint: the server at " << options.addr
                << " does not offer this RPC; is --addr the right service (planning, crm or "
                   "scoring)?\n";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << "hint: no answer within " << absl::FormatDuration(options.timeout)
                << "; raise --timeout\n";
      break;
    default:
      break;
  }
  return 1;
}

std::shared_ptr<grpc::Channel> Client::Channel() {
  if (channel_ == nullptr) {
    channel_ = grpc::CreateChannel(options_.addr, options_.credentials != nullptr
                                                      ? options_.credentials
                                                      : grpc::InsecureChannelCredentials());
  }
  return channel_;
}

void Client::PrepareContext(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(options_.timeout));
  if (!options_.token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  }
}

std::string CommandName(const Command& command) { return absl::StrJoin(command.path, " "); }

std::vector<OptionSpec> FieldOptionSpecs(const std::vector<FieldOption>& fields, bool create) {
  std::vector<OptionSpec> specs;
  for (const FieldOption& f : fields) {
    specs.push_back({f.option, f.value_name, f.help, create && f.required_on_create});
  }
  return specs;
}

absl::Status ApplyFieldOptions(const Args& args, const std::vector<FieldOption>& fields,
                               google::protobuf::Message* message,
                               google::protobuf::FieldMask* mask) {
  for (const FieldOption& f : fields) {
    std::optional<std::string> value = args.Get(f.option);
    if (!value) continue;
    if (f.convert) {
      absl::StatusOr<std::string> converted = f.convert(*value);
      if (!converted.ok()) {
        return UsageError(absl::StrCat("--", f.option, ": ", converted.status().message()));
      }
      value = *std::move(converted);
    }
    absl::Status s = SetFieldFromText(message, f.field, *value, mask);
    if (!s.ok()) return UsageError(absl::StrCat("--", f.option, ": ", s.message()));
  }
  return absl::OkStatus();
}

FieldOption AsField(const OptionSpec& spec, std::string field) {
  return {spec.name, std::move(field), spec.value_name, spec.help, spec.required};
}

std::string NothingToChange(const std::vector<FieldOption>& fields) {
  std::vector<std::string> options;
  for (const FieldOption& f : fields) options.push_back(absl::StrCat("--", f.option));
  return absl::StrCat("nothing to change: give at least one of ", absl::StrJoin(options, ", "));
}

absl::StatusOr<std::string> CentsFromYuan(absl::string_view text) {
  absl::StatusOr<int64_t> cents = ParseYuan(text);
  if (!cents.ok()) return cents.status();
  return absl::StrCat(*cents);
}

std::vector<FieldOption> MessageFieldOptions(
    const google::protobuf::Descriptor* type,
    const std::function<FieldDoc(const google::protobuf::FieldDescriptor*)>& describe) {
  std::vector<FieldOption> out;
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = type->field(i);
    if (f->name() == "etag") continue;
    FieldDoc doc = describe(f);
    out.push_back({absl::StrReplaceAll(f->name(), {{"_", "-"}}), f->name(),
                   std::move(doc.value_name), std::move(doc.help)});
  }
  return out;
}

absl::Status ApplyPositionals(const Args& args, const std::vector<std::string>& fields,
                              google::protobuf::Message* message) {
  const std::vector<std::string>& positionals = args.positionals();
  for (size_t i = 0; i < fields.size() && i < positionals.size(); ++i) {
    const google::protobuf::FieldDescriptor* field =
        message->GetDescriptor()->FindFieldByName(fields[i]);
    const bool rest = i + 1 == fields.size() && field != nullptr && field->is_repeated();
    const std::string text = rest ? absl::StrJoin(positionals.begin() + static_cast<ptrdiff_t>(i),
                                                  positionals.end(), ",")
                                  : positionals[i];
    if (absl::Status s = SetFieldFromText(message, fields[i], text); !s.ok()) {
      return UsageError(s.message());
    }
  }
  return absl::OkStatus();
}

RunFunction ByCount(RunFunction one, RunFunction many) {
  return [one = std::move(one), many = std::move(many)](const Args& args,
                                                        Client& client) -> RunResult {
    return args.positionals().size() == 1 ? one(args, client) : many(args, client);
  };
}

OptionSpec RequestIdOption() {
  return {"request-id", "ID", "idempotency key: a retry with the same id has no further effect"};
}

OptionSpec EtagOption() {
  return {"etag", "ETAG", "fail ABORTED if the resource changed since this etag was read"};
}

std::vector<OptionSpec> PageOptions() {
  return {{"page-size", "N", "results per page (server default 100)"},
          {"page-token", "TOKEN", "continue from a previous page"}};
}

absl::Status ApplyPageOptions(const Args& args, google::protobuf::Message* request) {
  if (std::optional<std::string> size = args.Get("page-size")) {
    absl::Status s = SetFieldFromText(request, "page_size", *size);
    if (!s.ok()) return UsageError(absl::StrCat("--page-size: ", s.message()));
  }
  if (std::optional<std::string> token = args.Get("page-token")) {
    absl::Status s = SetFieldFromText(request, "page_token", *token);
    if (!s.ok()) return UsageError(absl::StrCat("--page-token: ", s.message()));
  }
  return absl::OkStatus();
}

void PrintNextPage(const std::string& next_page_token) {
  if (!next_page_token.empty()) {
    std::cout << "(more: --page-token=" << next_page_token << ")\n";
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return UsageError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace opsuite::opsctl
