#include "common/status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace opsuite {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2) return InvalidField("x", "must be even");
  return x / 2;
}

absl::Status UseMacros(int x, int* out) {
  ASSIGN_OR_RETURN(int h, Half(x));
  RETURN_IF_ERROR(h > 10 ? absl::OutOfRangeError("too big") : absl::OkStatus());
  *out = h;
  return absl::OkStatus();
}

TEST(StatusTest, MacrosPropagate) {
  int out = 0;
  EXPECT_TRUE(UseMacros(8, &out).ok());
  EXPECT_EQ(out, 4);
  EXPECT_EQ(UseMacros(3, &out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UseMacros(40, &out).code(), absl::StatusCode::kOutOfRange);
}

TEST(StatusTest, ViolationsListEveryFieldAndSurviveTheWire) {
  FieldViolations v;
  EXPECT_TRUE(v.ToStatus().ok());
  v.Add("tasks", "a goal card holds 1 to 6 tasks, got 7");
  v.Add("tasks[0].weight", "must be 1..100");
  absl::Status s = v.ToStatus();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("tasks[0].weight"), std::string_view::npos);
  EXPECT_EQ(ViolatedFields(s), (std::vector<std::string>{"tasks", "tasks[0].weight"}));

  grpc::Status g = ToGrpcStatus(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::BadRequest br;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&br));
  EXPECT_EQ(br.field_violations(1).field(), "tasks[0].weight");

  absl::Status back = FromGrpcStatus(g);
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedFields(back), ViolatedFields(s));
}

TEST(StatusTest, PrefixFieldsMovesViolationsUnderAParent) {
  FieldViolations v;
  v.Add("daily_deadline", "must be HH:MM");
  v.Add("daily_weekdays[0]", "must be 1..7");
  absl::Status s = PrefixFields(v.ToStatus(), "policy");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedFields(s),
            (std::vector<std::string>{"policy.daily_deadline", "policy.daily_weekdays[0]"}));
  EXPECT_NE(s.message().find("policy.daily_deadline: must be HH:MM"), std::string_view::npos);
  EXPECT_TRUE(PrefixFields(absl::OkStatus(), "policy").ok());
  EXPECT_EQ(PrefixFields(absl::NotFoundError("x"), "policy").code(), absl::StatusCode::kNotFound);
}

TEST(StatusTest, CodesMapOneToOne) {
  for (int c = 1; c <= 16; ++c) {
    absl::Status s(static_cast<absl::StatusCode>(c), "m");
    grpc::Status g = ToGrpcStatus(s);
    EXPECT_EQ(static_cast<int>(g.error_code()), c);
    EXPECT_EQ(FromGrpcStatus(g).code(), s.code());
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace opsuite
