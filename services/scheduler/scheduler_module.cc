#include "services/scheduler/scheduler_module.h"

#include "common/log.h"
#include "common/status.h"
#include "services/scheduler/actions.h"
#include "services/scheduler/context.h"
#include "services/scheduler/firing_loop.h"
#include "services/scheduler/leader_lease.h"
#include "services/scheduler/schedule_service.h"
#include "services/scheduler/scheduler_store.h"

namespace opsuite::scheduler {
namespace {

class Module final : public server::Module {
 public:
  static absl::StatusOr<std::unique_ptr<server::Module>> Make(server::Env& env) {
    auto m = std::unique_ptr<Module>(new Module());
    ASSIGN_OR_RETURN(m->db_, env.open_database("scheduler"));
    RETURN_IF_ERROR(storage::ApplyMigrations(*m->db_, "scheduler", SchedulerMigrations()));
    m->actions_ = std::make_unique<ActionRunner>(env.peer_channel, env.service_token,
                                                 ActionRunner::Options());
    const std::string replica = LeaderLease::NewReplicaId();
    m->lease_ = std::make_unique<LeaderLease>(env.redis, replica, LeaderLease::Options());
    m->ctx_.db = m->db_.get();
    m->ctx_.clock = env.clock;
    m->ctx_.edge = env.edge;
    m->ctx_.actions = m->actions_.get();
    m->ctx_.replica = replica;
    m->loop_ = std::make_unique<FiringLoop>(&m->ctx_, m->lease_.get(), FiringLoop::Options());
    m->jobs_ = std::make_unique<ScheduleServiceImpl>(&m->ctx_);
    if (!env.redis) {
      log::Info("scheduler without redis: this process is the only replica and fires every job",
                {{"replica", replica}});
    }
    return std::unique_ptr<server::Module>(std::move(m));
  }

  std::vector<grpc::Service*> Services() override { return {jobs_.get()}; }
  std::vector<std::string> ServiceNames() override {
    return {v1::ScheduleService::service_full_name()};
  }
  // The actions call other modules (possibly this very process): fire only once they answer.
  absl::Status Started() override {
    lease_->Start();
    loop_->Start();
    return absl::OkStatus();
  }
  // No more runs fire; the lease goes so another replica takes over at once.
  void Stop() override {
    loop_->Stop();
    lease_->Stop();
  }

 private:
  Module() = default;
  storage::DatabasePtr db_;
  std::unique_ptr<ActionRunner> actions_;
  std::unique_ptr<LeaderLease> lease_;
  Context ctx_;
  std::unique_ptr<FiringLoop> loop_;
  std::unique_ptr<ScheduleServiceImpl> jobs_;
};

}  // namespace

server::ModuleSpec SchedulerModule() { return {"scheduler", &Module::Make}; }

void TickSchedulersForTest() { TickAllFiringLoopsForTest(); }

}  // namespace opsuite::scheduler
