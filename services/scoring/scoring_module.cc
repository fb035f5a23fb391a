#include "services/scoring/scoring_module.h"

#include "services/scoring/context.h"
#include "services/scoring/evaluation_service.h"
#include "services/scoring/inputs.h"
#include "services/scoring/leaderboard.h"
#include "services/scoring/run_worker.h"
#include "services/scoring/scheme_service.h"

namespace opsuite::scoring {
namespace {

class Module final : public server::Module {
 public:
  static absl::StatusOr<std::unique_ptr<server::Module>> Make(server::Env& env) {
    auto m = std::unique_ptr<Module>(new Module());
    ASSIGN_OR_RETURN(m->db_, env.open_database("scoring"));
    RETURN_IF_ERROR(storage::ApplyMigrations(*m->db_, "scoring", ScoringMigrations()));
    auto peer = env.peer_channel;
    m->directory_ = std::make_unique<planning::DirectoryClient>(
        [peer] { return peer("planning"); }, env.service_token, env.clock);
    m->leaderboards_ = std::make_unique<Leaderboards>(m->db_.get(), env.redis);
    m->inputs_ = std::make_unique<InputReader>(env.peer_channel, env.service_token,
                                               InputReader::Options());
    m->ctx_.db = m->db_.get();
    m->ctx_.clock = env.clock;
    m->ctx_.edge = env.edge;
    m->ctx_.directory = m->directory_.get();
    m->ctx_.leaderboards = m->leaderboards_.get();
    m->worker_ = std::make_unique<RunWorker>(&m->ctx_, m->inputs_.get(), env.peer_channel,
                                             env.service_token, RunWorker::Options());
    m->ctx_.worker = m->worker_.get();
    m->schemes_ = std::make_unique<SchemeServiceImpl>(&m->ctx_);
    m->evaluations_ = std::make_unique<EvaluationServiceImpl>(&m->ctx_);
    env.start_outbox_relay(m->db_.get());
    return std::unique_ptr<server::Module>(std::move(m));
  }

  std::vector<grpc::Service*> Services() override {
    return {schemes_.get(), evaluations_.get()};
  }
  std::vector<std::string> ServiceNames() override {
    return {v1::SchemeService::service_full_name(), v1::EvaluationService::service_full_name()};
  }
  // Runs left unfinished by a crash resume now: their calls to planning and crm (possibly
  // this very process) can be answered.
  absl::Status Started() override { return worker_->Start(); }
  void Stop() override { worker_->Stop(); }

 private:
  Module() = default;
  storage::DatabasePtr db_;
  std::unique_ptr<planning::DirectoryClient> directory_;
  std::unique_ptr<Leaderboards> leaderboards_;
  std::unique_ptr<InputReader> inputs_;
  Context ctx_;
  std::unique_ptr<RunWorker> worker_;
  std::unique_ptr<SchemeServiceImpl> schemes_;
  std::unique_ptr<EvaluationServiceImpl> evaluations_;
};

}  // namespace

server::ModuleSpec ScoringModule() { return {"scoring", &Module::Make}; }

}  // namespace opsuite::scoring
