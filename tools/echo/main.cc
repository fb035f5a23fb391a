// opsuite-echo: the bare echo gRPC server (callback API) whose throughput is this machine's
// ceiling in benchmarks. No auth, no storage, no interceptors.
//
//   opsuite-echo --addr=127.0.0.1:0
//   {"msg":"echo ready","addr":"127.0.0.1:40123"}
//
// Exits 0 on SIGTERM or SIGINT after a short graceful shutdown.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "opsuite/echo/v1/echo.grpc.pb.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:0", "host:port to listen on; port 0 picks a free port");

namespace opsuite::echo {
namespace {

using ::opsuite::echo::v1::EchoRequest;
using ::opsuite::echo::v1::EchoResponse;
using ::opsuite::echo::v1::EchoService;

class EchoServiceImpl final : public EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoResponse* response) override {
    response->set_payload(request->payload());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// "host:port" with the port replaced by `port`.
std::string WithPort(const std::string& addr, int port) {
  size_t colon = addr.rfind(':');
  std::string host = colon == std::string::npos ? addr : addr.substr(0, colon);
  return absl::StrCat(host, ":", port);
}

int Run() {
  // Block the stop signals before gRPC starts its threads, so they all inherit the mask and
  // the main thread alone receives them through sigwait().
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::string addr = absl::GetFlag(FLAGS_addr);
  EchoServiceImpl service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(addr, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "{\"msg\":\"echo failed to listen\",\"addr\":\"%s\"}\n", addr.c_str());
    return 1;
  }
  std::printf("{\"msg\":\"echo ready\",\"addr\":\"%s\"}\n", WithPort(addr, port).c_str());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  return 0;
}

}  // namespace
}  // namespace opsuite::echo

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("The bare echo gRPC server: opsuite-echo --addr=127.0.0.1:PORT");
  absl::ParseCommandLine(argc, argv);
  return opsuite::echo::Run();
}
