#include "services/gateway/gateway_module.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "common/status.h"

ABSL_FLAG(std::string, http_addr, "127.0.0.1:8080",
          "Gateway HTTP listen address (REST/JSON, SSE, the web console); port 0: any");
ABSL_FLAG(std::string, web_dir, "web/dist", "The built web console the gateway serves at /");
ABSL_FLAG(std::string, cors_origins, "",
          "Comma list of browser origins allowed to call the gateway (* for any)");
ABSL_FLAG(double, rate_limit, 50, "Gateway requests per second per caller (0: no limit)");
ABSL_FLAG(int, rate_burst, 100, "Gateway burst size per caller");
ABSL_FLAG(int, http_max_body_bytes, 1 << 20, "Largest request body the gateway accepts (413)");
ABSL_FLAG(std::string, http_timeout, "30s",
          "Deadline of a gateway call without a grpc-timeout header (e.g. 30s, 2m)");
ABSL_FLAG(int, http_threads, 2, "Gateway I/O threads");
ABSL_FLAG(std::string, descriptor_set, "",
          "A descriptor set to serve instead of the compiled-in API (protoc --include_imports)");

namespace opsuite::gateway {
namespace {

class Module : public server::Module {
 public:
  Module(server::Env& env, GatewayOptions options) : env_(env), options_(std::move(options)) {}

  std::vector<grpc::Service*> Services() override { return {}; }
  std::vector<std::string> ServiceNames() override { return {}; }

  absl::Status Started() override {
    GatewayBackends backends;
    backends.verifier = env_.verifier;
    backends.channel = env_.request_channel;
    backends.redis = env_.redis;
    backends.clock = env_.clock;
    backends.metrics = env_.metrics;
    ASSIGN_OR_RETURN(gateway_, Gateway::Start(options_, std::move(backends)));
    size_t colon = options_.http_addr.rfind(':');
    std::string addr = absl::StrCat(options_.http_addr.substr(0, colon), ":", gateway_->port());
    log::Info("gateway ready", {{"http_addr", addr},
                                {"console", absl::StrCat("http://", addr, "/")},
                                {"routes", static_cast<int64_t>(gateway_->catalog().routes().size())}});
    return absl::OkStatus();
  }

  void Stop() override {
    if (gateway_) gateway_->Stop();
  }

 private:
  server::Env env_;
  GatewayOptions options_;
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace

absl::StatusOr<GatewayOptions> GatewayOptionsFromFlags() {
  GatewayOptions o;
  o.http_addr = absl::GetFlag(FLAGS_http_addr);
  o.web_dir = absl::GetFlag(FLAGS_web_dir);
  o.cors_origins = absl::StrSplit(absl::GetFlag(FLAGS_cors_origins), ',', absl::SkipWhitespace());
  o.rate_limit = absl::GetFlag(FLAGS_rate_limit);
  if (o.rate_limit < 0) return InvalidField("rate_limit", "must be >= 0 (0: no limit)");
  o.rate_burst = absl::GetFlag(FLAGS_rate_burst);
  if (o.rate_burst < 1) return InvalidField("rate_burst", "must be >= 1");
  int body = absl::GetFlag(FLAGS_http_max_body_bytes);
  if (body < 1024) return InvalidField("http_max_body_bytes", "must be >= 1024");
  o.max_body_bytes = static_cast<size_t>(body);
  if (!absl::ParseDuration(absl::GetFlag(FLAGS_http_timeout), &o.default_timeout) ||
      o.default_timeout <= absl::ZeroDuration()) {
    return InvalidField("http_timeout", "expected a positive duration such as 30s or 2m");
  }
  o.threads = absl::GetFlag(FLAGS_http_threads);
  if (o.threads < 1 || o.threads > 256) return InvalidField("http_threads", "must be 1..256");
  o.descriptor_set = absl::GetFlag(FLAGS_descriptor_set);
  return o;
}

server::ModuleSpec GatewayModule() {
  return {"gateway", [](server::Env& env) -> absl::StatusOr<std::unique_ptr<server::Module>> {
            ASSIGN_OR_RETURN(GatewayOptions options, GatewayOptionsFromFlags());
            return std::make_unique<Module>(env, std::move(options));
          }};
}

}  // namespace opsuite::gateway
