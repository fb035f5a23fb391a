// Templates: rendering and the built-in defaults.
//
// Variables of the built-in templates. Every template may use {{recipient_name}} and
// {{event_type}} (the dispatcher always adds them); the EMAIL bodies use both (greeting and
// footer). The other variables are the event payload keys the emitting service writes
// (services/planning/goal_card_service.cc CardPayload, report_service.cc,
// services/crm/activity_service.cc OverduePayload, customer_service.cc ToPool,
// order_service.cc RecordPayment, services/scoring/run_worker.cc) and only those:
//
//   event type                       variables used (same in zh-CN / en, every channel)
//   -------------------------------  ----------------------------------------------------
//   planning.goal_card.submitted     period_start
//   planning.goal_card.returned      period_start, reason
//   planning.goal_card.approved      period_start
//   planning.goal_card.self_assessed period_start
//   planning.goal_card.scored        period_start, score
//   planning.goal_card.closed        period_start
//   planning.report.missing          employee_name, kind, period_date, deadline
//   planning.report.late             kind, period_date, deadline
//   crm.visit.overdue                customer_name, tier, due_date, days_overdue
//   crm.customer.released_to_pool    customer_name, reason
//   crm.order.payment_received       customer_name, order_id, amount, currency
//   scoring.evaluation.completed     scheme_name, period_start, total_score, grade
//   scoring.evaluation.flagged       scheme_name, period_start, flag, detail
//   scheduler.reminder               text
//
// Channel shapes: IN_APP is the subject and a one-paragraph body; EMAIL is the same subject
// and a small HTML body (greeting with {{recipient_name}}, the paragraph, a footer naming
// {{event_type}}); WEBHOOK is the subject as the title and a markdown body ("#### subject"
// then the paragraph) that suits DingTalk and WeCom robots as well as plain JSON.
#include "services/notify/domain/template.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "nlohmann/json.hpp"

namespace opsuite::notify {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using Json = nlohmann::json;

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// A whole number in the range a double holds exactly, as an integer; else the shortest text
// that reads back as the same double.
std::string FormatNumber(double d) {
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9007199254740992.0) {
    return absl::StrCat(static_cast<int64_t>(d));
  }
  if (!std::isfinite(d)) return std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
  char buf[64];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), d);
  if (r.ec != std::errc()) return absl::StrCat(d);
  return std::string(buf, r.ptr);
}

Json ToJson(const Value& v);

Json StructToJson(const Struct& s) {
  Json out = Json::object();
  for (const auto& [k, v] : s.fields()) out[k] = ToJson(v);
  return out;
}

Json ToJson(const Value& v) {
  switch (v.kind_case()) {
    case Value::kNullValue:
      return nullptr;
    case Value::kNumberValue: {
      double d = v.number_value();
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9007199254740992.0) {
        return static_cast<int64_t>(d);
      }
      return d;
    }
    case Value::kStringValue:
      return v.string_value();
    case Value::kBoolValue:
      return v.bool_value();
    case Value::kStructValue:
      return StructToJson(v.struct_value());
    case Value::kListValue: {
      Json out = Json::array();
      for (const Value& e : v.list_value().values()) out.push_back(ToJson(e));
      return out;
    }
    default:
      return nullptr;
  }
}

std::string ValueText(const Value& v) {
  switch (v.kind_case()) {
    case Value::kStringValue:
      return v.string_value();
    case Value::kNumberValue:
      return FormatNumber(v.number_value());
    case Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case Value::kStructValue:
    case Value::kListValue:
      return ToJson(v).dump(-1, ' ', false, Json::error_handler_t::replace);
    default:  // null, unset
      return "";
  }
}

// `name` in `data`: the key itself first ("a.b" may be a flat key), then a path through
// nested structs ("customer.name" → data.customer.name).
const Value* Lookup(const Struct& data, const std::string& name) {
  auto it = data.fields().find(name);
  if (it != data.fields().end()) return &it->second;
  if (name.find('.') == std::string::npos) return nullptr;
  const Struct* s = &data;
  const Value* found = nullptr;
  for (absl::string_view part : absl::StrSplit(name, '.')) {
    if (s == nullptr) return nullptr;
    auto f = s->fields().find(std::string(part));
    if (f == s->fields().end()) return nullptr;
    found = &f->second;
    s = found->kind_case() == Value::kStructValue ? &found->struct_value() : nullptr;
  }
  return found;
}

void AppendEscaped(std::string* out, absl::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      default:
        out->push_back(c);
    }
  }
}

// ---- The built-in wording -------------------------------------------------------------

struct Wording {
  const char* subject;
  const char* body;  // one paragraph, plain text with {{variables}}
};

struct Entry {
  const char* key;
  Wording zh;
  Wording en;
};

// Worded as the seeds word them: a returned goal card lands in 我的任务 with the leader's
// reason (003:206), scoring leads to a feedback interview (003:214), a missed or late report
// is penalised (003:381), finance tells the salesperson about a payment (001:309).
const Entry kEntries[] = {
    {"planning.goal_card.submitted",
     {"目标卡待审核",
      "有一张{{period_start}}起的目标卡已提交，等待你审核。请在「我的任务」中审核：同意请点击"
      "「办理」，需要修改请「退回」并写明原因。"},
     {"Goal card waiting for your review",
      "A goal card for the period starting {{period_start}} was submitted and waits for your "
      "review. Open My tasks to approve it, or return it with a reason."}},
    {"planning.goal_card.returned",
     {"目标卡被退回：请修改后重新提交",
      "领导退回了你{{period_start}}起的目标卡，原因：{{reason}}"
      "。请在「我的任务」中修改后重新提交。"},
     {"Goal card returned: please revise and resubmit",
      "Your leader returned your goal card for the period starting {{period_start}}. Reason: "
      "{{reason}}. Please revise it in My tasks and submit it again."}},
    {"planning.goal_card.approved",
     {"目标卡已审核通过",
      "你{{period_start}}起的目标卡已审核通过，请按目标卡执行，并及时记录工作进展。"},
     {"Goal card approved",
      "Your goal card for the period starting {{period_start}} was approved. Work to it and "
      "record your progress as you go."}},
    {"planning.goal_card.self_assessed",
     {"目标卡待评分",
      "有一张{{period_start}}起的目标卡已完成自评，等待你评分。请在「我的任务」中逐项评分，"
      "并安排绩效反馈面谈。"},
     {"Goal card waiting for your score",
      "A goal card for the period starting {{period_start}} has been self-assessed and waits "
      "for your score. Score it task by task in My tasks and hold the feedback interview."}},
    {"planning.goal_card.scored",
     {"目标卡已评分",
      "领导已为你{{period_start}}起的目标卡评分：{{score}}分。请与领导进行绩效反馈面谈。"},
     {"Goal card scored",
      "Your leader scored your goal card for the period starting {{period_start}}: {{score}}. "
      "Please hold the feedback interview with your leader."}},
    {"planning.goal_card.closed",
     {"目标卡已关闭", "你{{period_start}}起的目标卡已关闭归档，可在目标卡中查看评分与反馈。"},
     {"Goal card closed",
      "Your goal card for the period starting {{period_start}} is closed. Its scores and "
      "feedback stay available on the card."}},
    {"planning.report.missing",
     {"报告未按时提交",
      "{{employee_name}}的{{kind}}报告（{{period_date}}）未在截止时间{{deadline}}前提交，请尽快"
      "补交。缺报、迟报将按制度考核。"},
     {"Report not submitted",
      "{{employee_name}}'s {{kind}} report for {{period_date}} was not submitted by its deadline "
      "({{deadline}}). Please submit it as soon as possible; missing reports are penalised."}},
    {"planning.report.late",
     {"报告迟交", "{{period_date}}的{{kind}}报告已提交，但晚于截止时间{{deadline}}，记为迟交。"},
     {"Report submitted late",
      "The {{kind}} report for {{period_date}} was submitted after its deadline ({{deadline}}) "
      "and is recorded as late."}},
    {"crm.visit.overdue",
     {"客户拜访已逾期：{{customer_name}}",
      "客户{{customer_name}}（{{tier}}）应于{{due_date}}前拜访，已逾期{{days_overdue}}天。请尽快"
      "安排拜访并记录拜访情况。"},
     {"Customer visit overdue: {{customer_name}}",
      "The visit to {{customer_name}} ({{tier}}) was due by {{due_date}} and is "
      "{{days_overdue}} days overdue. Please visit and record it."}},
    {"crm.customer.released_to_pool",
     {"客户已释放到公海：{{customer_name}}",
      "客户{{customer_name}}已从你名下释放到公海客户池，原因：{{reason}}。"},
     {"Customer released to the pool: {{customer_name}}",
      "{{customer_name}} was released from your accounts to the shared customer pool. Reason: "
      "{{reason}}."}},
    {"crm.order.payment_received",
     {"回款到账：{{customer_name}} {{amount}} {{currency}}",
      "财务已确认客户{{customer_name}}的订单{{order_id}}回款{{amount}} {{currency}}。"},
     {"Payment received: {{customer_name}} {{amount}} {{currency}}",
      "Finance recorded a payment of {{amount}} {{currency}} from {{customer_name}} on order "
      "{{order_id}}."}},
    {"scoring.evaluation.completed",
     {"考核结果：{{scheme_name}}",
      "你在「{{scheme_name}}」中{{period_start}}起的考核已完成：总分{{total_score}}，等级"
      "{{grade}}。请与领导进行绩效反馈面谈。"},
     {"Evaluation result: {{scheme_name}}",
      "Your evaluation under {{scheme_name}} for the period starting {{period_start}} is "
      "complete: total score {{total_score}}, grade {{grade}}. Please discuss the result with "
      "your leader."}},
    {"scoring.evaluation.flagged",
     {"考核结果待复核：{{scheme_name}}",
      "「{{scheme_name}}」中{{period_start}}起的一项考核被标记为{{flag}}：{{detail}}。请复核。"},
     {"Evaluation flagged for review: {{scheme_name}}",
      "An evaluation under {{scheme_name}} for the period starting {{period_start}} was flagged "
      "{{flag}}: {{detail}}. Please review it."}},
    {"scheduler.reminder", {"提醒", "{{text}}"}, {"Reminder", "{{text}}"}},
};

v1::Template Make(const char* key, const char* locale, v1::Channel channel, std::string subject,
                  std::string body) {
  v1::Template t;
  t.set_key(key);
  t.set_locale(locale);
  t.set_channel(channel);
  t.set_subject(std::move(subject));
  t.set_body(std::move(body));
  t.set_builtin(true);
  return t;
}

std::string EmailBody(const Wording& w, bool zh) {
  if (zh) {
    return absl::StrCat("<p>{{recipient_name}}，您好：</p>\n<p>", w.body,
                        "</p>\n<p style=\"color:#888;font-size:12px\">此邮件由 opsuite 自动发送"
                        "（{{event_type}}），请勿直接回复。</p>\n");
  }
  return absl::StrCat(
      "<p>Hello {{recipient_name}},</p>\n<p>", w.body,
      "</p>\n<p style=\"color:#888;font-size:12px\">Sent by opsuite ({{event_type}}). Please do "
      "not reply to this email.</p>\n");
}

std::vector<v1::Template> BuildDefaults() {
  std::vector<v1::Template> out;
  for (const Entry& e : kEntries) {
    for (bool zh : {true, false}) {
      const Wording& w = zh ? e.zh : e.en;
      const char* locale = zh ? "zh-CN" : "en";
      out.push_back(Make(e.key, locale, v1::CHANNEL_IN_APP, w.subject, w.body));
      out.push_back(Make(e.key, locale, v1::CHANNEL_EMAIL, w.subject, EmailBody(w, zh)));
      out.push_back(Make(e.key, locale, v1::CHANNEL_WEBHOOK, w.subject,
                         absl::StrCat("#### ", w.subject, "\n\n", w.body)));
    }
  }
  return out;
}

// "en", "en-US", "en_GB" → "en"; "zh", "zh-CN", "zh-Hans" → "zh-CN"; anything else → "".
std::string KnownLocale(absl::string_view locale) {
  std::string lower = absl::AsciiStrToLower(locale);
  if (lower == "zh-cn") return "zh-CN";
  if (lower == "en") return "en";
  std::string language = lower.substr(0, lower.find_first_of("-_"));
  if (language == "en") return "en";
  if (language == "zh") return "zh-CN";
  return "";
}

}  // namespace

absl::StatusOr<std::string> Render(absl::string_view text, const Struct& data, bool html) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    if (open == absl::string_view::npos) {
      out.append(text.data() + i, text.size() - i);
      break;
    }
    out.append(text.data() + i, open - i);
    if (text.substr(open, 4) == "{{{{") {
      out.append("{{");
      i = open + 4;
      continue;
    }
    size_t close = text.find("}}", open + 2);
    if (close == absl::string_view::npos) {
      return InvalidField("template", absl::StrCat("unclosed \"{{\" at offset ", open,
                                                   " (write \"{{{{\" for a "
                                                   "literal \"{{\")"));
    }
    absl::string_view inner = absl::StripAsciiWhitespace(text.substr(open + 2, close - open - 2));
    bool valid = !inner.empty() && inner.front() != '.' && inner.back() != '.';
    for (char c : inner) valid = valid && IsNameChar(c);
    if (!valid) {
      return InvalidField(
          "template",
          absl::StrCat("bad variable name \"", text.substr(open + 2, close - open - 2),
                       "\" at offset ", open, " (names are letters, digits, '_' and '.')"));
    }
    std::string name(inner);
    const Value* v = Lookup(data, name);
    if (v == nullptr) return InvalidField(absl::StrCat("data.", name), "the template needs it");
    std::string value = ValueText(*v);
    if (html) {
      AppendEscaped(&out, value);
    } else {
      out.append(value);
    }
    i = close + 2;
  }
  return out;
}

absl::StatusOr<v1::RenderTemplateResponse> RenderTemplate(const v1::Template& t,
                                                          const Struct& data) {
  v1::RenderTemplateResponse resp;
  ASSIGN_OR_RETURN(*resp.mutable_subject(), Render(t.subject(), data, /*html=*/false));
  ASSIGN_OR_RETURN(*resp.mutable_body(),
                   Render(t.body(), data, /*html=*/t.channel() == v1::CHANNEL_EMAIL));
  return resp;
}

const std::vector<v1::Template>& DefaultTemplates() {
  static const std::vector<v1::Template>* const kDefaults =
      new std::vector<v1::Template>(BuildDefaults());
  return *kDefaults;
}

const v1::Template* FindDefaultTemplate(absl::string_view key, absl::string_view locale,
                                        v1::Channel channel) {
  std::string want = KnownLocale(locale);
  if (want.empty()) want = "zh-CN";
  const v1::Template* in_app = nullptr;
  for (const v1::Template& t : DefaultTemplates()) {
    if (t.key() != key || t.locale() != want) continue;
    if (t.channel() == channel) return &t;
    if (t.channel() == v1::CHANNEL_IN_APP) in_app = &t;
  }
  return in_app;
}

}  // namespace opsuite::notify
