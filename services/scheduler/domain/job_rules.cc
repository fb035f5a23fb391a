#include "services/scheduler/domain/job_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/scheduler/domain/cron.h"

namespace opsuite::scheduler {
namespace {

std::string Join(absl::string_view prefix, absl::string_view field) {
  return prefix.empty() ? std::string(field) : absl::StrCat(prefix, ".", field);
}

// The description of the first violation `status` carries (its message otherwise).
std::string Description(const absl::Status& status) {
  absl::string_view message = status.message();
  if (size_t colon = message.find(": "); colon != absl::string_view::npos) {
    return std::string(message.substr(colon + 2));
  }
  return std::string(message);
}

v1::Job Make(const std::string& name, const std::string& cron, int64_t catch_up) {
  v1::Job job;
  job.set_name(name);
  job.set_cron(cron);
  job.set_timezone(kDefaultTimeZone);
  job.set_enabled(true);
  job.set_catch_up_seconds(catch_up);
  return job;
}

}  // namespace

absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name, absl::string_view field) {
  const std::string zone_name = name.empty() ? std::string(kDefaultTimeZone) : std::string(name);
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(zone_name, &tz)) {
    if (zone_name == kDefaultTimeZone) return absl::FixedTimeZone(8 * 3600);  // no tzdata
    return InvalidField(std::string(field),
                        absl::StrCat("unknown time zone \"", zone_name,
                                     "\"; use an IANA name such as Asia/Shanghai"));
  }
  return tz;
}

FieldViolations ValidateJob(const v1::Job& job, absl::string_view prefix) {
  FieldViolations v;
  const absl::string_view name = absl::StripAsciiWhitespace(job.name());
  if (name.empty()) {
    v.Add(Join(prefix, "name"), "must not be empty");
  } else if (job.name().size() > kMaxNameBytes) {
    v.Add(Join(prefix, "name"), absl::StrCat("at most ", kMaxNameBytes, " bytes, got ",
                                             job.name().size()));
  } else if (name.size() != job.name().size()) {
    v.Add(Join(prefix, "name"), "must not start or end with spaces");
  }
  if (job.cron().empty()) {
    v.Add(Join(prefix, "cron"),
          "must not be empty: \"minute hour day-of-month month day-of-week\", e.g. \"0 21 * * *\"");
  } else if (auto cron = ParseCron(job.cron(), Join(prefix, "cron")); !cron.ok()) {
    v.Add(Join(prefix, "cron"), Description(cron.status()));
  }
  if (auto tz = LoadZone(job.timezone(), Join(prefix, "timezone")); !tz.ok()) {
    v.Add(Join(prefix, "timezone"), Description(tz.status()));
  }
  switch (job.action_case()) {
    case v1::Job::kRunEvaluation: {
      const std::string field = Join(prefix, "run_evaluation");
      if (job.run_evaluation().scheme_id().empty()) {
        v.Add(Join(field, "scheme_id"), "must name the scheme to evaluate");
      }
      if (job.run_evaluation().department_id().empty()) {
        v.Add(Join(field, "department_id"), "must name the department evaluated (and below)");
      }
      break;
    }
    case v1::Job::kSendReminder: {
      const std::string field = Join(prefix, "send_reminder");
      const v1::SendReminderAction& r = job.send_reminder();
      if (r.department_id().empty() && r.recipient_ids_size() == 0) {
        v.Add(Join(field, "recipient_ids"), "name recipients, a department_id, or both");
      }
      if (r.recipient_ids_size() > kMaxRecipients) {
        v.Add(Join(field, "recipient_ids"), absl::StrCat("at most ", kMaxRecipients, ", got ",
                                                         r.recipient_ids_size()));
      } else {
        for (int i = 0; i < r.recipient_ids_size(); ++i) {
          if (r.recipient_ids(i).empty()) {
            v.Add(absl::StrCat(Join(field, "recipient_ids"), "[", i, "]"), "must not be empty");
            break;
          }
        }
      }
      break;
    }
    case v1::Job::kCheckReportDeadlines:
    case v1::Job::kSweepOverdueVisits:
    case v1::Job::kReleaseIdleCustomers:
      break;
    case v1::Job::ACTION_NOT_SET:
    default:
      v.Add(Join(prefix, "action"),
            "choose one: run_evaluation, check_report_deadlines, sweep_overdue_visits, "
            "release_idle_customers or send_reminder");
  }
  if (job.catch_up_seconds() < 0 || job.catch_up_seconds() > kMaxCatchUpSeconds) {
    v.Add(Join(prefix, "catch_up_seconds"),
          absl::StrCat("must be 0 (skip missed runs) to ", kMaxCatchUpSeconds, " (31 days), got ",
                       job.catch_up_seconds()));
  }
  return v;
}

std::string ActionName(const v1::Job& job) {
  switch (job.action_case()) {
    case v1::Job::kRunEvaluation: return "run_evaluation";
    case v1::Job::kCheckReportDeadlines: return "check_report_deadlines";
    case v1::Job::kSweepOverdueVisits: return "sweep_overdue_visits";
    case v1::Job::kReleaseIdleCustomers: return "release_idle_customers";
    case v1::Job::kSendReminder: return "send_reminder";
    default: return "";
  }
}

Period LastEndedPeriod(Granularity granularity, absl::CivilDay day) {
  const absl::CivilDay current = AlignDown(granularity, day);
  Period period;
  period.set_granularity(granularity);
  period.set_start_date(FormatDate(AlignDown(granularity, current - 1)));
  return period;
}

std::vector<v1::Job> DefaultJobs(const v1::InstallDefaultJobsRequest& req) {
  constexpr int64_t kHour = 3600;
  std::vector<v1::Job> jobs;
  // Deadlines of the seeds (003:365, 003:368): daily reports by 21:00, weekly by Saturday 18:00.
  jobs.push_back(Make("daily-report-check", "0 21 * * *", 6 * kHour));
  jobs.back().mutable_check_report_deadlines();
  jobs.push_back(Make("weekly-report-check", "0 18 * * 6", 6 * kHour));
  jobs.back().mutable_check_report_deadlines();
  jobs.push_back(Make("overdue-visit-sweep", "0 8 * * *", 12 * kHour));
  jobs.back().mutable_sweep_overdue_visits();
  jobs.push_back(Make("idle-customer-release", "30 2 * * *", 12 * kHour));
  jobs.back().mutable_release_idle_customers();
  // Evaluation cycles by role (003:202): a missed one is still worth running days later.
  auto evaluation = [&](const std::string& name, const std::string& cron,
                        const std::string& scheme_id) {
    if (scheme_id.empty()) return;
    jobs.push_back(Make(name, cron, 7 * 24 * kHour));
    jobs.back().mutable_run_evaluation()->set_scheme_id(scheme_id);
    jobs.back().mutable_run_evaluation()->set_department_id(req.department_id());
  };
  evaluation("monthly-evaluation", "0 2 1 * *", req.monthly_scheme_id());
  evaluation("quarterly-evaluation", "0 2 1 1,4,7,10 *", req.quarterly_scheme_id());
  evaluation("half-yearly-evaluation", "0 2 1 1,7 *", req.half_yearly_scheme_id());
  return jobs;
}

FieldViolations ValidateInstallDefaults(const v1::InstallDefaultJobsRequest& req) {
  FieldViolations v;
  const bool schemes = !req.monthly_scheme_id().empty() || !req.quarterly_scheme_id().empty() ||
                       !req.half_yearly_scheme_id().empty();
  if (schemes && req.department_id().empty()) {
    v.Add("department_id", "must name the department the evaluations cover (the org's root)");
  }
  return v;
}

}  // namespace opsuite::scheduler
