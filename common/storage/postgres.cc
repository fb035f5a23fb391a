#include "common/storage/postgres.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"

namespace opsuite::storage {
namespace {

// Type OIDs (pg_type.dat); stable across PostgreSQL versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

std::string Trimmed(const char* s) {
  return std::string(absl::StripTrailingAsciiWhitespace(s ? s : ""));
}

bool IsRetryableState(absl::string_view state) { return state == "40001" || state == "40P01"; }

// The Status for an error the server reported with `state` (SQLSTATE).
absl::Status StatusForState(absl::string_view state, const std::string& message) {
  if (state == "23505") return absl::AlreadyExistsError(message);
  // duplicate_table, duplicate_object, duplicate_schema: DDL racing DDL (replicas migrating).
  if (state == "42P07" || state == "42710" || state == "42P06") {
    return absl::AlreadyExistsError(message);
  }
  if (state == "57014") {  // query_canceled: statement_timeout
    return absl::DeadlineExceededError(
        absl::StrCat("PostgreSQL statement took too long and was cancelled: ", message));
  }
  if (absl::StartsWith(state, "23")) return absl::FailedPreconditionError(message);  // as SQLite
  if (state == "53100") {
    return absl::ResourceExhaustedError(
        absl::StrCat(message, " (free space on the PostgreSQL server; reads still work)"));
  }
  if (absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" || state == "57P03" ||
      state == "53300") {
    return absl::UnavailableError(absl::StrCat("PostgreSQL unavailable: ", message));
  }
  if (IsRetryableState(state)) {
    return absl::UnavailableError(absl::StrCat(message, " (concurrent update; retry)"));
  }
  return absl::InternalError(message);
}

void IgnoreNotice(void*, const char*) {}

// One libpq connection, its prepared statements and the state of the open transaction.
class Connection : public Tx {
 public:
  explicit Connection(PGconn* conn) : conn_(conn) {
    PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  }
  ~Connection() override { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }
  bool retryable() const { return retryable_; }

  // Runs a statement without parameters outside the statement cache (BEGIN, COMMIT, SET).
  absl::Status Simple(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    absl::Status s = Check(r, sql);
    PQclear(r);
    return s;
  }

  absl::Status Begin(const std::string& begin_sql) {
    first_error_ = absl::OkStatus();
    retryable_ = false;
    return Simple(begin_sql);
  }

  // COMMIT; a transaction in which a statement failed is rolled back by the server (the
  // COMMIT answers "ROLLBACK"): then the first error is the result.
  absl::Status Commit() {
    if (!first_error_.ok()) {
      Rollback();
      return first_error_;
    }
    PGresult* r = PQexec(conn_, "COMMIT");
    absl::Status s = Check(r, "COMMIT");
    if (s.ok() && absl::string_view(PQcmdStatus(r)) == "ROLLBACK") {
      s = absl::AbortedError("the transaction was rolled back by the server");
    }
    PQclear(r);
    return s;
  }

  void Rollback() {
    if (broken()) return;
    PGresult* r = PQexec(conn_, "ROLLBACK");
    PQclear(r);
  }

  absl::StatusOr<Rows> Query(absl::string_view sql, const std::vector<Value>& params) override {
    ASSIGN_OR_RETURN(PGresult * r, Run(sql, params));
    Rows rows;
    const int n = PQntuples(r);
    const int cols = PQnfields(r);
    rows.reserve(n);
    std::vector<Oid> types(cols);
    for (int c = 0; c < cols; ++c) types[c] = PQftype(r, c);
    for (int i = 0; i < n; ++i) {
      std::vector<Value> values;
      values.reserve(cols);
      for (int c = 0; c < cols; ++c) {
        if (PQgetisnull(r, i, c)) {
          values.emplace_back(std::monostate{});
          continue;
        }
        const char* text = PQgetvalue(r, i, c);
        const int len = PQgetlength(r, i, c);
        switch (types[c]) {
          case kInt2Oid:
          case kInt4Oid:
          case kInt8Oid:
          case kOidOid:
            values.emplace_back(static_cast<int64_t>(std::strtoll(text, nullptr, 10)));
            break;
          case kBoolOid:
            values.emplace_back(int64_t{text[0] == 't' ? 1 : 0});
            break;
          case kFloat4Oid:
          case kFloat8Oid:
          case kNumericOid:
            values.emplace_back(std::strtod(text, nullptr));
            break;
          case kByteaOid: {
            size_t size = 0;
            unsigned char* raw =
                PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
            if (raw == nullptr) {
              PQclear(r);
              return absl::InternalError("postgres: cannot decode a bytea column");
            }
            values.emplace_back(Blob{std::string(reinterpret_cast<char*>(raw), size)});
            PQfreemem(raw);
            break;
          }
          default:
            values.emplace_back(std::string(text, len));
        }
      }
      rows.emplace_back(std::move(values));
    }
    PQclear(r);
    return rows;
  }

  absl::StatusOr<int64_t> Exec(absl::string_view sql, const std::vector<Value>& params) override {
    ASSIGN_OR_RETURN(PGresult * r, Run(sql, params));
    const char* tuples = PQcmdTuples(r);
    int64_t changed = (tuples && *tuples) ? std::strtoll(tuples, nullptr, 10) : 0;
    PQclear(r);
    return changed;
  }

 private:
  // Runs `sql` (prepared on first use) with `params`; the result is the caller's to PQclear.
  absl::StatusOr<PGresult*> Run(absl::string_view sql, const std::vector<Value>& params) {
    if (!first_error_.ok()) {
      // PostgreSQL refuses every statement after an error until the transaction ends.
      return absl::Status(first_error_.code(),
                          absl::StrCat("an earlier statement of this transaction failed: ",
                                       first_error_.message()));
    }
    const int n = static_cast<int>(params.size());
    std::vector<Oid> types(n);
    std::vector<std::string> text(n);
    std::vector<const char*> values(n);
    std::vector<int> lengths(n);
    std::vector<int> formats(n);
    std::string key(sql.data(), sql.size());
    key.push_back('\0');
    for (int i = 0; i < n; ++i) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              types[i] = 0;  // the server infers it
              values[i] = nullptr;
            } else if constexpr (std::is_same_v<T, int64_t>) {
              types[i] = kInt8Oid;
              text[i] = absl::StrCat(v);
              values[i] = text[i].c_str();
            } else if constexpr (std::is_same_v<T, double>) {
              types[i] = kFloat8Oid;
              if (std::isnan(v)) {
                text[i] = "NaN";
              } else if (std::isinf(v)) {
                text[i] = v > 0 ? "Infinity" : "-Infinity";
              } else {
                text[i] = absl::StrFormat("%.17g", v);
              }
              values[i] = text[i].c_str();
            } else if constexpr (std::is_same_v<T, std::string>) {
              types[i] = kTextOid;
              values[i] = v.c_str();
            } else {
              types[i] = kByteaOid;
              values[i] = v.data.data();
              lengths[i] = static_cast<int>(v.data.size());
              formats[i] = 1;  // binary: the bytes as they are
            }
          },
          params[i]);
      key.push_back(static_cast<char>('a' + params[i].index()));
    }
    auto it = statements_.find(key);
    if (it == statements_.end()) {
      int count = 0;
      std::string rewritten = RewritePlaceholders(sql, &count);
      if (count != n) {
        return absl::InternalError(
            absl::StrCat("`", sql, "` takes ", count, " parameters, got ", n));
      }
      std::string name = absl::StrCat("s", ++statement_counter_);
      PGresult* r = PQprepare(conn_, name.c_str(), rewritten.c_str(), n, types.data());
      absl::Status s = Check(r, rewritten);
      PQclear(r);
      if (!s.ok()) return s;
      it = statements_.emplace(std::move(key), std::move(name)).first;
    }
    PGresult* r = PQexecPrepared(conn_, it->second.c_str(), n, values.data(), lengths.data(),
                                 formats.data(), /*resultFormat=*/0);
    absl::Status s = Check(r, sql);
    if (!s.ok()) {
      PQclear(r);
      return s;
    }
    return r;
  }

  // OK for a successful result; otherwise the mapped error, remembered as the transaction's
  // first error.
  absl::Status Check(PGresult* r, absl::string_view sql) {
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
      return absl::OkStatus();
    }
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = Trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
    absl::Status s;
    if (state == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      broken_ = true;
      s = absl::UnavailableError(absl::StrCat("PostgreSQL connection lost: ", message));
    } else {
      absl::string_view code(state);
      if (IsRetryableState(code)) retryable_ = true;
      if (code == "0A000" && absl::StrContains(message, "cached plan")) {
        // A table changed under a prepared statement: prepare again on the next run.
        statements_.clear();
        retryable_ = true;
      }
      if (absl::StartsWith(code, "08") || absl::StartsWith(code, "57P")) broken_ = true;
      s = StatusForState(code, absl::StrCat(message, " [", code, "] in `", sql, "`"));
    }
    if (first_error_.ok()) first_error_ = s;
    return s;
  }

  PGconn* conn_;
  bool broken_ = false;
  bool retryable_ = false;
  absl::Status first_error_;
  int statement_counter_ = 0;
  // SQL text + '\0' + the parameters' kinds -> prepared statement name.
  std::unordered_map<std::string, std::string> statements_;
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(PostgresOptions options) : options_(std::move(options)) {
    if (options_.pool_size < 1) options_.pool_size = 1;
    if (options_.max_attempts < 1) options_.max_attempts = 1;
  }

  ~PostgresDatabase() override {
    absl::MutexLock lock(&mu_);
    idle_.clear();
  }

  absl::StatusOr<std::unique_ptr<Connection>> Dial(bool with_schema) {
    const std::string timeout =
        absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(options_.connect_timeout)));
    const std::string statement = absl::StrCat(
        "-c statement_timeout=", std::max<int64_t>(1, absl::ToInt64Milliseconds(options_.statement_timeout)));
    const int64_t dead_s = std::max<int64_t>(3, absl::ToInt64Seconds(options_.dead_peer_timeout));
    const std::string idle = absl::StrCat(std::max<int64_t>(1, dead_s / 2));
    const std::string interval = absl::StrCat(std::max<int64_t>(1, dead_s / 6));
    const std::string user_timeout = absl::StrCat(dead_s * 1000);
    const char* keys[] = {"dbname",    "connect_timeout",    "client_encoding",     "application_name",
                          "options",   "keepalives",         "keepalives_idle",     "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout", nullptr};
    const char* vals[] = {options_.url.c_str(), timeout.c_str(), "UTF8", "opsuite",
                          statement.c_str(),    "1",             idle.c_str(), interval.c_str(),
                          "3",                  user_timeout.c_str(), nullptr};
    PGconn* raw = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
    if (raw == nullptr) return absl::ResourceExhaustedError("libpq: out of memory");
    if (PQstatus(raw) != CONNECTION_OK) {
      std::string message = Trimmed(PQerrorMessage(raw));
      PQfinish(raw);
      return absl::UnavailableError(
          absl::StrCat("cannot connect to PostgreSQL (", Redacted(), "): ", message));
    }
    auto conn = std::make_unique<Connection>(raw);
    if (with_schema && !options_.schema.empty()) {
      RETURN_IF_ERROR(conn->Simple(absl::StrCat("SET search_path TO ", quoted_schema_)));
    }
    return conn;
  }

  absl::Status CreateSchema() {
    if (options_.schema.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto conn, Dial(/*with_schema=*/false));
    absl::Status s = conn->Simple(absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", quoted_schema_));
    // Two processes creating it at once: one of them loses the race on the catalog.
    if (absl::IsAlreadyExists(s)) s = absl::OkStatus();
    return s;
  }

  absl::Status Write(absl::FunctionRef<absl::Status(Tx&)> fn) override {
    absl::Status status = Transact(options_.serializable ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                                         : "BEGIN ISOLATION LEVEL READ COMMITTED",
                                   fn);
    if (status.ok()) {
      std::vector<std::function<void()>> listeners;
      {
        absl::MutexLock lock(&listeners_mu_);
        listeners = listeners_;
      }
      for (auto& l : listeners) l();
    }
    return status;
  }

  absl::Status Read(absl::FunctionRef<absl::Status(Tx&)> fn) override {
    return Transact("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn);
  }

  absl::string_view Dialect() const override { return "postgres"; }

  void OnCommit(std::function<void()> listener) override {
    absl::MutexLock lock(&listeners_mu_);
    listeners_.push_back(std::move(listener));
  }

  void set_quoted_schema(std::string q) { quoted_schema_ = std::move(q); }

 private:
  struct Lease {
    std::unique_ptr<Connection> conn;
    bool reused = false;
  };

  // The URL without a password, for messages.
  std::string Redacted() const { return log::RedactedUrl(options_.url); }

  absl::StatusOr<Lease> Acquire() {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &PostgresDatabase::CanAcquire));
      while (!idle_.empty()) {
        std::unique_ptr<Connection> conn = std::move(idle_.back());
        idle_.pop_back();
        if (!conn->broken()) return Lease{std::move(conn), true};
        --open_;  // known broken: drop it and dial a new one
      }
      ++open_;
    }
    auto conn = Dial(/*with_schema=*/true);
    if (!conn.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
      return conn.status();
    }
    return Lease{*std::move(conn), false};
  }

  void Release(Lease lease) {
    absl::MutexLock lock(&mu_);
    if (lease.conn->broken()) {
      --open_;  // dropped; the next Acquire dials a fresh one
      return;
    }
    idle_.push_back(std::move(lease.conn));
  }

  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < options_.pool_size;
  }

  absl::Status Transact(const std::string& begin, absl::FunctionRef<absl::Status(Tx&)> fn) {
    int stale = 0;
    for (int attempt = 1;; ++attempt) {
      ASSIGN_OR_RETURN(Lease lease, Acquire());
      absl::Status status = lease.conn->Begin(begin);
      if (!status.ok()) {
        // A pooled connection that died while idle (PostgreSQL restarted): drop it, dial anew.
        bool retry = lease.reused && lease.conn->broken() && stale++ <= options_.pool_size;
        Release(std::move(lease));
        if (retry) {
          --attempt;
          continue;
        }
        return status;
      }
      status = fn(*lease.conn);
      if (status.ok()) {
        status = lease.conn->Commit();
      } else {
        lease.conn->Rollback();
      }
      const bool retry = !status.ok() && lease.conn->retryable() && attempt < options_.max_attempts;
      Release(std::move(lease));
      if (!retry) return status;
      // Serialization failure or deadlock: back off a little (jittered) and run `fn` again.
      thread_local absl::BitGen gen;
      int64_t cap_us = std::min<int64_t>(50'000, int64_t{1000} << std::min(attempt, 6));
      absl::SleepFor(absl::Microseconds(absl::Uniform<int64_t>(gen, 100, cap_us)));
    }
  }

  PostgresOptions options_;
  std::string quoted_schema_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + leased
  absl::Mutex listeners_mu_;
  std::vector<std::function<void()>> listeners_ ABSL_GUARDED_BY(listeners_mu_);
};

std::string QuoteIdentifier(absl::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

bool IsPostgresUrl(absl::string_view url) {
  return absl::StartsWith(url, "postgres://") || absl::StartsWith(url, "postgresql://");
}

std::string RewritePlaceholders(absl::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  auto emit = [&out](absl::string_view piece) { out.append(piece.data(), piece.size()); };
  int n = 0;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      // A literal or quoted identifier; a doubled quote inside is an escaped quote and is
      // handled by leaving and re-entering.
      size_t end = sql.find(c, i + 1);
      if (end == absl::string_view::npos) end = sql.size() - 1;
      emit(sql.substr(i, end - i + 1));
      i = end + 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      if (end == absl::string_view::npos) end = sql.size();
      emit(sql.substr(i, end - i));
      i = end;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      end = end == absl::string_view::npos ? sql.size() : end + 2;
      emit(sql.substr(i, end - i));
      i = end;
    } else if (c == '?') {
      absl::StrAppend(&out, "$", ++n);
      ++i;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  if (count) *count = n;
  return out;
}

absl::StatusOr<DatabasePtr> OpenPostgres(const PostgresOptions& options) {
  if (!IsPostgresUrl(options.url)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a PostgreSQL URL (postgres://...): ", options.url));
  }
  auto db = std::make_unique<PostgresDatabase>(options);
  if (!options.schema.empty()) db->set_quoted_schema(QuoteIdentifier(options.schema));
  RETURN_IF_ERROR(db->CreateSchema());
  // One round trip through the pool: the URL works and the schema is the search path.
  RETURN_IF_ERROR(db->Read([](Tx& tx) { return tx.Query("SELECT 1", {}).status(); }));
  return db;
}

}  // namespace opsuite::storage
