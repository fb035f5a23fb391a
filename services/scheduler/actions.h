// What a job does when it fires: one call (or a few) to another service over gRPC, with a
// service token for the job's org, a deadline, the current trace, and the run id as the
// callee's request_id (or transaction_id), so a run repeated after a crash or by a second
// replica changes nothing twice.
//
//   scoring   RunEvaluation (GetScheme first: the period that ended last by its cycle)
//   planning  ReportService.CheckReportDeadlines
//   crm       ActivityService.SweepOverdueVisits, CustomerService.ReleaseIdleCustomers
//   notify    NotificationService.Send (department members via planning ListEmployees)
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "grpcpp/grpcpp.h"
#include "opsuite/scheduler/v1/scheduler.pb.h"
#include "opsuite/scoring/v1/scoring.pb.h"

namespace opsuite::scheduler {


class ActionRunner {
 public:
  struct Options {
    absl::Duration call_timeout = absl::Seconds(30);  // per call (a sweep may be long)
    int attempts = 3;  // a call that fails UNAVAILABLE is tried again (same request_id)
    absl::Duration backoff = absl::Milliseconds(200);  // doubled after each failed attempt
  };
  using PeerFn = std::function<std::shared_ptr<grpc::Channel>(absl::string_view module)>;
  using TokenFn = std::function<std::string(const std::string& org)>;

  ActionRunner(PeerFn peer, TokenFn token, Options options)
      : peer_(std::move(peer)), token_(std::move(token)), options_(options) {}

  // Calls the action of `job` for `run` (run.id is the request_id; run.due_time decides the
  // evaluated period and the as-of moments) and returns the outcome for the run's history,
  // e.g. "12 employees checked, 3 missing"; an error names the callee ("scoring
  // RunEvaluation: ...").
  absl::StatusOr<std::string> Run(const std::string& org, const v1::Job& job,
                                  const v1::JobRun& run, absl::Time now);

  // scoring GetScheme on behalf of `org`.
  absl::StatusOr<scoring::v1::Scheme> GetScheme(const std::string& org, const std::string& id);

 private:
  template <typename Stub, typename Request, typename Response>
  absl::Status Call(const std::string& org, absl::string_view module,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response, absl::string_view what);

  absl::StatusOr<std::string> RunEvaluation(const std::string& org, const v1::Job& job,
                                            const v1::JobRun& run);
  absl::StatusOr<std::string> SendReminder(const std::string& org, const v1::Job& job,
                                           const v1::JobRun& run);

  PeerFn peer_;
  TokenFn token_;
  Options options_;
};

}  // namespace opsuite::scheduler
