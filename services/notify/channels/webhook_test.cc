#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/hmac.h"
#include "common/ports.h"
#include "common/testing/http_sink.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/notify/channels/channels.h"

namespace opsuite::notify {
namespace {

using ::opsuite::testing::HttpRequest;
using ::opsuite::testing::HttpSink;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Json = nlohmann::json;

Json Parse(const std::string& s) {
  Json j = Json::parse(s, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << s;
  return j;
}

class WebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<HttpSink>> sink = HttpSink::Start();
    ASSERT_TRUE(sink.ok()) << sink.status();
    sink_ = std::move(*sink);
    sender_ = NewHttpWebhookSender({sink_->host_port()}, absl::Seconds(5));
  }

  WebhookCall Call() {
    WebhookCall c;
    c.url = sink_->url("/hooks/ops?room=7");
    c.title = "目标卡被退回";
    c.text = "#### 目标卡被退回\n\n原因：\"指标\" <需量化>";
    c.notice_json = R"({"id":"ntc_1","eventType":"planning.goal_card.returned"})";
    return c;
  }

  std::unique_ptr<HttpSink> sink_;
  std::unique_ptr<WebhookSender> sender_;
};

TEST_F(WebhookTest, PostsSignedPlainJson) {
  WebhookCall call = Call();
  call.secret = "s3cret";
  const int64_t before = absl::ToUnixSeconds(absl::Now());
  absl::Status s = sender_->Post(call);
  ASSERT_TRUE(s.ok()) << s;
  std::vector<HttpRequest> got = sink_->requests();
  ASSERT_EQ(got.size(), 1u);
  const HttpRequest& r = got[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hooks/ops?room=7");
  EXPECT_THAT(r.Header("Content-Type"), StartsWith("application/json"));
  EXPECT_EQ(r.Header("Content-Length"), absl::StrCat(r.body.size()));
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_EQ(r.Header("Host"), sink_->host_port());
  EXPECT_EQ(r.body, WebhookBody(call));

  // The signature verifies: HMAC-SHA256 of "<timestamp>.<body>" under the secret.
  std::string ts = r.Header("X-Opsuite-Timestamp");
  int64_t ts_value = 0;
  ASSERT_TRUE(absl::SimpleAtoi(ts, &ts_value)) << ts;
  EXPECT_GE(ts_value, before);
  EXPECT_LE(ts_value, absl::ToUnixSeconds(absl::Now()));
  EXPECT_EQ(r.Header("X-Opsuite-Signature"),
            "sha256=" + auth::HmacSha256Hex("s3cret", absl::StrCat(ts, ".", r.body)));
  EXPECT_NE(r.Header("X-Opsuite-Signature"),
            "sha256=" + auth::HmacSha256Hex("other", absl::StrCat(ts, ".", r.body)));

  Json body = Parse(r.body);
  EXPECT_EQ(body["notice"]["id"], "ntc_1");
  EXPECT_EQ(body["notice"]["eventType"], "planning.goal_card.returned");
  EXPECT_EQ(body["title"], call.title);
  EXPECT_EQ(body["text"], call.text);
}

TEST_F(WebhookTest, UnsignedWithoutSecret) {
  ASSERT_TRUE(sender_->Post(Call()).ok());
  std::vector<HttpRequest> got = sink_->requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].Header("X-Opsuite-Signature"), "");
  EXPECT_FALSE(got[0].Header("X-Opsuite-Timestamp").empty());
}

TEST(WebhookBodyTest, DingTalkShape) {
  WebhookCall call;
  call.format = v1::WEBHOOK_FORMAT_DINGTALK;
  call.title = "回款到账";
  call.text = "#### 回款到账\n\n1200.00 CNY";
  call.notice_json = R"({"id":"ntc_1"})";
  Json body = Parse(WebhookBody(call));
  EXPECT_EQ(
      body,
      Json({{"msgtype", "markdown"},
            {"markdown", {{"title", "回款到账"}, {"text", "#### 回款到账\n\n1200.00 CNY"}}}}));
}

TEST(WebhookBodyTest, WeComShape) {
  WebhookCall call;
  call.format = v1::WEBHOOK_FORMAT_WECOM;
  call.title = "回款到账";
  call.text = "#### 回款到账\n\n1200.00 CNY";
  Json body = Parse(WebhookBody(call));
  EXPECT_EQ(body, Json({{"msgtype", "markdown"},
                        {"markdown", {{"content", "#### 回款到账\n\n1200.00 CNY"}}}}));
}

TEST(WebhookBodyTest, PlainShapeWithoutOrWithBrokenNotice) {
  WebhookCall call;
  call.title = "t";
  call.text = "x";
  Json body = Parse(WebhookBody(call));
  EXPECT_TRUE(body["notice"].is_object());
  EXPECT_TRUE(body["notice"].empty());
  call.notice_json = "{not json";
  body = Parse(WebhookBody(call));
  EXPECT_EQ(body["notice"], "{not json");
  // Invalid UTF-8 does not throw; it is replaced.
  call.text = std::string("bad \xff byte");
  body = Parse(WebhookBody(call));
  EXPECT_TRUE(body["text"].is_string());
}

TEST_F(WebhookTest, DingTalkAndWeComArePostedAsIs) {
  for (v1::WebhookFormat f : {v1::WEBHOOK_FORMAT_DINGTALK, v1::WEBHOOK_FORMAT_WECOM}) {
    WebhookCall call = Call();
    call.format = f;
    ASSERT_TRUE(sender_->Post(call).ok());
  }
  std::vector<HttpRequest> got = sink_->requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(Parse(got[0].body)["markdown"]["title"], "目标卡被退回");
  EXPECT_EQ(Parse(got[1].body)["markdown"]["content"], Call().text);
}

TEST_F(WebhookTest, NotOnTheAllowListIsPermissionDeniedAndNothingIsSent) {
  std::unique_ptr<WebhookSender> other = NewHttpWebhookSender({"127.0.0.1:1", "hooks.example.com"});
  absl::Status s = other->Post(Call());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr(sink_->host_port()));
  EXPECT_THAT(s.message(), HasSubstr("allow-list"));
  EXPECT_EQ(sink_->connections(), 0);
  EXPECT_TRUE(sink_->requests().empty());

  // The host alone allows port 80 only.
  std::unique_ptr<WebhookSender> host_only = NewHttpWebhookSender({"127.0.0.1"});
  EXPECT_EQ(host_only->Post(Call()).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(sink_->connections(), 0);
}

TEST_F(WebhookTest, ServerErrorIsUnavailableThenSucceeds) {
  sink_->SetStatuses({500, 503});
  sink_->SetErrorBody("database is down");
  absl::Status s = sender_->Post(Call());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("HTTP 500"));
  EXPECT_THAT(s.message(), HasSubstr(sink_->host_port()));
  EXPECT_THAT(s.message(), HasSubstr("database is down"));
  EXPECT_THAT(s.message(), Not(HasSubstr("room=7")));  // the query may hold a token
  s = sender_->Post(Call());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("HTTP 503"));
  EXPECT_TRUE(sender_->Post(Call()).ok());
  EXPECT_EQ(sink_->requests().size(), 3u);
}

TEST_F(WebhookTest, ClientErrorsAndTooManyRequests) {
  sink_->SetStatuses({404, 429, 400});
  absl::Status s = sender_->Post(Call());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(s.message(), HasSubstr("HTTP 404 Not Found"));
  s = sender_->Post(Call());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(s.message(), HasSubstr("HTTP 429"));
  s = sender_->Post(Call());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
}

TEST_F(WebhookTest, OtherSuccessStatuses) {
  sink_->SetStatuses({204, 202});
  EXPECT_TRUE(sender_->Post(Call()).ok());
  EXPECT_TRUE(sender_->Post(Call()).ok());
}

TEST_F(WebhookTest, HttpsIsRefusedWithAClearError) {
  WebhookCall call = Call();
  call.url = absl::StrCat("https://", sink_->host_port(), "/hook");
  absl::Status s = sender_->Post(call);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("https is not supported"));
  EXPECT_EQ(sink_->connections(), 0);
}

TEST_F(WebhookTest, MalformedUrls) {
  for (const char* url :
       {"", "127.0.0.1:80/hook", "ftp://127.0.0.1/x", "http://", "http://:80/",
        "http://127.0.0.1:0/", "http://127.0.0.1:99999/", "http://127.0.0.1:x/",
        "http://user:pw@127.0.0.1/", "http://127.0.0.1/a b", "http://bad host/"}) {
    WebhookCall call = Call();
    call.url = url;
    absl::Status s = sender_->Post(call);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << url << ": " << s;
  }
  EXPECT_EQ(sink_->connections(), 0);
}

TEST(WebhookConnectTest, ConnectionRefusedIsUnavailable) {
  const int port = FreePort();
  const std::string hp = absl::StrCat("127.0.0.1:", port);
  std::unique_ptr<WebhookSender> sender = NewHttpWebhookSender({hp}, absl::Seconds(2));
  WebhookCall call;
  call.url = absl::StrCat("http://", hp, "/hook");
  absl::Status s = sender->Post(call);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr(hp));
}

TEST(CheckWebhookUrlTest, Checks) {
  std::vector<std::string> allow = {"hooks.example.com:8080", "Robot.Example.com", "[::1]:9000"};
  EXPECT_TRUE(CheckWebhookUrl("http://hooks.example.com:8080/x", allow).ok());
  EXPECT_TRUE(CheckWebhookUrl("HTTP://HOOKS.example.com:8080", allow).ok());
  EXPECT_TRUE(CheckWebhookUrl("http://robot.example.com/send?access_token=abc", allow).ok());
  EXPECT_TRUE(CheckWebhookUrl("http://robot.example.com:80/", allow).ok());
  EXPECT_TRUE(CheckWebhookUrl("http://[::1]:9000/", allow).ok());
  EXPECT_EQ(CheckWebhookUrl("http://robot.example.com:8080/", allow).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckWebhookUrl("http://hooks.example.com/x", allow).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckWebhookUrl("https://hooks.example.com:8080/x", allow).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckWebhookUrl("http://hooks.example.com:8080/x", {}).code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace opsuite::notify
