#include "services/scheduler/actions.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/period.h"
#include "common/server/client.h"
#include "common/status.h"
#include "common/timestamps.h"
#include "opsuite/crm/v1/activity.grpc.pb.h"
#include "opsuite/crm/v1/customer.grpc.pb.h"
#include "opsuite/notify/v1/notify.grpc.pb.h"
#include "opsuite/planning/v1/directory.grpc.pb.h"
#include "opsuite/planning/v1/report.grpc.pb.h"
#include "opsuite/scoring/v1/scoring.grpc.pb.h"
#include "services/scheduler/domain/job_rules.h"

namespace opsuite::scheduler {
namespace {

namespace pv1 = ::opsuite::planning::v1;
namespace cv1 = ::opsuite::crm::v1;
namespace sv1 = ::opsuite::scoring::v1;
namespace nv1 = ::opsuite::notify::v1;

absl::StatusOr<Granularity> CycleGranularity(const sv1::Scheme& scheme) {
  switch (scheme.cycle()) {
    case sv1::CYCLE_MONTHLY: return GRANULARITY_MONTH;
    case sv1::CYCLE_QUARTERLY: return GRANULARITY_QUARTER;
    case sv1::CYCLE_HALF_YEARLY: return GRANULARITY_HALF;
    case sv1::CYCLE_YEARLY: return GRANULARITY_YEAR;
    default:
      return absl::FailedPreconditionError(
          absl::StrCat("scheme ", scheme.id(), " has no evaluation cycle"));
  }
}

std::string Plural(int64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

}  // namespace

template <typename Stub, typename Request, typename Response>
absl::Status ActionRunner::Call(const std::string& org, absl::string_view module,
                                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request, Response* response,
                                absl::string_view what) {
  absl::Duration backoff = options_.backoff;
  absl::Status status;
  for (int attempt = 1;; ++attempt) {
    Stub stub(peer_(module));
    grpc::ClientContext ctx;
    server::PrepareOutgoing(&ctx, options_.call_timeout);
    ctx.AddMetadata("authorization", "Bearer " + token_(org));
    response->Clear();
    grpc::Status s = (stub.*method)(&ctx, request, response);
    if (s.ok()) return absl::OkStatus();
    status = FromGrpcStatus(s);
    // The request carries its id: a retry after a lost connection cannot act twice.
    if (status.code() != absl::StatusCode::kUnavailable || attempt >= options_.attempts) break;
    absl::SleepFor(backoff);
    backoff *= 2;
  }
  return absl::Status(status.code(), absl::StrCat(module, " ", what, ": ", status.message()));
}

absl::StatusOr<sv1::Scheme> ActionRunner::GetScheme(const std::string& org,
                                                    const std::string& id) {
  sv1::GetSchemeRequest req;
  req.set_id(id);
  sv1::Scheme scheme;
  RETURN_IF_ERROR(Call(org, "scoring", &sv1::SchemeService::Stub::GetScheme, req, &scheme,
                       "GetScheme"));
  return scheme;
}

absl::StatusOr<std::string> ActionRunner::Run(const std::string& org, const v1::Job& job,
                                              const v1::JobRun& run, absl::Time now) {
  const absl::Time due = FromProto(run.due_time());
  ASSIGN_OR_RETURN(absl::TimeZone tz, LoadZone(job.timezone(), "job.timezone"));
  switch (job.action_case()) {
    case v1::Job::kRunEvaluation:
      return RunEvaluation(org, job, run);
    case v1::Job::kCheckReportDeadlines: {
      pv1::CheckReportDeadlinesRequest req;
      // A check scheduled at a deadline (21:00) counts that deadline as passed.
      *req.mutable_as_of() = ToProto(std::max(now, due + absl::Seconds(1)));
      req.set_request_id(run.id());
      pv1::CheckReportDeadlinesResponse resp;
      RETURN_IF_ERROR(Call(org, "planning", &pv1::ReportService::Stub::CheckReportDeadlines, req,
                           &resp, "CheckReportDeadlines"));
      return absl::StrCat(Plural(resp.employees_checked(), "employee", "employees"),
                          " checked, ", resp.newly_missing_size(), " missing");
    }
    case v1::Job::kSweepOverdueVisits: {
      cv1::SweepOverdueVisitsRequest req;
      req.set_as_of(FormatDate(absl::ToCivilDay(std::max(now, due), tz)));
      req.set_request_id(run.id());
      cv1::SweepOverdueVisitsResponse resp;
      RETURN_IF_ERROR(Call(org, "crm", &cv1::ActivityService::Stub::SweepOverdueVisits, req,
                           &resp, "SweepOverdueVisits"));
      return absl::StrCat(Plural(resp.newly_overdue(), "visit", "visits"), " newly overdue, ",
                          resp.escalated(), " escalated (as of ", req.as_of(), ")");
    }
    case v1::Job::kReleaseIdleCustomers: {
      cv1::ReleaseIdleCustomersRequest req;
      *req.mutable_as_of() = ToProto(std::max(now, due));
      req.set_request_id(run.id());
      cv1::ReleaseIdleCustomersResponse resp;
      RETURN_IF_ERROR(Call(org, "crm", &cv1::CustomerService::Stub::ReleaseIdleCustomers, req,
                           &resp, "ReleaseIdleCustomers"));
      return absl::StrCat(
          Plural(resp.released_ids_size(), "idle customer", "idle customers"),
          " released to the pool");
    }
    case v1::Job::kSendReminder:
      return SendReminder(org, job, run);
    default:
      return absl::FailedPreconditionError(absl::StrCat("job ", job.id(), " has no action"));
  }
}

absl::StatusOr<std::string> ActionRunner::RunEvaluation(const std::string& org,
                                                        const v1::Job& job,
                                                        const v1::JobRun& run) {
  const v1::RunEvaluationAction& action = job.run_evaluation();
  ASSIGN_OR_RETURN(sv1::Scheme scheme, GetScheme(org, action.scheme_id()));
  ASSIGN_OR_RETURN(Granularity granularity, CycleGranularity(scheme));
  ASSIGN_OR_RETURN(absl::TimeZone tz, LoadZone(job.timezone(), "job.timezone"));
  // The period that ended last as of the due time, on the job's calendar: a run caught up
  // on the 3rd still evaluates the month that ended before the 1st.
  const absl::CivilDay day = absl::ToCivilDay(FromProto(run.due_time()), tz);
  sv1::RunEvaluationRequest req;
  req.set_scheme_id(action.scheme_id());
  *req.mutable_period() = LastEndedPeriod(granularity, day);
  req.set_department_id(action.department_id());
  req.set_request_id(run.id());
  sv1::EvaluationRun resp;
  RETURN_IF_ERROR(Call(org, "scoring", &sv1::EvaluationService::Stub::RunEvaluation, req, &resp,
                       "RunEvaluation"));
  return absl::StrCat("evaluation run ", resp.id(), " of scheme ", action.scheme_id(), " for ",
                      GranularityName(granularity), " ", req.period().start_date(),
                      " over department ", action.department_id());
}

absl::StatusOr<std::string> ActionRunner::SendReminder(const std::string& org, const v1::Job& job,
                                                       const v1::JobRun& run) {
  const v1::SendReminderAction& action = job.send_reminder();
  std::vector<std::string> recipients;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& id : action.recipient_ids()) {
    if (seen.insert(id).second) recipients.push_back(id);
  }
  if (!action.department_id().empty()) {
    pv1::ListEmployeesRequest req;
    req.set_department_id(action.department_id());
    req.set_page_size(1000);
    for (;;) {
      pv1::ListEmployeesResponse resp;
      RETURN_IF_ERROR(Call(org, "planning", &pv1::DirectoryService::Stub::ListEmployees, req,
                           &resp, "ListEmployees"));
      for (const pv1::Employee& e : resp.employees()) {
        if (seen.insert(e.id()).second) recipients.push_back(e.id());
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
  }
  if (recipients.empty()) return std::string("no recipients: nothing sent");
  int notices = 0;
  for (size_t start = 0, batch = 0; start < recipients.size(); start += kMaxRecipients, ++batch) {
    nv1::SendRequest req;
    const size_t end = std::min(recipients.size(), start + static_cast<size_t>(kMaxRecipients));
    for (size_t i = start; i < end; ++i) req.add_recipient_ids(recipients[i]);
    req.set_template_key(action.template_key().empty() ? kReminderTemplate
                                                       : action.template_key());
    *req.mutable_data() = action.data();
    // One transaction per batch of recipients, each derived from the run id.
    req.set_transaction_id(batch == 0 ? run.id() : absl::StrCat(run.id(), "/", batch));
    req.set_critical(action.critical());
    nv1::SendResponse resp;
    RETURN_IF_ERROR(Call(org, "notify", &nv1::NotificationService::Stub::Send, req, &resp,
                         "Send"));
    notices += resp.notice_ids_size();
  }
  return absl::StrCat(Plural(notices, "notice", "notices"), " sent to ",
                      Plural(static_cast<int64_t>(recipients.size()), "recipient", "recipients"));
}

}  // namespace opsuite::scheduler
