// Every service's request validation, from raw protobuf bytes: the whole suite runs in this
// process (SQLite in a temporary directory, the in-process cache and event bus, a fixed clock)
// and is called over gRPC as a client calls it.
//
// Input: byte 0 picks the RPC (the unary RPCs of the five services' packages, sorted by full
// name), byte 1 the caller (admin, manager, employee or service of org "acme", or no token),
// the rest is the request's wire bytes. Bytes that do not parse as the RPC's input type are
// skipped: gRPC refuses those before any of our code runs.
//
// Properties: no crash and no sanitizer report; no call answers UNKNOWN or INTERNAL (a handler
// failing on input it should have refused with a clear status), and none runs past its 10 s
// deadline.
//
// OPSUITE_FUZZ_WRITE_SEEDS=<dir>: writes two seeds per RPC (an empty request and one with
// every field set) to <dir> and exits; fuzz/corpus/requests was made so.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/auth/jwt.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/server/rpcs.h"
#include "common/server/server.h"
#include "fuzz/check.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/crm/crm_module.h"
#include "services/notify/notify_module.h"
#include "services/planning/planning_module.h"
#include "services/scheduler/scheduler_module.h"
#include "services/scoring/scoring_module.h"

namespace {

namespace pb = ::google::protobuf;

constexpr char kSecret[] = "fuzz-secret";
constexpr int kCallers = 5;  // admin, manager, employee, service, no token

struct Suite {
  std::filesystem::path dir;
  opsuite::FakeClock clock{absl::FromUnixSeconds(1795564800)};  // 2026-11-25 00:00 UTC
  std::unique_ptr<opsuite::server::Server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  std::vector<const pb::MethodDescriptor*> methods;
  std::string tokens[kCallers];
};

std::vector<const pb::MethodDescriptor*> UnaryMethods() {
  std::vector<const pb::MethodDescriptor*> out;
  for (const pb::MethodDescriptor* m : opsuite::server::SuiteRpcs()) {
    if (!m->client_streaming() && !m->server_streaming()) out.push_back(m);
  }
  return out;
}

// Every field set once (strings "x1", numbers 1, the first non-zero enum value, one element
// in each list), messages to a depth of 3.
void Fill(pb::Message* msg, int depth) {
  const pb::Reflection* r = msg->GetReflection();
  const pb::Descriptor* d = msg->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->containing_oneof() && f->index_in_oneof() > 0) continue;
    const bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING:
        rep ? r->AddString(msg, f, "x1") : r->SetString(msg, f, "x1");
        break;
      case pb::FieldDescriptor::CPPTYPE_INT32:
        rep ? r->AddInt32(msg, f, 1) : r->SetInt32(msg, f, 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        rep ? r->AddInt64(msg, f, 1) : r->SetInt64(msg, f, 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        rep ? r->AddUInt32(msg, f, 1) : r->SetUInt32(msg, f, 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        rep ? r->AddUInt64(msg, f, 1) : r->SetUInt64(msg, f, 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        rep ? r->AddDouble(msg, f, 1) : r->SetDouble(msg, f, 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        rep ? r->AddFloat(msg, f, 1) : r->SetFloat(msg, f, 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        rep ? r->AddBool(msg, f, true) : r->SetBool(msg, f, true);
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* e = f->enum_type();
        const pb::EnumValueDescriptor* v = e->value(e->value_count() > 1 ? 1 : 0);
        rep ? r->AddEnum(msg, f, v) : r->SetEnum(msg, f, v);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth >= 3 || f->is_map()) break;
        Fill(rep ? r->AddMessage(msg, f) : r->MutableMessage(msg, f), depth + 1);
        break;
    }
  }
}

void WriteSeeds(const char* dir, const std::vector<const pb::MethodDescriptor*>& methods) {
  pb::DynamicMessageFactory factory;
  for (size_t i = 0; i < methods.size() && i < 256; ++i) {
    std::unique_ptr<pb::Message> msg(factory.GetPrototype(methods[i]->input_type())->New());
    const std::string head = {static_cast<char>(i), 0};
    std::ofstream(absl::StrCat(dir, "/", methods[i]->name(), "-empty")) << head;
    Fill(msg.get(), 0);
    std::ofstream(absl::StrCat(dir, "/", methods[i]->name(), "-full"))
        << head << msg->SerializeAsString();
  }
  std::fprintf(stderr, "wrote %zu seeds to %s\n", 2 * methods.size(), dir);
  std::exit(0);
}

Suite* Start() {
  auto* s = new Suite;
  s->methods = UnaryMethods();
  FUZZ_CHECK(s->methods.size() >= 80 && s->methods.size() <= 256, "%zu RPCs",
             s->methods.size());
  if (const char* dir = std::getenv("OPSUITE_FUZZ_WRITE_SEEDS")) WriteSeeds(dir, s->methods);

  // Refusals are what most inputs earn: log errors only (OPSUITE_FUZZ_LOG=info for all).
  opsuite::log::Level level = opsuite::log::Level::kError;
  if (const char* l = std::getenv("OPSUITE_FUZZ_LOG")) opsuite::log::ParseLevel(l, &level);
  opsuite::log::SetMinLevel(level);

  char tmpl[] = "/tmp/opsuite-fuzz-XXXXXX";
  FUZZ_CHECK(mkdtemp(tmpl) != nullptr, "mkdtemp");
  s->dir = tmpl;
  static std::filesystem::path dir = s->dir;
  std::atexit([] { std::filesystem::remove_all(dir); });

  opsuite::server::ServerOptions options;
  options.grpc_addr = "127.0.0.1:0";
  options.data_dir = s->dir.string();
  options.jwt_keys = {{"", kSecret}};
  options.workers = 4;
  options.near_cache_entries = 0;
  options.clock = &s->clock;
  auto server = opsuite::server::Server::Start(
      {opsuite::planning::PlanningModule(), opsuite::crm::CrmModule(),
       opsuite::scoring::ScoringModule(), opsuite::notify::NotifyModule(),
       opsuite::scheduler::SchedulerModule()},
      options);
  FUZZ_CHECK(server.ok(), "%s", server.status().ToString().c_str());
  s->server = *std::move(server);
  s->channel = grpc::CreateChannel(s->server->address(), grpc::InsecureChannelCredentials());
  s->stub = std::make_unique<grpc::GenericStub>(s->channel);

  const absl::Time now = s->clock.Now();
  const opsuite::auth::SigningKey key{"", kSecret};
  auto mint = [&](const char* sub, const char* role) {
    return opsuite::auth::MintJwt({sub, "acme", {role}}, key, now, now + absl::Hours(24 * 365));
  };
  s->tokens[0] = mint("admin-1", "admin");
  s->tokens[1] = mint("manager-1", "manager");
  s->tokens[2] = mint("employee-1", "employee");
  s->tokens[3] = mint("service-1", "service");
  return s;
}

Suite& TheSuite() {
  static Suite* suite = Start();
  return *suite;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  TheSuite();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 64 * 1024) return 0;
  Suite& s = TheSuite();
  const pb::MethodDescriptor* method = s.methods[data[0] % s.methods.size()];
  const std::string& token = s.tokens[data[1] % kCallers];
  const std::string request(reinterpret_cast<const char*>(data) + 2, size - 2);

  static pb::DynamicMessageFactory* factory = new pb::DynamicMessageFactory;
  std::unique_ptr<pb::Message> msg(factory->GetPrototype(method->input_type())->New());
  if (!msg->ParseFromString(request)) return 0;

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::Slice slice(request);
  grpc::ByteBuffer send(&slice, 1), reply;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
  s.stub->UnaryCall(&ctx, path, grpc::StubOptions(), &send, &reply, [&](grpc::Status st) {
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(st);
    done = true;
    cv.notify_one();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  const auto code = status.error_code();
  FUZZ_CHECK(code != grpc::StatusCode::UNKNOWN && code != grpc::StatusCode::INTERNAL &&
                 code != grpc::StatusCode::DEADLINE_EXCEEDED,
             "%s (caller %d) answered %d: %s", path.c_str(), data[1] % kCallers,
             static_cast<int>(code), status.error_message().c_str());
  return 0;
}
