#include "services/gateway/http_status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace opsuite::gateway {
namespace {

TEST(HttpStatusTest, CodeProtoMapping) {
  // google/rpc/code.proto, code by code.
  const std::pair<grpc::StatusCode, int> kTable[] = {
      {grpc::StatusCode::OK, 200},
      {grpc::StatusCode::CANCELLED, 499},
      {grpc::StatusCode::UNKNOWN, 500},
      {grpc::StatusCode::INVALID_ARGUMENT, 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
      {grpc::StatusCode::NOT_FOUND, 404},
      {grpc::StatusCode::ALREADY_EXISTS, 409},
      {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::UNAUTHENTICATED, 401},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {grpc::StatusCode::FAILED_PRECONDITION, 400},
      {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::OUT_OF_RANGE, 400},
      {grpc::StatusCode::UNIMPLEMENTED, 501},
      {grpc::StatusCode::INTERNAL, 500},
      {grpc::StatusCode::UNAVAILABLE, 503},
      {grpc::StatusCode::DATA_LOSS, 500},
  };
  for (const auto& [code, status] : kTable) EXPECT_EQ(HttpStatusFor(code), status) << code;
}

TEST(HttpStatusTest, StatusJsonKeepsFieldViolations) {
  google::rpc::Status detail;
  google::rpc::BadRequest bad;
  auto* v = bad.add_field_violations();
  v->set_field("customer.name");
  v->set_description("must not be empty");
  detail.add_details()->PackFrom(bad);
  nlohmann::json j = nlohmann::json::parse(
      StatusJson(grpc::StatusCode::INVALID_ARGUMENT, "customer.name: must not be empty",
                 detail.SerializeAsString()));
  EXPECT_EQ(j["code"], 3);
  EXPECT_EQ(j["message"], "customer.name: must not be empty");
  ASSERT_EQ(j["details"].size(), 1u);
  EXPECT_EQ(j["details"][0]["@type"], "type.googleapis.com/google.rpc.BadRequest");
  EXPECT_EQ(j["details"][0]["fieldViolations"][0]["field"], "customer.name");
}

TEST(HttpStatusTest, StatusJsonWithoutDetails) {
  nlohmann::json j = nlohmann::json::parse(StatusJson(grpc::StatusCode::NOT_FOUND, "no such 客户"));
  EXPECT_EQ(j["code"], 5);
  EXPECT_EQ(j["message"], "no such 客户");
  EXPECT_FALSE(j.contains("details") && !j["details"].empty());
  // Garbage in the details header does not lose the error.
  nlohmann::json k = nlohmann::json::parse(StatusJson(grpc::StatusCode::INTERNAL, "x", "\xff\xff"));
  EXPECT_EQ(k["code"], 13);
}

}  // namespace
}  // namespace opsuite::gateway
