// opsctl job ...: opsuite.scheduler.v1.ScheduleService (cron jobs that call the other
// services: evaluations, report-deadline checks, overdue-visit sweeps, idle-customer release,
// reminders).
//
// Times of a job (its next run, its runs' due times) print in the job's own time zone.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "opsuite/scheduler/v1/scheduler.grpc.pb.h"
#include "tools/opsctl/cli.h"

namespace opsuite::opsctl {
namespace {

namespace schv1 = ::opsuite::scheduler::v1;
using Stub = schv1::ScheduleService::Stub;

constexpr char kActions[] = "evaluation|report-check|visit-sweep|idle-release|reminder";

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::TimeZone ZoneOf(const std::string& name) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(name.empty() ? "Asia/Shanghai" : name, &tz)) {
    return absl::UTCTimeZone();
  }
  return tz;
}

// "2026-03-02 21:00:00 CST"; empty for an unset timestamp.
std::string LocalTime(const google::protobuf::Timestamp& ts, const absl::TimeZone& tz) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", FromProto(ts), tz);
}

std::string RunStateName(int state) {
  return ShortEnumName(common::v1::RunState_descriptor(), state);
}
std::string TriggerName(int trigger) {
  return ShortEnumName(schv1::RunTrigger_descriptor(), trigger);
}

// What the job does, in one line.
std::string ActionText(const schv1::Job& job) {
  switch (job.action_case()) {
    case schv1::Job::kRunEvaluation:
      return absl::StrCat("evaluation of scheme ", job.run_evaluation().scheme_id(),
                          " over department ", job.run_evaluation().department_id());
    case schv1::Job::kCheckReportDeadlines:
      return "report-check (planning CheckReportDeadlines)";
    case schv1::Job::kSweepOverdueVisits:
      return "visit-sweep (crm SweepOverdueVisits)";
    case schv1::Job::kReleaseIdleCustomers:
      return "idle-release (crm ReleaseIdleCustomers)";
    case schv1::Job::kSendReminder: {
      const schv1::SendReminderAction& r = job.send_reminder();
      std::vector<std::string> to;
      if (!r.department_id().empty()) to.push_back(absl::StrCat("department ", r.department_id()));
      if (r.recipient_ids_size() > 0) to.push_back(absl::StrJoin(r.recipient_ids(), ","));
      std::string text = absl::StrCat("reminder to ", absl::StrJoin(to, " and "));
      auto it = r.data().fields().find("text");
      if (it != r.data().fields().end()) absl::StrAppend(&text, ": ", it->second.string_value());
      return text;
    }
    default:
      return "";
  }
}

std::string ShortAction(const schv1::Job& job) {
  switch (job.action_case()) {
    case schv1::Job::kRunEvaluation: return "evaluation";
    case schv1::Job::kCheckReportDeadlines: return "report-check";
    case schv1::Job::kSweepOverdueVisits: return "visit-sweep";
    case schv1::Job::kReleaseIdleCustomers: return "idle-release";
    case schv1::Job::kSendReminder: return "reminder";
    default: return "";
  }
}

std::string CatchUp(int64_t seconds) {
  return seconds == 0 ? "" : absl::FormatDuration(absl::Seconds(seconds));
}

void PrintJob(const schv1::Job& job) {
  const absl::TimeZone tz = ZoneOf(job.timezone());
  KeyValues rows;
  auto add = [&rows](std::string key, std::string value) {
    if (!value.empty()) rows.emplace_back(std::move(key), std::move(value));
  };
  add("id", job.id());
  add("name", job.name());
  add("cron", job.cron());
  add("timezone", job.timezone());
  add("action", ActionText(job));
  add("enabled", job.enabled() ? "yes" : "no");
  add("next run", LocalTime(job.next_run_time(), tz));
  add("catch up", job.catch_up_seconds() == 0 ? "no (missed runs are skipped)"
                                              : absl::StrCat("missed runs up to ",
                                                             CatchUp(job.catch_up_seconds()),
                                                             " old fire once on start"));
  add("created", LocalTime(job.create_time(), tz));
  std::cout << RenderKeyValues(rows);
}

void PrintJobTable(const google::protobuf::RepeatedPtrField<schv1::Job>& jobs) {
  Table table({"ID", "NAME", "CRON", "TIMEZONE", "ACTION", "ENABLED", "NEXT RUN", "CATCH UP"});
  for (const schv1::Job& j : jobs) {
    table.AddRow({j.id(), j.name(), j.cron(), j.timezone(), ShortAction(j), j.enabled() ? "yes" : "no",
                  LocalTime(j.next_run_time(), ZoneOf(j.timezone())), CatchUp(j.catch_up_seconds())});
  }
  std::cout << table.Render();
}

void PrintRun(const schv1::JobRun& run, const absl::TimeZone& tz) {
  KeyValues rows;
  auto add = [&rows](std::string key, std::string value) {
    if (!value.empty()) rows.emplace_back(std::move(key), std::move(value));
  };
  add("id", run.id());
  add("job", run.job_id());
  add("trigger", TriggerName(run.trigger()));
  add("due", LocalTime(run.due_time(), tz));
  add("state", RunStateName(run.state()));
  add("started", LocalTime(run.start_time(), tz));
  add("finished", LocalTime(run.finish_time(), tz));
  if (run.has_finish_time()) add("took", absl::FormatDuration(absl::Milliseconds(run.duration_ms())));
  add("outcome", run.outcome());
  add("error", run.error());
  add("replica", run.replica());
  std::cout << RenderKeyValues(rows);
}

void PrintRunTable(const schv1::ListJobRunsResponse& response, const absl::TimeZone& tz) {
  Table table({"RUN", "DUE", "TRIGGER", "STATE", "TOOK", "REPLICA", "OUTCOME"});
  for (const schv1::JobRun& r : response.runs()) {
    table.AddRow({r.id(), LocalTime(r.due_time(), tz), TriggerName(r.trigger()),
                  RunStateName(r.state()),
                  r.has_finish_time() ? absl::FormatDuration(absl::Milliseconds(r.duration_ms()))
                                      : "",
                  r.replica(), r.error().empty() ? r.outcome() : r.error()});
  }
  std::cout << table.Render();
  PrintNextPage(response.next_page_token());
}

// --catch-up: whole seconds ("3600") or a duration ("1h", "7d").
absl::StatusOr<int64_t> ParseCatchUp(absl::string_view text) {
  absl::StatusOr<int64_t> seconds = ParseQuantity(text);
  if (seconds.ok()) return *seconds;
  absl::StatusOr<absl::Duration> d = ParseDurationArg(text);
  if (!d.ok()) return UsageError("expected seconds (3600) or a duration (1h, 7d)");
  return absl::ToInt64Seconds(*d);
}

RunResult CreateJob(const Args& args, Client& client) {
  schv1::CreateJobRequest request;
  schv1::Job* job = request.mutable_job();
  job->set_name(args.GetOr("name", ""));
  job->set_cron(args.GetOr("cron", ""));
  job->set_timezone(args.GetOr("tz", ""));
  auto catch_up = ParseOption(args, "catch-up", ParseCatchUp);
  if (!catch_up.ok()) return catch_up.status();
  job->set_catch_up_seconds(catch_up->value_or(0));
  const std::string action = args.GetOr("action", "");
  auto only = [&](std::vector<std::string> allowed) -> absl::Status {
    for (const char* option : {"scheme", "dept", "text", "recipients", "template", "critical"}) {
      if (args.Has(option) && std::find(allowed.begin(), allowed.end(), option) == allowed.end()) {
        return UsageError(absl::StrCat("--", option, " does not go with --action=", action));
      }
    }
    return absl::OkStatus();
  };
  if (action == "evaluation") {
    if (absl::Status s = only({"scheme", "dept"}); !s.ok()) return s;
    if (!args.Has("scheme") || !args.Has("dept")) {
      return UsageError("--action=evaluation needs --scheme=ID and --dept=ID");
    }
    job->mutable_run_evaluation()->set_scheme_id(args.GetOr("scheme", ""));
    job->mutable_run_evaluation()->set_department_id(args.GetOr("dept", ""));
  } else if (action == "report-check") {
    if (absl::Status s = only({}); !s.ok()) return s;
    job->mutable_check_report_deadlines();
  } else if (action == "visit-sweep") {
    if (absl::Status s = only({}); !s.ok()) return s;
    job->mutable_sweep_overdue_visits();
  } else if (action == "idle-release") {
    if (absl::Status s = only({}); !s.ok()) return s;
    job->mutable_release_idle_customers();
  } else if (action == "reminder") {
    if (absl::Status s = only({"dept", "text", "recipients", "template", "critical"}); !s.ok()) {
      return s;
    }
    schv1::SendReminderAction* r = job->mutable_send_reminder();
    r->set_department_id(args.GetOr("dept", ""));
    if (args.Has("recipients")) {
      absl::StatusOr<std::vector<std::string>> ids = ParseIdList(args.GetOr("recipients", ""));
      if (!ids.ok()) return UsageError(absl::StrCat("--recipients: ", ids.status().message()));
      for (std::string& id : *ids) r->add_recipient_ids(std::move(id));
    }
    if (r->department_id().empty() && r->recipient_ids().empty()) {
      return UsageError("--action=reminder needs --dept=ID and/or --recipients=ID,ID");
    }
    if (args.Has("text")) {
      (*r->mutable_data()->mutable_fields())["text"].set_string_value(args.GetOr("text", ""));
    }
    r->set_template_key(args.GetOr("template", ""));
    r->set_critical(args.Flag("critical"));
  } else {
    return UsageError(absl::StrCat("--action: \"", action, "\" is not one of ", kActions));
  }
  request.set_request_id(args.GetOr("request-id", ""));
  return client.Call(&Stub::CreateJob, request, PrintJob);
}

RunResult ListJobs(const Args& args, Client& client) {
  schv1::ListJobsRequest request;
  if (absl::Status s = ApplyPageOptions(args, &request); !s.ok()) return s;
  return client.Call(&Stub::ListJobs, request, [](const schv1::ListJobsResponse& r) {
    PrintJobTable(r.jobs());
    PrintNextPage(r.next_page_token());
  });
}

RunResult SetEnabled(const Args& args, Client& client, bool enabled) {
  schv1::SetJobEnabledRequest request;
  request.set_id(args.positionals()[0]);
  request.set_enabled(enabled);
  return client.Call(&Stub::SetJobEnabled, request, PrintJob);
}

RunResult DeleteJob(const Args& args, Client& client) {
  schv1::DeleteJobRequest request;
  request.set_id(args.positionals()[0]);
  return client.Call(&Stub::DeleteJob, request, [&](const schv1::DeleteJobResponse&) {
    std::cout << "deleted job " << request.id() << " and its run history\n";
  });
}

// The zone of job `id` for printing its runs (the org's default when it cannot be read).
absl::TimeZone JobZone(Client& client, const std::string& id) {
  schv1::GetJobRequest request;
  request.set_id(id);
  schv1::Job job;
  if (!client.Invoke(&Stub::GetJob, request, &job).ok()) return ZoneOf("");
  return ZoneOf(job.timezone());
}

RunResult TriggerJob(const Args& args, Client& client) {
  schv1::TriggerJobRequest request;
  request.set_id(args.positionals()[0]);
  // An id makes the trigger safe to retry: a repeat returns the same run.
  request.set_request_id(args.GetOr("request-id", RandomRequestId()));
  const absl::TimeZone tz = client.options().json ? ZoneOf("") : JobZone(client, request.id());
  schv1::JobRun run;
  grpc::Status status = client.Invoke(&Stub::TriggerJob, request, &run);
  if (!status.ok()) return PrintRpcError(status, client.options());
  if (client.options().json) {
    PrintJson(run);
  } else {
    PrintRun(run, tz);
  }
  return run.state() == common::v1::RUN_STATE_FAILED ? 1 : 0;
}

RunResult ListRuns(const Args& args, Client& client) {
  schv1::ListJobRunsRequest request;
  request.set_job_id(args.positionals()[0]);
  if (absl::Status s = ApplyPageOptions(args, &request); !s.ok()) return s;
  const absl::TimeZone tz =
      client.options().json ? ZoneOf("") : JobZone(client, request.job_id());
  return client.Call(&Stub::ListJobRuns, request,
                     [&tz](const schv1::ListJobRunsResponse& r) { PrintRunTable(r, tz); });
}

RunResult InstallDefaults(const Args& args, Client& client) {
  schv1::InstallDefaultJobsRequest request;
  request.set_department_id(args.GetOr("dept", ""));
  request.set_monthly_scheme_id(args.GetOr("monthly-scheme", ""));
  request.set_quarterly_scheme_id(args.GetOr("quarterly-scheme", ""));
  request.set_half_yearly_scheme_id(args.GetOr("half-yearly-scheme", ""));
  return client.Call(&Stub::InstallDefaultJobs, request,
                     [](const schv1::InstallDefaultJobsResponse& r) {
                       if (r.created_size() > 0) {
                         std::cout << "created:\n";
                         PrintJobTable(r.created());
                       }
                       if (r.skipped_size() > 0) {
                         std::cout << "already there (skipped): "
                                   << absl::StrJoin(r.skipped(), ", ") << "\n";
                       }
                       if (r.created_size() == 0 && r.skipped_size() == 0) {
                         std::cout << "nothing to install\n";
                       }
                     });
}

Command OnJob(std::string verb, std::string summary, RunFunction run) {
  return {
      .path = {"job", std::move(verb)},
      .positional_usage = "ID",
      .summary = std::move(summary),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = std::move(run),
  };
}

}  // namespace

void AddSchedulerCommands(std::vector<Command>* commands) {
  commands->push_back({
      .path = {"job", "list"},
      .summary = "List the org's scheduled jobs with their next run",
      .options = PageOptions(),
      .run = ListJobs,
  });
  commands->push_back({
      .path = {"job", "get"},
      .positional_usage = "ID",
      .summary = "Show a job: schedule, zone, action, next run, catch-up policy",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = [](const Args& args, Client& client) -> RunResult {
        schv1::GetJobRequest request;
        request.set_id(args.positionals()[0]);
        return client.Call(&Stub::GetJob, request, PrintJob);
      },
  });
  commands->push_back({
      .path = {"job", "create"},
      .summary = "Create a cron job that calls another service (admin)",
      .options =
          {
              {"name", "NAME", "unique in the org", true},
              {"cron", "EXPR",
               "minute hour day-of-month month day-of-week, e.g. \"0 21 * * *\"", true},
              {"tz", "ZONE", "IANA time zone the cron runs in (default Asia/Shanghai)"},
              {"action", "ACTION", kActions, true},
              {"scheme", "ID", "evaluation: the scheme (its cycle picks the period)"},
              {"dept", "ID", "evaluation: the department evaluated; reminder: its employees"},
              {"text", "TEXT", "reminder: the text (data.text of the template)"},
              {"recipients", "ID,ID", "reminder: employees to remind (with or without --dept)"},
              {"template", "KEY", "reminder: the notify template (default scheduler.reminder)"},
              {"critical", "", "reminder: ignore preferences and quiet hours"},
              {"catch-up", "SECONDS",
               "fire a run missed while no scheduler ran once on start, when at most this old "
               "(also 1h, 7d); default 0: skip missed runs"},
              RequestIdOption(),
          },
      .run = CreateJob,
      .details =
          "Cron: 5 fields, each *, a value, a range a-b, a step */n or a-b/n, or a list of "
          "those; months\n"
          "JAN-DEC and days SUN-SAT by name, 0 and 7 both Sunday. When day-of-month and "
          "day-of-week are both\n"
          "restricted a day matches if either does (\"0 9 1 * MON\": the 1st and every "
          "Monday).\n"
          "Actions: evaluation (scoring RunEvaluation for the period that ended last by the "
          "scheme's cycle:\n"
          "run on April 1st, MONTHLY evaluates March, QUARTERLY Q1), report-check (planning "
          "CheckReportDeadlines),\n"
          "visit-sweep (crm SweepOverdueVisits), idle-release (crm ReleaseIdleCustomers), "
          "reminder (notify Send).\n"
          "Examples:\n"
          "  opsctl job create --name=daily-report-check --cron='0 21 * * *' "
          "--action=report-check --catch-up=3h\n"
          "  opsctl job create --name=monthly-evaluation --cron='0 2 1 * *' --action=evaluation "
          "--scheme=sch_1 --dept=D1 --catch-up=7d\n"
          "  opsctl job create --name=weekly-reminder --cron='0 17 * * FRI' --action=reminder "
          "--dept=D2 --text='周报请于周六18:00前提交'",
  });
  commands->push_back({
      .path = {"job", "trigger"},
      .positional_usage = "ID",
      .summary = "Run a job now, whatever its schedule (admins, services)",
      .options = {RequestIdOption()},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = TriggerJob,
      .details = "Prints the run with its outcome. With the same --request-id a repeat returns "
                 "the same run\ninstead of running again (without one, each command runs the "
                 "job once more).",
  });
  commands->push_back({
      .path = {"job", "runs"},
      .positional_usage = "ID",
      .summary = "A job's run history, newest first, with outcomes",
      .options = PageOptions(),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = ListRuns,
  });
  commands->push_back(OnJob("enable", "Enable a job (admin); runs missed while disabled are not caught up",
                            [](const Args& args, Client& client) {
                              return SetEnabled(args, client, true);
                            }));
  commands->push_back(OnJob("disable", "Disable a job (admin): it fires no more until enabled",
                            [](const Args& args, Client& client) {
                              return SetEnabled(args, client, false);
                            }));
  commands->push_back(OnJob("delete", "Delete a job and its run history (admin)", DeleteJob));
  commands->push_back({
      .path = {"job", "install-defaults"},
      .summary = "Create the seeds' default jobs (admin); existing names are skipped",
      .options =
          {
              {"dept", "ID", "the department evaluations cover (the org's root)", true},
              {"monthly-scheme", "ID", "a MONTHLY scheme (STAFF): evaluated on the 1st, 02:00"},
              {"quarterly-scheme", "ID",
               "a QUARTERLY scheme (RESEARCHER, MIDDLE_MANAGER): 1 Jan/Apr/Jul/Oct, 02:00"},
              {"half-yearly-scheme", "ID",
               "a HALF_YEARLY scheme (SALES, SENIOR_MANAGER): 1 Jan and 1 Jul, 02:00"},
          },
      .run = InstallDefaults,
      .details = "Always: daily-report-check (21:00), weekly-report-check (Saturday 18:00), "
                 "overdue-visit-sweep\n(08:00), idle-customer-release (02:30), all in "
                 "Asia/Shanghai. Each scheme given adds its evaluation\nfor the period that "
                 "just ended. Running it again creates only what is missing.",
  });
}

}  // namespace opsuite::opsctl
