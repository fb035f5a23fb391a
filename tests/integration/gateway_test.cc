// The gateway over real HTTP against the real suite (planning, crm, scoring, notify and the
// scheduler on loopback gRPC, a real redis-server): each verb shape, errors and their HTTP
// codes, auth failures, rate limits (429), body limits (413), deadlines, CORS, SSE delivery
// and resume, OpenAPI, the static console, and a brand-new annotated RPC served from a
// descriptor set with no gateway change.
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/redis/redis_client.h"
#include "common/testing/http_client.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "nlohmann/json.hpp"
#include "opsuite/echo/v1/echo.grpc.pb.h"
#include "services/gateway/api.h"
#include "services/gateway/gateway.h"
#include "tests/integration/suite.h"

namespace opsuite::testing {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

class GatewayTest : public PlanningSuite {
 protected:
  void SetUp() override {
    PlanningSuite::SetUp();
    verifier_ = std::make_unique<auth::JwtVerifier>(std::vector<auth::SigningKey>{{"", kSecret}}, &clock_);
    auto redis = redis::RedisClient::Create(redis_->url());
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_client_ = *redis;
    web_ = dir_ / "web";
    std::filesystem::create_directories(web_ / "assets");
    std::ofstream(web_ / "index.html") << "<!doctype html><title>opsuite</title>";
    std::ofstream(web_ / "assets" / "app-1a2b.js") << "console.log('hi')";
    gateway::GatewayOptions options;
    options.http_addr = "127.0.0.1:0";
    options.web_dir = web_.string();
    options.cors_origins = {"http://console.test"};
    options.rate_limit = 1000;
    options.rate_burst = 1000;
    gateway_ = StartGateway(options);
    ASSERT_NE(gateway_, nullptr);
    http_ = std::make_unique<HttpClient>("127.0.0.1", gateway_->port());
  }
  void TearDown() override {
    http_.reset();
    if (gateway_) gateway_->Stop();
    gateway_.reset();
    PlanningSuite::TearDown();
  }

  std::unique_ptr<gateway::Gateway> StartGateway(gateway::GatewayOptions options,
                                                 std::shared_ptr<grpc::Channel> channel = nullptr) {
    gateway::GatewayBackends b;
    b.verifier = verifier_.get();
    if (channel) {
      b.channel = [channel](absl::string_view) { return channel; };
    } else {
      b.channel = ModuleChannels();
    }
    b.redis = redis_client_;
    b.clock = &clock_;
    auto g = gateway::Gateway::Start(options, b);
    EXPECT_TRUE(g.ok()) << g.status();
    return g.ok() ? *std::move(g) : nullptr;
  }

  // Each module's channel, looked up from the gateway's threads (so resolved here, up front).
  std::function<std::shared_ptr<grpc::Channel>(absl::string_view)> ModuleChannels() {
    std::map<std::string, std::shared_ptr<grpc::Channel>, std::less<>> channels;
    for (const char* m : {"planning", "crm", "scoring", "notify", "scheduler"}) channels[m] = Channel(m);
    return [channels](absl::string_view module) -> std::shared_ptr<grpc::Channel> {
      auto it = channels.find(module);
      return it == channels.end() ? nullptr : it->second;
    };
  }

  Headers Auth(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
  HttpResult Call(const std::string& method, const std::string& target, const std::string& body,
                  const std::string& token, Headers extra = {}) {
    Headers h = Auth(token);
    for (auto& kv : extra) h.push_back(kv);
    auto r = http_->Send(method, target, body, h);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResult{};
  }
  HttpResult AsAdmin(const std::string& method, const std::string& target, const std::string& body = "") {
    return Call(method, target, body, Token("admin-1", "admin", "acme"));
  }
  static Json J(const HttpResult& r) {
    Json j = Json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }
  std::string CreateCustomer(const std::string& name) {
    HttpResult r = AsAdmin("POST", "/v1/customers", Json{{"customer", {{"name", name}}}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return J(r)["id"];
  }

  std::unique_ptr<auth::JwtVerifier> verifier_;
  std::shared_ptr<redis::RedisClient> redis_client_;
  std::filesystem::path web_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(GatewayTest, BodyStarCreatesAndPathVariableReads) {
  std::string id = CreateCustomer("华为技术");
  ASSERT_FALSE(id.empty());
  HttpResult r = AsAdmin("GET", "/v1/customers/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_FALSE(r.header("x-request-id").empty());
  Json c = J(r);
  EXPECT_EQ(c["id"], id);
  EXPECT_EQ(c["name"], "华为技术");
  EXPECT_TRUE(c["creditLimit"].is_string());  // int64 as a string
  EXPECT_EQ(c["tier"], "TIER_OTHER");         // enums by name (crm's default tier)
  EXPECT_EQ(c["notes"], "");                  // defaults present: no special cases in clients
  EXPECT_TRUE(c["createTime"].is_string());
}

TEST_F(GatewayTest, QueryParametersFilterAndPage) {
  CreateCustomer("华为技术");
  CreateCustomer("中兴通讯");
  CreateCustomer("华为终端");
  // Traditional characters find the simplified names.
  HttpResult r = AsAdmin("GET", "/v1/customers?query=%E8%8F%AF%E7%82%BA&pageSize=1&orderBy=name");
  ASSERT_EQ(r.status, 200) << r.body;
  Json page = J(r);
  ASSERT_EQ(page["customers"].size(), 1u);
  ASSERT_FALSE(page["nextPageToken"].get<std::string>().empty());
  HttpResult next = AsAdmin("GET", "/v1/customers?query=%E8%8F%AF%E7%82%BA&pageSize=1&orderBy=name&pageToken=" +
                                       page["nextPageToken"].get<std::string>());
  ASSERT_EQ(next.status, 200) << next.body;
  ASSERT_EQ(J(next)["customers"].size(), 1u);
  EXPECT_NE(J(next)["customers"][0]["id"], page["customers"][0]["id"]);
  std::set<std::string> names = {page["customers"][0]["name"], J(next)["customers"][0]["name"]};
  EXPECT_EQ(names, (std::set<std::string>{"华为技术", "华为终端"}));
}

TEST_F(GatewayTest, BodyFieldPatchWithMaskAndEtag) {
  std::string id = CreateCustomer("华为技术");
  Json before = J(AsAdmin("GET", "/v1/customers/" + id));
  HttpResult r = AsAdmin("PATCH", "/v1/customers/" + id + "?updateMask=notes",
                         Json{{"notes", "重点客户"}, {"etag", before["etag"]}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(J(r)["notes"], "重点客户");
  EXPECT_EQ(J(r)["name"], "华为技术");
  // The same (now stale) etag again: ABORTED -> 409.
  HttpResult stale = AsAdmin("PATCH", "/v1/customers/" + id + "?updateMask=notes",
                             Json{{"notes", "x"}, {"etag", before["etag"]}}.dump());
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(J(stale)["code"], 10);
}

TEST_F(GatewayTest, DeleteThenNotFound) {
  std::string id = CreateCustomer("华为技术");
  HttpResult del = AsAdmin("DELETE", "/v1/customers/" + id);
  ASSERT_EQ(del.status, 200) << del.body;
  HttpResult gone = AsAdmin("GET", "/v1/customers/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(J(gone)["code"], 5);
  EXPECT_FALSE(J(gone)["message"].get<std::string>().empty());
}

TEST_F(GatewayTest, ErrorsAreGoogleRpcStatusWithTheirHttpCodes) {
  // Validation: 400 with the field violations of the service.
  HttpResult invalid = AsAdmin("POST", "/v1/customers", R"({"customer":{"name":""}})");
  EXPECT_EQ(invalid.status, 400) << invalid.body;
  Json s = J(invalid);
  EXPECT_EQ(s["code"], 3);
  ASSERT_FALSE(s["details"].empty()) << invalid.body;
  EXPECT_EQ(s["details"][0]["@type"], "type.googleapis.com/google.rpc.BadRequest");
  EXPECT_EQ(s["details"][0]["fieldViolations"][0]["field"], "customer.name");
  // Transcoding errors name what is wrong.
  HttpResult bad_param = AsAdmin("GET", "/v1/customers?pagesize=3");
  EXPECT_EQ(bad_param.status, 400);
  EXPECT_THAT(J(bad_param)["message"].get<std::string>(), HasSubstr("pagesize"));
  HttpResult bad_json = AsAdmin("POST", "/v1/customers", "{\"customer\":");
  EXPECT_EQ(bad_json.status, 400);
  HttpResult not_json = Call("POST", "/v1/customers", "name=x", Token("admin-1", "admin", "acme"),
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(not_json.status, 415);
  // Unknown route: 404; known path, other method: 405 with Allow.
  HttpResult unknown = AsAdmin("GET", "/v1/nothing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(J(unknown)["message"].get<std::string>(), HasSubstr("/openapi.json"));
  HttpResult wrong = AsAdmin("PUT", "/v1/customers/c_1", "{}");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_THAT(wrong.header("allow"), HasSubstr("PATCH"));
  // A state machine refusing a step: FAILED_PRECONDITION -> 400 (code.proto).
  HttpResult employee = Call("POST", "/v1/departments", R"({"department":{"name":"x"}})",
                             Token(rep_, "employee", "acme"));
  EXPECT_EQ(employee.status, 403) << employee.body;
  EXPECT_EQ(J(employee)["code"], 7);
}

TEST_F(GatewayTest, AuthFailuresAre401AndOtherOrgsAre404) {
  std::string id = CreateCustomer("华为技术");
  auto none = http_->Send("GET", "/v1/customers/" + id);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, 401);
  EXPECT_THAT(none->header("www-authenticate"), HasSubstr("Bearer"));
  EXPECT_THAT(J(*none)["message"].get<std::string>(), HasSubstr("opsctl token"));
  HttpResult forged = Call("GET", "/v1/customers/" + id, "",
                           auth::MintJwt({"admin-1", "acme", {"admin"}}, {"", "wrong-key"},
                                         clock_.Now(), clock_.Now() + absl::Hours(1)));
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(J(forged)["code"], 16);
  HttpResult expired = Call("GET", "/v1/customers/" + id, "", Token("admin-1", "admin", "acme", -absl::Minutes(2)));
  EXPECT_EQ(expired.status, 401);
  EXPECT_THAT(J(expired)["message"].get<std::string>(), HasSubstr("expired"));
  HttpResult other_org = Call("GET", "/v1/customers/" + id, "", Token("admin-9", "admin", "globex"));
  EXPECT_EQ(other_org.status, 404);
  // The token may ride in the query for GET (EventSource cannot set headers).
  auto query_token = http_->Send("GET", "/v1/customers/" + id + "?access_token=" +
                                            Token("admin-1", "admin", "acme"));
  ASSERT_TRUE(query_token.ok());
  EXPECT_EQ(query_token->status, 200) << query_token->body;
}

TEST_F(GatewayTest, RateLimitIsPerSubjectSharedThroughRedisWithRetryAfter) {
  gateway::GatewayOptions options;
  options.http_addr = "127.0.0.1:0";
  options.web_dir = "";
  options.rate_limit = 0.5;  // a token every 2 s
  options.rate_burst = 3;
  auto a = StartGateway(options);
  auto b = StartGateway(options);
  ASSERT_TRUE(a && b);
  HttpClient ca("127.0.0.1", a->port()), cb("127.0.0.1", b->port());
  Headers rep = Auth(Token(rep_, "employee", "acme"));
  for (int i = 0; i < 3; ++i) {
    auto r = (i % 2 ? cb : ca).Send("GET", "/v1/employees/" + rep_, "", rep);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << i << r->body;
  }
  // The burst is spent across both replicas: the bucket lives in Redis.
  for (HttpClient* c : {&ca, &cb}) {
    auto limited = c->Send("GET", "/v1/employees/" + rep_, "", rep);
    ASSERT_TRUE(limited.ok());
    EXPECT_EQ(limited->status, 429) << limited->body;
    EXPECT_EQ(J(*limited)["code"], 8);
    int retry = std::stoi(limited->header("retry-after").empty() ? "0" : limited->header("retry-after"));
    EXPECT_GE(retry, 1);
    EXPECT_LE(retry, 2);
  }
  auto key = redis_client_->Command({"EXISTS", absl::StrCat("ops:{acme}:gateway:rate:", rep_)});
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->integer, 1);
  // Another caller has a bucket of their own.
  auto other = ca.Send("GET", "/v1/employees/" + rep_, "", Auth(Token(manager_, "manager", "acme")));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 200) << other->body;
  a->Stop();
  b->Stop();
}

TEST_F(GatewayTest, RateLimitFallsBackToEachReplicaWithoutRedis) {
  gateway::GatewayOptions options;
  options.http_addr = "127.0.0.1:0";
  options.web_dir = "";
  options.rate_limit = 0.5;
  options.rate_burst = 2;
  gateway::GatewayBackends b;
  b.verifier = verifier_.get();
  b.channel = ModuleChannels();
  b.clock = &clock_;
  auto g = gateway::Gateway::Start(options, b);
  ASSERT_TRUE(g.ok());
  HttpClient c("127.0.0.1", (*g)->port());
  Headers rep = Auth(Token(rep_, "employee", "acme"));
  EXPECT_EQ(c.Send("GET", "/v1/employees/" + rep_, "", rep)->status, 200);
  EXPECT_EQ(c.Send("GET", "/v1/employees/" + rep_, "", rep)->status, 200);
  EXPECT_EQ(c.Send("GET", "/v1/employees/" + rep_, "", rep)->status, 429);
  clock_.Advance(absl::Seconds(2));  // the local bucket runs on the injected clock
  EXPECT_EQ(c.Send("GET", "/v1/employees/" + rep_, "", rep)->status, 200);
  (*g)->Stop();
}

TEST_F(GatewayTest, BodyLargerThanTheLimitIs413) {
  gateway::GatewayOptions options;
  options.http_addr = "127.0.0.1:0";
  options.web_dir = "";
  options.max_body_bytes = 2048;
  auto g = StartGateway(options);
  ASSERT_TRUE(g);
  HttpClient c("127.0.0.1", g->port());
  std::string notes(4096, 'x');
  auto r = c.Send("POST", "/v1/customers", Json{{"customer", {{"name", "a"}, {"notes", notes}}}}.dump(),
                  Auth(Token("admin-1", "admin", "acme")));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_THAT(J(*r)["message"].get<std::string>(), HasSubstr("2048"));
  // Just under the limit is fine.
  auto ok = c.Send("POST", "/v1/customers", Json{{"customer", {{"name", "a"}, {"notes", std::string(1500, 'x')}}}}.dump(),
                   Auth(Token("admin-1", "admin", "acme")));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200) << ok->body;
  g->Stop();
}

// Hostile JSON: nesting deep enough to exhaust a recursive parser's stack, in a field that
// takes any JSON (Send's `data` is a google.protobuf.Struct), and garbage: 400 with a
// google.rpc.Status body, and the gateway goes on serving.
TEST_F(GatewayTest, DeepOrMalformedJsonIs400AndTheGatewayGoesOn) {
  for (int depth : {200, 100000}) {
    std::string deep = R"({"recipientIds":["e1"],"templateKey":"scheduler.reminder","data":{"x":)";
    for (int i = 0; i < depth; ++i) deep += "[";
    for (int i = 0; i < depth; ++i) deep += "]";
    deep += "}}";
    HttpResult r = AsAdmin("POST", "/v1/notifications:send", deep);
    EXPECT_EQ(r.status, 400) << depth << ": " << r.body.substr(0, 300);
    EXPECT_EQ(J(r)["code"], 3) << depth;
  }
  for (const std::string& bad : {std::string("{\"customer\":"), std::string("\xff\xfe{}"),
                                std::string("{\"customer\":{\"name\":\"a\",\"name\":1}}"),
                                std::string(100, '{')}) {
    HttpResult r = AsAdmin("POST", "/v1/customers", bad);
    EXPECT_EQ(r.status, 400) << r.body.substr(0, 300);
  }
  EXPECT_EQ(AsAdmin("GET", "/v1/customers").status, 200);
  // Up to the limit, a Struct nests as deep as the client likes, all the way to the service.
  std::string nested = "1";
  for (int i = 0; i < gateway::kMaxJsonDepth - 2; ++i) nested = absl::StrCat(R"({"k":)", nested, "}");
  HttpResult ok = AsAdmin("POST", "/v1/notifications:send",
                          absl::StrCat(R"({"recipientIds":["e1"],"templateKey":"scheduler.reminder","data":)",
                                       nested, "}"));
  // It got past the gateway to Send's own checks (this test's org has no employee e1).
  EXPECT_LT(ok.status, 500) << ok.body;
  EXPECT_THAT(ok.body, HasSubstr("recipient_ids[0]"));
  EXPECT_THAT(ok.body, ::testing::Not(HasSubstr("nests deeper")));
}

TEST_F(GatewayTest, CorsFromConfiguration) {
  auto pre = http_->Send("OPTIONS", "/v1/customers/c_1", "",
                         {{"Origin", "http://console.test"}, {"Access-Control-Request-Method", "PATCH"}});
  ASSERT_TRUE(pre.ok());
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->header("access-control-allow-origin"), "http://console.test");
  EXPECT_THAT(pre->header("access-control-allow-methods"), HasSubstr("PATCH"));
  EXPECT_THAT(pre->header("access-control-allow-headers"), HasSubstr("Authorization"));
  HttpResult got = Call("GET", "/v1/employees/" + rep_, "", Token(rep_, "employee", "acme"),
                        {{"Origin", "http://console.test"}});
  EXPECT_EQ(got.header("access-control-allow-origin"), "http://console.test");
  HttpResult foreign = Call("GET", "/v1/employees/" + rep_, "", Token(rep_, "employee", "acme"),
                            {{"Origin", "http://evil.test"}});
  EXPECT_EQ(foreign.status, 200);
  EXPECT_EQ(foreign.header("access-control-allow-origin"), "");
}

TEST_F(GatewayTest, InboxWatchIsServerSentEventsAndResumesWithLastEventId) {
  std::string token = Token(rep_, "employee", "acme");
  auto send = [&](const std::string& text, const std::string& tx) {
    HttpResult r = AsAdmin("POST", "/v1/notifications:send",
                           Json{{"recipientIds", {rep_}},
                                {"templateKey", "scheduler.reminder"},
                                {"data", {{"text", text}}},
                                {"transactionId", tx}}
                               .dump());
    ASSERT_EQ(r.status, 200) << r.body;
  };
  auto stream = SseReader::Open("127.0.0.1", gateway_->port(), "/v1/inbox:watch", Auth(token));
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_EQ((*stream)->head().status, 200) << (*stream)->head().body;
  EXPECT_EQ((*stream)->head().header("content-type"), "text/event-stream; charset=utf-8");
  send("提交日报", "tx-1");
  std::optional<SseEvent> first = (*stream)->Next(absl::Seconds(10));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->event, "notice");
  EXPECT_FALSE(first->id.empty());
  Json notice = Json::parse(first->data);
  EXPECT_EQ(notice["id"], first->id);
  EXPECT_EQ(notice["recipientId"], rep_);
  EXPECT_THAT(notice["body"].get<std::string>() + notice["title"].get<std::string>(), HasSubstr("提交日报"));
  (*stream)->Close();

  // Missed while disconnected, replayed on reconnect after the last id seen.
  send("第二条", "tx-2");
  Headers resume = Auth(token);
  resume.push_back({"Last-Event-ID", first->id});
  auto again = SseReader::Open("127.0.0.1", gateway_->port(), "/v1/inbox:watch", resume);
  ASSERT_TRUE(again.ok());
  std::optional<SseEvent> second = (*again)->Next(absl::Seconds(10));
  ASSERT_TRUE(second);
  EXPECT_NE(second->id, first->id);
  EXPECT_THAT(second->data, HasSubstr("第二条"));
  EXPECT_FALSE((*again)->Next(absl::Seconds(1)));  // nothing else: the first is not repeated

  // Errors before the stream opens are plain HTTP errors.
  auto anonymous = SseReader::Open("127.0.0.1", gateway_->port(), "/v1/inbox:watch");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ((*anonymous)->head().status, 401);
  // EventSource's way: the token in the query.
  auto by_query = SseReader::Open("127.0.0.1", gateway_->port(), "/v1/inbox:watch?access_token=" + token);
  ASSERT_TRUE(by_query.ok());
  EXPECT_EQ((*by_query)->head().status, 200);
}

TEST_F(GatewayTest, StreamsEndWhenTheGatewayStops) {
  auto stream = SseReader::Open("127.0.0.1", gateway_->port(), "/v1/inbox:watch",
                                Auth(Token(rep_, "employee", "acme")));
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ((*stream)->head().status, 200);
  absl::Time start = absl::Now();
  gateway_->Stop(absl::Seconds(5));
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  EXPECT_FALSE((*stream)->Next(absl::Seconds(2)));
  EXPECT_TRUE((*stream)->ended());
}

TEST_F(GatewayTest, OpenApiHealthAndTheConsole) {
  auto spec = http_->Send("GET", "/openapi.json");
  ASSERT_TRUE(spec.ok());
  ASSERT_EQ(spec->status, 200);
  Json doc = J(*spec);
  EXPECT_TRUE(doc["paths"].contains("/v1/customers/{id}"));
  EXPECT_TRUE(doc["paths"].contains("/v1/goalCards/{id}:return"));
  EXPECT_EQ(http_->Send("GET", "/healthz")->status, 200);
  auto index = http_->Send("GET", "/");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->status, 200);
  EXPECT_THAT(index->body, HasSubstr("<title>opsuite</title>"));
  EXPECT_EQ(index->header("cache-control"), "no-cache");
  auto route = http_->Send("GET", "/goals/gc_1");  // a console route: the app
  EXPECT_THAT(route->body, HasSubstr("<title>opsuite</title>"));
  auto asset = http_->Send("GET", "/assets/app-1a2b.js");
  EXPECT_EQ(asset->status, 200);
  EXPECT_THAT(asset->header("content-type"), HasSubstr("text/javascript"));
  EXPECT_THAT(asset->header("cache-control"), HasSubstr("immutable"));
  auto cached = http_->Send("GET", "/assets/app-1a2b.js", "", {{"If-None-Match", asset->header("etag")}});
  EXPECT_EQ(cached->status, 304);
  EXPECT_EQ(http_->Send("GET", "/assets/missing.js")->status, 404);
  auto escape = http_->SendRaw("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(escape.ok());
  EXPECT_EQ(escape->status, 400);
  auto escape2 = http_->Send("GET", "/assets/%2e%2e/%2e%2e/index.html");
  EXPECT_EQ(escape2->status, 400);
}

TEST_F(GatewayTest, MalformedHttpIs400) {
  auto r = http_->SendRaw("NONSENSE\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
}

// A service the gateway has never seen, annotated in a descriptor set given at start-up,
// is served with no change to the gateway: the routes come from the descriptors alone.
// Payload "wait" holds the call until the client's deadline cancels it; "deadline" answers
// with the milliseconds left on the deadline the server received; anything else is echoed.
class EchoService : public echo::v1::EchoService::Service {
  grpc::Status Echo(grpc::ServerContext* ctx, const echo::v1::EchoRequest* req,
                    echo::v1::EchoResponse* resp) override {
    if (req->payload() == "wait") {
      absl::Time give_up = absl::Now() + absl::Seconds(20);
      while (!ctx->IsCancelled() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
      return grpc::Status(grpc::StatusCode::ABORTED, "the deadline never came");
    }
    if (req->payload() == "deadline") {
      absl::Duration left = absl::FromChrono(ctx->deadline()) - absl::Now();
      resp->set_payload(absl::StrCat(absl::ToInt64Milliseconds(left)));
      return grpc::Status::OK;
    }
    resp->set_payload(absl::StrCat("echo:", req->payload()));
    return grpc::Status::OK;
  }
};

// The echo service on its own gRPC server with a gateway in front of it that learns the route
// POST /v1/echo/{payload}:shout from a descriptor set written here.
class EchoGatewayTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (HasFatalFailure()) return;
    namespace pb = google::protobuf;
    pb::FileDescriptorSet set;
    auto add = [&](const pb::FileDescriptor* f) { f->CopyTo(set.add_file()); };
    add(pb::DescriptorProto::descriptor()->file());    // google/protobuf/descriptor.proto
    add(google::api::HttpRule::descriptor()->file());  // google/api/http.proto
    add(pb::DescriptorPool::generated_pool()->FindFileByName("google/api/annotations.proto"));
    pb::FileDescriptorProto echo;
    echo::v1::EchoRequest::descriptor()->file()->CopyTo(&echo);
    echo.add_dependency("google/api/annotations.proto");
    google::api::HttpRule* rule =
        echo.mutable_service(0)->mutable_method(0)->mutable_options()->MutableExtension(google::api::http);
    rule->set_post("/v1/echo/{payload}:shout");
    rule->set_body("*");
    *set.add_file() = echo;
    std::string path = (dir_ / "echo.desc").string();
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      ASSERT_TRUE(set.SerializeToOstream(&out));
    }
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&echo_service_);
    echo_server_ = builder.BuildAndStart();
    ASSERT_TRUE(echo_server_);
    gateway::GatewayOptions options;
    options.http_addr = "127.0.0.1:0";
    options.web_dir = "";
    options.descriptor_set = path;
    echo_gateway_ = StartGateway(options, grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                                              grpc::InsecureChannelCredentials()));
    ASSERT_TRUE(echo_gateway_);
    echo_http_ = std::make_unique<HttpClient>("127.0.0.1", echo_gateway_->port());
  }
  void TearDown() override {
    echo_http_.reset();
    if (echo_gateway_) echo_gateway_->Stop();
    if (echo_server_) echo_server_->Shutdown();
    GatewayTest::TearDown();
  }
  HttpResult Shout(const std::string& payload_base64, Headers extra = {}) {
    Headers h = Auth(Token(rep_, "employee", "acme"));
    for (auto& kv : extra) h.push_back(kv);
    auto r = echo_http_->Send("POST", "/v1/echo/" + payload_base64 + ":shout", "{}", h);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResult{};
  }

  EchoService echo_service_;
  std::unique_ptr<grpc::Server> echo_server_;
  std::unique_ptr<gateway::Gateway> echo_gateway_;
  std::unique_ptr<HttpClient> echo_http_;
};

TEST_F(EchoGatewayTest, ANewAnnotatedRpcIsServedFromTheDescriptorSetAlone) {
  HttpResult r = Shout("aGk=");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(J(r)["payload"], "ZWNobzpoaQ==");  // bytes are base64 both ways: "echo:hi"
}

// The deadline of the gRPC call comes from the grpc-timeout header (capped at 10 minutes), else
// from --http_timeout; a call that outlives it is a 504 with code 4. The
// backend here waits for the deadline, so the 504 does not depend on how fast the machine is.
TEST_F(EchoGatewayTest, DeadlineFromGrpcTimeoutHeader) {
  auto left_ms = [&](Headers extra) {
    HttpResult r = Shout("ZGVhZGxpbmU=", std::move(extra));  // "deadline"
    EXPECT_EQ(r.status, 200) << r.body;
    std::string decoded;
    EXPECT_TRUE(absl::Base64Unescape(J(r)["payload"].get<std::string>(), &decoded)) << r.body;
    int64_t ms = -1;
    EXPECT_TRUE(absl::SimpleAtoi(decoded, &ms)) << decoded;
    return ms;
  };
  // gRPC rounds the timeout it sends up to a few significant digits, hence the 1% above.
  int64_t given = left_ms({{"grpc-timeout", "5S"}});
  EXPECT_GT(given, 4000);
  EXPECT_LE(given, 5050);
  int64_t fallback = left_ms({});  // --http_timeout, 30 s by default
  EXPECT_GT(fallback, 29000);
  EXPECT_LE(fallback, 30300);
  int64_t capped = left_ms({{"grpc-timeout", "1H"}});  // at most 10 minutes
  EXPECT_GT(capped, 590000);
  EXPECT_LE(capped, 606000);

  absl::Time start = absl::Now();
  HttpResult expired = Shout("d2FpdA==", {{"grpc-timeout", "200m"}});  // "wait"
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(expired.status, 504) << expired.body;
  EXPECT_EQ(J(expired)["code"], 4);
  EXPECT_GE(took, absl::Milliseconds(200));
  EXPECT_LT(took, absl::Seconds(15));  // the backend gives up at 20 s: the deadline ended it

  HttpResult bad = Shout("aGk=", {{"grpc-timeout", "soon"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(J(bad)["message"].get<std::string>(), HasSubstr("grpc-timeout"));
  EXPECT_EQ(gateway::ParseGrpcTimeout("250m"), absl::Milliseconds(250));
  EXPECT_EQ(gateway::ParseGrpcTimeout("1H"), absl::Hours(1));
  EXPECT_EQ(gateway::ParseGrpcTimeout("1n"), absl::Nanoseconds(1));
  EXPECT_FALSE(gateway::ParseGrpcTimeout("123456789S"));  // more than 8 digits
  EXPECT_FALSE(gateway::ParseGrpcTimeout("5s"));          // units are case-sensitive
}

}  // namespace
}  // namespace opsuite::testing
