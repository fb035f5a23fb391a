#include "services/scoring/scoring_store.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/timestamps.h"

namespace opsuite::scoring {

using storage::Blob;
using storage::Rows;

std::vector<storage::Migration> ScoringMigrations() {
  return {
      {1, "schemes, evaluation runs, evaluations, checklist assessments, adjustments",
       "CREATE TABLE schemes (org_id TEXT NOT NULL, id TEXT NOT NULL, create_at BIGINT NOT NULL,"
       " body BLOB NOT NULL, PRIMARY KEY (org_id, id));"
       "CREATE TABLE runs (org_id TEXT NOT NULL, id TEXT NOT NULL, scheme_id TEXT NOT NULL,"
       " period_key TEXT NOT NULL, state BIGINT NOT NULL, body BLOB NOT NULL,"
       " PRIMARY KEY (org_id, id));"
       "CREATE INDEX runs_by_state ON runs (state, id);"
       // One result per subject, scheme and period, whatever the run.
       "CREATE TABLE evaluations (org_id TEXT NOT NULL, id TEXT NOT NULL, scheme_id TEXT NOT"
       " NULL, period_key TEXT NOT NULL, subject_id TEXT NOT NULL, dept_path TEXT NOT NULL,"
       " run_id TEXT NOT NULL, state BIGINT NOT NULL, score DOUBLE PRECISION NOT NULL, grade"
       " TEXT NOT NULL, version BIGINT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (org_id, id));"
       "CREATE UNIQUE INDEX evaluations_by_subject ON evaluations (org_id, scheme_id,"
       " period_key, subject_id);"
       "CREATE INDEX evaluations_by_run ON evaluations (org_id, run_id, state, score);"
       "CREATE INDEX evaluations_by_score ON evaluations (org_id, scheme_id, period_key, state,"
       " score);"
       "CREATE TABLE checklist_assessments (org_id TEXT NOT NULL, scheme_id TEXT NOT NULL,"
       " item_code TEXT NOT NULL, subject_id TEXT NOT NULL, period_key TEXT NOT NULL, version"
       " BIGINT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (org_id, scheme_id, period_key,"
       " subject_id, item_code));"
       // The audit trail of AdjustEvaluation: rows are only ever inserted.
       "CREATE TABLE adjustments (org_id TEXT NOT NULL, evaluation_id TEXT NOT NULL, seq BIGINT"
       " NOT NULL, actor_id TEXT NOT NULL, at BIGINT NOT NULL, before_score DOUBLE PRECISION NOT"
       " NULL, after_score DOUBLE PRECISION NOT NULL, reason TEXT NOT NULL, PRIMARY KEY"
       " (org_id, evaluation_id, seq))",
       /*postgres_sql=*/""},
  };
}

std::string PeriodKey(const Period& period) {
  return absl::StrCat(GranularityName(period.granularity()), ":", period.start_date());
}

absl::StatusOr<v1::Scheme> LoadScheme(Tx& tx, const std::string& org, const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows,
                   tx.Query("SELECT body FROM schemes WHERE org_id = ? AND id = ?", {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("scheme ", id, " not found"));
  v1::Scheme scheme;
  if (!scheme.ParseFromString(rows[0].Text(0))) {
    return absl::DataLossError(absl::StrCat("scheme ", id, " is stored corrupt"));
  }
  return scheme;
}

absl::Status InsertScheme(Tx& tx, const std::string& org, const v1::Scheme& scheme) {
  return tx
      .Exec("INSERT INTO schemes (org_id, id, create_at, body) VALUES (?, ?, ?, ?)",
            {org, scheme.id(), absl::ToUnixMillis(FromProto(scheme.create_time())),
             Blob{scheme.SerializeAsString()}})
      .status();
}

absl::StatusOr<v1::EvaluationRun> LoadRun(Tx& tx, const std::string& org,
                                          const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows,
                   tx.Query("SELECT body FROM runs WHERE org_id = ? AND id = ?", {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("evaluation run ", id, " not found"));
  v1::EvaluationRun run;
  if (!run.ParseFromString(rows[0].Text(0))) {
    return absl::DataLossError(absl::StrCat("evaluation run ", id, " is stored corrupt"));
  }
  return run;
}

absl::Status SaveRun(Tx& tx, const std::string& org, const v1::EvaluationRun& run, bool insert) {
  if (insert) {
    return tx
        .Exec("INSERT INTO runs (org_id, id, scheme_id, period_key, state, body) VALUES "
              "(?, ?, ?, ?, ?, ?)",
              {org, run.id(), run.scheme_id(), PeriodKey(run.period()), int64_t{run.state()},
               Blob{run.SerializeAsString()}})
        .status();
  }
  return tx
      .Exec("UPDATE runs SET state = ?, body = ? WHERE org_id = ? AND id = ?",
            {int64_t{run.state()}, Blob{run.SerializeAsString()}, org, run.id()})
      .status();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> UnfinishedRuns(Tx& tx) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT org_id, id FROM runs WHERE state IN (?, ?) "
                                       "ORDER BY id",
                                       {int64_t{common::v1::RUN_STATE_PENDING},
                                        int64_t{common::v1::RUN_STATE_RUNNING}}));
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : rows) out.emplace_back(row.Text(0), row.Text(1));
  return out;
}

absl::StatusOr<v1::Evaluation> ParseEvaluation(const storage::Row& row, size_t first) {
  v1::Evaluation e;
  if (!e.ParseFromString(row.Text(first + 2))) {
    return absl::DataLossError(absl::StrCat("evaluation ", row.Text(first), " is stored corrupt"));
  }
  e.set_grade(row.Text(first + 1));
  return e;
}

absl::StatusOr<std::optional<v1::Evaluation>> FindEvaluation(Tx& tx, const std::string& org,
                                                             const std::string& scheme_id,
                                                             const std::string& period_key,
                                                             const std::string& subject_id) {
  ASSIGN_OR_RETURN(
      Rows rows,
      tx.Query(absl::StrCat("SELECT ", kEvaluationColumns,
                            " FROM evaluations WHERE org_id = ? AND scheme_id = ? AND "
                            "period_key = ? AND subject_id = ?"),
               {org, scheme_id, period_key, subject_id}));
  if (rows.empty()) return std::optional<v1::Evaluation>();
  ASSIGN_OR_RETURN(v1::Evaluation e, ParseEvaluation(rows[0]));
  return std::optional<v1::Evaluation>(std::move(e));
}

absl::StatusOr<v1::Evaluation> LoadEvaluation(Tx& tx, const std::string& org,
                                              const std::string& id) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query(absl::StrCat("SELECT ", kEvaluationColumns,
                                                    " FROM evaluations WHERE org_id = ? AND id = ?"),
                                       {org, id}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("evaluation ", id, " not found"));
  return ParseEvaluation(rows[0]);
}

absl::Status SaveEvaluation(Tx& tx, const std::string& org, const v1::Evaluation& e,
                            const std::string& dept_path, bool insert) {
  std::string body = e.SerializeAsString();
  if (insert) {
    return tx
        .Exec("INSERT INTO evaluations (org_id, id, scheme_id, period_key, subject_id, dept_path,"
              " run_id, state, score, grade, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
              " ?, ?)",
              {org, e.id(), e.scheme_id(), PeriodKey(e.period()), e.subject_id(), dept_path,
               e.run_id(), int64_t{e.state()}, e.total_score(), e.grade(), e.version(),
               Blob{std::move(body)}})
        .status();
  }
  return tx
      .Exec("UPDATE evaluations SET dept_path = ?, run_id = ?, state = ?, score = ?, grade = ?,"
            " version = ?, body = ? WHERE org_id = ? AND id = ?",
            {dept_path, e.run_id(), int64_t{e.state()}, e.total_score(), e.grade(), e.version(),
             Blob{std::move(body)}, org, e.id()})
      .status();
}

}  // namespace opsuite::scoring
