#include "common/testing/postgres_server.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/ports.h"
#include "common/status.h"
#include "common/testing/child_process.h"

namespace opsuite::testing {
namespace {

// The newest /usr/lib/postgresql/<version>/bin that has initdb.
std::string FindBin() {
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    int version = std::atoi(entry.path().filename().c_str());
    std::string bin = (entry.path() / "bin").string();
    if (version > best_version && std::filesystem::exists(bin + "/initdb")) {
      best_version = version;
      best = bin;
    }
  }
  return best;
}

struct User {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Runs `args` (as the postgres user when we are root), output appended to `log`. Returns the
// child's pid; `die_with_parent` kills it when the calling thread exits.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args, const std::string& cwd,
                            const std::string& log, const User& user, bool die_with_parent) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    if (user.switch_user) {
      if (setgroups(0, nullptr) != 0 || setgid(user.gid) != 0 || setuid(user.uid) != 0) _exit(126);
    }
    // After setuid: changing credentials clears the parent-death signal.
    if (die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
    }
    if (chdir(cwd.c_str()) != 0) _exit(125);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

User PostgresUser() {
  User user;
  if (geteuid() != 0) return user;
  if (passwd* pw = getpwnam("postgres")) {
    user.switch_user = true;
    user.uid = pw->pw_uid;
    user.gid = pw->pw_gid;
  }
  return user;
}

bool CanConnect(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  PQfinish(conn);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  if (const char* external = std::getenv("OPSUITE_TEST_POSTGRES_URL");
      external != nullptr && *external != '\0') {
    server->url_ = external;
    if (!CanConnect(server->url_)) {
      return absl::UnavailableError(
          absl::StrCat("OPSUITE_TEST_POSTGRES_URL=", external, " does not take connections"));
    }
    return server;
  }
  server->bin_ = FindBin();
  if (server->bin_.empty()) {
    return absl::FailedPreconditionError(
        "no /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql (scripts/lib.sh does)");
  }
  char tmpl[] = "/tmp/opsuite-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  server->dir_ = tmpl;
  const User user = PostgresUser();
  if (user.switch_user && chown(tmpl, user.uid, user.gid) != 0) {
    return absl::InternalError(absl::StrCat("chown ", tmpl, ": ", std::strerror(errno)));
  }
  const std::string log = server->dir_ + "/initdb.log";
  auto pid = Spawn({server->bin_ + "/initdb", "-D", server->dir_ + "/data", "-A", "trust", "-U",
                    "postgres", "-E", "UTF8", "--locale=C", "--no-sync"},
                   server->dir_, log, user, /*die_with_parent=*/false);
  if (!pid.ok()) return pid.status();
  int wstatus = 0;
  while (waitpid(*pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return absl::InternalError(
        absl::StrCat("initdb failed (status ", wstatus, "); log:\n", ReadTail(log, 3000)));
  }
  absl::Status last;
  // FreePort() can race with another process taking the port; try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    server->port_ = FreePort();
    server->url_ = absl::StrCat("postgres://postgres@127.0.0.1:", server->port_, "/postgres");
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

PostgresServer::~PostgresServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string PostgresServer::UrlOf(const std::string& name) const {
  size_t scheme = url_.find("://");
  size_t path = url_.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  size_t query = url_.find('?');
  std::string base = url_.substr(0, path == std::string::npos ? query : path);
  std::string rest = query == std::string::npos ? "" : url_.substr(query);
  return absl::StrCat(base, "/", name, rest);
}

namespace {

absl::Status ExecOn(const std::string& url, const std::string& verb, const std::string& name) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect to ", url, ": ", message));
  }
  char* quoted = PQescapeIdentifier(conn, name.c_str(), name.size());
  std::string sql = absl::StrCat(verb, " ", quoted ? quoted : name.c_str(),
                                 verb == "DROP DATABASE IF EXISTS" ? " WITH (FORCE)" : "");
  PQfreemem(quoted);
  PGresult* r = PQexec(conn, sql.c_str());
  absl::Status s = PQresultStatus(r) == PGRES_COMMAND_OK
                       ? absl::OkStatus()
                       : absl::InternalError(absl::StrCat(sql, ": ", PQerrorMessage(conn)));
  PQclear(r);
  PQfinish(conn);
  return s;
}

}  // namespace

absl::StatusOr<std::string> PostgresServer::CreateDatabase(std::string name) {
  if (name.empty()) {
    absl::BitGen gen;
    name = absl::StrCat("t_", absl::Hex(absl::Uniform<uint64_t>(gen)));
  }
  RETURN_IF_ERROR(ExecOn(url_, "CREATE DATABASE", name));
  return UrlOf(name);
}

absl::Status PostgresServer::DropDatabase(const std::string& name) {
  return ExecOn(url_, "DROP DATABASE IF EXISTS", name);
}

absl::Status PostgresServer::Launch() {
  if (dir_.empty())
    return absl::FailedPreconditionError("an external PostgreSQL is not ours to start");
  const std::string log = dir_ + "/postgres.log";
  auto pid =
      Spawn({bin_ + "/postgres", "-D", dir_ + "/data", "-p", absl::StrCat(port_), "-k", dir_, "-c",
             "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
             "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=32MB"},
            dir_, log, PostgresUser(), /*die_with_parent=*/true);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (CanConnect(url_)) return absl::OkStatus();
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat("postgres on port ", port_,
                                                 " exited at start (status ", wstatus, "); log:\n",
                                                 ReadTail(log, 3000)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  Stop();
  return absl::DeadlineExceededError(absl::StrCat(
      "postgres on port ", port_, " took no connection within 30s; log:\n", ReadTail(log, 3000)));
}

void PostgresServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGINT);  // fast shutdown: roll back, disconnect clients, checkpoint
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  int wstatus = 0;
  while (true) {
    pid_t r = waitpid(pid_, &wstatus, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) break;
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
}

absl::Status PostgresServer::Restart() {
  if (dir_.empty())
    return absl::FailedPreconditionError("an external PostgreSQL is not ours to restart");
  Stop();
  absl::Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    s = Launch();
    if (s.ok()) return s;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return s;
}

}  // namespace opsuite::testing
