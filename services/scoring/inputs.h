// Reads a page of subjects' inputs from planning and crm: one batched call per source (and
// per target metric and earlier period), each with a deadline and retries on transient
// errors. A call that still fails marks every subject of the page failed with the reason;
// the run carries on with the next page.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/period.h"
#include "grpcpp/grpcpp.h"
#include "services/scoring/domain/rules.h"

namespace opsuite::scoring {

struct Subject {
  std::string id;
  std::string department_id;  // a department subject: itself
  std::string dept_path;      // "/root/.../dept/"
};

// One subject's inputs, or why they could not be read.
struct SubjectRead {
  absl::Status status;
  SubjectInputs inputs;
};

class InputReader {
 public:
  struct Options {
    absl::Duration deadline = absl::Seconds(10);  // per call
    int attempts = 3;
    absl::Duration backoff = absl::Milliseconds(100);  // doubled per retry, with jitter
  };

  InputReader(std::function<std::shared_ptr<grpc::Channel>(absl::string_view module)> peer,
              std::function<std::string(const std::string& org)> token, Options options);

  // Inputs of `subjects` (at most 1000) for `period`, in their order. Checklists are not
  // read here (they are scoring's own data). `*calls` counts the calls made.
  std::vector<SubjectRead> Read(const std::string& org, const v1::Scheme& scheme,
                                const Needs& needs, const Period& period,
                                const std::vector<Subject>& subjects, std::atomic<int64_t>* calls);

 private:
  std::function<std::shared_ptr<grpc::Channel>(absl::string_view)> peer_;
  std::function<std::string(const std::string&)> token_;
  Options options_;
};

}  // namespace opsuite::scoring
