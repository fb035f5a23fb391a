// What only the PostgreSQL backend has: the placeholder rewrite, retries of serialization
// failures, and riding out a server restart. The behaviour both backends share is tested in
// database_test.cc.
#include "common/storage/postgres.h"

#include <atomic>

#include "common/ports.h"
#include "common/status.h"
#include "common/testing/postgres_server.h"
#include "gtest/gtest.h"

namespace opsuite::storage {

testing::PostgresServer* SharedPostgres();  // database_test.cc

namespace {

TEST(RewritePlaceholdersTest, NumbersQuestionMarksOutsideLiteralsAndComments) {
  int n = 0;
  EXPECT_EQ(RewritePlaceholders("SELECT ? , '?' , \"a?\" , ? -- ?\n, ? /* ? */", &n),
            "SELECT $1 , '?' , \"a?\" , $2 -- ?\n, $3 /* ? */");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(RewritePlaceholders("x = 'it''s ?' AND y = ?", &n), "x = 'it''s ?' AND y = $1");
  EXPECT_EQ(n, 1);
  EXPECT_EQ(RewritePlaceholders("no params", &n), "no params");
  EXPECT_EQ(n, 0);
}

TEST(OpenPostgresTest, RefusesOtherUrlsAndReportsAnUnreachableServerAsUnavailable) {
  EXPECT_EQ(OpenPostgres({.url = "/tmp/x.db"}).status().code(), absl::StatusCode::kInvalidArgument);
  auto db = OpenPostgres({.url = absl::StrCat("postgres://postgres@127.0.0.1:", FreePort(), "/x")});
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_NE(db.status().message().find("cannot connect to PostgreSQL"), absl::string_view::npos)
      << db.status();
}

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(SharedPostgres(), nullptr);
    auto url = SharedPostgres()->CreateDatabase();
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    auto db = OpenPostgres({.url = url_, .pool_size = 4, .schema = "test"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(ApplyMigrations(*db_, "test",
                                {{1, "counters",
                                  "CREATE TABLE counters (id TEXT PRIMARY KEY, "
                                  "n BIGINT NOT NULL)"}})
                    .ok());
    ASSERT_TRUE(db_->Write([](Tx& tx) {
                     return tx.Exec("INSERT INTO counters VALUES ('c', 0)", {}).status();
                   })
                    .ok());
  }
  int64_t Counter() {
    int64_t n = -1;
    EXPECT_TRUE(db_->Read([&](Tx& tx) -> absl::Status {
                     ASSIGN_OR_RETURN(Rows rows,
                                      tx.Query("SELECT n FROM counters WHERE id = 'c'", {}));
                     n = rows.at(0).Int(0);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }
  std::string url_;
  DatabasePtr db_;
};

TEST_F(PostgresTest, ASerializationFailureRunsTheTransactionAgain) {
  int runs = 0;
  absl::Status s = db_->Write([&](Tx& tx) -> absl::Status {
    ++runs;
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT n FROM counters WHERE id = 'c'", {}));
    int64_t n = rows.at(0).Int(0);
    if (runs == 1) {
      // Another writer commits an increment after our snapshot was taken.
      RETURN_IF_ERROR(db_->Write([](Tx& other) {
        return other.Exec("UPDATE counters SET n = n + 1 WHERE id = 'c'", {}).status();
      }));
    }
    return tx.Exec("UPDATE counters SET n = ? WHERE id = 'c'", {n + 1}).status();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(Counter(), 2);  // neither increment lost
}

TEST_F(PostgresTest, ConcurrentIncrementsAreNotLost) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        absl::Status s = db_->Write([](Tx& tx) -> absl::Status {
          ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT n FROM counters WHERE id = 'c'", {}));
          return tx.Exec("UPDATE counters SET n = ? WHERE id = 'c'", {rows.at(0).Int(0) + 1})
              .status();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Counter() + failures.load(), 100);
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(PostgresTest, AStatementAfterAFailedOneFailsAndNothingCommits) {
  absl::Status s = db_->Write([](Tx& tx) -> absl::Status {
    EXPECT_EQ(tx.Exec("INSERT INTO counters VALUES ('c', 5)", {}).status().code(),
              absl::StatusCode::kAlreadyExists);
    EXPECT_FALSE(tx.Exec("UPDATE counters SET n = 9", {}).ok());
    return absl::OkStatus();  // swallowing the error does not commit half a transaction
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(Counter(), 0);
}

TEST_F(PostgresTest, ALongStatementIsCancelledAtTheStatementTimeout) {
  auto db = OpenPostgres({.url = url_, .pool_size = 1, .schema = "test",
                          .statement_timeout = absl::Milliseconds(300)});
  ASSERT_TRUE(db.ok()) << db.status();
  absl::Time start = absl::Now();
  absl::Status slow = (*db)->Read([](Tx& tx) { return tx.Query("SELECT pg_sleep(5)", {}).status(); });
  EXPECT_EQ(slow.code(), absl::StatusCode::kDeadlineExceeded) << slow;
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  // The connection is fine afterwards.
  absl::Status next = (*db)->Read([](Tx& tx) { return tx.Query("SELECT 1", {}).status(); });
  EXPECT_TRUE(next.ok()) << next;
}

TEST_F(PostgresTest, ARestartFailsCallsUnavailableThenTheyRecover) {
  if (!SharedPostgres()->owned()) GTEST_SKIP() << "OPSUITE_TEST_POSTGRES_URL: not ours to stop";
  auto increment = [&] {
    return db_->Write([](Tx& tx) {
      return tx.Exec("UPDATE counters SET n = n + 1 WHERE id = 'c'", {}).status();
    });
  };
  // Fill the pool with idle connections that the restart will break.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { EXPECT_TRUE(increment().ok()); });
  for (auto& t : threads) t.join();

  SharedPostgres()->Stop();
  absl::Status down = increment();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_NE(down.message().find("PostgreSQL"), absl::string_view::npos) << down;
  absl::Status read = db_->Read([](Tx& tx) { return tx.Query("SELECT 1", {}).status(); });
  EXPECT_EQ(read.code(), absl::StatusCode::kUnavailable) << read;

  ASSERT_TRUE(SharedPostgres()->Restart().ok());
  // The same Database object: broken connections are dropped and new ones dialed.
  for (int i = 0; i < 6; ++i) {
    absl::Status up = increment();
    EXPECT_TRUE(up.ok()) << up;
  }
  EXPECT_EQ(Counter(), 10);
}

}  // namespace
}  // namespace opsuite::storage
