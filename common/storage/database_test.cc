// The storage tests, run against every backend: SQLite in a temp dir, and a real PostgreSQL
// (a throw-away cluster per test binary, a fresh database per test; see
// common/testing/postgres_server.h).
#include <filesystem>
#include <functional>
#include <thread>

#include "common/status.h"
#include "common/storage/idempotency.h"
#include "common/storage/outbox.h"
#include "common/storage/postgres.h"
#include "common/storage/sqlite.h"
#include "common/testing/postgres_server.h"
#include "absl/synchronization/notification.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "opsuite/common/v1/common.pb.h"

namespace opsuite::storage {

// One PostgreSQL server for the whole binary (started on first use).
testing::PostgresServer* SharedPostgres() {
  static std::unique_ptr<testing::PostgresServer> server = [] {
    auto s = testing::PostgresServer::Start();
    if (!s.ok()) {
      ADD_FAILURE() << s.status();
      return std::unique_ptr<testing::PostgresServer>();
    }
    return *std::move(s);
  }();
  return server.get();
}

namespace {

enum class Backend { kSqlite, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

class StorageTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    if (GetParam() == Backend::kSqlite) {
      dir_ = std::filesystem::temp_directory_path() /
             ("opsuite_sqlite_" + std::to_string(::getpid()) + "_" + name);
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
    } else {
      ASSERT_NE(SharedPostgres(), nullptr);
      auto url = SharedPostgres()->CreateDatabase();
      ASSERT_TRUE(url.ok()) << url.status();
      url_ = *url;
    }
    auto db = Open("test");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    absl::Status migrated = ApplyMigrations(*db_, "test",
                                            {{1, "items",
                                              "CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT, "
                                              "body BLOB)"}});
    ASSERT_TRUE(migrated.ok()) << migrated;
  }
  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // The database of `component` (a file of its own in SQLite, a schema of its own in
  // PostgreSQL, as server::Env::open_database does).
  absl::StatusOr<DatabasePtr> Open(const std::string& component) {
    if (GetParam() == Backend::kSqlite) {
      return OpenSqlite({.path = (dir_ / (component + ".db")).string()});
    }
    return OpenPostgres({.url = url_, .pool_size = 4, .schema = component});
  }
  std::filesystem::path dir_;
  std::string url_;
  DatabasePtr db_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

TEST_P(StorageTest, WriteThenReadRoundTripsEveryType) {
  ASSERT_TRUE(db_->Write([](Tx& tx) {
                   return tx
                       .Exec("INSERT INTO items VALUES (?, ?, ?)",
                             {std::string("a"), int64_t{42}, Blob{std::string("\0x", 2)}})
                       .status();
                 })
                  .ok());
  ASSERT_TRUE(db_->Read([](Tx& tx) -> absl::Status {
                   ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, n, body, NULL FROM items", {}));
                   EXPECT_EQ(rows.size(), 1u);
                   EXPECT_EQ(rows[0].Text(0), "a");
                   EXPECT_EQ(rows[0].Int(1), 42);
                   EXPECT_EQ(rows[0].Text(2), std::string("\0x", 2));
                   EXPECT_TRUE(rows[0].IsNull(3));
                   return absl::OkStatus();
                 })
                  .ok());
}

TEST_P(StorageTest, FailedWriteRollsBack) {
  absl::Status s = db_->Write([](Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(
        tx.Exec("INSERT INTO items (id, n) VALUES (?, ?)", {std::string("a"), int64_t{1}})
            .status());
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  db_->Read([](Tx& tx) -> absl::Status {
       ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM items", {}));
       EXPECT_EQ(rows[0].Int(0), 0);
       return absl::OkStatus();
     })
      .IgnoreError();
}

TEST_P(StorageTest, DuplicateKeyIsAlreadyExists) {
  auto insert = [](Tx& tx) {
    return tx.Exec("INSERT INTO items (id) VALUES (?)", {std::string("a")}).status();
  };
  ASSERT_TRUE(db_->Write(insert).ok());
  EXPECT_EQ(db_->Write(insert).code(), absl::StatusCode::kAlreadyExists);
}

TEST_P(StorageTest, HostileTextIsBoundNotInterpreted) {
  const std::string hostile = "x'); DROP TABLE items; --";
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   return tx.Exec("INSERT INTO items (id) VALUES (?)", {hostile}).status();
                 })
                  .ok());
  db_->Read([&](Tx& tx) -> absl::Status {
       ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id FROM items WHERE id = ?", {hostile}));
       EXPECT_EQ(rows.size(), 1u);
       return absl::OkStatus();
     })
      .IgnoreError();
}

TEST_P(StorageTest, MigrationsAreIdempotent) {
  EXPECT_TRUE(
      ApplyMigrations(*db_, "test", {{1, "items", "CREATE TABLE items (id TEXT PRIMARY KEY)"}})
          .ok());
}

TEST_P(StorageTest, ConcurrentWritersAndReaders) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(db_->Write([&](Tx& tx) {
                         return tx
                             .Exec("INSERT INTO items (id, n) VALUES (?, ?)",
                                   {std::to_string(t) + "-" + std::to_string(i), int64_t{i}})
                             .status();
                       })
                        .ok());
        ASSERT_TRUE(
            db_->Read([](Tx& tx) { return tx.Query("SELECT COUNT(*) FROM items", {}).status(); })
                .ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  db_->Read([](Tx& tx) -> absl::Status {
       ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM items", {}));
       EXPECT_EQ(rows[0].Int(0), 200);
       return absl::OkStatus();
     })
      .IgnoreError();
}

// Writers queued behind a running write are committed together, and one of them failing
// rolls back only its own writes.
TEST_P(StorageTest, WritersQueuedTogetherCommitTogetherAndFailAlone) {
  absl::Notification first_running, release_first;
  std::thread first([&] {
    EXPECT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                     if (!first_running.HasBeenNotified()) first_running.Notify();
                     release_first.WaitForNotification();
                     return tx.Exec("INSERT INTO items (id, n) VALUES ('first', 0)", {}).status();
                   })
                    .ok());
  });
  first_running.WaitForNotification();
  const Database::WriteStats before = db_->Stats();
  std::vector<std::thread> queued;
  std::vector<absl::Status> results(6);
  for (int i = 0; i < 6; ++i) {
    queued.emplace_back([&, i] {
      results[i] = db_->Write([&](Tx& tx) -> absl::Status {
        RETURN_IF_ERROR(tx.Exec("INSERT INTO items (id, n) VALUES (?, ?)",
                                {absl::StrCat("q", i), int64_t{i}})
                            .status());
        // Each fn sees the ones committed with it before it, as if run one by one.
        ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM items WHERE id LIKE 'q%'", {}));
        if (rows[0].Int(0) < 1) return absl::InternalError("own insert not visible");
        if (i == 3) return absl::FailedPreconditionError("writer 3 changes its mind");
        return absl::OkStatus();
      });
    });
  }
  absl::SleepFor(absl::Milliseconds(300));  // all six are waiting behind the first
  release_first.Notify();
  first.join();
  for (auto& t : queued) t.join();
  for (int i = 0; i < 6; ++i) {
    if (i == 3) {
      EXPECT_EQ(results[i].code(), absl::StatusCode::kFailedPrecondition) << results[i];
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i];
    }
  }
  ASSERT_TRUE(db_->Read([](Tx& tx) -> absl::Status {
                   ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id FROM items ORDER BY id", {}));
                   std::vector<std::string> ids;
                   for (const auto& r : rows) ids.push_back(r.Text(0));
                   EXPECT_EQ(ids, (std::vector<std::string>{"first", "q0", "q1", "q2", "q4", "q5"}));
                   return absl::OkStatus();
                 })
                  .ok());
  if (GetParam() == Backend::kSqlite) {
    // The first write's commit, then one commit for the five queued writes that succeeded.
    const Database::WriteStats after = db_->Stats();
    EXPECT_EQ(after.writes - before.writes, 6u);
    EXPECT_EQ(after.commits - before.commits, 2u);
  }
}

// Under concurrent load, the writes are all there and (SQLite) share their commits.
TEST_P(StorageTest, ConcurrentWritersShareCommits) {
  constexpr int kThreads = 16, kEach = 40;
  const Database::WriteStats before = db_->Stats();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        absl::Status s = db_->Write([&](Tx& tx) {
          return tx.Exec("INSERT INTO items (id, n) VALUES (?, ?)",
                         {absl::StrCat(t, "-", i), int64_t{i}})
              .status();
        });
        EXPECT_TRUE(s.ok()) << s;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(db_->Read([&](Tx& tx) -> absl::Status {
                   ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM items", {}));
                   EXPECT_EQ(rows[0].Int(0), kThreads * kEach);
                   return absl::OkStatus();
                 })
                  .ok());
  if (GetParam() == Backend::kSqlite) {
    const Database::WriteStats after = db_->Stats();
    EXPECT_EQ(after.writes - before.writes, static_cast<uint64_t>(kThreads * kEach));
    EXPECT_LT(after.commits - before.commits, static_cast<uint64_t>(kThreads * kEach) / 2)
        << "16 concurrent writers should share fsyncs";
  }
}

TEST_P(StorageTest, OutboxKeepsOrderAndMarksSent) {
  int commits = 0;
  db_->OnCommit([&] { ++commits; });
  for (int i = 0; i < 3; ++i) {
    common::v1::Event e;
    e.set_id("e" + std::to_string(i));
    e.set_type("test.thing");
    ASSERT_TRUE(db_->Write([&](Tx& tx) { return AppendOutbox(tx, e); }).ok());
  }
  EXPECT_EQ(commits, 3);
  auto rows = FetchUnsentOutbox(*db_, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].event.id(), "e0");
  EXPECT_EQ((*rows)[2].event.id(), "e2");
  ASSERT_TRUE(MarkOutboxSent(*db_, {(*rows)[0].seq, (*rows)[1].seq}).ok());
  EXPECT_EQ(*CountUnsentOutbox(*db_), 1);
  EXPECT_EQ((*FetchUnsentOutbox(*db_, 10))[0].event.id(), "e2");
}

TEST_P(StorageTest, ACorruptOutboxRowIsParkedNotBlocking) {
  common::v1::Event good;
  good.set_id("good");
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   RETURN_IF_ERROR(tx.Exec("INSERT INTO outbox (event_id, event, created_at) "
                                           "VALUES ('bad', ?, 0)",
                                           {Blob{std::string(4, '\xff')}})
                                       .status());
                   return AppendOutbox(tx, good);
                 })
                  .ok());
  auto rows = FetchUnsentOutbox(*db_, 10);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].event.id(), "good");
  EXPECT_EQ(*CountUnsentOutbox(*db_), 1);  // the corrupt row is parked, not pending
}

TEST_P(StorageTest, IdempotencyReturnsTheFirstResponse) {
  common::v1::Period first;
  first.set_start_date("2026-01-01");
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   common::v1::Period seen;
                   ASSIGN_OR_RETURN(bool hit, LookupIdempotent(tx, "org", "Op", "r1", &seen));
                   EXPECT_FALSE(hit);
                   return RememberIdempotent(tx, "org", "Op", "r1", first);
                 })
                  .ok());
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   common::v1::Period seen;
                   ASSIGN_OR_RETURN(bool hit, LookupIdempotent(tx, "org", "Op", "r1", &seen));
                   EXPECT_TRUE(hit);
                   EXPECT_EQ(seen.start_date(), "2026-01-01");
                   ASSIGN_OR_RETURN(hit, LookupIdempotent(tx, "other-org", "Op", "r1", &seen));
                   EXPECT_FALSE(hit);
                   return absl::OkStatus();
                 })
                  .ok());
}

TEST_P(StorageTest, NullIntDoubleTextBlobRoundTrip) {
  const std::string blob = db_->Dialect() == "postgres" ? "BYTEA" : "BLOB";
  absl::Status written = db_->Write([&](Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Exec("CREATE TABLE kinds (i BIGINT, d DOUBLE PRECISION, "
                            "t TEXT, b " +
                                blob + ", z TEXT)",
                            {})
                        .status());
    return tx
        .Exec("INSERT INTO kinds VALUES (?, ?, ?, ?, ?)",
              {int64_t{-9007199254740993}, 2.5, std::string("文本 'q'"),
               Blob{std::string("\0\x01\xff\\x", 5)}, std::monostate{}})
        .status();
  });
  ASSERT_TRUE(written.ok()) << written;
  absl::Status s = db_->Read([](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT i, d, t, b, z, COUNT(*) FROM kinds "
                                         "GROUP BY i, d, t, b, z",
                                         {}));
    EXPECT_EQ(rows.size(), 1u);
    if (rows.empty()) return absl::OkStatus();
    EXPECT_EQ(rows[0].Int(0), -9007199254740993);
    EXPECT_DOUBLE_EQ(rows[0].Double(1), 2.5);
    EXPECT_EQ(rows[0].Text(2), "文本 'q'");
    EXPECT_EQ(rows[0].Text(3), std::string("\0\x01\xff\\x", 5));
    EXPECT_TRUE(rows[0].IsNull(4));
    EXPECT_EQ(rows[0].Int(5), 1);
    // A NULL parameter compares as NULL, typed from its context.
    ASSIGN_OR_RETURN(
        rows, tx.Query("SELECT COUNT(*) FROM kinds WHERE z IS NULL AND i <> ?", {int64_t{0}}));
    EXPECT_EQ(rows[0].Int(0), 1);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_P(StorageTest, PlaceholdersInsideStringLiteralsStayText) {
  absl::Status s = db_->Read([](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT 'a?b', 'it''s ?', ? /* ? */", {int64_t{7}}));
    EXPECT_EQ(rows[0].Text(0), "a?b");
    EXPECT_EQ(rows[0].Text(1), "it's ?");
    EXPECT_EQ(rows[0].Int(2), 7);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_P(StorageTest, WrongParameterCountIsAnError) {
  absl::Status s =
      db_->Read([](Tx& tx) { return tx.Query("SELECT id FROM items WHERE id = ?", {}).status(); });
  EXPECT_FALSE(s.ok());
}

TEST_P(StorageTest, ComponentsDoNotShareTables) {
  auto other = Open("other");
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE(ApplyMigrations(**other, "other",
                              {{1, "items", "CREATE TABLE items (id TEXT PRIMARY KEY, x BIGINT)"}})
                  .ok());
  ASSERT_TRUE(db_->Write([](Tx& tx) {
                   return tx.Exec("INSERT INTO items (id) VALUES ('mine')", {}).status();
                 })
                  .ok());
  absl::Status s = (*other)->Read([](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM items", {}));
    EXPECT_EQ(rows[0].Int(0), 0);
    ASSIGN_OR_RETURN(rows, tx.Query("SELECT component FROM schema_migrations ORDER BY 1", {}));
    EXPECT_EQ(rows.size(), 2u);  // common and other; not test
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(*CountUnsentOutbox(**other), 0);
}

TEST_P(StorageTest, CommitListenersRunOnlyAfterCommits) {
  int commits = 0;
  db_->OnCommit([&] { ++commits; });
  ASSERT_TRUE(db_->Write([](Tx&) { return absl::OkStatus(); }).ok());
  EXPECT_FALSE(db_->Write([](Tx&) { return absl::InternalError("no"); }).ok());
  ASSERT_TRUE(db_->Read([](Tx&) { return absl::OkStatus(); }).ok());
  EXPECT_EQ(commits, 1);
}

// Replicas of a service start side by side and migrate the same schema at once (in a cluster,
// each its own process with its own connections): every one of them starts, and the schema
// is migrated once.
TEST_P(StorageTest, ReplicasMigratingAtOnceAllStart) {
  const std::vector<Migration> migrations = {
      {1, "orders", "CREATE TABLE orders (id TEXT PRIMARY KEY, total BIGINT)"},
      {2, "order lines", "CREATE TABLE order_lines (order_id TEXT, n BIGINT, PRIMARY KEY (order_id, n))"},
      {3, "an index", "CREATE INDEX order_lines_by_order ON order_lines (order_id)"}};
  constexpr int kReplicas = 4;
  std::vector<DatabasePtr> dbs;
  for (int i = 0; i < kReplicas; ++i) {
    auto db = Open("replicated");
    ASSERT_TRUE(db.ok()) << db.status();
    dbs.push_back(*std::move(db));
  }
  std::vector<absl::Status> results(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] { results[i] = ApplyMigrations(*dbs[i], "replicated", migrations); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kReplicas; ++i) EXPECT_TRUE(results[i].ok()) << "replica " << i << ": " << results[i];
  absl::Status s = dbs[0]->Read([](Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM schema_migrations WHERE component = ?",
                                         {std::string("replicated")}));
    EXPECT_EQ(rows[0].Int(0), 3);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
}

}  // namespace
}  // namespace opsuite::storage
