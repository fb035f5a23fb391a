#include "common/wire.h"

#include <string>

#include "google/protobuf/type.pb.h"
#include "gtest/gtest.h"

namespace opsuite::wire {
namespace {

// google.protobuf.Field: varints before the string `name` (4), messages (`options`, 9) and
// strings after it.
google::protobuf::Field Sample(const std::string& name) {
  google::protobuf::Field f;
  f.set_kind(google::protobuf::Field::TYPE_STRING);
  f.set_number(7);
  f.set_name(name);
  f.set_type_url("type.googleapis.com/x");
  f.set_packed(true);
  google::protobuf::Option* o = f.add_options();
  o->set_name("deprecated");
  o->mutable_value()->set_type_url("name-inside-a-nested-message");
  f.set_json_name("jsonName");
  return f;
}

TEST(WireTest, FindsATopLevelStringAmongOtherFields) {
  std::string bytes = Sample("owner-42").SerializeAsString();
  EXPECT_EQ(StringField(bytes, 4), "owner-42");
  EXPECT_EQ(StringField(bytes, 10), "jsonName");
  EXPECT_EQ(StringField(bytes, 6), "type.googleapis.com/x");
}

TEST(WireTest, AnAbsentFieldIsEmptyAsProto3ReadsIt) {
  std::string bytes = Sample("").SerializeAsString();  // "" is not written at all
  ASSERT_EQ(bytes.find('\x22'), std::string::npos) << "field 4 should not be on the wire";
  std::optional<std::string_view> name = StringField(bytes, 4);
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(*name, "");
  EXPECT_EQ(StringField("", 4), "");
}

TEST(WireTest, TheLastOccurrenceWinsAsWhenParsed) {
  // Two messages concatenated parse as one, later singular fields replacing earlier ones.
  std::string bytes = Sample("first").SerializeAsString() + Sample("second").SerializeAsString();
  google::protobuf::Field parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(StringField(bytes, 4), parsed.name());
  EXPECT_EQ(StringField(bytes, 4), "second");
}

TEST(WireTest, MalformedInputIsNotAnAnswer) {
  std::string bytes = Sample("owner-42").SerializeAsString();
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    google::protobuf::Field parsed;
    if (parsed.ParseFromString(bytes.substr(0, cut))) continue;  // a clean cut between fields
    EXPECT_FALSE(StringField(bytes.substr(0, cut), 4).has_value()) << "cut at " << cut;
  }
  EXPECT_FALSE(StringField(std::string("\x00\x01", 2), 4).has_value());  // tag 0
  EXPECT_FALSE(StringField("\x22\x05" "ab", 4).has_value());        // length past the end
  EXPECT_FALSE(StringField("\x24", 4).has_value());  // an END_GROUP at the top level
  EXPECT_FALSE(StringField("\x20\x01", 4).has_value());  // field 4 as a varint
}

}  // namespace
}  // namespace opsuite::wire
