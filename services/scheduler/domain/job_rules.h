// The scheduler's rules about jobs (pure, no I/O): what a valid job is, which period an
// evaluation job evaluates, and the default jobs InstallDefaultJobs creates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/period.h"
#include "common/status.h"
#include "opsuite/scheduler/v1/scheduler.pb.h"

namespace opsuite::scheduler {


// A job without a timezone runs in the seeds' zone.
inline constexpr char kDefaultTimeZone[] = "Asia/Shanghai";
// A missed run older than this is never caught up (31 days).
inline constexpr int64_t kMaxCatchUpSeconds = 31 * 24 * 3600;
inline constexpr size_t kMaxNameBytes = 200;
// Send takes at most this many recipients per call; a reminder has at most this many listed.
inline constexpr int kMaxRecipients = 1000;
inline constexpr char kReminderTemplate[] = "scheduler.reminder";

// The zone `name` names ("" is kDefaultTimeZone). INVALID_ARGUMENT naming `field` when the
// zone database does not know it.
absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name, absl::string_view field);

// Everything wrong with `job` as CreateJob receives it, fields named under `prefix` ("job"):
// name, cron, timezone, action (and the action's own fields), catch_up_seconds. Output-only
// fields are ignored.
FieldViolations ValidateJob(const v1::Job& job, absl::string_view prefix);

// "run_evaluation", "check_report_deadlines", ... ("" when no action is set).
std::string ActionName(const v1::Job& job);

// The period of `granularity` that ended last before `day`: the one before the period that
// holds `day`. On 2026-04-01: MONTH → March, QUARTER → Q1, HALF → 2025 H2 (on 2026-01-01)
// or 2026 H1 (on 2026-07-01), YEAR → 2025.
Period LastEndedPeriod(Granularity granularity, absl::CivilDay day);

// The default jobs for `req`, in this order: daily-report-check (21:00), weekly-report-check
// (Saturday 18:00), overdue-visit-sweep (08:00), idle-customer-release (02:30), and for each
// scheme given monthly-evaluation (the 1st, 02:00), quarterly-evaluation (January, April,
// July, October 1st, 02:00), half-yearly-evaluation (January and July 1st, 02:00), all in
// Asia/Shanghai and enabled.
std::vector<v1::Job> DefaultJobs(const v1::InstallDefaultJobsRequest& req);
// A scheme without a department_id to evaluate: the violation (on `department_id`).
FieldViolations ValidateInstallDefaults(const v1::InstallDefaultJobsRequest& req);

}  // namespace opsuite::scheduler
