#include "services/crm/crm_module.h"

#include "services/crm/activity_service.h"
#include "services/crm/context.h"
#include "services/crm/crm_store.h"
#include "services/crm/customer_service.h"
#include "services/crm/order_service.h"

namespace opsuite::crm {
namespace {

class Module final : public server::Module {
 public:
  static absl::StatusOr<std::unique_ptr<server::Module>> Make(server::Env& env) {
    auto m = std::unique_ptr<Module>(new Module());
    ASSIGN_OR_RETURN(m->db_, env.open_database("crm"));
    RETURN_IF_ERROR(storage::ApplyMigrations(*m->db_, "crm", CrmMigrations()));
    ASSIGN_OR_RETURN(m->folder_, TextFolder::Create());
    auto peer = env.peer_channel;
    m->directory_ = std::make_unique<planning::DirectoryClient>(
        [peer] { return peer("planning"); }, env.service_token, env.clock);
    m->ctx_.db = m->db_.get();
    m->ctx_.clock = env.clock;
    m->ctx_.cache = env.cache;
    m->ctx_.edge = env.edge;
    m->ctx_.directory = m->directory_.get();
    m->ctx_.folder = m->folder_.get();
    m->customers_ = std::make_unique<CustomerServiceImpl>(&m->ctx_);
    m->activities_ = std::make_unique<ActivityServiceImpl>(&m->ctx_);
    m->orders_ = std::make_unique<OrderServiceImpl>(&m->ctx_);
    env.start_outbox_relay(m->db_.get());
    return std::unique_ptr<server::Module>(std::move(m));
  }

  std::vector<grpc::Service*> Services() override {
    return {customers_.get(), activities_.get(), orders_.get()};
  }
  std::vector<std::string> ServiceNames() override {
    return {v1::CustomerService::service_full_name(), v1::ActivityService::service_full_name(),
            v1::OrderService::service_full_name()};
  }

 private:
  Module() = default;
  storage::DatabasePtr db_;
  std::unique_ptr<TextFolder> folder_;
  std::unique_ptr<planning::DirectoryClient> directory_;
  Context ctx_;
  std::unique_ptr<CustomerServiceImpl> customers_;
  std::unique_ptr<ActivityServiceImpl> activities_;
  std::unique_ptr<OrderServiceImpl> orders_;
};

}  // namespace

server::ModuleSpec CrmModule() { return {"crm", &Module::Make}; }

}  // namespace opsuite::crm
