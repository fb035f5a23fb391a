#include "services/gateway/json_writer.h"

#include "google/protobuf/duration.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wrappers.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "opsuite/crm/v1/customer.pb.h"
#include "opsuite/planning/v1/goal_card.pb.h"
#include "opsuite/scoring/v1/scoring.pb.h"

namespace opsuite::gateway {
namespace {

// Ours and protobuf's converter (always_print_primitive_fields) give the same JSON value.
void ExpectSameAsProtobuf(const google::protobuf::Message& m) {
  std::string ours;
  ASSERT_TRUE(AppendJson(m, &ours).ok());
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string theirs;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(m, &theirs, options).ok());
  nlohmann::json a = nlohmann::json::parse(ours, nullptr, false);
  ASSERT_FALSE(a.is_discarded()) << ours;
  EXPECT_EQ(a, nlohmann::json::parse(theirs)) << "ours:   " << ours << "\ntheirs: " << theirs;
}

TEST(JsonWriterTest, CustomerWithNestedRepeatedTimestampsAndInt64) {
  crm::v1::Customer c;
  c.set_id("cus_1");
  c.set_name("华为 \"技术\"\n\\ \x01");
  c.set_tier(crm::v1::TIER_KEY);
  c.set_credit_limit(-9007199254740993);
  c.set_discount_percent(12.5);
  c.add_contacts()->set_name("联系人");
  c.add_tags("a");
  c.add_tags("b");
  c.add_stage_history()->set_reason("订单");
  c.mutable_create_time()->set_seconds(1772416800);
  c.mutable_update_time()->set_seconds(1772416800);
  c.mutable_update_time()->set_nanos(120000000);
  ExpectSameAsProtobuf(c);
  ExpectSameAsProtobuf(crm::v1::Customer());  // every default
}

TEST(JsonWriterTest, OptionalScalarsAndEnumsOfAGoalCard) {
  planning::v1::GoalCard card;
  card.set_id("gc_1");
  card.set_state(planning::v1::GOAL_CARD_STATE_RETURNED);
  ExpectSameAsProtobuf(card);  // `optional double score` unset: absent
  card.set_score(0);
  ExpectSameAsProtobuf(card);  // set to 0: present
  card.set_score(87.35);
  card.mutable_update_time()->set_nanos(1500);
  ExpectSameAsProtobuf(card);
}

TEST(JsonWriterTest, WellKnownTypes) {
  google::protobuf::Struct s;
  (*s.mutable_fields())["text"].set_string_value("提交日报");
  (*s.mutable_fields())["n"].set_number_value(3.25);
  (*s.mutable_fields())["ok"].set_bool_value(true);
  (*s.mutable_fields())["none"].set_null_value(google::protobuf::NULL_VALUE);
  auto* list = (*s.mutable_fields())["list"].mutable_list_value();
  list->add_values()->set_number_value(1);
  list->add_values()->set_string_value("x");
  ExpectSameAsProtobuf(s);
  google::protobuf::Duration d;
  d.set_seconds(-3);
  d.set_nanos(-500000000);
  ExpectSameAsProtobuf(d);
  google::protobuf::FieldMask mask;
  mask.add_paths("return_reason");
  mask.add_paths("tasks");
  ExpectSameAsProtobuf(mask);
  google::protobuf::Int64Value big;
  big.set_value(1LL << 60);
  ExpectSameAsProtobuf(big);
}

TEST(JsonWriterTest, AnyResolvesItsTypeInThePool) {
  google::rpc::Status status;
  status.set_code(3);
  status.set_message("bad");
  google::rpc::BadRequest bad;
  bad.add_field_violations()->set_field("customer.name");
  status.add_details()->PackFrom(bad);
  google::protobuf::Duration d;
  d.set_seconds(5);
  status.add_details()->PackFrom(d);
  ExpectSameAsProtobuf(status);
  google::rpc::Status unknown;
  auto* any = unknown.add_details();
  any->set_type_url("type.googleapis.com/no.such.Type");
  std::string out;
  EXPECT_FALSE(AppendJson(unknown, &out).ok());
}

TEST(JsonWriterTest, Maps) {
  scoring::v1::Distribution d;
  (*d.mutable_grade_counts())["A"] = 3;
  (*d.mutable_grade_counts())["B"] = 0;
  ExpectSameAsProtobuf(d);
}

TEST(JsonWriterTest, FloatsAndBytes) {
  google::protobuf::DoubleValue v;
  v.set_value(0.1 + 0.2);  // shortest round-trip digits
  std::string out;
  ASSERT_TRUE(AppendJson(v, &out).ok());
  EXPECT_EQ(nlohmann::json::parse(out).get<double>(), 0.1 + 0.2);
  v.set_value(std::numeric_limits<double>::infinity());
  ExpectSameAsProtobuf(v);
  google::protobuf::BytesValue b;
  b.set_value(std::string("\x00\xff hi", 5));
  ExpectSameAsProtobuf(b);
}

}  // namespace
}  // namespace opsuite::gateway
