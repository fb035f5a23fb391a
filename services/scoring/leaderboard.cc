#include "services/scoring/leaderboard.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/status.h"
#include "services/scoring/domain/rules.h"

namespace opsuite::scoring {
namespace {

using storage::Placeholders;

using storage::Rows;

constexpr char kTtlSeconds[] = "3600";
constexpr size_t kChunk = 500;  // members per ZADD

std::string GenKey(const std::string& org, const std::string& scheme_id,
                   const std::string& period_key) {
  return absl::StrCat("ops:lbgen:", org, ":", scheme_id, ":", period_key);
}

std::string Scope(const std::string& dept_path) {
  return dept_path.empty() || dept_path == "/" ? std::string("org") : dept_path;
}

}  // namespace

absl::StatusOr<std::vector<Leaderboards::Ranked>> Leaderboards::FromDatabase(
    const std::string& org, const std::string& scheme_id, const std::string& period_key,
    const std::string& dept_path, int limit, int64_t* total) {
  std::vector<Ranked> out;
  const bool whole_org = dept_path.empty() || dept_path == "/";
  RETURN_IF_ERROR(db_->Read([&](storage::Tx& tx) -> absl::Status {
    std::string where =
        "org_id = ? AND scheme_id = ? AND period_key = ? AND state = ?";
    std::vector<storage::Value> params = {org, scheme_id, period_key,
                                          int64_t{v1::EVALUATION_STATE_EVALUATED}};
    if (!whole_org) {
      absl::StrAppend(&where, " AND substr(dept_path, 1, length(?)) = ?");  // as in PostgreSQL
      params.push_back(dept_path);
      params.push_back(dept_path);
    }
    ASSIGN_OR_RETURN(Rows count, tx.Query(absl::StrCat("SELECT COUNT(*) FROM evaluations WHERE ",
                                                       where),
                                          params));
    *total = count.empty() ? 0 : count[0].Int(0);
    std::string sql = absl::StrCat("SELECT subject_id, score FROM evaluations WHERE ", where,
                                   " ORDER BY score DESC, subject_id");
    if (limit > 0) {
      absl::StrAppend(&sql, " LIMIT ?");
      params.push_back(int64_t{limit});
    }
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back({row.Text(0), row.Double(1)});
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Leaderboard> Leaderboards::Finish(const std::string& org,
                                                     const std::string& scheme_id,
                                                     const std::string& period_key,
                                                     const std::vector<Ranked>& top,
                                                     int64_t total) {
  v1::Leaderboard board;
  board.set_total(static_cast<int32_t>(total));
  if (top.empty()) return board;
  absl::flat_hash_map<std::string, std::pair<std::string, std::string>> details;  // id, grade
  RETURN_IF_ERROR(db_->Read([&](storage::Tx& tx) -> absl::Status {
    std::vector<storage::Value> params = {org, scheme_id, period_key};
    for (const Ranked& r : top) params.push_back(r.subject_id);
    ASSIGN_OR_RETURN(Rows rows,
                     tx.Query(absl::StrCat("SELECT subject_id, id, grade FROM evaluations WHERE "
                                           "org_id = ? AND scheme_id = ? AND period_key = ? AND "
                                           "subject_id IN (",
                                           Placeholders(top.size()), ")"),
                              params));
    for (const auto& row : rows) details[row.Text(0)] = {row.Text(1), row.Text(2)};
    return absl::OkStatus();
  }));
  std::vector<double> scores;
  scores.reserve(top.size());
  for (const Ranked& r : top) scores.push_back(r.score);
  std::vector<int> ranks = CompetitionRanks(scores);
  for (size_t i = 0; i < top.size(); ++i) {
    v1::LeaderboardEntry* e = board.add_entries();
    e->set_rank(ranks[i]);
    e->set_subject_id(top[i].subject_id);
    e->set_total_score(top[i].score);
    auto it = details.find(top[i].subject_id);
    if (it != details.end()) {
      e->set_evaluation_id(it->second.first);
      e->set_grade(it->second.second);
    }
  }
  return board;
}

absl::StatusOr<v1::Leaderboard> Leaderboards::Top(const std::string& org,
                                                  const std::string& scheme_id,
                                                  const std::string& period_key,
                                                  const std::string& dept_path, int top_n) {
  if (redis_ != nullptr && FlushInvalidations()) {
    // Scores are stored negated: ZRANGE then lists the highest first and equal scores by
    // subject id, ascending, as the database orders them.
    absl::StatusOr<redis::Reply> gen = redis_->Command({"GET", GenKey(org, scheme_id, period_key)});
    if (gen.ok()) {
      const std::string key = absl::StrCat("ops:lb:", org, ":", scheme_id, ":", period_key, ":",
                                           gen->is_string() ? gen->str : "0", ":",
                                           Scope(dept_path));
      auto replies = redis_->Pipeline(
          {{"ZRANGE", key, "0", absl::StrCat(top_n - 1), "WITHSCORES"}, {"ZCARD", key}});
      if (replies.ok() && (*replies)[1].integer > 0) {
        std::vector<Ranked> top;
        const auto& items = (*replies)[0].elements;
        for (size_t i = 0; i + 1 < items.size(); i += 2) {
          double negated = 0;
          if (!absl::SimpleAtod(items[i + 1].str, &negated)) continue;
          top.push_back({items[i].str, -negated});
        }
        redis_reads_.fetch_add(1);
        return Finish(org, scheme_id, period_key, top, (*replies)[1].integer);
      }
      if (replies.ok()) {
        // Missing: build it from the database in a scratch key, then swap it in whole.
        int64_t total = 0;
        ASSIGN_OR_RETURN(std::vector<Ranked> all,
                         FromDatabase(org, scheme_id, period_key, dept_path, 0, &total));
        if (!all.empty()) {
          const std::string scratch = absl::StrCat(key, ":build:", NewId("b"));
          std::vector<std::vector<std::string>> commands;
          for (size_t i = 0; i < all.size(); i += kChunk) {
            std::vector<std::string> zadd = {"ZADD", scratch};
            for (size_t j = i; j < std::min(all.size(), i + kChunk); ++j) {
              zadd.push_back(absl::StrCat(-all[j].score));
              zadd.push_back(all[j].subject_id);
            }
            commands.push_back(std::move(zadd));
          }
          commands.push_back({"RENAME", scratch, key});
          commands.push_back({"EXPIRE", key, kTtlSeconds});
          absl::Status built = redis_->Pipeline(commands, absl::Seconds(5)).status();
          if (built.ok()) {
            rebuilds_.fetch_add(1);
          } else {
            log::Warn("leaderboard not cached in redis", {{"error", built.ToString()}});
          }
        }
        if (static_cast<int>(all.size()) > top_n) all.resize(top_n);
        return Finish(org, scheme_id, period_key, all, total);
      }
    }
  }
  int64_t total = 0;
  ASSIGN_OR_RETURN(std::vector<Ranked> top,
                   FromDatabase(org, scheme_id, period_key, dept_path, top_n, &total));
  return Finish(org, scheme_id, period_key, top, total);
}

void Leaderboards::Invalidate(const std::string& org, const std::string& scheme_id,
                              const std::string& period_key) {
  if (redis_ == nullptr) return;
  {
    absl::MutexLock lock(&mu_);
    pending_.insert(GenKey(org, scheme_id, period_key));
  }
  FlushInvalidations();
}

bool Leaderboards::FlushInvalidations() {
  absl::MutexLock lock(&mu_);
  while (!pending_.empty()) {
    const std::string key = *pending_.begin();
    absl::Status s = redis_->Command({"INCR", key}).status();
    if (!s.ok()) {
      // Kept: until Redis takes it, reads go to the database, never to a stale set.
      log::Warn("leaderboard invalidation deferred", {{"error", s.ToString()}});
      return false;
    }
    pending_.erase(key);
  }
  return true;
}

}  // namespace opsuite::scoring
