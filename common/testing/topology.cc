#include "common/testing/topology.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/ports.h"
#include "common/status.h"
#include "common/testing/child_process.h"

namespace opsuite::testing {

const std::vector<std::string>& Topology::Modules() {
  static const auto* modules = new std::vector<std::string>{
      "planning", "crm", "scoring", "notify", "scheduler", "gateway"};
  return *modules;
}

absl::StatusOr<std::unique_ptr<Topology>> Topology::Start(TopologyOptions options) {
  if (options.bin_dir.empty() || options.dir.empty() || options.jwt_secret.empty()) {
    return absl::InvalidArgumentError("Topology: bin_dir, dir and jwt_secret are required");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("Topology: mkdir ", options.dir, ": ", ec.message()));
  // Ports come from FreePort(): free a moment ago, but an outgoing connection may take one
  // before the process binds it ("cannot listen on ..."). Then everything starts again on
  // fresh ports.
  if (!options.free_port) options.free_port = FreePort;
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<Topology> t(new Topology(options));
    last = t->StartAll();
    if (last.ok()) return t;
    (void)t->Stop(absl::Seconds(2));
    if (!absl::StrContains(last.message(), "cannot listen on")) return last;
  }
  return last;
}

absl::Status Topology::StartAll() {
  // Every process is told where the others are when it starts, so the ports of the first
  // replicas are chosen up front; the processes then start side by side.
  for (const std::string& m : Modules()) {
    if (options_.replicas[m] > 0) planned_ports_[m] = options_.free_port();
  }
  if (options_.replicas["gateway"] > 0) http_port_ = options_.free_port();
  for (const std::string& m : Modules()) {
    for (int i = 0; i < options_.replicas[m]; ++i) {
      int port = i == 0 ? planned_ports_[m] : options_.free_port();
      ASSIGN_OR_RETURN(Process p, Spawn(m, i, port));
      processes_[m].push_back(std::move(p));
    }
  }
  for (auto& [m, list] : processes_) {
    for (const Process& p : list) RETURN_IF_ERROR(WaitReady(p));
  }
  return absl::OkStatus();
}

Topology::~Topology() {
  for (auto& [m, list] : processes_) {
    for (Process& p : list) {
      if (p.pid > 0) StopChild(p.pid, SIGKILL, absl::Seconds(5));
      p.pid = -1;
    }
  }
}

std::string Topology::PeersFor(const std::string& module) const {
  std::vector<std::string> peers;
  for (const auto& [m, port] : planned_ports_) {
    if (m == module || m == "gateway") continue;
    auto override = options_.peer_overrides.find(m);
    peers.push_back(absl::StrCat(m, "=",
                                 override != options_.peer_overrides.end()
                                     ? override->second
                                     : absl::StrCat("127.0.0.1:", port)));
  }
  return absl::StrJoin(peers, ",");
}

absl::StatusOr<Topology::Process> Topology::Spawn(const std::string& module, int index,
                                                  int port) const {
  Process p;
  p.module = module;
  p.name = absl::StrCat(module, "-", index + 1);
  p.port = port;
  p.log = absl::StrCat(options_.dir, "/", p.name, ".log");
  std::string binary = absl::StrCat(options_.bin_dir, "/services/", module, "/opsuite-", module);
  if (!std::filesystem::exists(binary)) {
    return absl::NotFoundError(absl::StrCat("Topology: no ", binary, " (build it first)"));
  }
  std::vector<std::string> args = {
      binary,
      absl::StrCat("--grpc_addr=127.0.0.1:", port),
      absl::StrCat("--data_dir=", options_.dir, "/", p.name),
      absl::StrCat("--jwt_secret=", options_.jwt_secret),
      absl::StrCat("--log_level=", options_.log_level),
      absl::StrCat("--peers=", PeersFor(module)),
      "--workers=4",
  };
  if (!options_.db_url.empty()) args.push_back(absl::StrCat("--db=", options_.db_url));
  if (!options_.redis_url.empty()) args.push_back(absl::StrCat("--redis=", options_.redis_url));
  if (!options_.clock_file.empty()) {
    args.push_back(absl::StrCat("--fake_clock_file=", options_.clock_file));
  }
  if (module == "gateway") {
    args.push_back(absl::StrCat("--http_addr=127.0.0.1:", index == 0 ? http_port_ : options_.free_port()));
    args.push_back(absl::StrCat("--web_dir=", options_.web_dir));
  }
  if (auto extra = options_.extra_flags.find(module); extra != options_.extra_flags.end()) {
    args.insert(args.end(), extra->second.begin(), extra->second.end());
  }
  std::error_code ec;
  if (std::filesystem::exists(p.log, ec)) p.log_offset = std::filesystem::file_size(p.log, ec);
  ASSIGN_OR_RETURN(p.pid, SpawnChild(args, p.log));
  return p;
}

absl::Status Topology::WaitReady(const Process& p) const {
  absl::Time deadline = absl::Now() + options_.ready_timeout;
  while (absl::Now() < deadline) {
    std::ifstream in(p.log);
    in.seekg(static_cast<std::streamoff>(p.log_offset));
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find("\"msg\":\"opsuite ready\"") != std::string::npos) return absl::OkStatus();
    int status = 0;
    if (ChildEnded(p.pid, &status)) {
      return absl::UnavailableError(absl::StrCat(p.name, " exited at start (status ", status,
                                                 "); its log ", p.log, ":\n", ReadTail(p.log)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError(absl::StrCat(p.name, " was not ready within ",
                                                  absl::FormatDuration(options_.ready_timeout),
                                                  "; its log ", p.log, ":\n", ReadTail(p.log)));
}

std::string Topology::Address(const std::string& module, int replica) const {
  auto it = processes_.find(module);
  if (it == processes_.end() || replica >= static_cast<int>(it->second.size())) return "";
  return absl::StrCat("127.0.0.1:", it->second[replica].port);
}

int Topology::Replicas(const std::string& module) const {
  auto it = processes_.find(module);
  return it == processes_.end() ? 0 : static_cast<int>(it->second.size());
}

pid_t Topology::Pid(const std::string& module, int replica) const {
  auto it = processes_.find(module);
  if (it == processes_.end() || replica < 0 || replica >= static_cast<int>(it->second.size())) return -1;
  return it->second[replica].pid;
}

absl::StatusOr<std::string> Topology::AddReplica(const std::string& module) {
  int index = Replicas(module);
  if (index == 0) planned_ports_[module] = options_.free_port();
  ASSIGN_OR_RETURN(Process p, Spawn(module, index, index == 0 ? planned_ports_[module] : options_.free_port()));
  processes_[module].push_back(p);
  RETURN_IF_ERROR(WaitReady(p));
  return Address(module, index);
}

absl::StatusOr<int> Topology::Kill(const std::string& module, int replica, int signal) {
  auto it = processes_.find(module);
  if (it == processes_.end() || replica < 0 || replica >= static_cast<int>(it->second.size())) {
    return absl::NotFoundError(absl::StrCat("Topology: no replica ", replica, " of ", module));
  }
  Process& p = it->second[replica];
  if (p.pid <= 0) return absl::FailedPreconditionError(absl::StrCat(p.name, " is not running"));
  int status = StopChild(p.pid, signal, absl::Seconds(10));
  p.pid = -1;
  return status;
}

absl::Status Topology::Restart(const std::string& module, int replica) {
  auto it = processes_.find(module);
  if (it == processes_.end() || replica < 0 || replica >= static_cast<int>(it->second.size())) {
    return absl::NotFoundError(absl::StrCat("Topology: no replica ", replica, " of ", module));
  }
  Process& old = it->second[replica];
  if (old.pid > 0) StopChild(old.pid, SIGKILL, absl::Seconds(5));
  old.pid = -1;
  // The same port: the peers were told it at start, and clients' channels reconnect to it.
  ASSIGN_OR_RETURN(Process p, Spawn(module, replica, old.port));
  it->second[replica] = p;
  return WaitReady(p);
}

absl::Status Topology::Stop(absl::Duration grace) {
  for (auto& [m, list] : processes_) {
    for (Process& p : list) {
      if (p.pid > 0) kill(p.pid, SIGTERM);
    }
  }
  std::vector<std::string> failed;
  for (auto& [m, list] : processes_) {
    for (Process& p : list) {
      if (p.pid <= 0) continue;
      // One SIGTERM only: a second one may reach a thread that does not block it and end the
      // process with 143 while it drains.
      int status = StopChild(p.pid, 0, grace);
      p.pid = -1;
      if (status != 0) {
        failed.push_back(absl::StrCat(p.name, " exited with status ", status, "; its log ", p.log,
                                      ":\n", ReadTail(p.log)));
      }
    }
  }
  if (failed.empty()) return absl::OkStatus();
  return absl::InternalError(absl::StrJoin(failed, "\n"));
}

std::string Topology::Describe() const {
  std::string out;
  for (const std::string& m : Modules()) {
    auto it = processes_.find(m);
    if (it == processes_.end()) continue;
    for (const Process& p : it->second) {
      absl::StrAppend(&out, p.name, "\tpid ", p.pid, "\tgrpc 127.0.0.1:", p.port,
                      m == "gateway" ? absl::StrCat("\thttp 127.0.0.1:", http_port_) : "", "\tlog ",
                      p.log, "\n");
    }
  }
  return out;
}

}  // namespace opsuite::testing
