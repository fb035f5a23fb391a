// Scoring rules: see rules.h for the contract. Decisions made here that callers can see:
//
// * Validation field paths follow the proto field names under `prefix`:
//   "scheme.items[2].bands.bands[1].min", "scheme.grades[0].max_share", ...
//   - Weights that do not sum to 100 are reported once, on the field "scheme.items" (the
//     weights only fail together); a weight on a penalty / commission / minimum item, or a
//     negative weight, is reported on that item's "…weight".
//   - An item without a rule is reported on "scheme.items[i].rule" (the oneof's name).
//   - A DEPARTMENT scheme using anything but checklist items and ratio on target: is reported
//     on the rule's metric ("scheme.items[i].bands.metric") when the rule has one, else on the
//     rule itself ("scheme.items[i].goal_card").
//   - Unsorted or overlapping bands are reported on the later band's min
//     ("…bands.bands[j].min"); a band with max <= min on its max.
//   - A ratio item must name exactly one "target:<metric>" (there is no denominator for a
//     plain metric); other rules take a '+' sum of known non-target metrics.
// * Scores are rounded to 2 decimals half away from zero, with a 1e-9 relative nudge so that
//   values like 1.005 (stored as 1.00499999…) round as written.
// * Evaluate() needs, per item: ratio "target:m.actual" and "target:m.value" (or at least
//   "target:m"); bands / penalty / minimum every metric of the expression; goal_card
//   "goal_card_score" (and "goal_card_self_score" when self_weight > 0); checklist an entry
//   for the item code in `checklist` (an empty map = assessed, nothing deducted). Anything
//   missing is FAILED_PRECONDITION `item "<code>": ...`.
// * AssignGrades: a grade's capacity is floor(max_share × N); ties move down together; a
//   lower score never gets a better grade than a higher one; a subject pushed below the last
//   grade gets "" (no grade).
// * Distribute: at most 10,000 histogram buckets; a narrower bucket width is widened to fit.
#include "services/scoring/domain/rules.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "common/money.h"
#include "common/period.h"

namespace opsuite::scoring {
namespace {

constexpr absl::string_view kTargetPrefix = "target:";
constexpr int kMaxItems = 32;
constexpr int kMaxCodeLength = 64;
constexpr int kMaxTerminateAfter = 12;
constexpr int kMaxBuckets = 10000;

bool IsCodeChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool IsCode(absl::string_view s, size_t max_length) {
  if (s.empty() || s.size() > max_length) return false;
  return std::all_of(s.begin(), s.end(), IsCodeChar);
}

// Finite and >= 0 (NaN fails).
bool NonNegative(double x) { return std::isfinite(x) && x >= 0; }

double Round2(double x) {
  if (!std::isfinite(x)) return x;
  const double scaled = x * 100.0;
  const double nudge = std::copysign(1e-9 * std::max(1.0, std::fabs(scaled)), scaled);
  return std::round(scaled + nudge) / 100.0;
}

// 1234.5 → "1,234.5"; 100000 → "100,000"; up to 2 decimals, trailing zeros dropped.
std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return absl::StrFormat("%g", v);
  if (std::fabs(v) >= 9e15) return absl::StrFormat("%.0f", v);
  std::string s = FormatMoney(static_cast<int64_t>(std::llround(v * 100.0)));
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// A metric value: money metrics (cents) as money "120,000.00", others as numbers.
std::string FormatValue(absl::string_view metric, double v) {
  if (IsMoneyMetric(metric) && std::isfinite(v) && std::fabs(v) < 9e18) {
    return FormatMoney(static_cast<int64_t>(std::llround(v)));
  }
  return FormatNumber(v);
}

// A bound or threshold: money metrics as whole currency units "100,000", others as numbers.
std::string FormatBound(absl::string_view metric, double v) {
  return FormatNumber(IsMoneyMetric(metric) ? v / 100.0 : v);
}

// A rate in parts per million as a percent: 30000 → "3%", 35000 → "3.5%".
std::string FormatPpmPercent(int64_t ppm) {
  const int64_t whole = ppm / 10000;
  int64_t frac = ppm % 10000;
  if (frac == 0) return absl::StrCat(whole, "%");
  std::string digits = absl::StrFormat("%04d", static_cast<int>(frac));
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return absl::StrCat(whole, ".", digits, "%");
}

int64_t ClampToInt64(absl::int128 v) {
  if (v > absl::int128(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  if (v < absl::int128(std::numeric_limits<int64_t>::min())) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(v);
}

const char* RuleName(v1::Item::RuleCase c) {
  switch (c) {
    case v1::Item::kRatio: return "ratio";
    case v1::Item::kBands: return "bands";
    case v1::Item::kChecklist: return "checklist";
    case v1::Item::kGoalCard: return "goal_card";
    case v1::Item::kPenalty: return "penalty";
    case v1::Item::kCommission: return "commission";
    case v1::Item::kMinimum: return "minimum";
    case v1::Item::RULE_NOT_SET: break;
  }
  return "rule";
}

bool CarriesWeight(v1::Item::RuleCase c) {
  return c == v1::Item::kRatio || c == v1::Item::kBands || c == v1::Item::kChecklist ||
         c == v1::Item::kGoalCard;
}

// The metric named by an item's rule ("" for rules without one).
std::string RuleMetric(const v1::Item& item) {
  switch (item.rule_case()) {
    case v1::Item::kRatio: return item.ratio().metric();
    case v1::Item::kBands: return item.bands().metric();
    case v1::Item::kPenalty: return item.penalty().metric();
    case v1::Item::kMinimum: return item.minimum().metric();
    default: return "";
  }
}

// What is wrong with a metric expression ("" when it is fine). `ratio`: must be one target:.
std::string MetricProblem(absl::string_view expression, bool ratio) {
  const bool is_target = absl::StartsWith(expression, kTargetPrefix);
  if (ratio) {
    if (!is_target) {
      return absl::StrCat("a ratio needs \"target:<metric>\" (the subject's target), not \"",
                          std::string(expression), "\"");
    }
    Source source;
    if (!SourceOf(expression, &source)) {
      return absl::StrCat("\"", std::string(expression),
                          "\" is not a target metric: target:[a-z0-9_]+");
    }
    return "";
  }
  if (expression.empty()) return "must name a metric";
  for (const std::string& part : MetricParts(expression)) {
    Source source;
    if (!SourceOf(part, &source)) {
      if (absl::StartsWith(part, kTargetPrefix)) {
        return "target:<metric> is allowed only in ratio items";
      }
      return absl::StrCat("unknown metric \"", part, "\"");
    }
    if (source == Source::kTarget) return "target:<metric> is allowed only in ratio items";
  }
  return "";
}

void AddSource(Source source, absl::string_view part, Needs* needs) {
  switch (source) {
    case Source::kSales: needs->sales = true; break;
    case Source::kActivity: needs->activity = true; break;
    case Source::kCompliance: needs->compliance = true; break;
    case Source::kGoalCard: needs->goal_card = true; break;
    case Source::kTarget:
      needs->target_metrics.emplace_back(part.substr(kTargetPrefix.size()));
      break;
  }
}

absl::Status Missing(const v1::Item& item, absl::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat("item \"", item.code(), "\": ", std::string(what)));
}

// The sum of a metric expression's parts, all of which must be in `values`.
absl::StatusOr<double> MetricValue(const v1::Item& item, absl::string_view expression,
                                   const SubjectInputs& in) {
  double sum = 0;
  for (const std::string& part : MetricParts(expression)) {
    auto it = in.values.find(part);
    if (it == in.values.end()) {
      return Missing(item, absl::StrCat("no value for metric ", part, " in this period"));
    }
    sum += it->second;
  }
  return sum;
}

const char* FlagName(v1::Flag flag) {
  switch (flag) {
    case v1::FLAG_OBSERVATION: return "OBSERVATION";
    case v1::FLAG_TERMINATION_REVIEW: return "TERMINATION_REVIEW";
    default: return "UNSPECIFIED";
  }
}

// ---- per rule -------------------------------------------------------------------------------

absl::Status EvaluateRatio(const v1::Item& item, const SubjectInputs& in, v1::ItemResult* r) {
  const std::string& metric = item.ratio().metric();
  const std::string target_metric = metric.substr(std::min(metric.size(), kTargetPrefix.size()));
  const double cap = item.ratio().cap() > 0 ? item.ratio().cap() : 1.0;
  auto actual_it = in.values.find(absl::StrCat(metric, ".actual"));
  auto value_it = in.values.find(absl::StrCat(metric, ".value"));
  double raw = 0;
  std::string shown;
  if (actual_it != in.values.end() && value_it != in.values.end()) {
    const double actual = actual_it->second;
    const double target = value_it->second;
    if (target > 0) {
      raw = actual / target;
    } else {
      raw = actual > 0 ? cap : 0.0;  // a target of 0: met by anything, 0 of 0 is 0
    }
    shown = absl::StrCat(FormatValue(target_metric, actual), " of ",
                         FormatValue(target_metric, target), " = ");
  } else {
    auto it = in.values.find(metric);
    if (it == in.values.end()) {
      return Missing(item,
                     absl::StrCat("no target for metric ", target_metric, " in this period"));
    }
    raw = it->second;
  }
  const double score = Round2(std::min(raw, cap) * 100.0);
  r->set_raw(raw);
  r->set_score(score);
  r->set_detail(absl::StrFormat("%s %s%.1f%% → %.2f", item.name(), shown, raw * 100.0, score));
  return absl::OkStatus();
}

absl::Status EvaluateBands(const v1::Item& item, const SubjectInputs& in, v1::ItemResult* r) {
  const v1::BandsRule& rule = item.bands();
  ASSIGN_OR_RETURN(const double value, MetricValue(item, rule.metric(), in));
  r->set_raw(value);
  const std::string shown = FormatValue(rule.metric(), value);
  const v1::Band* hit = nullptr;
  for (const v1::Band& band : rule.bands()) {
    if (value >= band.min() && (!band.has_max() || value < band.max())) {
      hit = &band;
      break;
    }
  }
  if (hit == nullptr) {
    r->set_score(0);
    r->set_detail(absl::StrCat(item.name(), " ", shown, " in no band → 0"));
    return absl::OkStatus();
  }
  const double score = Round2(hit->points());
  r->set_score(score);
  r->set_bonus(hit->bonus());
  std::vector<std::string> outcome;
  if (hit->points() != 0 || item.weight() > 0) outcome.push_back(absl::StrFormat("%.2f", score));
  if (hit->bonus() != 0) outcome.push_back(absl::StrCat("bonus ", FormatMoney(hit->bonus())));
  if (outcome.empty()) outcome.push_back("0");
  r->set_detail(absl::StrCat(
      item.name(), " ", shown, " in band [", FormatBound(rule.metric(), hit->min()), ", ",
      hit->has_max() ? FormatBound(rule.metric(), hit->max()) : std::string("∞"), ") → ",
      absl::StrJoin(outcome, ", ")));
  return absl::OkStatus();
}

absl::StatusOr<double> EvaluateChecklist(const v1::Item& item, const SubjectInputs& in,
                                         v1::ItemResult* r) {
  auto it = in.checklist.find(item.code());
  if (it == in.checklist.end()) {
    return Missing(item, "no checklist assessment for the period");
  }
  double max_total = 0;
  double kept = 0;
  for (const v1::ChecklistSection& section : item.checklist().sections()) {
    double deducted = 0;
    auto d = it->second.find(section.name());
    if (d != it->second.end()) deducted = d->second;
    max_total += section.max_points();
    kept += std::max(0.0, section.max_points() - deducted);
  }
  const double score = max_total > 0 ? Round2(kept / max_total * 100.0) : 0.0;
  r->set_raw(kept);
  r->set_score(score);
  r->set_detail(absl::StrFormat("%s %s of %s points → %.2f", item.name(), FormatNumber(kept),
                                FormatNumber(max_total), score));
  return kept;
}

absl::Status EvaluateGoalCard(const v1::Item& item, const SubjectInputs& in, v1::ItemResult* r) {
  auto manager = in.values.find("goal_card_score");
  if (manager == in.values.end()) return Missing(item, "no scored goal card for the period");
  const double self_weight = item.goal_card().self_weight();
  if (self_weight <= 0) {
    const double score = Round2(manager->second);
    r->set_raw(score);
    r->set_score(score);
    r->set_detail(absl::StrFormat("%s manager score %s → %.2f", item.name(),
                                  FormatNumber(manager->second), score));
    return absl::OkStatus();
  }
  auto self = in.values.find("goal_card_self_score");
  if (self == in.values.end()) {
    return Missing(item, "no self-score on the goal card for the period");
  }
  const double score =
      Round2((1.0 - self_weight) * manager->second + self_weight * self->second);
  r->set_raw(score);
  r->set_score(score);
  r->set_detail(absl::StrFormat("%s %s × manager %s + %s × self %s → %.2f", item.name(),
                                FormatNumber(1.0 - self_weight), FormatNumber(manager->second),
                                FormatNumber(self_weight), FormatNumber(self->second), score));
  return absl::OkStatus();
}

absl::Status EvaluatePenalty(const v1::Item& item, const SubjectInputs& in, v1::ItemResult* r) {
  const v1::PenaltyRule& rule = item.penalty();
  ASSIGN_OR_RETURN(const double value, MetricValue(item, rule.metric(), in));
  const int64_t count = std::isfinite(value) ? static_cast<int64_t>(std::llround(value)) : 0;
  const int64_t amount = Penalty(count, rule);
  r->set_raw(value);
  r->set_score(0);
  r->set_penalties(amount);
  const v1::PenaltyTier* tier = nullptr;
  for (const v1::PenaltyTier& t : rule.tiers()) {
    if (t.min_count() <= count && (tier == nullptr || t.min_count() > tier->min_count())) {
      tier = &t;
    }
  }
  const std::string times = absl::StrCat(count, count == 1 ? " time" : " times");
  if (tier == nullptr) {
    r->set_detail(absl::StrCat(item.name(), " ", times, ", no tier reached → 0.00"));
  } else {
    r->set_detail(absl::StrCat(item.name(), " ", times, ", tier ≥ ", tier->min_count(), " at ",
                               FormatMoney(tier->amount_each()), " each → ",
                               FormatMoney(amount)));
  }
  return absl::OkStatus();
}

void EvaluateCommission(const v1::Item& item, const SubjectInputs& in, v1::ItemResult* r) {
  const v1::CommissionRule& rule = item.commission();
  const v1::CommissionRate* wildcard = nullptr;
  for (const v1::CommissionRate& rate : rule.rates()) {
    if (rate.product_line() == "*") wildcard = &rate;
  }
  std::vector<std::pair<std::string, int64_t>> lines(in.settled_by_line.begin(),
                                                     in.settled_by_line.end());
  std::sort(lines.begin(), lines.end());
  absl::int128 settled = 0;
  absl::int128 commission = 0;
  std::vector<std::string> parts;
  for (const auto& [line, amount] : lines) {
    const v1::CommissionRate* rate = nullptr;
    for (const v1::CommissionRate& candidate : rule.rates()) {
      if (candidate.product_line() == line) {
        rate = &candidate;
        break;
      }
    }
    if (rate == nullptr) rate = wildcard;
    settled += amount;
    const std::string label = line.empty() ? std::string("(no line)") : line;
    if (rate == nullptr) {
      parts.push_back(absl::StrCat(label, " ", FormatMoney(amount), " × no rate = 0.00"));
      continue;
    }
    const int64_t earned = Commission(amount, rate->rate());
    commission += earned;
    parts.push_back(absl::StrCat(label, " ", FormatMoney(amount), " × ",
                                 FormatPpmPercent(std::llround(rate->rate() * 1e6)), " = ",
                                 FormatMoney(earned)));
  }
  r->set_raw(static_cast<double>(settled));
  r->set_score(0);
  r->set_commission(ClampToInt64(commission));
  if (parts.empty()) {
    r->set_detail(absl::StrCat(item.name(), " no settled amount → 0.00"));
  } else {
    r->set_detail(absl::StrCat(item.name(), " settled ", FormatMoney128(settled), ": ",
                               absl::StrJoin(parts, ", "), " → ",
                               FormatMoney(r->commission())));
  }
}

absl::Status EvaluateMinimum(const v1::Item& item, const SubjectInputs& in, v1::ItemResult* r) {
  const v1::MinimumRule& rule = item.minimum();
  ASSIGN_OR_RETURN(const double value, MetricValue(item, rule.metric(), in));
  r->set_raw(value);
  r->set_score(0);
  const std::string shown = FormatValue(rule.metric(), value);
  const std::string min = FormatBound(rule.metric(), rule.min());
  if (!(value < rule.min())) {
    r->set_periods_below(0);
    r->set_detail(absl::StrCat(item.name(), " ", shown, " meets minimum ", min));
    return absl::OkStatus();
  }
  int periods = 1;
  auto history = in.history.find(rule.metric());
  if (history != in.history.end()) {
    for (double earlier : history->second) {
      if (!(earlier < rule.min())) break;
      ++periods;
    }
  }
  r->set_periods_below(periods);
  v1::Flag flag = v1::FLAG_UNSPECIFIED;
  if (periods >= rule.terminate_after()) {
    flag = v1::FLAG_TERMINATION_REVIEW;
  } else if (periods >= rule.observe_after()) {
    flag = v1::FLAG_OBSERVATION;
  }
  std::string detail = absl::StrCat(item.name(), " ", shown, " below minimum ", min, " for ",
                                    periods, periods == 1 ? " period" : " consecutive periods");
  if (flag != v1::FLAG_UNSPECIFIED) {
    r->add_flags(flag);
    absl::StrAppend(&detail, " → ", FlagName(flag));
  }
  r->set_detail(std::move(detail));
  return absl::OkStatus();
}

}  // namespace

// ---- metrics --------------------------------------------------------------------------------

bool SourceOf(absl::string_view metric, Source* source) {
  static constexpr absl::string_view kSales[] = {"signed_count", "signed_amount",
                                                 "received_amount", "settled_signed_amount"};
  static constexpr absl::string_view kActivity[] = {"calls", "effective_calls", "visits",
                                                    "new_customers"};
  static constexpr absl::string_view kCompliance[] = {"daily_missing", "daily_late",
                                                      "weekly_missing", "weekly_late"};
  Source found;
  if (absl::StartsWith(metric, kTargetPrefix)) {
    if (!IsCode(metric.substr(kTargetPrefix.size()), std::numeric_limits<size_t>::max())) {
      return false;
    }
    found = Source::kTarget;
  } else if (std::find(std::begin(kSales), std::end(kSales), metric) != std::end(kSales)) {
    found = Source::kSales;
  } else if (std::find(std::begin(kActivity), std::end(kActivity), metric) !=
             std::end(kActivity)) {
    found = Source::kActivity;
  } else if (std::find(std::begin(kCompliance), std::end(kCompliance), metric) !=
             std::end(kCompliance)) {
    found = Source::kCompliance;
  } else if (metric == "goal_card_score") {
    found = Source::kGoalCard;
  } else {
    return false;
  }
  if (source != nullptr) *source = found;
  return true;
}

std::vector<std::string> MetricParts(absl::string_view expression) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(expression, '+')) {
    parts.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return parts;
}

bool IsMoneyMetric(absl::string_view metric) {
  return metric == "signed_amount" || metric == "received_amount" ||
         metric == "settled_signed_amount";
}

Needs NeedsOf(const v1::Scheme& scheme) {
  Needs needs;
  for (const v1::Item& item : scheme.items()) {
    switch (item.rule_case()) {
      case v1::Item::kChecklist: needs.checklist = true; break;
      case v1::Item::kGoalCard: needs.goal_card = true; break;
      case v1::Item::kCommission: needs.sales = true; break;
      case v1::Item::kMinimum:
        needs.history_periods = std::max(needs.history_periods,
                                         std::max(0, item.minimum().terminate_after() - 1));
        break;
      default: break;
    }
    const std::string metric = RuleMetric(item);
    if (metric.empty()) continue;
    for (const std::string& part : MetricParts(metric)) {
      Source source;
      if (SourceOf(part, &source)) AddSource(source, part, &needs);
    }
  }
  std::sort(needs.target_metrics.begin(), needs.target_metrics.end());
  needs.target_metrics.erase(std::unique(needs.target_metrics.begin(), needs.target_metrics.end()),
                             needs.target_metrics.end());
  return needs;
}

// ---- validation -----------------------------------------------------------------------------

FieldViolations ValidateScheme(const v1::Scheme& scheme, absl::string_view prefix) {
  FieldViolations v;
  const std::string p(prefix);
  auto field = [&p](absl::string_view rest) { return absl::StrCat(p, ".", std::string(rest)); };

  if (scheme.name().empty()) v.Add(field("name"), "must not be empty");
  if (scheme.subject_kind() != v1::SUBJECT_KIND_EMPLOYEE &&
      scheme.subject_kind() != v1::SUBJECT_KIND_DEPARTMENT) {
    v.Add(field("subject_kind"), "must be EMPLOYEE or DEPARTMENT");
  }
  if (scheme.cycle() < v1::CYCLE_MONTHLY || scheme.cycle() > v1::CYCLE_YEARLY) {
    v.Add(field("cycle"), "must be MONTHLY, QUARTERLY, HALF_YEARLY or YEARLY");
  }
  if (scheme.items_size() < 1 || scheme.items_size() > kMaxItems) {
    v.Add(field("items"), absl::StrCat("must have 1 to ", kMaxItems, " items (has ",
                                       scheme.items_size(), ")"));
  }
  const bool department = scheme.subject_kind() == v1::SUBJECT_KIND_DEPARTMENT;

  absl::flat_hash_map<std::string, int> codes;
  double weight_sum = 0;
  bool any_weight = false;
  for (int i = 0; i < scheme.items_size(); ++i) {
    const v1::Item& item = scheme.items(i);
    const std::string at = field(absl::StrCat("items[", i, "]"));
    auto f = [&at](absl::string_view rest) { return absl::StrCat(at, ".", std::string(rest)); };

    if (!IsCode(item.code(), kMaxCodeLength)) {
      v.Add(f("code"), "must match [a-z0-9_]{1,64}");
    } else if (auto [it, inserted] = codes.emplace(item.code(), i); !inserted) {
      v.Add(f("code"), absl::StrCat("duplicate code \"", item.code(), "\" (also items[",
                                    it->second, "])"));
    }
    if (item.name().empty()) v.Add(f("name"), "must not be empty");

    const v1::Item::RuleCase rule = item.rule_case();
    if (rule == v1::Item::RULE_NOT_SET) {
      v.Add(f("rule"),
            "must set one rule: ratio, bands, checklist, goal_card, penalty, commission or "
            "minimum");
    }
    const std::string r = absl::StrCat(at, ".", RuleName(rule));
    auto rf = [&r](absl::string_view rest) { return absl::StrCat(r, ".", std::string(rest)); };

    // Weight.
    if (!NonNegative(item.weight())) {
      v.Add(f("weight"), "must be >= 0");
    } else if (item.weight() > 0 && rule != v1::Item::RULE_NOT_SET && !CarriesWeight(rule)) {
      v.Add(f("weight"), absl::StrCat(RuleName(rule), " items carry no weight"));
    } else if (item.weight() > 0) {
      weight_sum += item.weight();
      any_weight = true;
    }

    // What a DEPARTMENT scheme may use.
    if (department && rule != v1::Item::RULE_NOT_SET && rule != v1::Item::kChecklist &&
        rule != v1::Item::kRatio) {
      const bool has_metric = rule == v1::Item::kBands || rule == v1::Item::kPenalty ||
                              rule == v1::Item::kMinimum;
      v.Add(has_metric ? rf("metric") : r,
            "a DEPARTMENT scheme may use only checklist items and ratio items on "
            "target:<metric>");
    }

    switch (rule) {
      case v1::Item::kRatio: {
        const std::string problem = MetricProblem(item.ratio().metric(), /*ratio=*/true);
        if (!problem.empty()) v.Add(rf("metric"), problem);
        if (!NonNegative(item.ratio().cap())) v.Add(rf("cap"), "must be >= 0");
        break;
      }
      case v1::Item::kBands: {
        const v1::BandsRule& bands = item.bands();
        const std::string problem = MetricProblem(bands.metric(), /*ratio=*/false);
        if (!problem.empty() && !department) v.Add(rf("metric"), problem);
        if (bands.bands().empty()) v.Add(rf("bands"), "must have at least one band");
        for (int j = 0; j < bands.bands_size(); ++j) {
          const v1::Band& band = bands.bands(j);
          const std::string b = rf(absl::StrCat("bands[", j, "]"));
          if (!std::isfinite(band.min())) v.Add(b + ".min", "must be a finite number");
          if (band.has_max() && !(band.max() > band.min())) {
            v.Add(b + ".max", "must be greater than min");
          }
          if (j > 0) {
            const v1::Band& previous = bands.bands(j - 1);
            if (band.min() < previous.min()) {
              v.Add(b + ".min", absl::StrCat("bands must be sorted by min: below bands[", j - 1,
                                             "].min"));
            } else if (!previous.has_max() || previous.max() > band.min()) {
              v.Add(b + ".min", absl::StrCat("overlaps bands[", j - 1,
                                             "]: a band's max must be <= the next band's min"));
            }
          }
          if (!NonNegative(band.points())) v.Add(b + ".points", "must be >= 0");
          if (band.bonus() < 0) v.Add(b + ".bonus", "must be >= 0");
        }
        break;
      }
      case v1::Item::kChecklist: {
        const v1::ChecklistRule& checklist = item.checklist();
        if (checklist.sections().empty()) {
          v.Add(rf("sections"), "must have at least one section");
        }
        absl::flat_hash_set<std::string> names;
        for (int j = 0; j < checklist.sections_size(); ++j) {
          const v1::ChecklistSection& section = checklist.sections(j);
          const std::string s = rf(absl::StrCat("sections[", j, "]"));
          if (section.name().empty()) {
            v.Add(s + ".name", "must not be empty");
          } else if (!names.insert(section.name()).second) {
            v.Add(s + ".name", absl::StrCat("duplicate section \"", section.name(), "\""));
          }
          if (!(std::isfinite(section.max_points()) && section.max_points() > 0)) {
            v.Add(s + ".max_points", "must be > 0");
          }
        }
        break;
      }
      case v1::Item::kGoalCard: {
        const double w = item.goal_card().self_weight();
        if (!(w >= 0 && w <= 1)) v.Add(rf("self_weight"), "must be in [0, 1]");
        break;
      }
      case v1::Item::kPenalty: {
        const v1::PenaltyRule& penalty = item.penalty();
        const std::string problem = MetricProblem(penalty.metric(), /*ratio=*/false);
        if (!problem.empty() && !department) v.Add(rf("metric"), problem);
        if (penalty.tiers().empty()) v.Add(rf("tiers"), "must have at least one tier");
        for (int j = 0; j < penalty.tiers_size(); ++j) {
          const v1::PenaltyTier& tier = penalty.tiers(j);
          const std::string t = rf(absl::StrCat("tiers[", j, "]"));
          if (tier.min_count() <= 0) {
            v.Add(t + ".min_count", "must be > 0");
          } else if (j > 0 && tier.min_count() <= penalty.tiers(j - 1).min_count()) {
            v.Add(t + ".min_count", absl::StrCat("must be greater than tiers[", j - 1,
                                                 "].min_count (tiers ascend strictly)"));
          }
          if (tier.amount_each() < 0) v.Add(t + ".amount_each", "must be >= 0");
        }
        break;
      }
      case v1::Item::kCommission: {
        const v1::CommissionRule& commission = item.commission();
        if (commission.rates().empty()) v.Add(rf("rates"), "must have at least one rate");
        absl::flat_hash_set<std::string> lines;
        for (int j = 0; j < commission.rates_size(); ++j) {
          const v1::CommissionRate& rate = commission.rates(j);
          const std::string c = rf(absl::StrCat("rates[", j, "]"));
          if (rate.product_line().empty()) {
            v.Add(c + ".product_line", "must not be empty (\"*\" matches lines not listed)");
          } else if (!lines.insert(rate.product_line()).second) {
            v.Add(c + ".product_line",
                  absl::StrCat("duplicate product line \"", rate.product_line(), "\""));
          }
          if (!(rate.rate() >= 0 && rate.rate() <= 1)) v.Add(c + ".rate", "must be in [0, 1]");
        }
        break;
      }
      case v1::Item::kMinimum: {
        const v1::MinimumRule& minimum = item.minimum();
        const std::string problem = MetricProblem(minimum.metric(), /*ratio=*/false);
        if (!problem.empty() && !department) v.Add(rf("metric"), problem);
        if (!std::isfinite(minimum.min())) v.Add(rf("min"), "must be a finite number");
        if (minimum.observe_after() < 1) v.Add(rf("observe_after"), "must be >= 1");
        if (minimum.terminate_after() <= minimum.observe_after() ||
            minimum.terminate_after() > kMaxTerminateAfter) {
          v.Add(rf("terminate_after"),
                absl::StrCat("must be greater than observe_after and at most ",
                             kMaxTerminateAfter));
        }
        break;
      }
      case v1::Item::RULE_NOT_SET: break;
    }
  }
  // The weights are reported together on "<prefix>.items": no single weight is the wrong one.
  if (any_weight && std::fabs(weight_sum - 100.0) > 1e-6) {
    v.Add(field("items"), absl::StrCat("item weights must sum to 100 (they sum to ",
                                       FormatNumber(weight_sum), ")"));
  }

  absl::flat_hash_set<std::string> grade_names;
  for (int j = 0; j < scheme.grades_size(); ++j) {
    const v1::Grade& grade = scheme.grades(j);
    const std::string g = field(absl::StrCat("grades[", j, "]"));
    if (grade.grade().empty()) {
      v.Add(g + ".grade", "must not be empty");
    } else if (!grade_names.insert(grade.grade()).second) {
      v.Add(g + ".grade", absl::StrCat("duplicate grade \"", grade.grade(), "\""));
    }
    if (!std::isfinite(grade.min_score())) {
      v.Add(g + ".min_score", "must be a finite number");
    } else if (j > 0 && !(grade.min_score() < scheme.grades(j - 1).min_score())) {
      v.Add(g + ".min_score", absl::StrCat("must be below grades[", j - 1,
                                           "].min_score (strictly descending)"));
    }
    if (!(grade.max_share() >= 0 && grade.max_share() <= 1)) {
      v.Add(g + ".max_share", "must be in [0, 1]");
    }
  }
  return v;
}

// ---- evaluation -----------------------------------------------------------------------------

int64_t Commission(int64_t settled_cents, double rate) {
  if (!std::isfinite(rate)) return 0;
  const absl::int128 ppm = std::llround(rate * 1e6);
  const absl::int128 product = absl::int128(settled_cents) * ppm;
  const absl::int128 million = 1000000;
  // Half-up on the magnitude (half away from zero for a negative correction).
  const absl::int128 magnitude = product < 0 ? -product : product;
  absl::int128 rounded = (magnitude + million / 2) / million;
  if (product < 0) rounded = -rounded;
  return ClampToInt64(rounded);
}

int64_t Penalty(int64_t count, const v1::PenaltyRule& rule) {
  const v1::PenaltyTier* tier = nullptr;
  for (const v1::PenaltyTier& t : rule.tiers()) {
    if (t.min_count() <= count && (tier == nullptr || t.min_count() > tier->min_count())) {
      tier = &t;
    }
  }
  if (tier == nullptr || count <= 0) return 0;
  return ClampToInt64(absl::int128(count) * tier->amount_each());
}

absl::StatusOr<v1::Evaluation> Evaluate(const v1::Scheme& scheme, const SubjectInputs& in) {
  v1::Evaluation out;
  out.set_subject_kind(scheme.subject_kind());
  out.set_state(v1::EVALUATION_STATE_EVALUATED);
  auto& inputs = *out.mutable_inputs();
  for (const auto& [name, value] : in.values) inputs[name] = value;

  double total = 0;
  absl::int128 bonus = 0, commission = 0, penalties = 0;
  for (const v1::Item& item : scheme.items()) {
    v1::ItemResult* r = out.add_items();
    r->set_code(item.code());
    r->set_name(item.name());
    r->set_weight(item.weight());
    switch (item.rule_case()) {
      case v1::Item::kRatio: RETURN_IF_ERROR(EvaluateRatio(item, in, r)); break;
      case v1::Item::kBands: RETURN_IF_ERROR(EvaluateBands(item, in, r)); break;
      case v1::Item::kChecklist: {
        ASSIGN_OR_RETURN(const double kept, EvaluateChecklist(item, in, r));
        inputs[absl::StrCat("checklist:", item.code())] = kept;
        break;
      }
      case v1::Item::kGoalCard: RETURN_IF_ERROR(EvaluateGoalCard(item, in, r)); break;
      case v1::Item::kPenalty: RETURN_IF_ERROR(EvaluatePenalty(item, in, r)); break;
      case v1::Item::kCommission: EvaluateCommission(item, in, r); break;
      case v1::Item::kMinimum: RETURN_IF_ERROR(EvaluateMinimum(item, in, r)); break;
      case v1::Item::RULE_NOT_SET:
        return absl::InvalidArgumentError(
            absl::StrCat("item \"", item.code(), "\" has no rule"));
    }
    if (CarriesWeight(item.rule_case())) total += item.weight() * r->score() / 100.0;
    bonus += r->bonus();
    commission += r->commission();
    penalties += r->penalties();
    for (int flag : r->flags()) {
      if (std::find(out.flags().begin(), out.flags().end(), flag) == out.flags().end()) {
        out.add_flags(static_cast<v1::Flag>(flag));
      }
    }
  }
  out.set_total_score(Round2(total));
  out.set_computed_score(out.total_score());
  out.set_bonus(ClampToInt64(bonus));
  out.set_commission(ClampToInt64(commission));
  out.set_penalties(ClampToInt64(penalties));
  return out;
}

// ---- grading, ranking, distribution ---------------------------------------------------------

std::string GradeOf(const v1::Scheme& scheme, double score) {
  for (const v1::Grade& grade : scheme.grades()) {
    if (score >= grade.min_score()) return grade.grade();
  }
  return "";
}

std::vector<std::string> AssignGrades(const v1::Scheme& scheme,
                                      const std::vector<double>& scores) {
  const int grades = scheme.grades_size();
  const bool limited = std::any_of(scheme.grades().begin(), scheme.grades().end(),
                                   [](const v1::Grade& g) { return g.max_share() > 0; });
  std::vector<std::string> out(scores.size());
  if (!limited) {
    for (size_t i = 0; i < scores.size(); ++i) out[i] = GradeOf(scheme, scores[i]);
    return out;
  }
  const size_t n = scores.size();
  // Capacity per grade: floor(max_share × N); -1 for no limit.
  std::vector<int64_t> capacity(grades, -1);
  for (int g = 0; g < grades; ++g) {
    const double share = scheme.grades(g).max_share();
    if (share > 0) {
      capacity[g] = static_cast<int64_t>(std::floor(share * static_cast<double>(n) + 1e-9));
    }
  }
  auto key = [&scores](size_t i) {
    return std::isnan(scores[i]) ? -std::numeric_limits<double>::infinity() : scores[i];
  };
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&key](size_t a, size_t b) { return key(a) > key(b); });
  std::vector<int64_t> used(grades, 0);
  int floor_grade = 0;  // a lower score never gets a better grade than a higher one
  for (size_t begin = 0; begin < n;) {
    size_t end = begin + 1;
    while (end < n && key(order[end]) == key(order[begin])) ++end;
    const int64_t size = static_cast<int64_t>(end - begin);
    const double score = scores[order[begin]];
    int g = 0;
    while (g < grades && !(score >= scheme.grades(g).min_score())) ++g;
    g = std::max(g, floor_grade);
    while (g < grades && capacity[g] >= 0 && used[g] + size > capacity[g]) ++g;
    if (g < grades) used[g] += size;
    for (size_t k = begin; k < end; ++k) out[order[k]] = g < grades ? scheme.grades(g).grade() : "";
    floor_grade = g;
    begin = end;
  }
  return out;
}

std::vector<int> CompetitionRanks(const std::vector<double>& sorted_desc) {
  std::vector<int> ranks(sorted_desc.size());
  for (size_t i = 0; i < sorted_desc.size(); ++i) {
    ranks[i] = (i > 0 && sorted_desc[i] == sorted_desc[i - 1]) ? ranks[i - 1]
                                                                : static_cast<int>(i + 1);
  }
  return ranks;
}

v1::Distribution Distribute(const std::vector<double>& scores,
                            const std::vector<std::string>& grades, double bucket_width) {
  v1::Distribution out;
  for (const std::string& grade : grades) {
    if (!grade.empty()) ++(*out.mutable_grade_counts())[grade];
  }
  std::vector<double> sorted;
  sorted.reserve(scores.size());
  for (double s : scores) {
    if (std::isfinite(s)) sorted.push_back(s);
  }
  if (sorted.empty()) return out;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  out.set_count(static_cast<int32_t>(n));
  double sum = 0;
  for (double s : sorted) sum += s;
  const double mean = sum / static_cast<double>(n);
  double squares = 0;
  for (double s : sorted) squares += (s - mean) * (s - mean);
  out.set_mean(mean);
  out.set_stddev(std::sqrt(squares / static_cast<double>(n)));
  out.set_min(sorted.front());
  out.set_max(sorted.back());
  auto nearest_rank = [&sorted, n](size_t percent) {
    size_t rank = (percent * n + 99) / 100;  // ceil(p/100 × N)
    rank = std::clamp<size_t>(rank, 1, n);
    return sorted[rank - 1];
  };
  out.set_p50(nearest_rank(50));
  out.set_p90(nearest_rank(90));
  out.set_p99(nearest_rank(99));

  double width = std::isfinite(bucket_width) && bucket_width > 0 ? bucket_width : 10.0;
  const double lo = sorted.front() < 0 ? std::floor(sorted.front() / width) * width : 0.0;
  if ((sorted.back() - lo) / width >= kMaxBuckets) {
    width = (sorted.back() - lo) / (kMaxBuckets - 1);
  }
  const int64_t buckets = static_cast<int64_t>(std::floor((sorted.back() - lo) / width)) + 1;
  std::vector<int32_t> counts(buckets, 0);
  for (double s : sorted) {
    int64_t b = static_cast<int64_t>(std::floor((s - lo) / width));
    counts[std::clamp<int64_t>(b, 0, buckets - 1)]++;
  }
  for (int64_t b = 0; b < buckets; ++b) {
    v1::HistogramBucket* bucket = out.add_buckets();
    bucket->set_lower(lo + static_cast<double>(b) * width);
    bucket->set_upper(lo + static_cast<double>(b + 1) * width);
    bucket->set_count(counts[b]);
  }
  return out;
}

common::v1::Granularity CycleGranularity(v1::Cycle cycle) {
  switch (cycle) {
    case v1::CYCLE_MONTHLY: return common::v1::GRANULARITY_MONTH;
    case v1::CYCLE_QUARTERLY: return common::v1::GRANULARITY_QUARTER;
    case v1::CYCLE_HALF_YEARLY: return common::v1::GRANULARITY_HALF;
    case v1::CYCLE_YEARLY: return common::v1::GRANULARITY_YEAR;
    default: return common::v1::GRANULARITY_UNSPECIFIED;
  }
}

common::v1::Period PreviousPeriod(const common::v1::Period& period, int n) {
  common::v1::Period out = period;
  auto day = ParseDate(period.start_date(), "period.start_date");
  if (!day.ok()) return out;
  absl::CivilDay d = *day;
  switch (period.granularity()) {
    case common::v1::GRANULARITY_YEAR:
      d = absl::CivilDay(absl::CivilYear(d) - n);
      break;
    case common::v1::GRANULARITY_HALF:
      d = absl::CivilDay(absl::CivilMonth(d) - 6 * static_cast<int64_t>(n));
      break;
    case common::v1::GRANULARITY_QUARTER:
      d = absl::CivilDay(absl::CivilMonth(d) - 3 * static_cast<int64_t>(n));
      break;
    case common::v1::GRANULARITY_MONTH:
      d = absl::CivilDay(absl::CivilMonth(d) - n);
      break;
    case common::v1::GRANULARITY_WEEK:
      d -= 7 * static_cast<int64_t>(n);
      break;
    case common::v1::GRANULARITY_DAY:
      d -= n;
      break;
    default:
      return out;
  }
  out.set_start_date(FormatDate(d));
  return out;
}

}  // namespace opsuite::scoring
