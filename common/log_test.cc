#include "common/log.h"

#include <array>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace opsuite::log {
namespace {

std::vector<std::string>* lines = nullptr;
void Capture(const std::string& line) { lines->push_back(line); }

TEST(LogTest, WritesOneJsonObjectPerLineWithRequestIds) {
  std::vector<std::string> captured;
  lines = &captured;
  SetSink(&Capture);
  Info("outside", {{"n", 1}});
  {
    TraceContext trace;
    ASSERT_TRUE(TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                    &trace));
    ScopedRequest scope(RequestInfo{"req-1", "planning/GetEmployee", trace});
    Warn("inside \"quoted\"", {{"employee", "emp_1"}});
  }
  Debug("dropped below the minimum level");
  SetSink(nullptr);
  ASSERT_EQ(captured.size(), 2u);
  auto first = nlohmann::json::parse(captured[0]);
  EXPECT_EQ(first["msg"], "outside");
  EXPECT_EQ(first["n"], 1);
  EXPECT_FALSE(first.contains("request_id"));
  auto second = nlohmann::json::parse(captured[1]);
  EXPECT_EQ(second["level"], "warn");
  EXPECT_EQ(second["msg"], "inside \"quoted\"");
  EXPECT_EQ(second["request_id"], "req-1");
  EXPECT_EQ(second["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(second["employee"], "emp_1");
}

TEST(TraceContextTest, ParsesAndRejects) {
  TraceContext t;
  EXPECT_TRUE(TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &t));
  EXPECT_TRUE(t.sampled);
  EXPECT_EQ(t.ToHeader(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_FALSE(TraceContext::Parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01", &t));
  EXPECT_FALSE(TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", &t));
  EXPECT_FALSE(TraceContext::Parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &t));
  EXPECT_FALSE(TraceContext::Parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", &t));
  EXPECT_FALSE(TraceContext::Parse("garbage", &t));
}

TEST(TraceContextTest, ChildKeepsTraceAndChangesSpan) {
  TraceContext root = TraceContext::New();
  TraceContext parsed;
  ASSERT_TRUE(TraceContext::Parse(root.ToHeader(), &parsed));
  TraceContext child = root.Child();
  EXPECT_EQ(child.trace_id, root.trace_id);
  EXPECT_NE(child.span_id, root.span_id);
}

TEST(TraceContextTest, NewIdsAreValidAndDistinct) {
  std::set<std::string> traces, spans;
  std::array<int, 16> nibbles{};
  for (int i = 0; i < 2000; ++i) {
    TraceContext t = TraceContext::New();
    ASSERT_EQ(t.trace_id.size(), 32u);
    ASSERT_EQ(t.span_id.size(), 16u);
    TraceContext parsed;  // lowercase hex, not all zero
    ASSERT_TRUE(TraceContext::Parse(t.ToHeader(), &parsed)) << t.ToHeader();
    traces.insert(t.trace_id);
    spans.insert(t.span_id);
    for (char c : t.trace_id) ++nibbles[c <= '9' ? c - '0' : c - 'a' + 10];
  }
  EXPECT_EQ(traces.size(), 2000u);
  EXPECT_EQ(spans.size(), 2000u);
  for (int n : nibbles) EXPECT_GT(n, 3000);  // 64,000 nibbles: about 4,000 of each digit
}

}  // namespace
}  // namespace opsuite::log

TEST(LogTest, RedactedUrlHidesOnlyThePassword) {
  EXPECT_EQ(opsuite::log::RedactedUrl("redis://:hunter2@10.0.0.5:6379/0"), "redis://:***@10.0.0.5:6379/0");
  EXPECT_EQ(opsuite::log::RedactedUrl("postgres://app:s3cr@t@db:5432/ops?sslmode=require"),
            "postgres://app:***@db:5432/ops?sslmode=require");
  EXPECT_EQ(opsuite::log::RedactedUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  EXPECT_EQ(opsuite::log::RedactedUrl("postgres://app@db/ops"), "postgres://app@db/ops");
  EXPECT_EQ(opsuite::log::RedactedUrl("redis://h:1/0?x=a@b"), "redis://h:1/0?x=a@b");
  EXPECT_EQ(opsuite::log::RedactedUrl("not a url"), "not a url");
}
