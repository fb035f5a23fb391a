#include "services/notify/domain/template.h"

#include <map>
#include <set>
#include <string>
#include <tuple>

#include "absl/strings/match.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::notify {
namespace {

using google::protobuf::Struct;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Struct Data(std::initializer_list<std::pair<const char*, const char*>> fields) {
  Struct s;
  for (const auto& [k, v] : fields) (*s.mutable_fields())[k].set_string_value(v);
  return s;
}

void PutNumber(Struct& s, const std::string& key, double v) {
  (*s.mutable_fields())[key].set_number_value(v);
}

TEST(RenderTest, SubstitutesVariablesWithOrWithoutSpaces) {
  Struct data = Data({{"name", "张三"}, {"reason", "指标不清"}});
  absl::StatusOr<std::string> out = Render("{{name}}：{{ reason }}；{{  name}}", data, false);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "张三：指标不清；张三");
}

TEST(RenderTest, TextWithoutVariablesIsUnchanged) {
  absl::StatusOr<std::string> out = Render("plain } text { here", Struct(), false);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "plain } text { here");
  EXPECT_EQ(*Render("", Struct(), true), "");
}

TEST(RenderTest, MissingVariableNamesTheField) {
  absl::StatusOr<std::string> out =
      Render("原因：{{reason}}", Data({{"period_start", "2026-01-01"}}), false);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("data.reason"));
  EXPECT_THAT(out.status().message(), HasSubstr("the template needs it"));
  EXPECT_THAT(ViolatedFields(out.status()), ElementsAre("data.reason"));
}

TEST(RenderTest, UnclosedBracesNameTheTemplate) {
  absl::StatusOr<std::string> out = Render("hello {{name", Data({{"name", "x"}}), false);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(out.status()), ElementsAre("template"));
  EXPECT_THAT(out.status().message(), HasSubstr("unclosed"));
}

TEST(RenderTest, BadVariableNameIsRejected) {
  for (const char* text : {"{{}}", "{{ }}", "{{a-b}}", "{{a b}}", "{{.a}}"}) {
    absl::StatusOr<std::string> out = Render(text, Data({{"a", "x"}}), false);
    ASSERT_FALSE(out.ok()) << text;
    EXPECT_THAT(ViolatedFields(out.status()), ElementsAre("template")) << text;
  }
}

TEST(RenderTest, QuadrupleBraceIsALiteral) {
  absl::StatusOr<std::string> out = Render("{{{{x}} is {{x}}", Data({{"x", "1"}}), false);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "{{x}} is 1");
}

TEST(RenderTest, ValueKinds) {
  Struct data;
  PutNumber(data, "whole", 87);
  PutNumber(data, "fraction", 87.5);
  PutNumber(data, "negative", -3);
  PutNumber(data, "big", 1234567890123.0);
  (*data.mutable_fields())["yes"].set_bool_value(true);
  (*data.mutable_fields())["no"].set_bool_value(false);
  (*data.mutable_fields())["nothing"].set_null_value(google::protobuf::NULL_VALUE);
  auto* list = (*data.mutable_fields())["list"].mutable_list_value();
  list->add_values()->set_string_value("a");
  list->add_values()->set_number_value(2);
  auto* st = (*data.mutable_fields())["obj"].mutable_struct_value();
  (*st->mutable_fields())["k"].set_string_value("v");
  (*st->mutable_fields())["n"].set_number_value(1.5);
  absl::StatusOr<std::string> out = Render(
      "{{whole}}|{{fraction}}|{{negative}}|{{big}}|{{yes}}|{{no}}|[{{nothing}}]|{{list}}|{{obj}}|"
      "{{obj.k}}",
      data, false);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "87|87.5|-3|1234567890123|true|false|[]|[\"a\",2]|{\"k\":\"v\",\"n\":1.5}|v");
}

TEST(RenderTest, DottedNameFlatKeyWins) {
  Struct data = Data({{"a.b", "flat"}});
  EXPECT_EQ(*Render("{{a.b}}", data, false), "flat");
  absl::StatusOr<std::string> missing = Render("{{a.c}}", data, false);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("data.a.c"));
}

TEST(RenderTest, HtmlEscapesValuesNotTheTemplate) {
  Struct data = Data({{"reason", "<b>\"A&B\" isn't</b>"}});
  EXPECT_EQ(*Render("<p>{{reason}}</p>", data, true),
            "<p>&lt;b&gt;&quot;A&amp;B&quot; isn&#39;t&lt;/b&gt;</p>");
  EXPECT_EQ(*Render("<p>{{reason}}</p>", data, false), "<p><b>\"A&B\" isn't</b></p>");
}

TEST(RenderTemplateTest, EscapesOnlyEmailBodies) {
  Struct data = Data({{"reason", "<script>&"}});
  v1::Template t;
  t.set_subject("S {{reason}}");
  t.set_body("B {{reason}}");
  for (v1::Channel c : {v1::CHANNEL_IN_APP, v1::CHANNEL_EMAIL, v1::CHANNEL_WEBHOOK}) {
    t.set_channel(c);
    absl::StatusOr<v1::RenderTemplateResponse> r = RenderTemplate(t, data);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->subject(), "S <script>&") << c;  // a subject is a header, never HTML
    if (c == v1::CHANNEL_EMAIL) {
      EXPECT_EQ(r->body(), "B &lt;script&gt;&amp;");
    } else {
      EXPECT_EQ(r->body(), "B <script>&") << c;
    }
  }
}

TEST(RenderTemplateTest, MissingVariableInSubjectOrBody) {
  v1::Template t;
  t.set_channel(v1::CHANNEL_IN_APP);
  t.set_subject("{{a}}");
  t.set_body("{{b}}");
  absl::StatusOr<v1::RenderTemplateResponse> r = RenderTemplate(t, Data({{"b", "x"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ViolatedFields(r.status()), ElementsAre("data.a"));
  r = RenderTemplate(t, Data({{"a", "x"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(ViolatedFields(r.status()), ElementsAre("data.b"));
}

// The payloads the services put into their events (see the table in template.cc), plus what
// the dispatcher adds. Every default template must render with them.
std::map<std::string, Struct> Payloads() {
  std::map<std::string, Struct> p;
  auto card = [](const char* state) {
    return Data({{"goal_card_id", "gc_1"},
                 {"employee_id", "emp_1"},
                 {"department_id", "dep_1"},
                 {"manager_id", "emp_0"},
                 {"period_start", "2026-01-01"},
                 {"granularity", "MONTH"},
                 {"state", state}});
  };
  p["planning.goal_card.submitted"] = card("SUBMITTED");
  p["planning.goal_card.self_assessed"] = card("SELF_ASSESSED");
  p["planning.goal_card.returned"] = card("RETURNED");
  (*p["planning.goal_card.returned"].mutable_fields())["reason"].set_string_value("指标需量化");
  p["planning.goal_card.approved"] = card("APPROVED");
  p["planning.goal_card.scored"] = card("SCORED");
  PutNumber(p["planning.goal_card.scored"], "score", 92.5);
  p["planning.goal_card.closed"] = card("CLOSED");
  PutNumber(p["planning.goal_card.closed"], "score", 92.5);
  p["planning.report.missing"] = Data({{"employee_id", "emp_1"},
                                       {"employee_name", "张三"},
                                       {"manager_id", "emp_0"},
                                       {"kind", "DAILY"},
                                       {"period_date", "2026-01-05"},
                                       {"deadline", "2026-01-05 21:00"}});
  p["planning.report.late"] = Data({{"report_id", "rp_1"},
                                    {"employee_id", "emp_1"},
                                    {"manager_id", "emp_0"},
                                    {"kind", "WEEKLY"},
                                    {"period_date", "2026-01-05"},
                                    {"deadline", "2026-01-10 18:00"}});
  p["crm.visit.overdue"] = Data({{"customer_id", "cu_1"},
                                 {"customer_name", "黄石大药房"},
                                 {"tier", "TIER1"},
                                 {"owner_id", "emp_1"},
                                 {"due_date", "2026-01-01"},
                                 {"recipient", "owner"}});
  PutNumber(p["crm.visit.overdue"], "days_overdue", 3);
  p["crm.customer.released_to_pool"] = Data({{"customer_id", "cu_1"},
                                             {"customer_name", "黄石大药房"},
                                             {"previous_owner_id", "emp_1"},
                                             {"reason", "90天未跟进"}});
  p["crm.order.payment_received"] = Data({{"order_id", "or_1"},
                                          {"customer_id", "cu_1"},
                                          {"customer_name", "黄石大药房"},
                                          {"amount", "1200.00"},
                                          {"currency", "CNY"},
                                          {"paid_in_full", "true"},
                                          {"owner_id", "emp_1"}});
  p["scoring.evaluation.completed"] = Data({{"evaluation_id", "ev_1"},
                                            {"scheme_id", "sc_1"},
                                            {"scheme_name", "销售月度考核"},
                                            {"run_id", "run_1"},
                                            {"period_start", "2026-01-01"},
                                            {"period", "MONTH"},
                                            {"grade", "A"}});
  PutNumber(p["scoring.evaluation.completed"], "total_score", 88);
  p["scoring.evaluation.flagged"] = Data({{"evaluation_id", "ev_1"},
                                          {"scheme_id", "sc_1"},
                                          {"scheme_name", "销售月度考核"},
                                          {"period_start", "2026-01-01"},
                                          {"flag", "OUTLIER"},
                                          {"detail", "回款率超过100%"}});
  p["scheduler.reminder"] = Data({{"text", "周报请于周六18:00前提交"}});
  for (auto& [type, s] : p) {
    (*s.mutable_fields())["recipient_name"].set_string_value("李四");
    (*s.mutable_fields())["event_type"].set_string_value(type);
  }
  return p;
}

TEST(DefaultTemplatesTest, EveryTypeLocaleAndChannelExistsOnce) {
  const std::map<std::string, Struct> payloads = Payloads();
  ASSERT_EQ(payloads.size(), 14u);
  std::set<std::tuple<std::string, std::string, int>> seen;
  for (const v1::Template& t : DefaultTemplates()) {
    EXPECT_TRUE(t.builtin()) << t.key();
    EXPECT_TRUE(payloads.count(t.key())) << "unexpected key " << t.key();
    EXPECT_TRUE(t.locale() == "zh-CN" || t.locale() == "en") << t.locale();
    EXPECT_FALSE(t.subject().empty()) << t.key();
    EXPECT_FALSE(t.body().empty()) << t.key();
    EXPECT_TRUE(seen.insert({t.key(), t.locale(), t.channel()}).second)
        << "duplicate " << t.key() << " " << t.locale() << " " << t.channel();
  }
  EXPECT_EQ(DefaultTemplates().size(), 14u * 2 * 3);
  for (const auto& [type, payload] : payloads) {
    for (const char* locale : {"zh-CN", "en"}) {
      for (v1::Channel c : {v1::CHANNEL_IN_APP, v1::CHANNEL_EMAIL, v1::CHANNEL_WEBHOOK}) {
        EXPECT_TRUE(seen.count({type, locale, c})) << type << " " << locale << " " << c;
      }
    }
  }
}

TEST(DefaultTemplatesTest, EveryTemplateRendersWithItsEventsPayload) {
  const std::map<std::string, Struct> payloads = Payloads();
  for (const v1::Template& t : DefaultTemplates()) {
    auto it = payloads.find(t.key());
    ASSERT_NE(it, payloads.end()) << t.key();
    absl::StatusOr<v1::RenderTemplateResponse> r = RenderTemplate(t, it->second);
    ASSERT_TRUE(r.ok()) << t.key() << " " << t.locale() << " " << t.channel() << ": " << r.status();
    EXPECT_FALSE(absl::StrContains(r->subject(), "{{")) << t.key();
    EXPECT_FALSE(absl::StrContains(r->body(), "{{")) << t.key();
    EXPECT_FALSE(absl::StrContains(r->body(), "}}")) << t.key();
    if (t.channel() == v1::CHANNEL_EMAIL) {
      EXPECT_TRUE(absl::StrContains(r->body(), "<p>")) << t.key();
      EXPECT_TRUE(absl::StrContains(r->body(), "李四")) << t.key();
    }
  }
}

TEST(DefaultTemplatesTest, ReturnedGoalCardWording) {
  const v1::Template* t =
      FindDefaultTemplate("planning.goal_card.returned", "zh-CN", v1::CHANNEL_IN_APP);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->subject(), "目标卡被退回：请修改后重新提交");
  absl::StatusOr<v1::RenderTemplateResponse> r =
      RenderTemplate(*t, Payloads()["planning.goal_card.returned"]);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(
      r->body(),
      "领导退回了你2026-01-01起的目标卡，原因：指标需量化。请在「我的任务」中修改后重新提交。");

  // Without the reason the template says which variable it needs.
  Struct no_reason = Payloads()["planning.goal_card.returned"];
  no_reason.mutable_fields()->erase("reason");
  absl::StatusOr<v1::RenderTemplateResponse> bad = RenderTemplate(*t, no_reason);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("data.reason"));

  const v1::Template* en =
      FindDefaultTemplate("planning.goal_card.returned", "en", v1::CHANNEL_EMAIL);
  ASSERT_NE(en, nullptr);
  EXPECT_THAT(en->body(), HasSubstr("My tasks"));
}

TEST(DefaultTemplatesTest, ReminderUsesText) {
  const v1::Template* t = FindDefaultTemplate("scheduler.reminder", "en", v1::CHANNEL_IN_APP);
  ASSERT_NE(t, nullptr);
  absl::StatusOr<v1::RenderTemplateResponse> r =
      RenderTemplate(*t, Data({{"text", "Weekly report due Saturday 18:00"}}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body(), "Weekly report due Saturday 18:00");
}

TEST(FindDefaultTemplateTest, Fallbacks) {
  const v1::Template* zh = FindDefaultTemplate("crm.visit.overdue", "zh-CN", v1::CHANNEL_EMAIL);
  ASSERT_NE(zh, nullptr);
  EXPECT_EQ(zh->locale(), "zh-CN");
  EXPECT_EQ(zh->channel(), v1::CHANNEL_EMAIL);

  // Unknown locale: zh-CN.
  const v1::Template* fr = FindDefaultTemplate("crm.visit.overdue", "fr", v1::CHANNEL_EMAIL);
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr, zh);
  EXPECT_EQ(FindDefaultTemplate("crm.visit.overdue", "", v1::CHANNEL_EMAIL), zh);
  // Regional variants of a known language.
  const v1::Template* en_us = FindDefaultTemplate("crm.visit.overdue", "en-US", v1::CHANNEL_EMAIL);
  ASSERT_NE(en_us, nullptr);
  EXPECT_EQ(en_us->locale(), "en");

  // A channel without its own wording: the IN_APP one.
  const v1::Template* unspecified =
      FindDefaultTemplate("crm.visit.overdue", "en", v1::CHANNEL_UNSPECIFIED);
  ASSERT_NE(unspecified, nullptr);
  EXPECT_EQ(unspecified->channel(), v1::CHANNEL_IN_APP);
  EXPECT_EQ(unspecified->locale(), "en");

  EXPECT_EQ(FindDefaultTemplate("no.such.type", "zh-CN", v1::CHANNEL_IN_APP), nullptr);
}

}  // namespace
}  // namespace opsuite::notify
