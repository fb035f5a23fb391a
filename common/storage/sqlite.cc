#include "common/storage/sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <vector>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"

namespace opsuite::storage {
namespace {

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(message);
      }
      return absl::FailedPreconditionError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(
          absl::StrCat(message, " (free space in the data directory; reads still work)"));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(absl::StrCat(message, " (database busy; retry)"));
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

// One SQLite connection and its prepared statements.
class Connection : public Tx {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const SqliteOptions& options,
                                                          bool writer) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                              : SQLITE_OPEN_READONLY);
    int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      absl::Status s = SqliteError(db, rc, absl::StrCat("cannot open ", options.path));
      sqlite3_close(db);
      return s;
    }
    auto conn = std::unique_ptr<Connection>(new Connection(db));
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    sqlite3_extended_result_codes(db, 1);
    std::string pragmas = absl::StrCat("PRAGMA cache_size=-", options.cache_size_kib,
                                       "; PRAGMA temp_store=MEMORY;");
    if (writer) {
      absl::StrAppend(&pragmas,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                      "PRAGMA foreign_keys=ON;");
    }
    RETURN_IF_ERROR(conn->ExecScript(pragmas));
    return conn;
  }

  ~Connection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  // True outside a transaction (also after SQLite rolled one back on its own).
  bool InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }

  absl::Status ExecScript(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string what = err ? err : "";
      sqlite3_free(err);
      return SqliteError(db_, rc, absl::StrCat("sqlite: ", what));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Rows> Query(absl::string_view sql, const std::vector<Value>& params) override {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    Rows rows;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      int n = sqlite3_column_count(stmt);
      std::vector<Value> values;
      values.reserve(n);
      for (int i = 0; i < n; ++i) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_INTEGER:
            values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
            break;
          case SQLITE_FLOAT:
            values.emplace_back(sqlite3_column_double(stmt, i));
            break;
          case SQLITE_TEXT:
            values.emplace_back(std::string(
                reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                sqlite3_column_bytes(stmt, i)));
            break;
          case SQLITE_BLOB: {
            const char* data = static_cast<const char*>(sqlite3_column_blob(stmt, i));
            values.emplace_back(Blob{std::string(data ? data : "", sqlite3_column_bytes(stmt, i))});
            break;
          }
          default:
            values.emplace_back(std::monostate{});
        }
      }
      rows.emplace_back(std::move(values));
    }
    absl::Status status = rc == SQLITE_DONE ? absl::OkStatus() : SqliteError(db_, rc, "query");
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (!status.ok()) return status;
    return rows;
  }

  // One statement without parameters (BEGIN, COMMIT, SAVEPOINT ...), prepared once and kept:
  // sqlite3_exec would compile it again on every transaction.
  absl::Status Run(absl::string_view sql) { return Exec(sql, {}).status(); }

  absl::StatusOr<int64_t> Exec(absl::string_view sql, const std::vector<Value>& params) override {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    absl::Status status = rc == SQLITE_DONE ? absl::OkStatus() : SqliteError(db_, rc, "exec");
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (!status.ok()) return status;
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view sql, const std::vector<Value>& params) {
    auto it = statements_.find(std::string_view(sql.data(), sql.size()));
    sqlite3_stmt* stmt;
    if (it != statements_.end()) {
      stmt = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, absl::StrCat("prepare `", sql, "`"));
      statements_.emplace(std::string(sql), stmt);
    }
    if (sqlite3_bind_parameter_count(stmt) != static_cast<int>(params.size())) {
      return absl::InternalError(absl::StrCat("`", sql, "` takes ",
                                              sqlite3_bind_parameter_count(stmt),
                                              " parameters, got ", params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              return sqlite3_bind_null(stmt, idx);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              return sqlite3_bind_int64(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, std::string>) {
              return sqlite3_bind_text(stmt, idx, v.data(), static_cast<int>(v.size()),
                                       SQLITE_STATIC);
            } else {
              return sqlite3_bind_blob(stmt, idx, v.data.data(), static_cast<int>(v.data.size()),
                                       SQLITE_STATIC);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return SqliteError(db_, rc, "bind");
      }
    }
    return stmt;
  }

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>()(s);
    }
  };
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> statements_;
};

class SqliteDatabase final : public Database {
 public:
  absl::Status Init(const SqliteOptions& options) {
    ASSIGN_OR_RETURN(writer_, Connection::Open(options, /*writer=*/true));
    for (int i = 0; i < std::max(1, options.readers); ++i) {
      ASSIGN_OR_RETURN(auto reader, Connection::Open(options, /*writer=*/false));
      idle_readers_.push_back(reader.get());
      readers_.push_back(std::move(reader));
    }
    return absl::OkStatus();
  }

  // Group commit: a writer queues its fn; the writer that finds no one leading takes the whole
  // queue and runs it in one transaction, each fn inside a SAVEPOINT (a fn that fails is rolled
  // back alone), and commits them with one fsync. Writers that arrive meanwhile wait on their
  // own CondVar; when the group is done the leader wakes each of its members and hands the lead
  // to the first writer still queued. Under load the fsyncs are shared; at rest a write is a
  // transaction of its own. Each fn sees the writes of the fns before it, as if run one by one.
  absl::Status Write(absl::FunctionRef<absl::Status(Tx&)> fn) override {
    Pending me{fn};
    std::vector<Pending*> group;
    {
      absl::MutexLock lock(&queue_mu_);
      queue_.push_back(&me);
      if (leading_) {
        while (!me.done && !me.lead) me.cv.Wait(&queue_mu_);
        if (me.done) return me.status;
      }
      leading_ = true;
      group.swap(queue_);
    }
    bool committed;
    {
      absl::MutexLock lock(&write_mu_);
      committed = RunGroup(group);
    }
    {
      absl::MutexLock lock(&queue_mu_);
      for (Pending* p : group) {
        p->done = true;
        if (p != &me) p->cv.Signal();
      }
      if (queue_.empty()) {
        leading_ = false;
      } else {
        queue_.front()->lead = true;
        queue_.front()->cv.Signal();
      }
    }
    if (committed) {
      std::vector<std::function<void()>> listeners;
      {
        absl::MutexLock lock(&listeners_mu_);
        listeners = listeners_;
      }
      for (auto& l : listeners) l();
    }
    return me.status;
  }

  WriteStats Stats() const override {
    return {.writes = grouped_writes_.load(), .commits = group_commits_.load()};
  }

  absl::Status Read(absl::FunctionRef<absl::Status(Tx&)> fn) override {
    Connection* conn;
    {
      absl::MutexLock lock(&readers_mu_);
      readers_mu_.Await(absl::Condition(
          +[](std::deque<Connection*>* idle) { return !idle->empty(); }, &idle_readers_));
      conn = idle_readers_.front();
      idle_readers_.pop_front();
    }
    absl::Status status = conn->Run("BEGIN");
    if (status.ok()) {
      status = fn(*conn);
      absl::Status end = conn->Run(status.ok() ? "COMMIT" : "ROLLBACK");
      if (status.ok()) status = end;
    }
    absl::MutexLock lock(&readers_mu_);
    idle_readers_.push_back(conn);
    return status;
  }

  absl::string_view Dialect() const override { return "sqlite"; }

  void OnCommit(std::function<void()> listener) override {
    absl::MutexLock lock(&listeners_mu_);
    listeners_.push_back(std::move(listener));
  }

 private:
  struct Pending {
    explicit Pending(absl::FunctionRef<absl::Status(Tx&)> f) : fn(f) {}
    absl::FunctionRef<absl::Status(Tx&)> fn;
    absl::Status status;  // set by the leader before done
    bool done = false;    // under queue_mu_
    bool lead = false;    // under queue_mu_: the previous leader handed the lead to this one
    absl::CondVar cv;
  };

  // Runs `group` to a commit; sets each one's status and done. True when something committed.
  bool RunGroup(std::vector<Pending*>& group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    std::vector<Pending*> left = group;
    bool committed = false;
    for (int attempt = 0; !left.empty(); ++attempt) {
      absl::Status begun = writer_->Run("BEGIN IMMEDIATE");
      if (!begun.ok()) {
        // Another process holds the write lock past the busy timeout: try again twice.
        if (IsBusy(begun) && attempt < 2) continue;
        for (Pending* p : left) Finish(p, begun);
        break;
      }
      std::vector<Pending*> ran;  // fns whose writes are in this transaction
      Pending* aborted = nullptr;  // a fn whose error ended the whole transaction
      for (Pending* p : left) {
        if (!writer_->Run("SAVEPOINT w").ok()) {
          aborted = p;
          p->status = absl::UnavailableError("sqlite: cannot open a savepoint; retry");
          break;
        }
        absl::Status status = p->fn(*writer_);
        if (writer_->InAutocommit()) {
          // SQLite rolled the whole transaction back (disk full, I/O error): this fn gets the
          // error, the ones before it run again in a fresh transaction.
          aborted = p;
          p->status = status.ok() ? absl::UnavailableError("sqlite: transaction rolled back")
                                  : status;
          break;
        }
        if (!status.ok()) writer_->Run("ROLLBACK TO w").IgnoreError();
        writer_->Run("RELEASE w").IgnoreError();
        p->status = status;
        ran.push_back(p);
      }
      if (aborted != nullptr) {
        Finish(aborted, aborted->status);
        left.erase(std::find(left.begin(), left.end(), aborted));
        if (!writer_->InAutocommit()) writer_->Run("ROLLBACK").IgnoreError();
        continue;  // the others again, fresh: "fn may run more than once"
      }
      absl::Status commit = writer_->Run("COMMIT");
      if (!commit.ok()) {
        writer_->Run("ROLLBACK").IgnoreError();
        if (IsBusy(commit) && attempt < 2) continue;
        for (Pending* p : left) Finish(p, commit);
        break;
      }
      uint64_t ok = 0;
      for (Pending* p : ran) ok += p->status.ok() ? 1 : 0;
      committed = ok > 0;
      grouped_writes_.fetch_add(ok);
      group_commits_.fetch_add(1);
      break;
    }
    return committed;
  }

  static bool IsBusy(const absl::Status& s) {
    return s.code() == absl::StatusCode::kUnavailable &&
           s.message().find("busy") != absl::string_view::npos;
  }
  static void Finish(Pending* p, absl::Status status) { p->status = std::move(status); }

  absl::Mutex queue_mu_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool leading_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::atomic<uint64_t> grouped_writes_{0};
  std::atomic<uint64_t> group_commits_{0};
  absl::Mutex write_mu_;
  std::unique_ptr<Connection> writer_ ABSL_GUARDED_BY(write_mu_);
  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::deque<Connection*> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
  absl::Mutex listeners_mu_;
  std::vector<std::function<void()>> listeners_ ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace

absl::StatusOr<DatabasePtr> OpenSqlite(const SqliteOptions& options) {
  if (options.path.empty() || options.path == ":memory:") {
    return absl::InvalidArgumentError("sqlite needs a file path (readers share it)");
  }
  auto db = std::make_unique<SqliteDatabase>();
  RETURN_IF_ERROR(db->Init(options));
  return db;
}

}  // namespace opsuite::storage
