#include "common/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace opsuite::testing {

namespace {

int DecodeStatus(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

}  // namespace

absl::StatusOr<pid_t> SpawnChild(const std::vector<std::string>& args, const std::string& log_path,
                                 const std::vector<std::string>& env) {
  if (args.empty()) return absl::InvalidArgumentError("SpawnChild: no program");
  // Everything the child needs is built before fork(): after it only async-signal-safe calls
  // are allowed (the test process has threads).
  std::vector<std::string> owned_args = args;
  std::vector<char*> argv;
  for (auto& a : owned_args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> owned_env = env;
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (auto& e : owned_env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const bool search = args[0].find('/') == std::string::npos;
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // the parent died before prctl
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    if (search) {
      execvpe(argv[0], argv.data(), envp.data());
    } else {
      execve(argv[0], argv.data(), envp.data());
    }
    _exit(127);
  }
  return pid;
}

bool ChildEnded(pid_t pid, int* exit_status) {
  int wstatus = 0;
  pid_t got = waitpid(pid, &wstatus, WNOHANG);
  if (got != pid) return false;
  *exit_status = DecodeStatus(wstatus);
  return true;
}

int StopChild(pid_t pid, int sig, absl::Duration grace) {
  int status = 0;
  if (ChildEnded(pid, &status)) return status;
  if (sig != 0) kill(pid, sig);
  absl::Time deadline = absl::Now() + grace;
  while (absl::Now() < deadline) {
    if (ChildEnded(pid, &status)) return status;
    absl::SleepFor(absl::Milliseconds(5));
  }
  kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  return DecodeStatus(wstatus);
}

std::string ReadTail(const std::string& path, size_t bytes) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > bytes) s = s.substr(s.size() - bytes);
  return s;
}

}  // namespace opsuite::testing
