#include "common/server/client.h"

#include "gtest/gtest.h"

namespace opsuite::server {
namespace {

constexpr RetryPolicy kFast{.attempts = 4, .backoff = absl::Milliseconds(1)};

TEST(RetryTest, RepeatsTransientFailuresUntilSuccess) {
  int calls = 0, tries = 0;
  absl::Status s = Retry(kFast, [&] {
    return ++calls < 3 ? absl::UnavailableError("down") : absl::OkStatus();
  }, &tries);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(tries, 3);
}

TEST(RetryTest, StopsAtTheFirstFailureThatRepeatingCannotFix) {
  int calls = 0, tries = 0;
  absl::Status s = Retry(kFast, [&] {
    ++calls;
    return absl::InvalidArgumentError("bad id");
  }, &tries);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(tries, 1);
}

TEST(RetryTest, GivesUpAfterTheLastAttemptWithItsStatus) {
  int calls = 0, tries = 0;
  absl::Status s = Retry(kFast, [&] {
    return absl::DeadlineExceededError(std::to_string(++calls));
  }, &tries);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(s.message(), "4");
  EXPECT_EQ(tries, 4);
}

TEST(RetryTest, TransientCodes) {
  for (auto code : {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
                    absl::StatusCode::kResourceExhausted, absl::StatusCode::kAborted}) {
    EXPECT_TRUE(Transient(code)) << code;
  }
  for (auto code : {absl::StatusCode::kOk, absl::StatusCode::kInvalidArgument,
                    absl::StatusCode::kNotFound, absl::StatusCode::kPermissionDenied,
                    absl::StatusCode::kUnauthenticated, absl::StatusCode::kInternal,
                    absl::StatusCode::kFailedPrecondition}) {
    EXPECT_FALSE(Transient(code)) << code;
  }
}

}  // namespace
}  // namespace opsuite::server
