// opsuite-loadgen: an asynchronous gRPC load client (callback API) for opsuite and the bare
// echo server. Keeps --in_flight calls going over --channels channels for --warmup (not
// counted) and then --duration, each call an operation drawn from --mix by weight, and prints
// QPS, p50/p90/p99/p99.9/max latency and errors by status code, per operation and in all
// (also as JSON with --json).
//
//   opsuite-loadgen --addr=127.0.0.1:50051 --jwt_secret=... --mix=GetEmployee:80,CreateCustomer:20
//   opsuite-loadgen --addr=127.0.0.1:50052 --mix=Echo            # against opsuite-echo
//
// Operations: Echo (--payload_bytes), GetEmployee and RecordActual (over --seed_employees
// employees it creates first), GetCustomer and ListCustomers (over --seed_customers customers
// it imports first; the list is a name search, 20 a page), CreateCustomer (a new customer a
// call: a durable write). Every flag can also be set as OPSUITE_<FLAG>.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/jwt.h"
#include "common/config.h"
#include "grpcpp/grpcpp.h"
#include "opsuite/crm/v1/customer.grpc.pb.h"
#include "opsuite/echo/v1/echo.grpc.pb.h"
#include "opsuite/planning/v1/directory.grpc.pb.h"
#include "opsuite/planning/v1/target.grpc.pb.h"
#include "tools/loadgen/load.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:50051", "server address host:port");
ABSL_FLAG(std::string, mix, "GetEmployee",
          "operations and weights: Op:weight,... (Echo, GetEmployee, GetCustomer, ListCustomers, "
          "CreateCustomer, RecordActual)");
ABSL_FLAG(int, channels, 4, "gRPC channels (each its own connection)");
ABSL_FLAG(int, in_flight, 64, "calls kept in flight");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "measured time");
ABSL_FLAG(double, qps, 0,
          "calls a second, paced evenly (open loop, at most --in_flight at once); 0: each slot "
          "issues its next call as soon as the last one ends");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "load before the measured time, not counted");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of each call");
ABSL_FLAG(std::string, token, "", "bearer token to send");
ABSL_FLAG(std::string, jwt_secret, "", "without --token: mint one with this HS256 key");
ABSL_FLAG(std::string, as, "loadgen-admin:loadgen:admin",
          "sub:org:roles of the minted token (the org the load runs in)");
ABSL_FLAG(int, seed_employees, 1000, "employees created for GetEmployee and RecordActual");
ABSL_FLAG(int, seed_customers, 1000, "customers imported for GetCustomer and ListCustomers");
ABSL_FLAG(int, payload_bytes, 100, "Echo payload size");
ABSL_FLAG(std::string, json, "", "also write the results here as JSON");

namespace opsuite::loadgen {
namespace {

namespace pv1 = ::opsuite::planning::v1;
namespace cv1 = ::opsuite::crm::v1;
namespace ev1 = ::opsuite::echo::v1;
using SteadyClock = std::chrono::steady_clock;
using Done = std::function<void(const grpc::Status&)>;

int Fail(const std::string& message) {
  fprintf(stderr, "opsuite-loadgen: %s\n", message.c_str());
  return 2;
}

bool Uses(const std::vector<MixEntry>& mix, std::initializer_list<const char*> ops) {
  for (const MixEntry& e : mix) {
    for (const char* op : ops) {
      if (e.op == op) return true;
    }
  }
  return false;
}

// Everything a call needs after it was issued: freed when it completes.
template <class Req, class Resp>
struct Pending {
  grpc::ClientContext ctx;
  Req req;
  Resp resp;
};

class Load {
 public:
  Load(std::vector<MixEntry> mix, std::string auth) : mix_(std::move(mix)), auth_(std::move(auth)) {
    grpc::ChannelArguments args;
    for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
      args.SetInt("opsuite.loadgen.channel", i);  // distinct connections, not one shared
      auto ch = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_addr),
                                          grpc::InsecureChannelCredentials(), args);
      channels_.push_back(ch);
      echo_.push_back(ev1::EchoService::NewStub(ch));
      directory_.push_back(pv1::DirectoryService::NewStub(ch));
      targets_.push_back(pv1::TargetService::NewStub(ch));
      customers_.push_back(cv1::CustomerService::NewStub(ch));
    }
    payload_ = std::string(static_cast<size_t>(absl::GetFlag(FLAGS_payload_bytes)), 'x');
    absl::TimeZone shanghai;
    absl::LoadTimeZone("Asia/Shanghai", &shanghai);
    today_ = absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), shanghai));
  }

  absl::Status Connect() {
    if (!channels_[0]->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      return absl::UnavailableError(absl::StrCat("cannot connect to ", absl::GetFlag(FLAGS_addr)));
    }
    return absl::OkStatus();
  }

  // Creates what the mix reads: employees (in a department of their own) and customers.
  absl::Status Seed() {
    if (Uses(mix_, {"GetEmployee", "RecordActual"})) {
      int n = absl::GetFlag(FLAGS_seed_employees);
      fprintf(stderr, "creating %d employees...\n", n);
      pv1::CreateDepartmentRequest dreq;
      dreq.mutable_department()->set_name(absl::StrCat("loadgen ", getpid()));
      pv1::Department dept;
      grpc::ClientContext dctx;
      Prepare(&dctx);
      grpc::Status s = directory_[0]->CreateDepartment(&dctx, dreq, &dept);
      if (!s.ok()) return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                                       absl::StrCat("CreateDepartment: ", s.error_message()));
      employees_.assign(static_cast<size_t>(n), "");
      std::atomic<int> next{0};
      std::atomic<bool> failed{false};
      std::string error;
      std::vector<std::thread> threads;
      for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
          for (int i = next.fetch_add(1); i < n && !failed; i = next.fetch_add(1)) {
            pv1::CreateEmployeeRequest req;
            req.mutable_employee()->set_name(absl::StrCat("员工", i));
            req.mutable_employee()->set_department_id(dept.id());
            req.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
            pv1::Employee e;
            grpc::ClientContext ctx;
            Prepare(&ctx);
            grpc::Status st = directory_[t % directory_.size()]->CreateEmployee(&ctx, req, &e);
            if (!st.ok()) {
              if (!failed.exchange(true)) error = st.error_message();
              return;
            }
            employees_[static_cast<size_t>(i)] = e.id();
          }
        });
      }
      for (auto& t : threads) t.join();
      if (failed) return absl::InternalError(absl::StrCat("CreateEmployee: ", error));
    }
    if (Uses(mix_, {"GetCustomer", "ListCustomers"})) {
      int n = absl::GetFlag(FLAGS_seed_customers);
      fprintf(stderr, "importing %d customers...\n", n);
      for (int start = 0; start < n; start += 1000) {
        cv1::ImportCustomersRequest req;
        for (int i = start; i < std::min(n, start + 1000); ++i) {
          cv1::Customer* c = req.add_customers();
          c->set_name(absl::StrCat("压测", getpid(), "客户", i));
          c->mutable_region()->set_province("广东");
          c->mutable_region()->set_city("广州");
        }
        cv1::ImportCustomersResponse resp;
        grpc::ClientContext ctx;
        Prepare(&ctx);
        grpc::Status s = customers_[0]->ImportCustomers(&ctx, req, &resp);
        if (!s.ok()) return absl::InternalError(absl::StrCat("ImportCustomers: ", s.error_message()));
        if (resp.errors_size() > 0) {
          return absl::InternalError(absl::StrCat("ImportCustomers: row ", resp.errors(0).row(), ": ",
                                                  resp.errors(0).field(), " ", resp.errors(0).reason()));
        }
        customers_ids_.insert(customers_ids_.end(), resp.created_ids().begin(), resp.created_ids().end());
      }
    }
    return absl::OkStatus();
  }

  // Runs the warm-up and the measured time; returns the summaries.
  std::vector<Summary> Run() {
    const int in_flight = absl::GetFlag(FLAGS_in_flight);
    const absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
    const absl::Duration duration = absl::GetFlag(FLAGS_duration);
    Picker picker(mix_);
    slots_.assign(static_cast<size_t>(in_flight), Recorder(mix_.size()));
    const SteadyClock::time_point begin = SteadyClock::now();
    measure_from_ = begin + absl::ToChronoNanoseconds(warmup);
    measure_to_ = measure_from_ + absl::ToChronoNanoseconds(duration);
    active_ = in_flight;
    fprintf(stderr, "%d in flight over %zu channels: %s warm-up, then %s measured...\n", in_flight,
            channels_.size(), absl::FormatDuration(warmup).c_str(),
            absl::FormatDuration(duration).c_str());
    for (int slot = 0; slot < in_flight; ++slot) {
      rngs_.emplace_back(std::make_unique<absl::BitGen>());
    }
    std::thread pacer;
    if (qps_ > 0) pacer = std::thread([this, &picker] { Pace(picker); });
    for (int slot = 0; slot < in_flight; ++slot) Next(slot, picker);
    done_.WaitForNotification();
    if (pacer.joinable()) {
      pacer.join();
      absl::MutexLock lock(&pace_mu_);
      if (late_ > 0) {
        fprintf(stderr, "%lld calls went late: no slot was free at their time (raise --in_flight, or the server is slower than --qps)\n",
                static_cast<long long>(late_));
      }
    }
    double seconds = std::chrono::duration<double>(measure_to_ - measure_from_).count();
    std::vector<std::string> names;
    for (const MixEntry& e : mix_) names.push_back(e.op);
    return Recorder::Merge(slots_).Summarize(names, seconds);
  }

 private:
  void Prepare(grpc::ClientContext* ctx) const {
    if (!auth_.empty()) ctx->AddMetadata("authorization", auth_);
    ctx->set_deadline(std::chrono::system_clock::now() +
                      absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_timeout)));
  }

  // With --qps: issues calls on an even schedule, each on a slot that is free. A call that
  // finds no free slot at its time goes as soon as one frees (counted in `late_`).
  void Pace(const Picker& picker) {
    const auto interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / qps_));
    SteadyClock::time_point next = SteadyClock::now();
    for (;;) {
      std::this_thread::sleep_until(next);
      int slot = -1;
      {
        absl::MutexLock lock(&pace_mu_);
        if (free_.empty()) ++late_;
        pace_mu_.Await(absl::Condition(
            +[](std::vector<int>* f) { return !f->empty(); }, &free_));
        slot = free_.back();
        free_.pop_back();
      }
      next += interval;
      if (slot < 0) return;  // the end: every slot retired
      Launch(slot, picker, SteadyClock::now());
    }
  }

  // The slot is free: without --qps issues its next call at once, with --qps hands it to the
  // pacer; retires the slot once the measured time is over.
  void Next(int slot, const Picker& picker) {
    const SteadyClock::time_point start = SteadyClock::now();
    if (start >= measure_to_) {
      if (active_.fetch_sub(1) == 1) {
        if (qps_ > 0) {
          absl::MutexLock lock(&pace_mu_);
          free_.push_back(-1);  // wakes the pacer to stop
        }
        done_.Notify();
      }
      return;
    }
    if (qps_ > 0) {
      absl::MutexLock lock(&pace_mu_);
      free_.push_back(slot);
      return;
    }
    Launch(slot, picker, start);
  }

  void Launch(int slot, const Picker& picker, SteadyClock::time_point start) {
    if (start >= measure_to_) {
      Next(slot, picker);  // retires it
      return;
    }
    absl::BitGen& rng = *rngs_[static_cast<size_t>(slot)];
    const size_t op = picker.Pick(absl::Uniform<uint64_t>(rng));
    Done done = [this, slot, op, start, &picker](const grpc::Status& status) {
      const SteadyClock::time_point end = SteadyClock::now();
      if (start >= measure_from_ && end <= measure_to_) {
        slots_[static_cast<size_t>(slot)].Record(
            op, std::chrono::duration<double, std::milli>(end - start).count(),
            StatusName(status.error_code()));
      }
      Next(slot, picker);
    };
    Issue(mix_[op].op, static_cast<size_t>(slot) % channels_.size(), rng, std::move(done));
  }

  static std::string StatusName(grpc::StatusCode code) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  }

  template <class T>
  const std::string& Any(const std::vector<T>& ids, absl::BitGen& rng) const {
    return ids[absl::Uniform<size_t>(rng, 0, ids.size())];
  }

  void Issue(const std::string& op, size_t ch, absl::BitGen& rng, Done done) {
    if (op == "Echo") {
      auto* p = new Pending<ev1::EchoRequest, ev1::EchoResponse>;
      p->req.set_payload(payload_);
      Prepare(&p->ctx);
      echo_[ch]->async()->Echo(&p->ctx, &p->req, &p->resp, [p, done](grpc::Status s) {
        done(s);
        delete p;
      });
    } else if (op == "GetEmployee") {
      auto* p = new Pending<pv1::GetEmployeeRequest, pv1::Employee>;
      p->req.set_id(Any(employees_, rng));
      Prepare(&p->ctx);
      directory_[ch]->async()->GetEmployee(&p->ctx, &p->req, &p->resp, [p, done](grpc::Status s) {
        done(s);
        delete p;
      });
    } else if (op == "RecordActual") {
      auto* p = new Pending<pv1::RecordActualRequest, pv1::Actual>;
      p->req.mutable_owner()->set_kind(pv1::OWNER_KIND_EMPLOYEE);
      p->req.mutable_owner()->set_id(Any(employees_, rng));
      p->req.set_metric("sales");
      p->req.set_date(today_);
      p->req.set_value(absl::Uniform<int64_t>(rng, 1, 100000));
      p->req.set_request_id(absl::StrCat("loadgen-", getpid(), "-", sequence_.fetch_add(1)));
      Prepare(&p->ctx);
      targets_[ch]->async()->RecordActual(&p->ctx, &p->req, &p->resp, [p, done](grpc::Status s) {
        done(s);
        delete p;
      });
    } else if (op == "GetCustomer") {
      auto* p = new Pending<cv1::GetCustomerRequest, cv1::Customer>;
      p->req.set_id(Any(customers_ids_, rng));
      Prepare(&p->ctx);
      customers_[ch]->async()->GetCustomer(&p->ctx, &p->req, &p->resp, [p, done](grpc::Status s) {
        done(s);
        delete p;
      });
    } else if (op == "ListCustomers") {
      auto* p = new Pending<cv1::ListCustomersRequest, cv1::ListCustomersResponse>;
      p->req.set_query(absl::StrCat("客户", absl::Uniform<int>(rng, 0, 10)));
      p->req.set_page_size(20);
      Prepare(&p->ctx);
      customers_[ch]->async()->ListCustomers(&p->ctx, &p->req, &p->resp, [p, done](grpc::Status s) {
        done(s);
        delete p;
      });
    } else {  // CreateCustomer
      auto* p = new Pending<cv1::CreateCustomerRequest, cv1::Customer>;
      uint64_t n = sequence_.fetch_add(1);
      p->req.mutable_customer()->set_name(absl::StrCat("压测新客户", getpid(), "-", n));
      p->req.mutable_customer()->mutable_region()->set_province("广东");
      p->req.mutable_customer()->mutable_region()->set_city("深圳");
      p->req.set_request_id(absl::StrCat("loadgen-", getpid(), "-", n));
      Prepare(&p->ctx);
      customers_[ch]->async()->CreateCustomer(&p->ctx, &p->req, &p->resp, [p, done](grpc::Status s) {
        done(s);
        delete p;
      });
    }
  }

  const std::vector<MixEntry> mix_;
  const std::string auth_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<ev1::EchoService::Stub>> echo_;
  std::vector<std::unique_ptr<pv1::DirectoryService::Stub>> directory_;
  std::vector<std::unique_ptr<pv1::TargetService::Stub>> targets_;
  std::vector<std::unique_ptr<cv1::CustomerService::Stub>> customers_;
  std::string payload_, today_;
  std::vector<std::string> employees_, customers_ids_;
  std::vector<Recorder> slots_;  // one per call slot: a slot has one call at a time
  std::vector<std::unique_ptr<absl::BitGen>> rngs_;
  std::atomic<uint64_t> sequence_{0};
  std::atomic<int> active_{0};
  const double qps_ = absl::GetFlag(FLAGS_qps);
  absl::Mutex pace_mu_;
  std::vector<int> free_ ABSL_GUARDED_BY(pace_mu_);  // slots waiting for the pacer; -1: stop
  int64_t late_ ABSL_GUARDED_BY(pace_mu_) = 0;
  SteadyClock::time_point measure_from_, measure_to_;
  absl::Notification done_;
};

int Main() {
  auto mix = ParseMix(absl::GetFlag(FLAGS_mix), KnownOps());
  if (!mix.ok()) return Fail(std::string(mix.status().message()));
  if (absl::GetFlag(FLAGS_in_flight) < 1 || absl::GetFlag(FLAGS_channels) < 1) {
    return Fail("--in_flight and --channels must be at least 1");
  }
  if (absl::GetFlag(FLAGS_duration) <= absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_warmup) < absl::ZeroDuration()) {
    return Fail("--duration must be positive and --warmup not negative");
  }
  if (Uses(*mix, {"GetEmployee", "RecordActual"}) && absl::GetFlag(FLAGS_seed_employees) < 1) {
    return Fail("GetEmployee and RecordActual need --seed_employees of at least 1");
  }
  if (Uses(*mix, {"GetCustomer", "ListCustomers"}) && absl::GetFlag(FLAGS_seed_customers) < 1) {
    return Fail("GetCustomer and ListCustomers need --seed_customers of at least 1");
  }
  std::string auth;
  if (!absl::GetFlag(FLAGS_token).empty()) {
    auth = "Bearer " + absl::GetFlag(FLAGS_token);
  } else if (!absl::GetFlag(FLAGS_jwt_secret).empty()) {
    std::vector<std::string> who = absl::StrSplit(absl::GetFlag(FLAGS_as), absl::MaxSplits(':', 2));
    if (who.size() != 3 || who[0].empty() || who[1].empty()) {
      return Fail("--as must be sub:org:roles, e.g. loadgen-admin:loadgen:admin");
    }
    auth::Claims claims{who[0], who[1], absl::StrSplit(who[2], ',', absl::SkipEmpty())};
    auth = "Bearer " + auth::MintJwt(claims, {"", absl::GetFlag(FLAGS_jwt_secret)}, absl::Now(),
                                     absl::Now() + absl::Hours(12));
  } else if (!(mix->size() == 1 && (*mix)[0].op == "Echo")) {
    return Fail("give --token or --jwt_secret (only Echo needs neither)");
  }

  Load load(*mix, auth);
  if (absl::Status s = load.Connect(); !s.ok()) return Fail(std::string(s.message()));
  if (absl::Status s = load.Seed(); !s.ok()) return Fail(std::string(s.message()));
  std::vector<Summary> summaries = load.Run();
  printf("%s", ToTable(summaries).c_str());
  if (std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    nlohmann::json out = {{"addr", absl::GetFlag(FLAGS_addr)},
                          {"mix", absl::GetFlag(FLAGS_mix)},
                          {"channels", absl::GetFlag(FLAGS_channels)},
                          {"in_flight", absl::GetFlag(FLAGS_in_flight)},
                          {"warmup_s", absl::ToDoubleSeconds(absl::GetFlag(FLAGS_warmup))},
                          {"duration_s", absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration))},
                          {"results", ToJson(summaries)}};
    std::ofstream(path) << out.dump(2) << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace opsuite::loadgen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "an asynchronous gRPC load client for opsuite (see tools/loadgen/main.cc)");
  opsuite::ParseFlagsWithEnv(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  return opsuite::loadgen::Main();
}
