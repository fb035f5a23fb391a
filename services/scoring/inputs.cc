#include "services/scoring/inputs.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/server/client.h"
#include "common/status.h"
#include "opsuite/crm/v1/activity.grpc.pb.h"
#include "opsuite/crm/v1/order.grpc.pb.h"
#include "opsuite/planning/v1/goal_card.grpc.pb.h"
#include "opsuite/planning/v1/report.grpc.pb.h"
#include "opsuite/planning/v1/target.grpc.pb.h"

namespace opsuite::scoring {
namespace {

namespace crm = ::opsuite::crm::v1;
namespace planning = ::opsuite::planning::v1;

// Per-subject metric values of one period, by subject index.
using Values = std::vector<absl::flat_hash_map<std::string, double>>;

// Which sources the metric expressions of `minimum` items read.
struct HistoryNeeds {
  bool sales = false, activity = false, compliance = false;
  std::vector<std::string> expressions;
};

HistoryNeeds HistoryNeedsOf(const v1::Scheme& scheme) {
  HistoryNeeds h;
  for (const v1::Item& item : scheme.items()) {
    if (!item.has_minimum()) continue;
    h.expressions.push_back(item.minimum().metric());
    for (const std::string& part : MetricParts(item.minimum().metric())) {
      Source source;
      if (!SourceOf(part, &source)) continue;
      h.sales |= source == Source::kSales;
      h.activity |= source == Source::kActivity;
      h.compliance |= source == Source::kCompliance;
    }
  }
  return h;
}

}  // namespace

InputReader::InputReader(std::function<std::shared_ptr<grpc::Channel>(absl::string_view)> peer,
                         std::function<std::string(const std::string&)> token, Options options)
    : peer_(std::move(peer)), token_(std::move(token)), options_(options) {}

std::vector<SubjectRead> InputReader::Read(const std::string& org, const v1::Scheme& scheme,
                                           const Needs& needs, const Period& period,
                                           const std::vector<Subject>& subjects,
                                           std::atomic<int64_t>* calls) {
  const size_t n = subjects.size();
  std::vector<SubjectRead> out(n);
  if (n == 0) return out;

  // One call with a deadline and retries; a final failure fails every subject of the page.
  auto call = [&](const std::string& what, auto&& fn) -> bool {
    int tries = 0;
    absl::Status last = server::Retry(
        {.attempts = options_.attempts, .backoff = options_.backoff},
        [&]() {
          grpc::ClientContext ctx;
          server::PrepareOutgoing(&ctx, options_.deadline);
          ctx.AddMetadata("authorization", "Bearer " + token_(org));
          calls->fetch_add(1, std::memory_order_relaxed);
          return FromGrpcStatus(fn(&ctx));
        },
        &tries);
    if (last.ok()) return true;
    absl::Status failure(last.code(),
                         absl::StrCat(what, " failed",
                                      tries > 1 ? absl::StrCat(" after ", tries, " attempts")
                                                : std::string(),
                                      ": ", last.message()));
    for (SubjectRead& r : out) {
      if (r.status.ok()) r.status = failure;
    }
    return false;
  };

  std::vector<std::string> ids;
  ids.reserve(n);
  for (const Subject& s : subjects) ids.push_back(s.id);
  const bool departments = scheme.subject_kind() == v1::SUBJECT_KIND_DEPARTMENT;

  // The crm and compliance metrics of one period into `values` (by subject index).
  auto read_stats = [&](const Period& p, bool sales, bool activity, bool compliance,
                        Values& values, bool by_line) -> bool {
    if (sales) {
      auto stub = crm::OrderService::NewStub(peer_("crm"));
      crm::BatchGetSalesStatsRequest req;
      *req.mutable_employee_ids() = {ids.begin(), ids.end()};
      *req.mutable_period() = p;
      crm::BatchGetSalesStatsResponse resp;
      if (!call("crm BatchGetSalesStats", [&](grpc::ClientContext* ctx) {
            return stub->BatchGetSalesStats(ctx, req, &resp);
          })) {
        return false;
      }
      for (size_t i = 0; i < n && i < static_cast<size_t>(resp.stats_size()); ++i) {
        const crm::SalesStats& st = resp.stats(static_cast<int>(i));
        auto& v = values[i];
        v["signed_count"] = st.signed_count();
        v["signed_amount"] = static_cast<double>(st.signed_amount());
        v["received_amount"] = static_cast<double>(st.received_amount());
        v["settled_signed_amount"] = static_cast<double>(st.settled_signed_amount());
        if (by_line) {
          for (const crm::ProductLineStats& line : st.product_lines()) {
            out[i].inputs.settled_by_line[line.product_line()] += line.settled_signed_amount();
          }
        }
      }
    }
    if (activity) {
      auto stub = crm::ActivityService::NewStub(peer_("crm"));
      crm::BatchGetActivityStatsRequest req;
      *req.mutable_employee_ids() = {ids.begin(), ids.end()};
      *req.mutable_period() = p;
      crm::BatchGetActivityStatsResponse resp;
      if (!call("crm BatchGetActivityStats", [&](grpc::ClientContext* ctx) {
            return stub->BatchGetActivityStats(ctx, req, &resp);
          })) {
        return false;
      }
      for (size_t i = 0; i < n && i < static_cast<size_t>(resp.stats_size()); ++i) {
        const crm::ActivityStats& st = resp.stats(static_cast<int>(i));
        auto& v = values[i];
        v["calls"] = st.calls();
        v["effective_calls"] = st.effective_calls();
        v["visits"] = st.visits();
        v["new_customers"] = st.new_customers();
      }
    }
    if (compliance) {
      auto stub = planning::ReportService::NewStub(peer_("planning"));
      planning::BatchGetReportComplianceRequest req;
      *req.mutable_employee_ids() = {ids.begin(), ids.end()};
      *req.mutable_period() = p;
      planning::BatchGetReportComplianceResponse resp;
      if (!call("planning BatchGetReportCompliance", [&](grpc::ClientContext* ctx) {
            return stub->BatchGetReportCompliance(ctx, req, &resp);
          })) {
        return false;
      }
      for (size_t i = 0; i < n && i < static_cast<size_t>(resp.compliance_size()); ++i) {
        const planning::ReportCompliance& c = resp.compliance(static_cast<int>(i));
        auto& v = values[i];
        v["daily_missing"] = c.daily_missing();
        v["daily_late"] = c.daily_late();
        v["weekly_missing"] = c.weekly_missing();
        v["weekly_late"] = c.weekly_late();
      }
    }
    return true;
  };

  Values current(n);
  if (!read_stats(period, needs.sales, needs.activity, needs.compliance, current, true)) {
    return out;
  }

  if (needs.goal_card) {
    auto stub = planning::GoalCardService::NewStub(peer_("planning"));
    planning::BatchGetGoalCardScoresRequest req;
    *req.mutable_employee_ids() = {ids.begin(), ids.end()};
    *req.mutable_period() = period;
    planning::BatchGetGoalCardScoresResponse resp;
    if (!call("planning BatchGetGoalCardScores", [&](grpc::ClientContext* ctx) {
          return stub->BatchGetGoalCardScores(ctx, req, &resp);
        })) {
      return out;
    }
    for (size_t i = 0; i < n && i < static_cast<size_t>(resp.scores_size()); ++i) {
      const planning::GoalCardScore& g = resp.scores(static_cast<int>(i));
      if (g.has_score()) current[i]["goal_card_score"] = g.score();
      if (g.has_self_score()) current[i]["goal_card_self_score"] = g.self_score();
    }
  }

  for (const std::string& metric : needs.target_metrics) {
    auto stub = planning::TargetService::NewStub(peer_("planning"));
    planning::BatchGetOwnerProgressRequest req;
    for (const std::string& id : ids) {
      planning::Owner* owner = req.add_owners();
      owner->set_kind(departments ? planning::OWNER_KIND_DEPARTMENT : planning::OWNER_KIND_EMPLOYEE);
      owner->set_id(id);
    }
    req.set_metric(metric);
    *req.mutable_period() = period;
    planning::BatchGetOwnerProgressResponse resp;
    if (!call(absl::StrCat("planning BatchGetOwnerProgress (", metric, ")"),
              [&](grpc::ClientContext* ctx) { return stub->BatchGetOwnerProgress(ctx, req, &resp); })) {
      return out;
    }
    const std::string key = absl::StrCat("target:", metric);
    for (size_t i = 0; i < n && i < static_cast<size_t>(resp.progress_size()); ++i) {
      const planning::OwnerProgress& op = resp.progress(static_cast<int>(i));
      if (!op.found()) continue;
      const double value = static_cast<double>(op.progress().value());
      const double actual = static_cast<double>(op.progress().actual());
      current[i][key] = value > 0 ? actual / value : 0;
      current[i][key + ".actual"] = actual;
      current[i][key + ".value"] = value;
    }
  }

  // Earlier periods for `minimum` items, the most recent first.
  if (needs.history_periods > 0) {
    HistoryNeeds h = HistoryNeedsOf(scheme);
    for (int k = 1; k <= needs.history_periods; ++k) {
      Values earlier(n);
      if (!read_stats(PreviousPeriod(period, k), h.sales, h.activity, h.compliance, earlier,
                      false)) {
        return out;
      }
      for (size_t i = 0; i < n; ++i) {
        for (const std::string& expression : h.expressions) {
          double sum = 0;
          for (const std::string& part : MetricParts(expression)) {
            auto it = earlier[i].find(part);
            if (it != earlier[i].end()) sum += it->second;
          }
          out[i].inputs.history[expression].push_back(sum);
        }
      }
    }
  }

  for (size_t i = 0; i < n; ++i) out[i].inputs.values = std::move(current[i]);
  return out;
}

}  // namespace opsuite::scoring
