// Persistence of the scoring service over storage::Database (SQLite or PostgreSQL).
//
// Resources are stored as serialized protos (`body`) plus the columns queries filter and sort
// on. An evaluation's grade lives in its own column (a forced distribution re-grades a run
// after its last page without rewriting every body); reads merge it back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/period.h"
#include "common/storage/database.h"
#include "opsuite/scoring/v1/scoring.pb.h"

namespace opsuite::scoring {

using storage::Tx;

std::vector<storage::Migration> ScoringMigrations();

// "MONTH:2026-02-01": how a period is keyed in rows and in Redis.
std::string PeriodKey(const Period& period);

absl::StatusOr<v1::Scheme> LoadScheme(Tx& tx, const std::string& org, const std::string& id);
absl::Status InsertScheme(Tx& tx, const std::string& org, const v1::Scheme& scheme);

absl::StatusOr<v1::EvaluationRun> LoadRun(Tx& tx, const std::string& org, const std::string& id);
absl::Status SaveRun(Tx& tx, const std::string& org, const v1::EvaluationRun& run, bool insert);
// Runs not finished (PENDING or RUNNING) in any org, oldest first: (org, id).
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> UnfinishedRuns(Tx& tx);

// The columns an evaluation query selects, in this order, for ParseEvaluation.
inline constexpr char kEvaluationColumns[] = "id, grade, body";
absl::StatusOr<v1::Evaluation> ParseEvaluation(const storage::Row& row, size_t first = 0);

// The stored evaluation of (scheme, subject, period), if any.
absl::StatusOr<std::optional<v1::Evaluation>> FindEvaluation(Tx& tx, const std::string& org,
                                                             const std::string& scheme_id,
                                                             const std::string& period_key,
                                                             const std::string& subject_id);
absl::StatusOr<v1::Evaluation> LoadEvaluation(Tx& tx, const std::string& org,
                                              const std::string& id);
// Inserts or replaces the row of `e` (keyed by scheme, period and subject; `e.id` is kept).
absl::Status SaveEvaluation(Tx& tx, const std::string& org, const v1::Evaluation& e,
                            const std::string& dept_path, bool insert);

}  // namespace opsuite::scoring
