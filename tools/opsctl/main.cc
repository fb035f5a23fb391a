// opsctl: the command-line client for the planning, crm, scoring and scheduler services.
//
//   opsctl [global options] COMMAND [options] [args]
//   opsctl help | opsctl COMMAND --help
//
// Exit codes: 0 success, 1 the server answered with an error (or health is not SERVING),
// 2 a usage error.
#include <cstdlib>
#include <iostream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/auth/jwt.h"
#include "common/server/tls.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tools/opsctl/cli.h"

namespace opsuite::opsctl {
namespace {

constexpr char kDefaultAddr[] = "127.0.0.1:50051";

std::vector<OptionSpec> GlobalSpecs() {
  return {
      {"addr", "HOST:PORT", "server address (env OPSUITE_ADDR; default 127.0.0.1:50051)"},
      {"token", "JWT", "bearer token to send (env OPSUITE_TOKEN)"},
      {"json", "", "print responses as proto3 JSON"},
      {"timeout", "DURATION", "deadline of each call (default 10s)"},
      {"jwt_secret", "SECRET", "HS256 key for minting tokens (env OPSUITE_JWT_SECRET)"},
      {"as", "SUB:ORG:ROLES",
       "without a token: mint one for this identity with --jwt_secret, e.g. e1:acme:admin"},
      {"kid", "KID", "key id written into minted tokens"},
      {"tls_ca", "FILE", "connect over TLS, checking the server against this PEM CA (env OPSUITE_TLS_CA)"},
      {"tls_cert", "FILE", "client certificate for mutual TLS (env OPSUITE_TLS_CERT)"},
      {"tls_key", "FILE", "its private key (env OPSUITE_TLS_KEY)"},
      {"help", "", "show help"},
  };
}

std::string EnvOr(const char* name, absl::string_view fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : std::string(fallback);
}

absl::StatusOr<std::string> Secret(const Args& args) {
  std::string secret = args.GetOr("jwt_secret", EnvOr("OPSUITE_JWT_SECRET", ""));
  if (secret.empty()) {
    return UsageError("no signing secret: pass --jwt_secret or set OPSUITE_JWT_SECRET");
  }
  return secret;
}

std::string Mint(const Identity& identity, const std::string& secret, const std::string& kid,
                 absl::Duration ttl) {
  const absl::Time now = absl::Now();
  return auth::MintJwt({.subject = identity.subject, .org = identity.org, .roles = identity.roles},
                       {.kid = kid, .secret = secret}, now, now + ttl);
}

absl::StatusOr<GlobalOptions> ResolveGlobals(const Args& args) {
  GlobalOptions options;
  options.addr = args.GetOr("addr", EnvOr("OPSUITE_ADDR", kDefaultAddr));
  options.json = args.Flag("json");
  if (std::optional<std::string> timeout = args.Get("timeout")) {
    double seconds = 0;
    if (absl::SimpleAtod(*timeout, &seconds)) {
      options.timeout = absl::Seconds(seconds);
    } else {
      absl::StatusOr<absl::Duration> d = ParseDurationArg(*timeout);
      if (!d.ok()) return UsageError(absl::StrCat("--timeout: ", d.status().message()));
      options.timeout = *d;
    }
    if (options.timeout <= absl::ZeroDuration()) return UsageError("--timeout must be positive");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      server::ClientCredentials(args.GetOr("tls_ca", EnvOr("OPSUITE_TLS_CA", "")),
                                args.GetOr("tls_cert", EnvOr("OPSUITE_TLS_CERT", "")),
                                args.GetOr("tls_key", EnvOr("OPSUITE_TLS_KEY", "")));
  if (!credentials.ok()) return UsageError(std::string(credentials.status().message()));
  options.credentials = *std::move(credentials);
  options.token = args.GetOr("token", EnvOr("OPSUITE_TOKEN", ""));
  if (options.token.empty() && args.Has("as")) {
    absl::StatusOr<Identity> identity = ParseIdentity(args.GetOr("as", ""));
    if (!identity.ok()) return UsageError(absl::StrCat("--as: ", identity.status().message()));
    absl::StatusOr<std::string> secret = Secret(args);
    if (!secret.ok()) return UsageError("--as needs --jwt_secret or OPSUITE_JWT_SECRET");
    options.token = Mint(*identity, *secret, args.GetOr("kid", ""), absl::Hours(1));
  }
  return options;
}

RunResult MintToken(const Args& args, Client& client) {
  Identity identity{args.GetOr("sub", ""), args.GetOr("org", ""), {}};
  auto roles = ParseOption(args, "roles", ParseRoles);
  auto ttl = ParseOption(args, "ttl", ParseDurationArg);
  if (!roles.ok()) return roles.status();
  if (!ttl.ok()) return ttl.status();
  identity.roles = roles->value_or(std::vector<std::string>{"employee"});
  const absl::Duration lifetime = ttl->value_or(absl::Hours(12));
  if (lifetime <= absl::ZeroDuration()) return UsageError("--ttl must be positive");
  absl::StatusOr<std::string> secret = Secret(args);
  if (!secret.ok()) return secret.status();
  std::string token = Mint(identity, *secret, args.GetOr("kid", ""), lifetime);
  if (client.options().json) {
    std::cout << "{\"token\": \"" << token << "\"}\n";
  } else {
    std::cout << token << "\n";
  }
  return 0;
}

RunResult CheckHealth(const Args& args, Client& client) {
  using ::grpc::health::v1::Health;
  using ::grpc::health::v1::HealthCheckRequest;
  using ::grpc::health::v1::HealthCheckResponse;
  HealthCheckRequest request;
  request.set_service(args.GetOr("service", ""));
  HealthCheckResponse response;
  grpc::Status status = client.Invoke(&Health::Stub::Check, request, &response);
  if (!status.ok()) return PrintRpcError(status, client.options());
  if (client.options().json) {
    PrintJson(response);
  } else {
    std::cout << HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  }
  return response.status() == HealthCheckResponse::SERVING ? 0 : 1;
}

std::vector<Command> AllCommands() {
  std::vector<Command> commands;
  commands.push_back({
      .path = {"token"},
      .summary = "Mint a development JWT (HS256) and print it",
      .options =
          {
              {"sub", "ID", "subject: the employee id (or a service name)", true},
              {"org", "ORG", "the org", true},
              {"roles", "R1,R2", "employee | manager | admin | service (default employee)"},
              {"ttl", "DURATION", "lifetime, e.g. 12h (default), 30m, 7d"},
          },
      .run = MintToken,
      .details = "Example: export OPSUITE_TOKEN=$(opsctl token --sub=E1 --org=acme "
                 "--roles=admin,manager --jwt_secret=dev-secret)",
  });
  commands.push_back({
      .path = {"health"},
      .summary = "Ask the server's gRPC health service; exit 0 only when SERVING",
      .options = {{"service", "NAME", "e.g. opsuite.planning.v1.TargetService (default: server)"}},
      .run = CheckHealth,
  });
  AddDirectoryCommands(&commands);
  AddTargetCommands(&commands);
  AddGoalCardCommands(&commands);
  AddReportCommands(&commands);
  AddCustomerCommands(&commands);
  AddActivityCommands(&commands);
  AddOrderCommands(&commands);
  AddScoringCommands(&commands);
  AddSchedulerCommands(&commands);
  return commands;
}

// The command whose path is the longest prefix of `words`.
const Command* FindCommand(const std::vector<Command>& commands,
                           const std::vector<std::string>& words) {
  const Command* best = nullptr;
  for (const Command& c : commands) {
    if (c.path.size() > words.size()) continue;
    if (!std::equal(c.path.begin(), c.path.end(), words.begin())) continue;
    if (best == nullptr || c.path.size() > best->path.size()) best = &c;
  }
  return best;
}

std::string SpecText(const OptionSpec& spec) {
  return spec.value_name.empty() ? absl::StrCat("--", spec.name)
                                 : absl::StrCat("--", spec.name, "=", spec.value_name);
}

std::string OptionTable(const std::vector<OptionSpec>& specs) {
  KeyValues rows;
  for (const OptionSpec& spec : specs) {
    std::string help = spec.help;
    if (spec.required) help = absl::StrCat("(required) ", help);
    if (spec.repeatable) help = absl::StrCat(help, " (repeatable)");
    rows.emplace_back(absl::StrCat("  ", SpecText(spec)), help);
  }
  return RenderKeyValues(rows);
}

std::string UsageLine(const Command& c) {
  std::vector<std::string> parts = {"opsctl", CommandName(c)};
  bool optional = false;
  for (const OptionSpec& spec : c.options) {
    if (spec.required) {
      parts.push_back(SpecText(spec));
    } else {
      optional = true;
    }
  }
  if (optional) parts.push_back("[options]");
  if (!c.positional_usage.empty()) parts.push_back(c.positional_usage);
  return absl::StrJoin(parts, " ");
}

void PrintCommandHelp(const Command& c, std::ostream& out) {
  out << "Usage: " << UsageLine(c) << "\n" << c.summary << ".\n";
  if (!c.options.empty()) out << "\nOptions:\n" << OptionTable(c.options);
  if (!c.details.empty()) out << "\n" << c.details << "\n";
  out << "\nGlobal options (--addr, --token, --json, --timeout, --jwt_secret, --as, --kid): "
         "see 'opsctl help'.\n";
}

void PrintHelp(const std::vector<Command>& commands, std::ostream& out) {
  out << "opsctl: the command-line client for the opsuite planning, crm, scoring and scheduler "
         "services.\n\n"
         "Usage: opsctl [global options] COMMAND [options] [args]\n\nCommands:\n";
  KeyValues rows;
  for (const Command& c : commands) {
    rows.emplace_back(absl::StrCat("  ", CommandName(c), c.positional_usage.empty() ? "" : " ",
                                   c.positional_usage),
                      c.summary);
  }
  out << RenderKeyValues(rows);
  out << "\nGlobal options:\n" << OptionTable(GlobalSpecs());
  out << "\nOptions are written --name=value, --name value or --flag; '-' and '_' in names are "
         "the same.\n"
         "Values: --value and other amounts are integers in the target's unit; the suffixes "
         "万 (x10^4) and\n"
         "亿 (x10^8) multiply: 1500万 = 15000000, 1.5亿 = 150000000.\n"
         "Money: --credit-limit, --amount and other YUAN values are yuan with at most 2 "
         "decimals, 万/亿 too:\n"
         "1.2万 = 12000.00 yuan (sent as 1200000 cents); tables show yuan, e.g. 12,000.00.\n"
         "Times: RFC 3339, e.g. 2026-03-02T21:00:00+08:00.\n"
         "Periods: GRANULARITY:YYYY-MM-DD (YEAR:2026-01-01, MONTH:2026-03-01) or 2026, "
         "2026-H1, 2026-Q2, 2026-03.\n"
         "Owners: org, department:ID, employee:ID.\n"
         "Exit status: 0 ok, 1 the server returned an error (customer import: or a row was "
         "rejected), 2 usage error.\n"
         "Run 'opsctl COMMAND --help' for a command's options.\n";
}

int UsageFailure(absl::string_view message, absl::string_view hint) {
  std::cerr << "error: " << message << "\n"
            << "hint: " << hint << "\n";
  return 2;
}

int Main(int argc, char** argv) {
  const std::vector<std::string> argv_words(argv + 1, argv + argc);
  const std::vector<Command> commands = AllCommands();

  // First find the command's words, knowing only the global options.
  absl::StatusOr<Args> global = Args::Parse(argv_words, GlobalSpecs(), /*allow_unknown=*/true);
  if (!global.ok()) return UsageFailure(global.status().message(), "see 'opsctl help'");
  std::vector<std::string> words = global->positionals();
  if (words.empty()) {
    PrintHelp(commands, global->Flag("help") ? std::cout : std::cerr);
    return global->Flag("help") ? 0 : 2;
  }
  if (words[0] == "help") {
    words.erase(words.begin());
    const Command* c = FindCommand(commands, words);
    if (c != nullptr) {
      PrintCommandHelp(*c, std::cout);
    } else {
      PrintHelp(commands, std::cout);
    }
    return 0;
  }
  const Command* command = FindCommand(commands, words);
  if (command == nullptr) {
    std::vector<std::string> group;
    for (const Command& c : commands) {
      if (c.path[0] == words[0]) group.push_back(CommandName(c));
    }
    if (!group.empty()) {
      return UsageFailure(
          absl::StrCat("\"", absl::StrJoin(words, " "),
                       "\" is not a command; choose one of: ", absl::StrJoin(group, ", ")),
          "see 'opsctl help'");
    }
    return UsageFailure(absl::StrCat("unknown command \"", words[0], "\""),
                        "see 'opsctl help' for the commands");
  }
  const std::string hint = absl::StrCat("see 'opsctl ", CommandName(*command), " --help'");

  // Then parse everything with the command's options as well.
  std::vector<OptionSpec> specs = command->options;
  for (OptionSpec& spec : GlobalSpecs()) specs.push_back(std::move(spec));
  absl::StatusOr<Args> args = Args::Parse(argv_words, specs);
  if (!args.ok()) return UsageFailure(args.status().message(), hint);
  if (args->Flag("help")) {
    PrintCommandHelp(*command, std::cout);
    return 0;
  }
  const std::vector<std::string>& positionals = args->positionals();
  if (positionals.size() < command->path.size() ||
      !std::equal(command->path.begin(), command->path.end(), positionals.begin())) {
    return UsageFailure("write the command before its options", hint);
  }
  args->DropLeadingPositionals(command->path.size());
  const size_t n = args->positionals().size();
  if (n < command->min_positionals || n > command->max_positionals) {
    if (n > command->max_positionals && command->max_positionals == 0) {
      return UsageFailure(absl::StrCat("unexpected argument \"", args->positionals()[0], "\""),
                          hint);
    }
    return UsageFailure(absl::StrCat("usage: ", UsageLine(*command)), hint);
  }

  absl::StatusOr<GlobalOptions> options = ResolveGlobals(*args);
  if (!options.ok()) return UsageFailure(options.status().message(), "see 'opsctl help'");
  Client client(*std::move(options));
  RunResult result = command->run(*args, client);
  if (!result.ok()) return UsageFailure(result.status().message(), hint);
  return *result;
}

}  // namespace
}  // namespace opsuite::opsctl

int main(int argc, char** argv) { return opsuite::opsctl::Main(argc, argv); }
