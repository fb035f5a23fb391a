#include "common/storage/sqlite.h"

#include <filesystem>
#include <thread>

#include "common/status.h"
#include "common/storage/idempotency.h"
#include "common/storage/outbox.h"
#include "gtest/gtest.h"
#include "opsuite/common/v1/common.pb.h"

namespace opsuite::storage {
namespace {

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("opsuite_sqlite_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = OpenSqlite({.path = (dir_ / "t.db").string()});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(ApplyMigrations(*db_, "test",
                                {{1, "items", "CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT, "
                                              "body BLOB)"}})
                    .ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  DatabasePtr db_;
};

TEST_F(SqliteTest, WriteThenReadRoundTripsEveryType) {
  ASSERT_TRUE(db_->Write([](Tx& tx) {
                   return tx.Exec("INSERT INTO items VALUES (?, ?, ?)",
                                  {std::string("a"), int64_t{42}, Blob{std::string("\0x", 2)}})
                       .status();
                 }).ok());
  ASSERT_TRUE(db_->Read([](Tx& tx) -> absl::Status {
                   ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, n, body, NULL FROM items", {}));
                   EXPECT_EQ(rows.size(), 1u);
                   EXPECT_EQ(rows[0].Text(0), "a");
                   EXPECT_EQ(rows[0].Int(1), 42);
                   EXPECT_EQ(rows[0].Text(2), std::string("\0x", 2));
                   EXPECT_TRUE(rows[0].IsNull(3));
                   return absl::OkStatus();
                 }).ok());
}

TEST_F(SqliteTest, FailedWriteRollsBack) {
  absl::Status s = db_->Write([](Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(
        tx.Exec("INSERT INTO items (id, n) VALUES (?, ?)", {std::string("a"), int64_t{1}}).status());
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  db_->Read([](Tx& tx) -> absl::Status {
       ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM items", {}));
       EXPECT_EQ(rows[0].Int(0), 0);
       return absl::OkStatus();
     }).IgnoreError();
}

TEST_F(SqliteTest, DuplicateKeyIsAlreadyExists) {
  auto insert = [](Tx& tx) {
    return tx.Exec("INSERT INTO items (id) VALUES (?)", {std::string("a")}).status();
  };
  ASSERT_TRUE(db_->Write(insert).ok());
  EXPECT_EQ(db_->Write(insert).code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(SqliteTest, HostileTextIsBoundNotInterpreted) {
  const std::string hostile = "x'); DROP TABLE items; --";
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   return tx.Exec("INSERT INTO items (id) VALUES (?)", {hostile}).status();
                 }).ok());
  db_->Read([&](Tx& tx) -> absl::Status {
       ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id FROM items WHERE id = ?", {hostile}));
       EXPECT_EQ(rows.size(), 1u);
       return absl::OkStatus();
     }).IgnoreError();
}

TEST_F(SqliteTest, MigrationsAreIdempotent) {
  EXPECT_TRUE(ApplyMigrations(*db_, "test",
                              {{1, "items", "CREATE TABLE items (id TEXT PRIMARY KEY)"}})
                  .ok());
}

TEST_F(SqliteTest, ConcurrentWritersAndReaders) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(db_->Write([&](Tx& tx) {
                         return tx.Exec("INSERT INTO items (id, n) VALUES (?, ?)",
                                        {std::to_string(t) + "-" + std::to_string(i), int64_t{i}})
                             .status();
                       }).ok());
        ASSERT_TRUE(db_->Read([](Tx& tx) { return tx.Query("SELECT COUNT(*) FROM items", {}).status(); })
                        .ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  db_->Read([](Tx& tx) -> absl::Status {
       ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM items", {}));
       EXPECT_EQ(rows[0].Int(0), 200);
       return absl::OkStatus();
     }).IgnoreError();
}

TEST_F(SqliteTest, OutboxKeepsOrderAndMarksSent) {
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

TEST_F(SqliteTest, ACorruptOutboxRowIsParkedNotBlocking) {
  common::v1::Event good;
  good.set_id("good");
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   RETURN_IF_ERROR(tx.Exec("INSERT INTO outbox (event_id, event, created_at) "
                                           "VALUES ('bad', X'FFFFFFFF', 0)",
                                           {})
                                       .status());
                   return AppendOutbox(tx, good);
                 }).ok());
  auto rows = FetchUnsentOutbox(*db_, 10);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].event.id(), "good");
  EXPECT_EQ(*CountUnsentOutbox(*db_), 1);  // the corrupt row is parked, not pending
}

TEST_F(SqliteTest, IdempotencyReturnsTheFirstResponse) {
  common::v1::Period first;
  first.set_start_date("2026-01-01");
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   common::v1::Period seen;
                   ASSIGN_OR_RETURN(bool hit, LookupIdempotent(tx, "org", "Op", "r1", &seen));
                   EXPECT_FALSE(hit);
                   return RememberIdempotent(tx, "org", "Op", "r1", first);
                 }).ok());
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   common::v1::Period seen;
                   ASSIGN_OR_RETURN(bool hit, LookupIdempotent(tx, "org", "Op", "r1", &seen));
                   EXPECT_TRUE(hit);
                   EXPECT_EQ(seen.start_date(), "2026-01-01");
                   ASSIGN_OR_RETURN(hit, LookupIdempotent(tx, "other-org", "Op", "r1", &seen));
                   EXPECT_FALSE(hit);
                   return absl::OkStatus();
                 }).ok());
}

}  // namespace
}  // namespace opsuite::storage
