#include "services/planning/planning_module.h"

#include "services/planning/context.h"
#include "services/planning/directory_service.h"
#include "services/planning/goal_card_service.h"
#include "services/planning/planning_store.h"
#include "services/planning/report_service.h"
#include "services/planning/target_service.h"

namespace opsuite::planning {
namespace {

class Module final : public server::Module {
 public:
  static absl::StatusOr<std::unique_ptr<server::Module>> Make(server::Env& env) {
    auto m = std::unique_ptr<Module>(new Module());
    ASSIGN_OR_RETURN(m->db_, env.open_database("planning"));
    RETURN_IF_ERROR(storage::ApplyMigrations(*m->db_, "planning", PlanningMigrations()));
    m->ctx_.db = m->db_.get();
    m->ctx_.clock = env.clock;
    m->ctx_.cache = env.cache;
    m->ctx_.edge = env.edge;
    m->directory_ = std::make_unique<DirectoryServiceImpl>(&m->ctx_);
    m->targets_ = std::make_unique<TargetServiceImpl>(&m->ctx_);
    m->cards_ = std::make_unique<GoalCardServiceImpl>(&m->ctx_);
    m->reports_ = std::make_unique<ReportServiceImpl>(&m->ctx_);
    env.start_outbox_relay(m->db_.get());
    return std::unique_ptr<server::Module>(std::move(m));
  }

  std::vector<grpc::Service*> Services() override {
    return {directory_.get(), targets_.get(), cards_.get(), reports_.get()};
  }
  std::vector<std::string> ServiceNames() override {
    return {v1::DirectoryService::service_full_name(), v1::TargetService::service_full_name(),
            v1::GoalCardService::service_full_name(), v1::ReportService::service_full_name()};
  }

 private:
  Module() = default;
  storage::DatabasePtr db_;
  Context ctx_;
  std::unique_ptr<DirectoryServiceImpl> directory_;
  std::unique_ptr<TargetServiceImpl> targets_;
  std::unique_ptr<GoalCardServiceImpl> cards_;
  std::unique_ptr<ReportServiceImpl> reports_;
};

}  // namespace

server::ModuleSpec PlanningModule() { return {"planning", &Module::Make}; }

}  // namespace opsuite::planning
