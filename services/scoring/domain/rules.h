// Scoring rules, pure: validate a scheme, evaluate one subject from its inputs, grade a run
// (with an optional forced distribution), rank, and summarise a distribution. No I/O: the
// evaluation service reads the inputs from planning and crm and stores what this returns.
//
// The numbers of domain.md §3 (seed 003:371-381, 001:3-123) are the unit tests' examples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/status.h"
#include "opsuite/scoring/v1/scoring.pb.h"

namespace opsuite::scoring {


// ---- metrics ------------------------------------------------------------------------------

// Where a metric comes from.
enum class Source {
  kSales,       // crm BatchGetSalesStats: signed_count, signed_amount, received_amount,
                // settled_signed_amount
  kActivity,    // crm BatchGetActivityStats: calls, effective_calls, visits, new_customers
  kCompliance,  // planning BatchGetReportCompliance: daily_missing, daily_late,
                // weekly_missing, weekly_late
  kGoalCard,    // planning BatchGetGoalCardScores: goal_card_score
  kTarget,      // planning BatchGetOwnerProgress: target:<metric>
};

// The source of one plain metric name ("signed_amount", "target:sales"); NOT_FOUND-free:
// returns false for an unknown name. `target:` needs a non-empty metric after the colon
// ([a-z0-9_]+).
bool SourceOf(absl::string_view metric, Source* source);
// The parts of a metric expression: "daily_missing+daily_late" → {"daily_missing",
// "daily_late"}; "signed_amount" → {"signed_amount"}.
std::vector<std::string> MetricParts(absl::string_view expression);
// True for the crm money metrics (cents): signed_amount, received_amount,
// settled_signed_amount. Details print them as money ("120,000.00").
bool IsMoneyMetric(absl::string_view metric);

// What a scheme needs read, so the service fetches only those sources.
struct Needs {
  bool sales = false;        // any sales metric, or a commission item (per product line)
  bool activity = false;
  bool compliance = false;
  bool goal_card = false;    // goal_card items or the goal_card_score metric
  std::vector<std::string> target_metrics;  // "sales" for target:sales, deduplicated, sorted
  bool checklist = false;    // any checklist item
  // Earlier periods to read for `minimum` items: the largest terminate_after − 1 (0 if none).
  int history_periods = 0;
};
Needs NeedsOf(const v1::Scheme& scheme);

// ---- validation ---------------------------------------------------------------------------

// Every violation of `scheme`, fields named under `prefix` ("scheme.items[1].weight").
// Rules: name non-empty; subject_kind and cycle set; 1..32 items; item codes unique and
// [a-z0-9_]{1,64}; item name non-empty; exactly one rule per item; known metrics (a '+' sum
// of known non-target metrics; `target:` only in ratio; a DEPARTMENT scheme may use only
// checklist items and ratio on target:); weights >= 0, carried only by ratio / bands /
// checklist / goal_card items, summing to 100 (±1e-6) when any is positive; ratio cap >= 0;
// bands non-empty, each min < max when max is set, sorted by min, not overlapping (a band's
// max <= the next band's min), points >= 0, bonus >= 0; checklist sections non-empty with
// unique non-empty names and max_points > 0; goal_card self_weight in [0, 1]; penalty tiers
// non-empty, min_count > 0 and strictly ascending, amount_each >= 0; commission rates
// non-empty, distinct product lines, rate in [0, 1]; minimum observe_after >= 1,
// terminate_after > observe_after and <= 12; grades: non-empty unique names, min_score
// strictly descending, max_share in [0, 1].
FieldViolations ValidateScheme(const v1::Scheme& scheme, absl::string_view prefix = "scheme");

// ---- evaluation ---------------------------------------------------------------------------

// What was read for one subject and period.
struct SubjectInputs {
  // Plain metrics by name: every crm and compliance metric fetched; "goal_card_score" and
  // "goal_card_self_score" (only when the card has them); for each target metric m:
  // "target:m" (actual / value), "target:m.actual", "target:m.value" (only when the subject
  // has such a target).
  absl::flat_hash_map<std::string, double> values;
  // Settled signed amount (cents) per product line, for commission items.
  absl::flat_hash_map<std::string, int64_t> settled_by_line;
  // Recorded checklist deductions: item code → section name → points deducted.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, double>> checklist;
  // For minimum items: metric expression → its values in earlier periods, the most recent
  // first (at most Needs::history_periods). Missing → treated as "not below" (no history).
  absl::flat_hash_map<std::string, std::vector<double>> history;
};

// Evaluates every item of `scheme` (items, total_score = computed_score = Σ weight × score /
// 100, bonus, commission, penalties, flags, the `inputs` snapshot = `in.values` plus
// "checklist:<code>" = points kept). Leaves ids, period, version and grade to the caller.
// FAILED_PRECONDITION naming what is missing when a needed input is absent (for example
// "no target for metric sales in this period", "no scored goal card for the period"); the
// caller records the subject as failed with that message.
//
// Per item (DESIGN.md §8):
//   ratio:      raw = actual / target; score = min(raw, cap or 1) × 100; a target of 0 with
//               actual > 0 counts as fully met (raw = cap), 0 of 0 as 0.
//               detail "销售 85,000 of 100,000 = 85.0% → 85.00"
//   bands:      raw = metric; score = the band's points; bonus = the band's bonus.
//               detail "签单额 120,000.00 in band [100,000, 150,000) → bonus 1,000.00"
//               (money metrics as money, bounds without decimals; "in no band → 0").
//   checklist:  raw = Σ max(0, max − deducted) per section; score = raw / Σ max × 100.
//               detail "机构设置… 191 of 200 points → 95.50"
//   goal_card:  raw = score = (1 − self_weight) × manager score + self_weight × self score.
//   penalty:    raw = count; penalties = count × amount_each of the highest tier reached.
//               detail "日报 漏交或迟交 3 times, tier ≥ 2 at 20.00 each → 60.00"
//   commission: raw = Σ settled amounts; commission = Σ round_half_up(amount × rate) per
//               line ("*" for lines not listed; a line with no rate earns 0).
//   minimum:    raw = metric; periods_below = 1 + consecutive earlier periods below (0 when
//               this period is not below); flags OBSERVATION when periods_below >=
//               observe_after, TERMINATION_REVIEW (instead) when >= terminate_after.
//               detail "签单量 0 below minimum 1 for 2 consecutive periods → OBSERVATION"
// Scores are rounded to 2 decimals (half away from zero) before summing; the total too.
absl::StatusOr<v1::Evaluation> Evaluate(const v1::Scheme& scheme, const SubjectInputs& in);

// amount × rate in cents, half-up to the cent, exact for rates given to 1e-6.
int64_t Commission(int64_t settled_cents, double rate);
// count × amount_each of the highest tier with min_count <= count (0 when none reached).
int64_t Penalty(int64_t count, const v1::PenaltyRule& rule);

// ---- grading, ranking, distribution -------------------------------------------------------

// The grade of the first threshold `score` reaches ("" when none).
std::string GradeOf(const v1::Scheme& scheme, double score);

// Grades for a run's scores (same order as `scores`). Without max_share limits it is GradeOf
// for each. With limits: subjects are ranked by score, highest first; a grade with
// max_share s holds at most floor(s × N) subjects; those beyond it fall to the next grade
// down (and may cascade further). Equal scores always get the same grade: when a tie would
// overflow a grade, the whole tie falls to the next grade.
std::vector<std::string> AssignGrades(const v1::Scheme& scheme, const std::vector<double>& scores);

// Competition ranks ("1224") for scores sorted highest first.
std::vector<int> CompetitionRanks(const std::vector<double>& sorted_desc);

// Count, mean, population stddev, min, max, nearest-rank p50/p90/p99, a histogram of
// `bucket_width` (default 10 when <= 0) from 0 (or the lowest score's bucket when below 0)
// up to the highest score's bucket, and grade counts ("" grades not counted).
v1::Distribution Distribute(const std::vector<double>& scores,
                            const std::vector<std::string>& grades, double bucket_width);

// The period length a cycle needs: MONTHLY → GRANULARITY_MONTH, QUARTERLY → QUARTER,
// HALF_YEARLY → HALF, YEARLY → YEAR.
common::v1::Granularity CycleGranularity(v1::Cycle cycle);
// The period `n` periods before `period` (same granularity); `period` must be valid.
common::v1::Period PreviousPeriod(const common::v1::Period& period, int n);

}  // namespace opsuite::scoring
