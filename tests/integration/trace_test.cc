// Trace context crosses service boundaries: an incoming traceparent becomes the request's
// trace, and PrepareOutgoing passes a child span of it (and the request id) to the next hop.
#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "common/server/client.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "opsuite/echo/v1/echo.grpc.pb.h"

namespace opsuite::server {
namespace {

// The next hop: remembers the metadata it was called with.
class Recorder final : public echo::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx,
                                 const echo::v1::EchoRequest* req,
                                 echo::v1::EchoResponse* resp) override {
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [k, v] : ctx->client_metadata()) {
        seen_[std::string(k.data(), k.size())] = std::string(v.data(), v.size());
      }
    }
    resp->set_payload(req->payload());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::string Seen(const std::string& key) {
    absl::MutexLock lock(&mu_);
    return seen_[key];
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> seen_;
};

TEST(TraceTest, OutgoingCallsCarryAChildSpanOfTheCurrentRequest) {
  Recorder recorder;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&recorder);
  auto server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  auto stub = echo::v1::EchoService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));

  log::TraceContext incoming;
  ASSERT_TRUE(log::TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                       &incoming));
  {
    log::ScopedRequest scope(log::RequestInfo{"req-42", "test/Caller", incoming});
    grpc::ClientContext ctx;
    PrepareOutgoing(&ctx, absl::Seconds(5));
    echo::v1::EchoRequest req;
    echo::v1::EchoResponse resp;
    ASSERT_TRUE(stub->Echo(&ctx, req, &resp).ok());
  }
  log::TraceContext passed;
  ASSERT_TRUE(log::TraceContext::Parse(recorder.Seen("traceparent"), &passed))
      << recorder.Seen("traceparent");
  EXPECT_EQ(passed.trace_id, incoming.trace_id);
  EXPECT_NE(passed.span_id, incoming.span_id);
  EXPECT_TRUE(passed.sampled);
  EXPECT_EQ(recorder.Seen("x-request-id"), "req-42");

  // With no current request the call starts a trace of its own.
  grpc::ClientContext ctx;
  PrepareOutgoing(&ctx, absl::Seconds(5));
  echo::v1::EchoRequest req;
  echo::v1::EchoResponse resp;
  ASSERT_TRUE(stub->Echo(&ctx, req, &resp).ok());
  ASSERT_TRUE(log::TraceContext::Parse(recorder.Seen("traceparent"), &passed));
  EXPECT_NE(passed.trace_id, incoming.trace_id);
  server->Shutdown();
}

}  // namespace
}  // namespace opsuite::server
