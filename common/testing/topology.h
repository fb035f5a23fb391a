// Test helper: the suite as separate processes on loopback, one per service (the
// `opsuite-<module>` binaries), as a cluster runs it: planning, crm and scoring once, notify
// and the scheduler twice, the gateway; all on one PostgreSQL database and one Redis, peers
// named by --peers, the time from a shared clock file (--fake_clock_file) when one is given.
// Every process logs to <dir>/<name>.log; Stop() sends SIGTERM and expects each to exit 0.
//
//   TopologyOptions o{.bin_dir = "build", .dir = "/tmp/t", .db_url = pg_url,
//                     .redis_url = redis->url(), .jwt_secret = "s"};
//   auto topo = Topology::Start(o);           // waits until every process is ready
//   auto ch = grpc::CreateChannel((*topo)->Address("crm"), ...);
//   (*topo)->Address("notify", 1);             // the second notify replica
//   ASSERT_TRUE((*topo)->Stop().ok());          // SIGTERM, drain, exit 0
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opsuite::testing {

struct TopologyOptions {
  std::string bin_dir;  // the build directory: services/<module>/opsuite-<module>
  std::string dir;      // logs and each process's --data_dir
  std::string db_url;   // postgres://... shared by every process (a schema per module)
  std::string redis_url;
  std::string jwt_secret;
  std::string clock_file;  // --fake_clock_file for every process; empty: real time
  // Replaces the address every process is given for a module (e.g. a dead port).
  std::map<std::string, std::string> peer_overrides;
  std::map<std::string, int> replicas = {{"planning", 1}, {"crm", 1},       {"scoring", 1},
                                         {"notify", 2},   {"scheduler", 2}, {"gateway", 1}};
  // More flags for the processes of a module, e.g. {"notify", {"--smtp_addr=127.0.0.1:2525"}}.
  std::map<std::string, std::vector<std::string>> extra_flags;
  std::string web_dir;  // the gateway's --web_dir
  // Where ports come from (FreePort by default); tests hand out a taken one.
  std::function<int()> free_port;
  std::string log_level = "info";  // the "opsuite ready" line is how readiness is seen
  absl::Duration ready_timeout = absl::Seconds(30);
};

class Topology {
 public:
  // The backend modules in start order, then the gateway.
  static const std::vector<std::string>& Modules();

  // Retries on fresh ports (up to 3 times) when a port chosen for a process was taken before
  // it could bind it.
  static absl::StatusOr<std::unique_ptr<Topology>> Start(TopologyOptions options);
  ~Topology();  // kills what is still running
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // "127.0.0.1:<port>" of replica `replica` of `module` (gRPC; the gateway's too).
  std::string Address(const std::string& module, int replica = 0) const;
  int Replicas(const std::string& module) const;
  // The process id of a replica (-1 while it is down), e.g. to SIGSTOP / SIGCONT it.
  pid_t Pid(const std::string& module, int replica = 0) const;
  // The gateway's HTTP port (0 without a gateway).
  int http_port() const { return http_port_; }
  // Starts one more replica of `module`; returns its address.
  absl::StatusOr<std::string> AddReplica(const std::string& module);
  // Sends `signal` (SIGKILL by default: a crash, nothing drained) to replica `replica` of
  // `module` and reaps it; returns its exit status as StopChild does (128 + 9 after SIGKILL).
  // The process stays in the topology, down, until Restart.
  absl::StatusOr<int> Kill(const std::string& module, int replica = 0, int signal = SIGKILL);
  // Starts replica `replica` of `module` again (killing it first if it still runs) on the same
  // port, data dir and flags, and waits until it is ready; its log is appended to.
  absl::Status Restart(const std::string& module, int replica = 0);
  // SIGTERM to every process, then waits up to `grace` each; an error names each process that
  // did not exit 0 (with the end of its log).
  absl::Status Stop(absl::Duration grace = absl::Seconds(10));
  // One line per process: name, pid, address, log file.
  std::string Describe() const;

 private:
  struct Process {
    std::string module;
    std::string name;  // notify-1
    int port = 0;
    pid_t pid = -1;
    std::string log;
    size_t log_offset = 0;  // where this run's lines start (a restart appends to the log)
  };
  explicit Topology(TopologyOptions options) : options_(std::move(options)) {}
  absl::Status StartAll();
  absl::StatusOr<Process> Spawn(const std::string& module, int index, int port) const;
  absl::Status WaitReady(const Process& p) const;
  std::string PeersFor(const std::string& module) const;

  TopologyOptions options_;
  std::map<std::string, std::vector<Process>> processes_;
  std::map<std::string, int> planned_ports_;  // replica 0 of each module, known before start
  int http_port_ = 0;
};

}  // namespace opsuite::testing
