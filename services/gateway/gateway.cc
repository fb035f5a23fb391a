#include "services/gateway/gateway.h"

#include <cmath>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "boost/beast/http.hpp"
#include "common/ids.h"
#include "common/log.h"
#include "common/status.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/gateway/http_server.h"
#include "services/gateway/http_status.h"
#include "services/gateway/openapi.h"
#include "services/gateway/rate_limiter.h"
#include "services/gateway/static_files.h"

namespace opsuite::gateway {

namespace http = boost::beast::http;

std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view value) {
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  int64_t n = 0;
  if (!absl::SimpleAtoi(value.substr(0, value.size() - 1), &n) || n < 0) return std::nullopt;
  switch (value.back()) {
    case 'H': return absl::Hours(n);
    case 'M': return absl::Minutes(n);
    case 'S': return absl::Seconds(n);
    case 'm': return absl::Milliseconds(n);
    case 'u': return absl::Microseconds(n);
    case 'n': return absl::Nanoseconds(n);
    default: return std::nullopt;
  }
}

namespace {

std::string FromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  size_t n = 0;
  for (const grpc::Slice& s : slices) n += s.size();
  out.reserve(n);
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

grpc::ByteBuffer ToByteBuffer(std::string bytes) {
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

HttpResponse Json(http::status status, std::string body) {
  HttpResponse r{status, 11};
  r.set(http::field::content_type, "application/json");
  r.body() = std::move(body);
  return r;
}

HttpResponse Error(grpc::StatusCode code, absl::string_view message, absl::string_view details = {}) {
  return Json(static_cast<http::status>(HttpStatusFor(code)), StatusJson(code, message, details));
}

// "Bearer <token>" (any case of "Bearer"), or empty.
std::string BearerToken(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  if (header.size() > 7 && absl::EqualsIgnoreCase(header.substr(0, 7), "bearer ")) {
    return std::string(absl::StripAsciiWhitespace(header.substr(7)));
  }
  return "";
}

std::string PercentEncode(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

std::string QueryValue(absl::string_view query, absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.first == name) return PercentDecode(kv.second, true).value_or("");
  }
  return "";
}

}  // namespace

struct Gateway::Impl : std::enable_shared_from_this<Gateway::Impl> {
  GatewayOptions options;
  GatewayBackends backends;
  std::unique_ptr<ApiCatalog> catalog;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<StaticFiles> files;
  std::string openapi;
  std::unique_ptr<HttpServer> server;
  absl::Mutex mu;
  absl::flat_hash_map<std::string, std::unique_ptr<grpc::GenericStub>> stubs ABSL_GUARDED_BY(mu);

  grpc::GenericStub* Stub(const std::string& module) {
    absl::MutexLock lock(&mu);
    auto& stub = stubs[module];
    if (!stub) stub = std::make_unique<grpc::GenericStub>(backends.channel(module));
    return stub.get();
  }

  bool OriginAllowed(absl::string_view origin) const {
    if (origin.empty()) return false;
    for (const std::string& o : options.cors_origins) {
      if (o == "*" || o == origin) return true;
    }
    return false;
  }

  void Handle(std::shared_ptr<Exchange> ex);
  void Api(std::shared_ptr<Exchange> ex, const std::string& path, const std::string& query,
           const std::string& request_id, std::function<void(HttpResponse&)> decorate);
  void Unary(std::shared_ptr<Exchange> ex, const Route& route, std::string wire,
             std::unique_ptr<grpc::ClientContext> ctx, std::function<void(HttpResponse&)> decorate,
             absl::Time start);
  void Stream(std::shared_ptr<Exchange> ex, const Route& route, std::string wire,
              std::unique_ptr<grpc::ClientContext> ctx, std::function<void(HttpResponse&)> decorate);
  void Observe(const Route* route, int http_status, absl::Time start) {
    if (backends.metrics == nullptr) return;
    backends.metrics->Observe(absl::StrCat("http ", route ? route->grpc_path : "other"),
                              http_status, absl::ToDoubleSeconds(absl::Now() - start));
  }
};

// One server-streaming call, relayed as Server-Sent Events: `id: <message id>`,
// `event: <Output type name, lowercased>`, `data: <JSON>`.
class SseRelay : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  SseRelay(std::shared_ptr<Gateway::Impl> gw, std::shared_ptr<Exchange> ex, const Route& route,
           std::string wire, std::unique_ptr<grpc::ClientContext> ctx,
           std::function<void(HttpResponse&)> decorate)
      : gw_(std::move(gw)), ex_(std::move(ex)), route_(route), ctx_(std::move(ctx)),
        request_(ToByteBuffer(std::move(wire))), decorate_(std::move(decorate)) {
    event_ = absl::AsciiStrToLower(route_.method->output_type()->name());
    cancel_->ctx = ctx_.get();
  }

  void Begin() {
    gw_->Stub(route_.module)->PrepareBidiStreamingCall(ctx_.get(), route_.grpc_path,
                                                       grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }

  void OnReadInitialMetadataDone(bool ok) override {
    if (!ok) return;  // the call failed; OnDone answers with the error
    OpenStream();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    OpenStream();
    std::string wire = FromByteBuffer(response_);
    absl::StatusOr<std::string> json = gw_->catalog->ToJson(route_.method->output_type(), wire);
    if (json.ok()) {
      std::string id = IdOf(wire);
      std::string event;
      if (!id.empty()) absl::StrAppend(&event, "id: ", id, "\n");
      absl::StrAppend(&event, "event: ", event_, "\ndata: ", *json, "\n\n");
      ex_->Send(std::move(event));
    } else {
      log::Warn("sse: cannot render a message", {{"error", std::string(json.status().message())}});
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    bool opened, gone;
    {
      std::lock_guard<std::mutex> lock(mu_);
      opened = opened_;
    }
    {
      std::lock_guard<std::mutex> lock(cancel_->mu);
      cancel_->ctx = nullptr;
      gone = cancel_->gone;
    }
    if (!opened) {
      HttpResponse r = Error(status.error_code(), status.error_message(), status.error_details());
      decorate_(r);
      ex_->Respond(std::move(r));
    } else if (!gone) {
      // Tell the client why the stream ended; EventSource reconnects with Last-Event-ID.
      ex_->Send(absl::StrCat("event: error\ndata: ",
                             StatusJson(status.error_code(), status.error_message()), "\n\n"));
      ex_->EndStream();
    }
    delete this;
  }

 private:
  void OpenStream() {
    std::lock_guard<std::mutex> lock(mu_);
    if (opened_) return;
    opened_ = true;
    HttpResponse header{http::status::ok, 11};
    header.set(http::field::content_type, "text/event-stream; charset=utf-8");
    header.set(http::field::cache_control, "no-cache");
    header.set("X-Accel-Buffering", "no");
    decorate_(header);
    // The client may go away before or after the call ends: cancel only a live call.
    ex_->StartStream(std::move(header), [cancel = cancel_] {
      std::lock_guard<std::mutex> lock(cancel->mu);
      cancel->gone = true;
      if (cancel->ctx != nullptr) cancel->ctx->TryCancel();
    });
    ex_->Send("retry: 2000\n\n");
  }

  // The `id` field (1) of the message, when it is a string: the SSE event id.
  std::string IdOf(const std::string& wire) const {
    const auto* field = route_.method->output_type()->FindFieldByName("id");
    if (field == nullptr || field->number() != 1 ||
        field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
      return "";
    }
    // Wire format: tag 0x0a, varint length, bytes — read it without a full parse.
    size_t i = 0;
    while (i < wire.size()) {
      uint64_t tag = 0;
      int shift = 0;
      while (i < wire.size()) {
        uint8_t b = static_cast<uint8_t>(wire[i++]);
        tag |= static_cast<uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
      }
      int type = static_cast<int>(tag & 7);
      uint64_t length = 0;
      if (type == 2) {
        shift = 0;
        while (i < wire.size()) {
          uint8_t b = static_cast<uint8_t>(wire[i++]);
          length |= static_cast<uint64_t>(b & 0x7f) << shift;
          if (!(b & 0x80)) break;
          shift += 7;
        }
        if ((tag >> 3) == 1) return wire.substr(i, std::min<uint64_t>(length, wire.size() - i));
        i += length;
      } else if (type == 0) {
        while (i < wire.size() && (static_cast<uint8_t>(wire[i++]) & 0x80)) {
        }
      } else if (type == 1) {
        i += 8;
      } else if (type == 5) {
        i += 4;
      } else {
        return "";
      }
    }
    return "";
  }

  std::shared_ptr<Gateway::Impl> gw_;
  std::shared_ptr<Exchange> ex_;
  const Route& route_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::function<void(HttpResponse&)> decorate_;
  std::string event_;
  std::mutex mu_;
  bool opened_ = false;
  struct Cancel {
    std::mutex mu;
    grpc::ClientContext* ctx = nullptr;  // null once the call is done
    bool gone = false;                   // the client went away
  };
  std::shared_ptr<Cancel> cancel_ = std::make_shared<Cancel>();
};

void Gateway::Impl::Handle(std::shared_ptr<Exchange> ex) {
  const HttpRequest& req = ex->request();
  absl::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  std::string path(target.substr(0, q));
  std::string query(q == absl::string_view::npos ? "" : target.substr(q + 1));
  std::string origin(req[http::field::origin]);
  std::string request_id(req["x-request-id"]);
  if (request_id.empty() || request_id.size() > 128) request_id = NewId("req");
  bool cors = OriginAllowed(origin);
  auto decorate = [origin, cors, request_id](HttpResponse& r) {
    r.set("X-Request-Id", request_id);
    if (cors) {
      r.set(http::field::access_control_allow_origin, origin);
      r.set(http::field::vary, "Origin");
      r.set(http::field::access_control_expose_headers, "Retry-After, X-Request-Id");
    }
  };

  if (req.method() == http::verb::options) {
    HttpResponse r{http::status::no_content, 11};
    std::vector<std::string> allowed;
    if (absl::StartsWith(path, "/v1/")) (void)catalog->Find("", path, &allowed);
    allowed.push_back("OPTIONS");
    r.set(http::field::allow, absl::StrJoin(allowed, ", "));
    if (cors) {
      r.set(http::field::access_control_allow_methods, absl::StrJoin(allowed, ", "));
      r.set(http::field::access_control_allow_headers,
            "Authorization, Content-Type, Grpc-Timeout, Last-Event-ID, X-Request-Id");
      r.set(http::field::access_control_max_age, "600");
    }
    decorate(r);
    return ex->Respond(std::move(r));
  }
  if (path == "/healthz") {
    HttpResponse r = Json(http::status::ok, R"({"status":"SERVING"})");
    decorate(r);
    return ex->Respond(std::move(r));
  }
  if (path == "/openapi.json") {
    HttpResponse r = Json(http::status::ok, openapi);
    r.set(http::field::cache_control, "no-cache");
    decorate(r);
    return ex->Respond(std::move(r));
  }
  if (absl::StartsWith(path, "/v1/")) return Api(std::move(ex), path, query, request_id, decorate);
  HttpResponse r = files->Serve(req, path);
  decorate(r);
  ex->Respond(std::move(r));
}

void Gateway::Impl::Api(std::shared_ptr<Exchange> ex, const std::string& path,
                        const std::string& query, const std::string& request_id,
                        std::function<void(HttpResponse&)> decorate) {
  absl::Time start = absl::Now();
  const HttpRequest& req = ex->request();
  auto fail = [&](const Route* route, grpc::StatusCode code, absl::string_view message,
                  std::function<void(HttpResponse&)> more = nullptr) {
    HttpResponse r = Error(code, message);
    if (more) more(r);
    decorate(r);
    Observe(route, r.result_int(), start);
    ex->Respond(std::move(r));
  };
  std::string method(req.method_string());
  std::vector<std::string> allowed;
  std::optional<ApiCatalog::Match> match = catalog->Find(method, path, &allowed);
  if (!match) {
    if (allowed.empty()) {
      return fail(nullptr, grpc::StatusCode::NOT_FOUND,
                  absl::StrCat("no API route for ", method, " ", path, "; see /openapi.json"));
    }
    std::string allow = absl::StrJoin(allowed, ", ");
    HttpResponse r = Json(http::status::method_not_allowed,
                          StatusJson(grpc::StatusCode::UNIMPLEMENTED,
                                     absl::StrCat(path, " answers ", allow, ", not ", method)));
    r.set(http::field::allow, allow);
    decorate(r);
    Observe(nullptr, 405, start);
    return ex->Respond(std::move(r));
  }
  const Route& route = *match->route;

  // Who: a Bearer token, or (for GET, where EventSource cannot set headers) ?access_token=.
  std::string token = BearerToken(std::string(req[http::field::authorization]));
  if (token.empty() && req.method() == http::verb::get) token = QueryValue(query, "access_token");
  auto unauthenticated = [](HttpResponse& r) {
    r.set(http::field::www_authenticate, "Bearer realm=\"opsuite\"");
  };
  if (token.empty()) {
    return fail(&route, grpc::StatusCode::UNAUTHENTICATED,
                "missing Authorization: Bearer <JWT> (a development token: opsctl token --sub=... "
                "--org=... --roles=...)",
                unauthenticated);
  }
  absl::StatusOr<auth::Principal> principal = backends.verifier->Verify(token);
  if (!principal.ok()) {
    return fail(&route, grpc::StatusCode::UNAUTHENTICATED, principal.status().message(),
                unauthenticated);
  }
  RateLimiter::Decision d =
      limiter->Take(absl::StrCat("ops:{", principal->org, "}:gateway:rate:", principal->subject));
  if (!d.allowed) {
    int64_t seconds = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(d.retry_after))));
    return fail(&route, grpc::StatusCode::RESOURCE_EXHAUSTED,
                absl::StrCat("rate limit: at most ", options.rate_limit, " requests a second (bursts of ",
                             options.rate_burst, ") per caller; retry in ", seconds, " s"),
                [seconds](HttpResponse& r) { r.set(http::field::retry_after, absl::StrCat(seconds)); });
  }
  const std::string& body = req.body();
  if (!absl::StripAsciiWhitespace(body).empty()) {
    absl::string_view type(req[http::field::content_type].data(), req[http::field::content_type].size());
    if (!absl::StartsWithIgnoreCase(type, "application/json")) {
      HttpResponse r = Json(http::status::unsupported_media_type,
                            StatusJson(grpc::StatusCode::INVALID_ARGUMENT,
                                       "send the body as JSON with Content-Type: application/json"));
      decorate(r);
      Observe(&route, 415, start);
      return ex->Respond(std::move(r));
    }
  }
  // Server-Sent Events resume: Last-Event-ID becomes the request's `after_id` when it has one.
  std::string resume_query = query;
  if (route.streaming && !req["last-event-id"].empty() &&
      route.method->input_type()->FindFieldByName("after_id") != nullptr) {
    absl::StrAppend(&resume_query, resume_query.empty() ? "" : "&", "after_id=",
                    PercentEncode(std::string(req["last-event-id"])));
  }
  absl::StatusOr<std::string> wire = catalog->BuildRequest(route, match->bindings, resume_query, body);
  if (!wire.ok()) return fail(&route, grpc::StatusCode::INVALID_ARGUMENT, wire.status().message());

  absl::Duration timeout = route.streaming ? absl::InfiniteDuration() : options.default_timeout;
  if (auto header = req["grpc-timeout"]; !header.empty()) {
    std::optional<absl::Duration> t = ParseGrpcTimeout(absl::string_view(header.data(), header.size()));
    if (!t) {
      return fail(&route, grpc::StatusCode::INVALID_ARGUMENT,
                  "grpc-timeout: expected up to 8 digits and a unit H, M, S, m, u or n (e.g. 5S)");
    }
    timeout = std::min(*t, options.max_timeout);
  }
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (timeout != absl::InfiniteDuration()) ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  ctx->AddMetadata("x-request-id", request_id);
  if (auto tp = req["traceparent"]; !tp.empty()) ctx->AddMetadata("traceparent", std::string(tp));
  if (route.streaming) return Stream(std::move(ex), route, *std::move(wire), std::move(ctx), decorate);
  Unary(std::move(ex), route, *std::move(wire), std::move(ctx), std::move(decorate), start);
}

void Gateway::Impl::Unary(std::shared_ptr<Exchange> ex, const Route& route, std::string wire,
                          std::unique_ptr<grpc::ClientContext> ctx,
                          std::function<void(HttpResponse&)> decorate, absl::Time start) {
  struct Call {
    std::unique_ptr<grpc::ClientContext> ctx;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
  };
  auto call = std::make_shared<Call>();
  call->ctx = std::move(ctx);
  call->request = ToByteBuffer(std::move(wire));
  Stub(route.module)->UnaryCall(
      call->ctx.get(), route.grpc_path, grpc::StubOptions(), &call->request, &call->response,
      [self = shared_from_this(), call, ex = std::move(ex), &route, decorate = std::move(decorate),
       start](grpc::Status status) {
        HttpResponse r;
        if (status.ok()) {
          absl::StatusOr<std::string> json = self->catalog->ResponseJson(route, FromByteBuffer(call->response));
          r = json.ok() ? Json(http::status::ok, *std::move(json))
                        : Error(grpc::StatusCode::INTERNAL, json.status().message());
        } else {
          r = Error(status.error_code(), status.error_message(), status.error_details());
        }
        decorate(r);
        self->Observe(&route, r.result_int(), start);
        ex->Respond(std::move(r));
      });
}

void Gateway::Impl::Stream(std::shared_ptr<Exchange> ex, const Route& route, std::string wire,
                           std::unique_ptr<grpc::ClientContext> ctx,
                           std::function<void(HttpResponse&)> decorate) {
  auto raw_accept = ex->request()[http::field::accept];
  absl::string_view accept(raw_accept.data(), raw_accept.size());
  if (!accept.empty() && !absl::StrContains(accept, "text/event-stream") &&
      !absl::StrContains(accept, "*/*")) {
    HttpResponse r = Json(http::status::not_acceptable,
                          StatusJson(grpc::StatusCode::INVALID_ARGUMENT,
                                     absl::StrCat(route.path.text(),
                                                  " is a stream of Server-Sent Events; "
                                                  "send Accept: text/event-stream")));
    decorate(r);
    return ex->Respond(std::move(r));
  }
  (new SseRelay(shared_from_this(), std::move(ex), route, std::move(wire), std::move(ctx),
                std::move(decorate)))
      ->Begin();
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(GatewayOptions options,
                                                        GatewayBackends backends) {
  if (backends.verifier == nullptr || !backends.channel || backends.clock == nullptr) {
    return absl::InvalidArgumentError("gateway: verifier, channel and clock are required");
  }
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  impl->backends = backends;
  if (options.descriptor_set.empty()) {
    ASSIGN_OR_RETURN(impl->catalog, ApiCatalog::Builtin());
  } else {
    ASSIGN_OR_RETURN(impl->catalog, ApiCatalog::FromFile(options.descriptor_set));
  }
  impl->openapi = BuildOpenApi(*impl->catalog);
  impl->limiter = std::make_unique<RateLimiter>(options.rate_limit, options.rate_burst,
                                                backends.redis, backends.clock);
  impl->files = std::make_unique<StaticFiles>(options.web_dir);
  HttpServerOptions http_options;
  http_options.address = options.http_addr;
  http_options.threads = options.threads;
  http_options.max_body_bytes = options.max_body_bytes;
  std::weak_ptr<Impl> weak = impl;
  ASSIGN_OR_RETURN(impl->server, HttpServer::Start(http_options, [weak](std::shared_ptr<Exchange> ex) {
                     if (auto self = weak.lock()) self->Handle(std::move(ex));
                   }));
  if (!impl->files->available()) {
    log::Warn("gateway: no web console to serve", {{"web_dir", options.web_dir},
                                                     {"build", "cd web && npm ci && npm run build"}});
  }
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Gateway::~Gateway() { Stop(absl::ZeroDuration()); }

int Gateway::port() const { return impl_->server->port(); }
const ApiCatalog& Gateway::catalog() const { return *impl_->catalog; }

void Gateway::Stop(absl::Duration grace) {
  if (impl_ && impl_->server) impl_->server->Stop(grace);
}

}  // namespace opsuite::gateway
