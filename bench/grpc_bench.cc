// GetEmployee over gRPC against the bare echo server, in one run, on this machine.
//
// Starts redis-server, `opsuite` and `opsuite-echo` as separate processes on free loopback
// ports, then drives each with the same asynchronous client (callback API, N calls in flight
// over C channels) and prints QPS, p50/p90/p99 latency and the ratio to echo:
//   echo          100-byte Echo calls (the machine's ceiling for this client)
//   hit           GetEmployee over ids already in Redis
//   miss          GetEmployee of ids never read since FLUSHALL (each call reads SQLite and
//                 fills Redis); counted by calls, not time, so every call is a miss: the
//                 first pass since start on its own, then --miss_rounds passes together;
//                 each pass after 1 s of echo, which is what these rows are compared with
//   GetCustomer   GetCustomer over ids already in Redis
//   REST GetCustomer  the same reads as HTTP/JSON through the gateway (one keep-alive
//                 connection per call in flight), compared with the gRPC GetCustomer figure
//   ListCustomers a name query in traditional characters (銷售: folded to 销售 and matched as a
//                 substring of every customer's and contact's name) over --customers customers,
//                 20 a page, counted by calls; once for a term 1 in 5 customers hold, once for a
//                 name only one holds (the whole table is scanned)
//   notify        --notify_events events into the stream until all are in the inboxes, then
//                 1,000 events/s for --notify_seconds with each notice's publish-to-commit latency
//   RunEvaluation one evaluation run per --scoring_subjects size (six-item scheme), timed
//                 from the call to SUCCEEDED, with the input calls it made
//   writes, mixed opsuite-loadgen (another process, so its own client cost) runs Echo against
//                 opsuite-echo as its baseline, then CreateCustomer and RecordActual (acked =
//                 committed with fsync) and the 80/20 GetEmployee/CreateCustomer mix
//   RSS           opsuite's resident memory (VmRSS, and the peak VmHWM) after the customers
//                 and employees are in and read, and again at the end
//
//   grpc_bench [--in_flight=64] [--channels=4] [--seconds=5] [--employees=20000]
//              [--customers=100000] [--scoring_subjects=10000,100000] [--json=FILE]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <mutex>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/http_load.h"
#include "common/auth/jwt.h"
#include "common/ports.h"
#include "common/redis/redis_client.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "opsuite/echo/v1/echo.grpc.pb.h"
#include "opsuite/crm/v1/customer.grpc.pb.h"
#include "opsuite/planning/v1/directory.grpc.pb.h"
#include "opsuite/scoring/v1/scoring.grpc.pb.h"
#include "opsuite/notify/v1/notify.pb.h"
#include "common/events/redis_stream_bus.h"
#include "common/storage/sqlite.h"
#include "google/protobuf/util/time_util.h"

ABSL_FLAG(int, in_flight, 64, "calls in flight");
ABSL_FLAG(int, channels, 4, "client channels");
ABSL_FLAG(int, seconds, 5, "measured seconds per time-based scenario");
ABSL_FLAG(int, employees, 10000,
          "employees created (and read once each in the miss scenario); 10,000 is the RSS bar's");
ABSL_FLAG(int, customers, 100000, "customers imported for the crm scenarios (0: skip them)");
ABSL_FLAG(int, miss_rounds, 3,
          "passes over every employee after a FLUSHALL each, measured together as the miss "
          "scenario (after a first pass reported on its own)");
ABSL_FLAG(int, list_calls, 400, "ListCustomers calls measured");
ABSL_FLAG(std::string, json, "", "also write the results here");
ABSL_FLAG(std::vector<std::string>, opsuite_flags, {},
          "more flags for the opsuite process, comma-separated (e.g. --workers=16)");
ABSL_FLAG(int, notify_events, 10000, "events published for the notify scenario (0: skip it)");
ABSL_FLAG(int, notify_seconds, 5, "seconds of 1,000 events/s for the notify latency figures");
ABSL_FLAG(std::string, opsuite_target, "all",
          "modules the opsuite process hosts (its --target); e.g. planning,crm,scoring,gateway "
          "times evaluation runs without notify turning their events into notices");
ABSL_FLAG(std::string, scoring_subjects, "10000,100000",
          "evaluation runs to time, by subjects (comma-separated; empty: skip)");

namespace {

namespace pv1 = opsuite::planning::v1;
using Clock = std::chrono::steady_clock;

pid_t Spawn(std::vector<std::string> args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = fopen(log.c_str(), "w");
    dup2(fileno(f), STDERR_FILENO);
    dup2(fileno(f), STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

bool WaitReady(const std::shared_ptr<grpc::Channel>& ch) {
  return ch->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

struct Result {
  std::string name;
  uint64_t calls = 0, errors = 0;
  double seconds = 0, qps = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0;
  double baseline_qps = 0;  // what "vs echo" divides by; 0: this client's echo
};

// Resident and peak resident memory of `pid` in MB (VmRSS, VmHWM).
std::pair<double, double> MemoryMb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  double rss = 0, hwm = 0;
  while (std::getline(in, line)) {
    int64_t kb = 0;
    std::vector<std::string> parts = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() < 2 || !absl::SimpleAtoi(parts[1], &kb)) continue;
    if (parts[0] == "VmRSS:") rss = kb / 1024.0;
    if (parts[0] == "VmHWM:") hwm = kb / 1024.0;
  }
  return {rss, hwm};
}

// Runs opsuite-loadgen (its JSON into `json_path`) and returns its per-op results named
// "<prefix><op>" and the whole mix as "<prefix><mix>"; nullopt when it failed.
std::optional<std::vector<Result>> RunLoadgen(const std::string& prefix,
                                              std::vector<std::string> args,
                                              const std::string& json_path,
                                              const std::string& log_path) {
  args.insert(args.begin(), LOADGEN_BINARY);
  args.push_back("--json=" + json_path);
  pid_t pid = Spawn(std::move(args), log_path);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "opsuite-loadgen failed (log: %s)\n", log_path.c_str());
    return std::nullopt;
  }
  nlohmann::json j = nlohmann::json::parse(std::ifstream(json_path), nullptr, false);
  if (j.is_discarded() || !j.contains("results")) return std::nullopt;
  std::vector<Result> out;
  const bool single = j["results"].size() <= 2;  // one op and "all": report the op only
  for (const auto& r : j["results"]) {
    std::string op = r["op"];
    if (single && op == "all") continue;
    Result x;
    x.name = prefix + (op == "all" ? std::string(j["mix"]) : op);
    x.calls = r["calls"];
    x.errors = x.calls - r["ok"].get<uint64_t>();
    x.seconds = r["seconds"];
    x.qps = r["qps"];
    x.p50_ms = r["p50_ms"];
    x.p90_ms = r["p90_ms"];
    x.p99_ms = r["p99_ms"];
    x.p999_ms = r["p999_ms"];
    out.push_back(x);
  }
  return out;
}

// The latencies (ms) of `calls` that took `seconds` in all, `errors` of them failed.
Result Summarize(const std::string& name, std::vector<double> latencies, uint64_t errors,
                 double seconds) {
  Result r;
  r.name = name;
  r.seconds = seconds;
  std::sort(latencies.begin(), latencies.end());
  r.calls = latencies.size();
  r.errors = errors;
  r.qps = r.calls / r.seconds;
  auto pct = [&](double p) {
    return latencies.empty() ? 0 : latencies[std::min(latencies.size() - 1,
                                                      static_cast<size_t>(p * latencies.size()))];
  };
  r.p50_ms = pct(0.50);
  r.p90_ms = pct(0.90);
  r.p99_ms = pct(0.99);
  r.p999_ms = pct(0.999);
  return r;
}

// Keeps `in_flight` calls going until `more()` says no; `start(slot, done)` issues one call.
// `all_latencies`, when given, gets each call's (ms) appended.
Result RunLoad(const std::string& name, int in_flight,
               const std::function<void(int slot, std::function<void(bool ok)>)>& start,
               const std::function<bool(uint64_t issued, Clock::time_point)>& more,
               std::vector<double>* all_latencies = nullptr) {
  std::mutex mu;
  std::vector<double> latencies;
  std::atomic<uint64_t> issued{0}, errors{0};
  std::atomic<int> active{in_flight};
  absl::Notification all_done;
  Clock::time_point t0 = Clock::now();
  std::function<void(int)> issue;
  issue = [&](int slot) {
    if (!more(issued.fetch_add(1), Clock::now())) {
      if (active.fetch_sub(1) == 1) all_done.Notify();
      return;
    }
    auto begin = Clock::now();
    start(slot, [&, slot, begin](bool ok) {
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
      if (!ok) errors.fetch_add(1);
      {
        std::lock_guard<std::mutex> lock(mu);
        latencies.push_back(ms);
      }
      issue(slot);
    });
  };
  for (int i = 0; i < in_flight; ++i) issue(i);
  all_done.WaitForNotification();
  if (all_latencies != nullptr) {
    all_latencies->insert(all_latencies->end(), latencies.begin(), latencies.end());
  }
  return Summarize(name, std::move(latencies), errors.load(),
                   std::chrono::duration<double>(Clock::now() - t0).count());
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  const int in_flight = absl::GetFlag(FLAGS_in_flight);
  const int nchannels = absl::GetFlag(FLAGS_channels);
  const auto duration = std::chrono::seconds(absl::GetFlag(FLAGS_seconds));
  const int employees = absl::GetFlag(FLAGS_employees);
  auto dir = std::filesystem::temp_directory_path() / ("opsuite_bench_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  int redis_port = opsuite::FreePort(), grpc_port = opsuite::FreePort(),
      http_port = opsuite::FreePort(),
      echo_port = opsuite::FreePort();
  std::vector<pid_t> children;
  children.push_back(Spawn({"redis-server", "--port", std::to_string(redis_port), "--bind",
                            "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.string()},
                           (dir / "redis.log").string()));
  absl::SleepFor(absl::Milliseconds(300));
  const std::string secret = "bench-secret";
  const std::string redis_url = absl::StrCat("redis://127.0.0.1:", redis_port);
  const size_t opsuite_child = children.size();
  std::vector<std::string> opsuite_argv = {
      OPSUITE_BINARY, "--target=" + absl::GetFlag(FLAGS_opsuite_target),
      absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port),
      absl::StrCat("--http_addr=127.0.0.1:", http_port),
      // Limits on, but above the load: the bench pays for the check.
      "--rate_limit=10000000", "--rate_burst=10000000",
      "--data_dir=" + (dir / "data").string(), "--redis=" + redis_url,
      "--jwt_secret=" + secret, "--log_level=warn"};
  for (const std::string& f : absl::GetFlag(FLAGS_opsuite_flags)) opsuite_argv.push_back(f);
  children.push_back(Spawn(opsuite_argv, (dir / "opsuite.log").string()));
  children.push_back(Spawn({ECHO_BINARY, absl::StrCat("--addr=127.0.0.1:", echo_port)},
                           (dir / "echo.log").string()));
  auto cleanup = [&] {
    for (pid_t p : children) kill(p, SIGTERM);
    for (pid_t p : children) waitpid(p, nullptr, 0);
    std::filesystem::remove_all(dir);
  };

  std::vector<std::shared_ptr<grpc::Channel>> suite_channels, echo_channels;
  for (int i = 0; i < nchannels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("opsuite.channel", i);  // distinct channels, not one shared subchannel
    suite_channels.push_back(grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", grpc_port),
                                                       grpc::InsecureChannelCredentials(), args));
    echo_channels.push_back(grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", echo_port),
                                                      grpc::InsecureChannelCredentials(), args));
  }
  if (!WaitReady(suite_channels[0]) || !WaitReady(echo_channels[0])) {
    fprintf(stderr, "servers did not start; logs in %s\n", dir.c_str());
    cleanup();
    return 1;
  }
  std::string token =
      "Bearer " + opsuite::auth::MintJwt({"admin-1", "bench", {"admin"}}, {"", secret},
                                         absl::Now(), absl::Now() + absl::Hours(2));

  // Fixture: one department, `employees` employees.
  fprintf(stderr, "creating %d employees...\n", employees);
  auto directory = pv1::DirectoryService::NewStub(suite_channels[0]);
  pv1::Department dept;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", token);
    pv1::CreateDepartmentRequest req;
    req.mutable_department()->set_name("销售部");
    if (!directory->CreateDepartment(&ctx, req, &dept).ok()) return 1;
  }
  std::vector<std::unique_ptr<pv1::DirectoryService::Stub>> stubs;
  for (auto& ch : suite_channels) stubs.push_back(pv1::DirectoryService::NewStub(ch));
  // Creates `n` employees in `dept_id` (`in_flight` calls at a time); their ids in `ids`.
  auto create_employees = [&](const std::string& dept_id, int n, std::vector<std::string>* ids) {
    ids->assign(n, "");
    struct Slot {
      grpc::ClientContext ctx;
      pv1::CreateEmployeeRequest req;
      pv1::Employee resp;
    };
    std::vector<std::unique_ptr<Slot>> slots(in_flight);
    std::atomic<int> next{0};
    return RunLoad(
        "create", in_flight,
        [&](int slot, std::function<void(bool)> done) {
          int i = next.fetch_add(1);
          slots[slot] = std::make_unique<Slot>();
          Slot* s = slots[slot].get();
          s->ctx.AddMetadata("authorization", token);
          s->req.mutable_employee()->set_name(absl::StrCat("员工", i));
          s->req.mutable_employee()->set_department_id(dept_id);
          s->req.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
          stubs[slot % stubs.size()]->async()->CreateEmployee(
              &s->ctx, &s->req, &s->resp, [s, i, ids, done](grpc::Status st) {
                if (st.ok()) (*ids)[i] = s->resp.id();
                done(st.ok());
              });
        },
        [&](uint64_t issued, Clock::time_point) { return issued < static_cast<uint64_t>(n); });
  };
  std::vector<std::string> ids;
  create_employees(dept.id(), employees, &ids);

  std::vector<Result> results;
  // echo: 100-byte payloads. `echo_for(d)` measures it for `d` (after a warm-up the first time):
  // once as the table's baseline, and again beside each miss pass.
  auto echo_stubs = std::vector<std::unique_ptr<opsuite::echo::v1::EchoService::Stub>>();
  for (auto& ch : echo_channels) echo_stubs.push_back(opsuite::echo::v1::EchoService::NewStub(ch));
  struct EchoSlot {
    grpc::ClientContext ctx;
    opsuite::echo::v1::EchoRequest req;
    opsuite::echo::v1::EchoResponse resp;
  };
  std::vector<std::unique_ptr<EchoSlot>> echo_slots(in_flight);
  auto echo_call = [&](int slot, std::function<void(bool)> done) {
    echo_slots[slot] = std::make_unique<EchoSlot>();
    EchoSlot* s = echo_slots[slot].get();
    s->req.set_payload(std::string(100, 'x'));
    echo_stubs[slot % echo_stubs.size()]->async()->Echo(
        &s->ctx, &s->req, &s->resp, [done](grpc::Status st) { done(st.ok()); });
  };
  auto echo_for = [&](std::chrono::seconds d) {
    Clock::time_point end;
    bool first = true;
    return RunLoad("echo", in_flight, echo_call, [&](uint64_t, Clock::time_point t) {
      if (first) { first = false; end = t + d; }
      return t < end;
    });
  };
  {
    auto warm_end = Clock::now() + std::chrono::seconds(1);
    RunLoad("warm", in_flight, echo_call, [&](uint64_t, Clock::time_point t) { return t < warm_end; });
    results.push_back(echo_for(duration));
  }

  struct Slot {
    grpc::ClientContext ctx;
    pv1::GetEmployeeRequest req;
    pv1::Employee resp;
  };
  std::vector<std::unique_ptr<Slot>> slots(in_flight);
  std::atomic<uint64_t> cursor{0};
  auto get = [&](int slot, std::function<void(bool)> done) {
    slots[slot] = std::make_unique<Slot>();
    Slot* s = slots[slot].get();
    s->ctx.AddMetadata("authorization", token);
    s->req.set_id(ids[cursor.fetch_add(1) % ids.size()]);
    stubs[slot % stubs.size()]->async()->GetEmployee(&s->ctx, &s->req, &s->resp,
                                                     [done](grpc::Status st) { done(st.ok()); });
  };
  opsuite::redis::RedisOptions ro;
  ro.command_timeout = absl::Seconds(5);
  auto redis = opsuite::redis::RedisClient::Create(redis_url, ro);
  // miss: every id once, right after FLUSHALL; the first pass since start apart from the
  // next `miss_rounds`, when the server's database pages are as warm as in a long-running one.
  {
    // The machine's speed drifts by more than the miss bar's margin over a run (echo alone
    // ranges 40-60k calls/s between runs here), so each pass is compared with echo measured
    // just before it, not with the table's echo from a minute earlier.
    uint64_t echo_calls = 0;
    double echo_seconds = 0;
    auto pass = [&](const std::string& name, std::vector<double>* latencies) {
      Result beside = echo_for(std::chrono::seconds(1));
      echo_calls += beside.calls;
      echo_seconds += beside.seconds;
      (*redis)->Command({"FLUSHALL"}).IgnoreError();
      // FLUSHALL's invalidation may reach the near cache just after its reply (near_cache.h).
      absl::SleepFor(absl::Milliseconds(200));
      cursor = 0;
      return RunLoad(name, in_flight, get,
                     [&](uint64_t issued, Clock::time_point) { return issued < ids.size(); },
                     latencies);
    };
    results.push_back(pass("GetEmployee miss, first pass since start", nullptr));
    results.back().baseline_qps = echo_calls / echo_seconds;
    echo_calls = 0;
    echo_seconds = 0;
    std::vector<double> latencies;
    uint64_t errors = 0;
    double seconds = 0;
    for (int round = 0; round < absl::GetFlag(FLAGS_miss_rounds); ++round) {
      Result r = pass("GetEmployee miss", &latencies);
      errors += r.errors;
      seconds += r.seconds;
    }
    if (!latencies.empty()) {
      results.push_back(Summarize("GetEmployee miss", std::move(latencies), errors, seconds));
      results.back().baseline_qps = echo_calls / echo_seconds;
    }
  }
  // hit: every id is in Redis now.
  {
    Clock::time_point end;
    bool first = true;
    results.push_back(RunLoad("GetEmployee hit", in_flight, get, [&](uint64_t, Clock::time_point t) {
      if (first) { first = false; end = t + duration; }
      return t < end;
    }));
  }
  // crm: import customers (5000 a call, as the CSV import does), then read and search them.
  const int customers = absl::GetFlag(FLAGS_customers);
  if (customers > 0) {
    namespace cv1 = opsuite::crm::v1;
    std::vector<std::unique_ptr<cv1::CustomerService::Stub>> crm;
    for (auto& ch : suite_channels) crm.push_back(cv1::CustomerService::NewStub(ch));
    fprintf(stderr, "importing %d customers...\n", customers);
    std::vector<std::string> customer_ids;
    const char* kinds[] = {"销售有限公司", "物流有限公司", "大酒店", "贸易行", "科技有限公司"};
    for (int start = 0; start < customers; start += 5000) {
      cv1::ImportCustomersRequest req;
      for (int i = start; i < std::min(customers, start + 5000); ++i) {
        cv1::Customer* c = req.add_customers();
        c->set_name(absl::StrCat("华南", i, kinds[i % 5]));
        c->set_tier(static_cast<cv1::Tier>(1 + i % 4));
        c->mutable_region()->set_city(i % 2 ? "广州" : "深圳");
        c->add_contacts()->set_name(absl::StrCat("联系人", i));
      }
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", token);
      cv1::ImportCustomersResponse resp;
      grpc::Status st = crm[0]->ImportCustomers(&ctx, req, &resp);
      if (!st.ok() || resp.errors_size() > 0) {
        fprintf(stderr, "import failed: %s\n", st.error_message().c_str());
        cleanup();
        return 1;
      }
      customer_ids.insert(customer_ids.end(), resp.created_ids().begin(), resp.created_ids().end());
    }
    struct GetSlot {
      grpc::ClientContext ctx;
      cv1::GetCustomerRequest req;
      cv1::Customer resp;
    };
    std::vector<std::unique_ptr<GetSlot>> get_slots(in_flight);
    std::atomic<uint64_t> next{0};
    auto get_customer = [&](int slot, std::function<void(bool)> done) {
      get_slots[slot] = std::make_unique<GetSlot>();
      GetSlot* s = get_slots[slot].get();
      s->ctx.AddMetadata("authorization", token);
      // The first 10,000 ids, so the warm-up pass below puts every one in Redis.
      s->req.set_id(customer_ids[next.fetch_add(1) % std::min<size_t>(10000, customer_ids.size())]);
      crm[slot % crm.size()]->async()->GetCustomer(&s->ctx, &s->req, &s->resp,
                                                  [done](grpc::Status st) { done(st.ok()); });
    };
    RunLoad("warm", in_flight, get_customer, [&](uint64_t issued, Clock::time_point) {
      return issued < std::min<size_t>(10000, customer_ids.size());
    });
    {
      Clock::time_point end;
      bool first = true;
      results.push_back(RunLoad("GetCustomer hit", in_flight, get_customer,
                                [&](uint64_t, Clock::time_point t) {
                                  if (first) { first = false; end = t + duration; }
                                  return t < end;
                                }));
    }
    // The same reads as REST through the gateway (JSON, JWT check, rate limit, transcoding).
    {
      opsuite::bench::HttpLoad http("127.0.0.1", http_port, in_flight, 1);
      std::atomic<uint64_t> next_rest{0};
      auto rest_get = [&](int slot, std::function<void(bool)> done) {
        const std::string& id =
            customer_ids[next_rest.fetch_add(1) % std::min<size_t>(10000, customer_ids.size())];
        http.Send(slot,
                  absl::StrCat("GET /v1/customers/", id, " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                               "Authorization: ", token, "\r\n\r\n"),
                  [done](int status, const std::string&) { done(status == 200); });
      };
      RunLoad("warm REST", in_flight, rest_get, [&](uint64_t issued, Clock::time_point) {
        return issued < 2000;
      });
      Clock::time_point end;
      bool first = true;
      results.push_back(RunLoad("REST GetCustomer (gateway)", in_flight, rest_get,
                                [&](uint64_t, Clock::time_point t) {
                                  if (first) { first = false; end = t + duration; }
                                  return t < end;
                                }));
    }
    struct ListSlot {
      grpc::ClientContext ctx;
      cv1::ListCustomersRequest req;
      cv1::ListCustomersResponse resp;
    };
    const int list_in_flight = 8;
    std::vector<std::unique_ptr<ListSlot>> list_slots(list_in_flight);
    // `query` in traditional characters; `want` rows expected on the page.
    auto list_with = [&](std::string query, int want) {
      return [&, query, want](int slot, std::function<void(bool)> done) {
        list_slots[slot] = std::make_unique<ListSlot>();
        ListSlot* s = list_slots[slot].get();
        s->ctx.AddMetadata("authorization", token);
        s->req.set_query(query);
        s->req.set_page_size(20);
        crm[slot % crm.size()]->async()->ListCustomers(
            &s->ctx, &s->req, &s->resp,
            [s, done, want](grpc::Status st) { done(st.ok() && s->resp.customers_size() == want); });
      };
    };
    const uint64_t list_calls = absl::GetFlag(FLAGS_list_calls);
    auto calls = [&](uint64_t n) {
      return [n](uint64_t issued, Clock::time_point) { return issued < n; };
    };
    // A common term: a page fills after ~100 rows.
    results.push_back(RunLoad(absl::StrCat("ListCustomers 銷售, 1 in 5 match (", customers, ")"),
                              list_in_flight, list_with("銷售", 20), calls(list_calls)));
    // A name held by one customer: every row is scanned.
    results.push_back(RunLoad(absl::StrCat("ListCustomers one match, full scan (", customers, ")"),
                              list_in_flight,
                              list_with(absl::StrCat("華南", customers - 1, kinds[(customers - 1) % 5]), 1),
                              calls(std::max<uint64_t>(1, list_calls / 10))));
  }
  // Memory with the data in and read: the bar is for 100,000 customers and 10,000 employees.
  std::vector<std::pair<std::string, std::pair<double, double>>> memory;
  memory.push_back({absl::StrCat(customers, " customers and ", employees, " employees in and read"),
                    MemoryMb(children[opsuite_child])});
  // Durable writes and the 80/20 mix, by opsuite-loadgen, against its own echo baseline.
  {
    const std::string suite_addr = absl::StrCat("127.0.0.1:", grpc_port);
    const std::vector<std::string> common = {
        absl::StrCat("--in_flight=", in_flight), absl::StrCat("--channels=", nchannels),
        absl::StrCat("--duration=", absl::GetFlag(FLAGS_seconds), "s"), "--warmup=1s"};
    auto args = [&](std::string addr, std::string mix) {
      std::vector<std::string> a = common;
      a.push_back("--addr=" + addr);
      a.push_back("--mix=" + mix);
      a.push_back("--jwt_secret=" + secret);
      a.push_back("--seed_employees=1000");
      return a;
    };
    double loadgen_echo = 0;
    int n = 0;
    for (const auto& [addr, mix] : std::vector<std::pair<std::string, std::string>>{
             {absl::StrCat("127.0.0.1:", echo_port), "Echo"},
             {suite_addr, "CreateCustomer"},
             {suite_addr, "RecordActual"},
             {suite_addr, "GetEmployee:80,CreateCustomer:20"}}) {
      fprintf(stderr, "opsuite-loadgen --mix=%s...\n", mix.c_str());
      auto got = RunLoadgen("loadgen ", args(addr, mix), (dir / absl::StrCat("loadgen", n, ".json")).string(),
                            (dir / absl::StrCat("loadgen", n, ".log")).string());
      ++n;
      if (!got) {
        cleanup();
        return 1;
      }
      for (Result& r : *got) {
        if (mix == "Echo") loadgen_echo = r.qps;
        r.baseline_qps = loadgen_echo;
        results.push_back(r);
      }
    }
  }
  // notify: events straight into the stream (as the outbox relays write them), each a
  // scheduler.reminder for one of the employees; timed until every notice is committed to the
  // inboxes (counted in notify's database). Then a steady 1,000 events/s for
  // --notify_seconds, each notice's latency from publish to commit.
  struct NotifyResult {
    int events = 0;
    double seconds = 0, events_per_s = 0;
    int latency_events = 0;
    double p50_ms = 0, p99_ms = 0;
  };
  std::optional<NotifyResult> notify_result;
  const int notify_events = absl::GetFlag(FLAGS_notify_events);
  if (notify_events > 0 && !ids.empty()) {
    namespace nv1 = opsuite::notify::v1;
    opsuite::redis::RedisOptions ro;
    ro.command_timeout = absl::Seconds(2);
    auto redis = opsuite::redis::RedisClient::Create(redis_url, ro);
    auto db = opsuite::storage::OpenSqlite({.path = (dir / "data" / "notify.db").string()});
    if (!redis.ok() || !db.ok()) {
      fprintf(stderr, "notify scenario: %s %s\n", redis.status().ToString().c_str(),
              db.status().ToString().c_str());
      cleanup();
      return 1;
    }
    opsuite::events::RedisStreamBus bus(*redis);
    auto make = [&](const std::string& id, int i) {
      opsuite::events::Event e;
      e.set_id(id);
      e.set_type("scheduler.reminder");
      e.set_org_id("bench");
      auto& f = *e.mutable_payload()->mutable_fields();
      f["text"].set_string_value(absl::StrCat("提醒 ", i));
      f["recipient_ids"].set_string_value(ids[i % ids.size()]);
      *e.mutable_occurred_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
      return e;
    };
    auto count = [&]() -> int64_t {
      int64_t n = -1;
      (void)(*db)->Read([&](opsuite::storage::Tx& tx) -> absl::Status {
        // Only the bench's events (scoring runs add notices of their own).
        auto rows = tx.Query("SELECT COUNT(*) FROM notices WHERE event_id LIKE 'evt_bench_%' OR "
                             "event_id LIKE 'evt_lat_%'",
                             {});
        if (rows.ok() && !rows->empty()) n = (*rows)[0].Int(0);
        return absl::OkStatus();
      });
      return n;
    };
    fprintf(stderr, "notify: %d events into inboxes...\n", notify_events);
    NotifyResult r;
    r.events = notify_events;
    const auto start = Clock::now();
    for (int i = 0; i < notify_events; i += 500) {
      std::vector<opsuite::events::Event> batch;
      for (int j = i; j < std::min(notify_events, i + 500); ++j) {
        batch.push_back(make(absl::StrCat("evt_bench_", j), j));
      }
      if (!bus.Publish(batch).ok()) fprintf(stderr, "publish failed\n");
    }
    while (count() < notify_events &&
           Clock::now() - start < std::chrono::seconds(300)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    r.events_per_s = notify_events / r.seconds;
    // Latency at a steady 1,000 events/s: 10 every 10 ms.
    const int seconds = absl::GetFlag(FLAGS_notify_seconds);
    std::map<std::string, absl::Time> sent;
    const auto steady = Clock::now();
    for (int tick = 0; tick < seconds * 100; ++tick) {
      std::vector<opsuite::events::Event> batch;
      for (int j = 0; j < 10; ++j) {
        const int i = tick * 10 + j;
        batch.push_back(make(absl::StrCat("evt_lat_", i), i));
        sent[batch.back().id()] = absl::Now();
      }
      (void)bus.Publish(batch);
      std::this_thread::sleep_until(steady + std::chrono::milliseconds(10 * (tick + 1)));
    }
    const int64_t want = notify_events + static_cast<int64_t>(sent.size());
    while (count() < want && Clock::now() - steady < std::chrono::seconds(120)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::vector<double> latencies;
    (void)(*db)->Read([&](opsuite::storage::Tx& tx) -> absl::Status {
      auto rows = tx.Query("SELECT event_id, body FROM notices WHERE event_id LIKE 'evt_lat_%'", {});
      if (!rows.ok()) return rows.status();
      for (const auto& row : *rows) {
        nv1::Notice n;
        auto it = sent.find(row.Text(0));
        if (it == sent.end() || !n.ParseFromString(row.Text(1))) continue;
        const absl::Time stored = absl::FromUnixNanos(
            google::protobuf::util::TimeUtil::TimestampToNanoseconds(n.create_time()));
        latencies.push_back(absl::ToDoubleMilliseconds(stored - it->second));
      }
      return absl::OkStatus();
    });
    std::sort(latencies.begin(), latencies.end());
    r.latency_events = static_cast<int>(latencies.size());
    if (!latencies.empty()) {
      r.p50_ms = latencies[latencies.size() / 2];
      r.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
    }
    fprintf(stderr, "notify: %d events in %.2f s (%.0f/s); at 1,000/s p50 %.1f ms p99 %.1f ms (%d)\n",
            r.events, r.seconds, r.events_per_s, r.p50_ms, r.p99_ms, r.latency_events);
    notify_result = r;
  }
  // scoring: one evaluation run per size over a department of that many employees, with a
  // six-item scheme reading crm sales and activity stats, report compliance and two earlier
  // months (the minimum rule). Departments nest, so the larger run covers the smaller one's
  // employees too and only the difference is created.
  struct ScoringResult {
    int subjects = 0, failed = 0;
    double seconds = 0;
    int64_t rpc_calls = 0;
    std::string state;
  };
  std::vector<ScoringResult> scoring;
  std::vector<int> sizes;
  for (absl::string_view part : absl::StrSplit(absl::GetFlag(FLAGS_scoring_subjects), ',',
                                               absl::SkipEmpty())) {
    int n = 0;
    if (absl::SimpleAtoi(part, &n) && n > 0) sizes.push_back(n);
  }
  std::sort(sizes.begin(), sizes.end());
  if (!sizes.empty()) {
    namespace sv1 = opsuite::scoring::v1;
    auto schemes = sv1::SchemeService::NewStub(suite_channels[0]);
    auto evaluations = sv1::EvaluationService::NewStub(suite_channels[0]);
    sv1::CreateSchemeRequest create;
    sv1::Scheme* scheme = create.mutable_scheme();
    scheme->set_name("bench monthly");
    scheme->set_subject_kind(sv1::SUBJECT_KIND_EMPLOYEE);
    scheme->set_cycle(sv1::CYCLE_MONTHLY);
    auto bands_item = [&](const char* code, const char* metric, double weight,
                          std::vector<double> bounds) {
      sv1::Item* item = scheme->add_items();
      item->set_code(code);
      item->set_name(code);
      item->set_weight(weight);
      item->mutable_bands()->set_metric(metric);
      for (size_t i = 0; i < bounds.size(); ++i) {
        sv1::Band* b = item->mutable_bands()->add_bands();
        b->set_min(bounds[i]);
        if (i + 1 < bounds.size()) b->set_max(bounds[i + 1]);
        b->set_points(60 + 20 * static_cast<double>(i));
      }
    };
    bands_item("signed_amount", "signed_amount", 40, {5e6, 1e7, 1.5e7});
    bands_item("effective_calls", "effective_calls", 30, {20, 40, 60});
    bands_item("visits", "visits", 30, {4, 8, 12});
    sv1::Item* minimum = scheme->add_items();
    minimum->set_code("signed_count");
    minimum->set_name("signed_count");
    minimum->mutable_minimum()->set_metric("signed_count");
    minimum->mutable_minimum()->set_min(1);
    minimum->mutable_minimum()->set_observe_after(2);
    minimum->mutable_minimum()->set_terminate_after(3);
    sv1::Item* penalty = scheme->add_items();
    penalty->set_code("daily_reports");
    penalty->set_name("daily_reports");
    penalty->mutable_penalty()->set_metric("daily_missing+daily_late");
    penalty->mutable_penalty()->add_tiers()->set_min_count(2);
    penalty->mutable_penalty()->mutable_tiers(0)->set_amount_each(2000);
    sv1::Item* commission = scheme->add_items();
    commission->set_code("commission");
    commission->set_name("commission");
    commission->mutable_commission()->add_rates()->set_product_line("*");
    commission->mutable_commission()->mutable_rates(0)->set_rate(0.03);
    sv1::Scheme created;
    {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", token);
      grpc::Status st = schemes->CreateScheme(&ctx, create, &created);
      if (!st.ok()) {
        fprintf(stderr, "CreateScheme: %s\n", st.error_message().c_str());
        cleanup();
        return 1;
      }
    }
    // Nested departments, the largest outermost.
    std::vector<std::string> depts(sizes.size());
    std::string parent;
    for (size_t i = sizes.size(); i-- > 0;) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", token);
      pv1::CreateDepartmentRequest req;
      req.mutable_department()->set_name(absl::StrCat("考核", sizes[i]));
      req.mutable_department()->set_parent_id(parent);
      pv1::Department d;
      if (!directory->CreateDepartment(&ctx, req, &d).ok()) return 1;
      depts[i] = parent = d.id();
    }
    for (size_t i = 0; i < sizes.size(); ++i) {
      const int add = sizes[i] - (i == 0 ? 0 : sizes[i - 1]);
      fprintf(stderr, "creating %d employees for the %d-subject run...\n", add, sizes[i]);
      std::vector<std::string> unused;
      create_employees(depts[i], add, &unused);
    }
    for (size_t i = 0; i < sizes.size(); ++i) {
      sv1::RunEvaluationRequest req;
      req.set_scheme_id(created.id());
      req.mutable_period()->set_granularity(opsuite::common::v1::GRANULARITY_MONTH);
      req.mutable_period()->set_start_date("2026-01-01");
      req.set_department_id(depts[i]);
      sv1::EvaluationRun run;
      const auto start = Clock::now();
      {
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", token);
        grpc::Status st = evaluations->RunEvaluation(&ctx, req, &run);
        if (!st.ok()) {
          fprintf(stderr, "RunEvaluation: %s\n", st.error_message().c_str());
          cleanup();
          return 1;
        }
      }
      for (;;) {
        absl::SleepFor(absl::Milliseconds(20));
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", token);
        sv1::GetEvaluationRunRequest get;
        get.set_id(run.id());
        if (!evaluations->GetEvaluationRun(&ctx, get, &run).ok()) continue;
        if (run.state() == opsuite::common::v1::RUN_STATE_SUCCEEDED ||
            run.state() == opsuite::common::v1::RUN_STATE_FAILED) {
          break;
        }
      }
      ScoringResult r;
      r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      r.subjects = run.total();
      r.failed = run.failed();
      r.rpc_calls = run.rpc_calls();
      r.state = opsuite::common::v1::RunState_Name(run.state());
      fprintf(stderr, "run over %d subjects: %.2f s, %lld calls, %s (%s)\n", r.subjects,
              r.seconds, static_cast<long long>(r.rpc_calls), r.state.c_str(), run.error().c_str());
      scoring.push_back(r);
    }
  }
  memory.push_back({"at the end", MemoryMb(children[opsuite_child])});
  cleanup();

  double echo_qps = results[0].qps;
  printf("\n%d in flight, %d channels, client and servers on this machine (%u cores)\n\n",
         in_flight, nchannels, std::thread::hardware_concurrency());
  printf("| scenario | calls | errors | QPS | p50 ms | p90 ms | p99 ms | p99.9 ms | vs echo | echo QPS |\n");
  printf("|---|---|---|---|---|---|---|---|---|---|\n");
  nlohmann::json out = nlohmann::json::array();
  for (const Result& r : results) {
    const double base = r.baseline_qps > 0 ? r.baseline_qps : echo_qps;
    printf("| %s | %llu | %llu | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f%% | %.0f |\n",
           r.name.c_str(), static_cast<unsigned long long>(r.calls),
           static_cast<unsigned long long>(r.errors), r.qps, r.p50_ms, r.p90_ms, r.p99_ms,
           r.p999_ms, 100.0 * r.qps / base, base);
    out.push_back({{"scenario", r.name}, {"calls", r.calls}, {"errors", r.errors},
                   {"qps", r.qps}, {"p50_ms", r.p50_ms}, {"p90_ms", r.p90_ms},
                   {"p99_ms", r.p99_ms}, {"p999_ms", r.p999_ms},
                   {"ratio_to_echo", r.qps / base}, {"echo_qps", base}});
  }
  printf("\n(loadgen rows: opsuite-loadgen in its own process; their %% is of its Echo row)\n");
  nlohmann::json memory_json = nlohmann::json::array();
  printf("\n| opsuite memory | RSS MB | peak RSS MB |\n|---|---|---|\n");
  for (const auto& [when, mb] : memory) {
    printf("| %s | %.0f | %.0f |\n", when.c_str(), mb.first, mb.second);
    memory_json.push_back({{"when", when}, {"rss_mb", mb.first}, {"peak_rss_mb", mb.second}});
  }
  const Result* grpc_get = nullptr;
  const Result* rest_get = nullptr;
  for (const Result& r : results) {
    if (r.name == "GetCustomer hit") grpc_get = &r;
    if (r.name == "REST GetCustomer (gateway)") rest_get = &r;
  }
  if (grpc_get != nullptr && rest_get != nullptr && grpc_get->qps > 0) {
    printf("\nREST GetCustomer through the gateway: %.0f%% of direct gRPC GetCustomer (bar: 40%%)\n",
           100.0 * rest_get->qps / grpc_get->qps);
  }
  nlohmann::json runs = nlohmann::json::array();
  if (!scoring.empty()) {
    printf("\n| evaluation run (6-item scheme) | subjects | failed | seconds | subjects/s | input RPCs |\n");
    printf("|---|---|---|---|---|---|\n");
  }
  for (const ScoringResult& r : scoring) {
    printf("| RunEvaluation %s | %d | %d | %.2f | %.0f | %lld |\n", r.state.c_str(), r.subjects,
           r.failed, r.seconds, r.subjects / r.seconds, static_cast<long long>(r.rpc_calls));
    runs.push_back({{"subjects", r.subjects}, {"failed", r.failed}, {"seconds", r.seconds},
                    {"rpc_calls", r.rpc_calls}, {"state", r.state}});
  }
  nlohmann::json notify_json = nullptr;
  if (notify_result) {
    const NotifyResult& r = *notify_result;
    printf("\n| notify | events | seconds | events/s | latency events | p50 ms | p99 ms |\n");
    printf("|---|---|---|---|---|---|---|\n");
    printf("| %d events → inboxes, then 1,000/s | %d | %.2f | %.0f | %d | %.1f | %.1f |\n", r.events,
           r.events, r.seconds, r.events_per_s, r.latency_events, r.p50_ms, r.p99_ms);
    notify_json = {{"events", r.events}, {"seconds", r.seconds}, {"events_per_s", r.events_per_s},
                   {"latency_events", r.latency_events}, {"p50_ms", r.p50_ms}, {"p99_ms", r.p99_ms}};
  }
  if (!absl::GetFlag(FLAGS_json).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_json))
        << nlohmann::json{{"in_flight", in_flight}, {"channels", nchannels}, {"results", out},
                          {"evaluation_runs", runs}, {"notify", notify_json},
                          {"memory", memory_json}}
               .dump(2)
        << "\n";
  }
  int errors = 0;
  for (const ScoringResult& r : scoring) errors += r.state != "RUN_STATE_SUCCEEDED" || r.failed > 0;
  for (const Result& r : results) errors += r.errors;
  return errors == 0 ? 0 : 1;
}
