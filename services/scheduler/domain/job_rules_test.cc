#include "services/scheduler/domain/job_rules.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/scheduler/domain/cron.h"

namespace opsuite::scheduler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::vector<std::string> FieldsOf(const FieldViolations& v) {
  std::vector<std::string> out;
  for (const auto& [field, description] : v.all()) out.push_back(field);
  return out;
}

std::string DescriptionOf(const FieldViolations& v, const std::string& field) {
  for (const auto& [f, description] : v.all()) {
    if (f == field) return description;
  }
  return "";
}

v1::Job GoodJob() {
  v1::Job job;
  job.set_name("daily-report-check");
  job.set_cron("0 21 * * *");
  job.mutable_check_report_deadlines();
  return job;
}

TEST(ValidateJob, AGoodJobPasses) {
  EXPECT_TRUE(ValidateJob(GoodJob(), "job").empty());
  v1::Job in_new_york = GoodJob();
  in_new_york.set_timezone("America/New_York");
  in_new_york.set_catch_up_seconds(3600);
  EXPECT_TRUE(ValidateJob(in_new_york, "job").empty());
}

TEST(ValidateJob, AnEmptyJobNamesEveryField) {
  EXPECT_THAT(FieldsOf(ValidateJob(v1::Job(), "job")),
              ElementsAre("job.name", "job.cron", "job.action"));
}

TEST(ValidateJob, BadCronNamesThePart) {
  v1::Job job = GoodJob();
  job.set_cron("61 21 * * *");
  FieldViolations v = ValidateJob(job, "job");
  EXPECT_THAT(FieldsOf(v), ElementsAre("job.cron"));
  EXPECT_EQ(DescriptionOf(v, "job.cron"), "minute 61 is out of 0-59");
  EXPECT_EQ(v.ToStatus().message(), "job.cron: minute 61 is out of 0-59");
}

TEST(ValidateJob, UnknownZone) {
  v1::Job job = GoodJob();
  job.set_timezone("Mars/Olympus_Mons");
  FieldViolations v = ValidateJob(job, "job");
  EXPECT_THAT(FieldsOf(v), ElementsAre("job.timezone"));
  EXPECT_THAT(DescriptionOf(v, "job.timezone"), HasSubstr("unknown time zone \"Mars/Olympus_Mons\""));
}

TEST(ValidateJob, NameRules) {
  v1::Job job = GoodJob();
  job.set_name(" padded ");
  EXPECT_THAT(FieldsOf(ValidateJob(job, "job")), ElementsAre("job.name"));
  job.set_name(std::string(201, 'x'));
  EXPECT_THAT(FieldsOf(ValidateJob(job, "job")), ElementsAre("job.name"));
  job.set_name("日报检查");
  EXPECT_TRUE(ValidateJob(job, "job").empty());
}

TEST(ValidateJob, CatchUpBounds) {
  v1::Job job = GoodJob();
  job.set_catch_up_seconds(-1);
  EXPECT_THAT(FieldsOf(ValidateJob(job, "job")), ElementsAre("job.catch_up_seconds"));
  job.set_catch_up_seconds(kMaxCatchUpSeconds + 1);
  EXPECT_THAT(FieldsOf(ValidateJob(job, "job")), ElementsAre("job.catch_up_seconds"));
  job.set_catch_up_seconds(kMaxCatchUpSeconds);
  EXPECT_TRUE(ValidateJob(job, "job").empty());
}

TEST(ValidateJob, ActionFields) {
  v1::Job job = GoodJob();
  job.mutable_run_evaluation();
  EXPECT_THAT(FieldsOf(ValidateJob(job, "job")),
              ElementsAre("job.run_evaluation.scheme_id", "job.run_evaluation.department_id"));
  job.mutable_run_evaluation()->set_scheme_id("sch_1");
  job.mutable_run_evaluation()->set_department_id("dep_1");
  EXPECT_TRUE(ValidateJob(job, "job").empty());

  job.mutable_send_reminder();
  EXPECT_THAT(FieldsOf(ValidateJob(job, "job")), ElementsAre("job.send_reminder.recipient_ids"));
  job.mutable_send_reminder()->add_recipient_ids("emp_1");
  job.mutable_send_reminder()->add_recipient_ids("");
  EXPECT_THAT(FieldsOf(ValidateJob(job, "job")),
              ElementsAre("job.send_reminder.recipient_ids[1]"));
  job.mutable_send_reminder()->clear_recipient_ids();
  job.mutable_send_reminder()->set_department_id("dep_1");
  EXPECT_TRUE(ValidateJob(job, "job").empty());
  for (int i = 0; i <= kMaxRecipients; ++i) job.mutable_send_reminder()->add_recipient_ids("e");
  EXPECT_THAT(FieldsOf(ValidateJob(job, "job")), ElementsAre("job.send_reminder.recipient_ids"));
}

TEST(ValidateJob, SeveralAtOnce) {
  v1::Job job;
  job.set_name("x");
  job.set_cron("* * *");
  job.set_timezone("Nowhere/Land");
  job.set_catch_up_seconds(-5);
  EXPECT_THAT(FieldsOf(ValidateJob(job, "job")),
              UnorderedElementsAre("job.cron", "job.timezone", "job.action",
                                   "job.catch_up_seconds"));
}

TEST(LoadZone, DefaultsToShanghai) {
  absl::StatusOr<absl::TimeZone> tz = LoadZone("", "job.timezone");
  ASSERT_TRUE(tz.ok());
  const absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 0, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(absl::ToCivilHour(t, *tz), absl::CivilHour(2026, 3, 2, 8));
  EXPECT_FALSE(LoadZone("Bogus/Zone", "job.timezone").ok());
}

TEST(LastEndedPeriod, ByCycle) {
  auto start = [](Granularity g, absl::CivilDay day) {
    Period p = LastEndedPeriod(g, day);
    EXPECT_EQ(p.granularity(), g);
    return p.start_date();
  };
  EXPECT_EQ(start(GRANULARITY_MONTH, absl::CivilDay(2026, 4, 1)), "2026-03-01");
  EXPECT_EQ(start(GRANULARITY_MONTH, absl::CivilDay(2026, 4, 15)), "2026-03-01");
  EXPECT_EQ(start(GRANULARITY_MONTH, absl::CivilDay(2026, 3, 1)), "2026-02-01");
  EXPECT_EQ(start(GRANULARITY_MONTH, absl::CivilDay(2026, 1, 1)), "2025-12-01");
  EXPECT_EQ(start(GRANULARITY_QUARTER, absl::CivilDay(2026, 4, 1)), "2026-01-01");
  EXPECT_EQ(start(GRANULARITY_QUARTER, absl::CivilDay(2026, 1, 1)), "2025-10-01");
  EXPECT_EQ(start(GRANULARITY_HALF, absl::CivilDay(2026, 1, 1)), "2025-07-01");
  EXPECT_EQ(start(GRANULARITY_HALF, absl::CivilDay(2026, 7, 1)), "2026-01-01");
  EXPECT_EQ(start(GRANULARITY_YEAR, absl::CivilDay(2026, 4, 1)), "2025-01-01");
}

TEST(DefaultJobs, TheSeedsSchedule) {
  v1::InstallDefaultJobsRequest req;
  std::vector<v1::Job> jobs = DefaultJobs(req);
  std::vector<std::string> names;
  for (const v1::Job& j : jobs) names.push_back(j.name());
  EXPECT_THAT(names, ElementsAre("daily-report-check", "weekly-report-check",
                                 "overdue-visit-sweep", "idle-customer-release"));
  EXPECT_EQ(jobs[0].cron(), "0 21 * * *");
  EXPECT_TRUE(jobs[0].has_check_report_deadlines());
  EXPECT_EQ(jobs[1].cron(), "0 18 * * 6");
  EXPECT_TRUE(jobs[1].has_check_report_deadlines());
  EXPECT_EQ(jobs[2].cron(), "0 8 * * *");
  EXPECT_TRUE(jobs[2].has_sweep_overdue_visits());
  EXPECT_EQ(jobs[3].cron(), "30 2 * * *");
  EXPECT_TRUE(jobs[3].has_release_idle_customers());
  for (const v1::Job& j : jobs) {
    EXPECT_TRUE(ValidateJob(j, "job").empty()) << j.name();
    EXPECT_EQ(j.timezone(), "Asia/Shanghai");
    EXPECT_TRUE(j.enabled());
  }
}

TEST(DefaultJobs, EvaluationsPerScheme) {
  v1::InstallDefaultJobsRequest req;
  req.set_department_id("dep_root");
  req.set_monthly_scheme_id("sch_m");
  req.set_quarterly_scheme_id("sch_q");
  req.set_half_yearly_scheme_id("sch_h");
  std::vector<v1::Job> jobs = DefaultJobs(req);
  ASSERT_EQ(jobs.size(), 7u);
  EXPECT_EQ(jobs[4].name(), "monthly-evaluation");
  EXPECT_EQ(jobs[4].cron(), "0 2 1 * *");
  EXPECT_EQ(jobs[4].run_evaluation().scheme_id(), "sch_m");
  EXPECT_EQ(jobs[4].run_evaluation().department_id(), "dep_root");
  EXPECT_EQ(jobs[5].name(), "quarterly-evaluation");
  EXPECT_EQ(jobs[5].cron(), "0 2 1 1,4,7,10 *");
  EXPECT_EQ(jobs[6].name(), "half-yearly-evaluation");
  EXPECT_EQ(jobs[6].cron(), "0 2 1 1,7 *");
  for (const v1::Job& j : jobs) EXPECT_TRUE(ValidateJob(j, "job").empty()) << j.name();

  // The quarterly one fires on April 1st at 02:00 Shanghai, evaluating Q1.
  absl::StatusOr<absl::TimeZone> tz = LoadZone(jobs[5].timezone(), "timezone");
  ASSERT_TRUE(tz.ok());
  absl::StatusOr<Cron> cron = ParseCron(jobs[5].cron());
  ASSERT_TRUE(cron.ok());
  const absl::Time fire =
      Next(*cron, absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0), *tz), *tz);
  EXPECT_EQ(fire, absl::FromCivil(absl::CivilSecond(2026, 4, 1, 2, 0, 0), *tz));
  EXPECT_EQ(LastEndedPeriod(GRANULARITY_QUARTER, absl::ToCivilDay(fire, *tz)).start_date(),
            "2026-01-01");

  req.clear_quarterly_scheme_id();
  EXPECT_EQ(DefaultJobs(req).size(), 6u);
}

TEST(ValidateInstallDefaults, SchemesNeedADepartment) {
  v1::InstallDefaultJobsRequest req;
  EXPECT_TRUE(ValidateInstallDefaults(req).empty());
  req.set_monthly_scheme_id("sch_m");
  EXPECT_THAT(FieldsOf(ValidateInstallDefaults(req)), ElementsAre("department_id"));
  req.set_department_id("dep_root");
  EXPECT_THAT(FieldsOf(ValidateInstallDefaults(req)), IsEmpty());
}

TEST(ActionName, EachAction) {
  v1::Job job;
  EXPECT_EQ(ActionName(job), "");
  job.mutable_run_evaluation();
  EXPECT_EQ(ActionName(job), "run_evaluation");
  job.mutable_send_reminder();
  EXPECT_EQ(ActionName(job), "send_reminder");
}

}  // namespace
}  // namespace opsuite::scheduler
