// Test helpers for child processes: start one with its output in a log file, stop it, read
// the end of its log. The child dies with the test (PR_SET_PDEATHSIG), so call Spawn from a
// thread that lives as long as the child (the test's main thread).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace opsuite::testing {

// Runs argv (argv[0] looked up in PATH when it has no '/'), stdout and stderr appended to
// `log_path`, `env` ("NAME=value") added to the environment.
absl::StatusOr<pid_t> SpawnChild(const std::vector<std::string>& argv, const std::string& log_path,
                                 const std::vector<std::string>& env = {});

// Sends `sig` (0: none, it was sent already), waits up to `grace` for the exit, then SIGKILLs. Returns the exit status
// (0..255), or 128 + the signal that ended it.
int StopChild(pid_t pid, int sig, absl::Duration grace);

// True (and *exit_status as StopChild's) when the child has ended; does not block.
bool ChildEnded(pid_t pid, int* exit_status);

// The last `bytes` of a file (a log), for error messages.
std::string ReadTail(const std::string& path, size_t bytes = 2000);

}  // namespace opsuite::testing
