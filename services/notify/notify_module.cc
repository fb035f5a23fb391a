#include "services/notify/notify_module.h"

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/server/replica.h"
#include "services/notify/consumer.h"
#include "services/notify/context.h"
#include "services/notify/dispatcher.h"
#include "services/notify/inbox_hub.h"
#include "services/notify/notification_service.h"

ABSL_FLAG(std::string, smtp_addr, "",
          "notify: SMTP server host:port for EMAIL deliveries (empty: EMAIL is off)");
ABSL_FLAG(std::string, smtp_from, "opsuite <noreply@opsuite.local>", "notify: the From of emails");
ABSL_FLAG(std::string, webhook_allow, "",
          "notify: comma list of host:port that webhooks may call (nothing else is called)");
ABSL_FLAG(int, notify_max_attempts, 5, "notify: attempts per delivery before it is FAILED");
ABSL_FLAG(absl::Duration, notify_claim_idle, absl::Seconds(30),
          "notify: stream entries pending this long on a consumer (a dead or stuck replica) are "
          "reclaimed by another");

namespace opsuite::notify {
namespace {

class Module final : public server::Module {
 public:
  static absl::StatusOr<std::unique_ptr<server::Module>> Make(server::Env& env) {
    auto m = std::unique_ptr<Module>(new Module());
    ASSIGN_OR_RETURN(m->db_, env.open_database("notify"));
    RETURN_IF_ERROR(storage::ApplyMigrations(*m->db_, "notify", NotifyMigrations()));
    auto peer = env.peer_channel;
    m->directory_ = std::make_unique<planning::DirectoryClient>(
        [peer] { return peer("planning"); }, env.service_token, env.clock);
    NotifyOptions& o = m->ctx_.options;
    o.smtp_addr = absl::GetFlag(FLAGS_smtp_addr);
    o.smtp_from = absl::GetFlag(FLAGS_smtp_from);
    o.webhook_allow = absl::StrSplit(absl::GetFlag(FLAGS_webhook_allow), ',', absl::SkipEmpty());
    o.max_attempts = std::max(1, absl::GetFlag(FLAGS_notify_max_attempts));
    o.claim_idle = std::max(absl::Milliseconds(100), absl::GetFlag(FLAGS_notify_claim_idle));
    if (!o.smtp_addr.empty()) {
      SmtpOptions smtp;
      const size_t colon = o.smtp_addr.rfind(':');
      smtp.host = o.smtp_addr.substr(0, colon);
      if (colon == std::string::npos || !absl::SimpleAtoi(o.smtp_addr.substr(colon + 1), &smtp.port)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--smtp_addr: \"", o.smtp_addr, "\" is not host:port"));
      }
      m->email_ = NewSmtpSender(smtp);
    }
    m->webhook_ = NewHttpWebhookSender(o.webhook_allow);
    m->hub_ = std::make_unique<InboxHub>(m->db_.get());
    m->ctx_.db = m->db_.get();
    m->ctx_.clock = env.clock;
    m->ctx_.edge = env.edge;
    m->ctx_.directory = m->directory_.get();
    m->ctx_.email = m->email_.get();
    m->ctx_.webhook = m->webhook_.get();
    m->ctx_.hub = m->hub_.get();
    m->dispatcher_ = std::make_unique<Dispatcher>(&m->ctx_);
    Dispatcher* d = m->dispatcher_.get();
    m->ctx_.wake_dispatcher = [d] { d->Wake(); };
    m->consumer_ = std::make_unique<EventConsumer>(&m->ctx_, env.event_source, server::NewReplicaId());
    m->notifications_ = std::make_unique<NotificationServiceImpl>(&m->ctx_);
    m->templates_ = std::make_unique<TemplateServiceImpl>(&m->ctx_);
    m->preferences_ = std::make_unique<PreferenceServiceImpl>(&m->ctx_);
    return std::unique_ptr<server::Module>(std::move(m));
  }

  std::vector<grpc::Service*> Services() override {
    return {notifications_.get(), templates_.get(), preferences_.get()};
  }
  std::vector<std::string> ServiceNames() override {
    return {v1::NotificationService::service_full_name(), v1::TemplateService::service_full_name(),
            v1::PreferenceService::service_full_name()};
  }
  // The consumer asks planning (maybe this very process) who people are: start once serving.
  absl::Status Started() override {
    hub_->Start();
    dispatcher_->Start();
    consumer_->Start();
    return absl::OkStatus();
  }
  void Stop() override {
    consumer_->Stop();
    dispatcher_->Stop();
    hub_->Stop();
  }

 private:
  Module() = default;
  storage::DatabasePtr db_;
  std::unique_ptr<planning::DirectoryClient> directory_;
  std::unique_ptr<EmailSender> email_;
  std::unique_ptr<WebhookSender> webhook_;
  std::unique_ptr<InboxHub> hub_;
  Context ctx_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<EventConsumer> consumer_;
  std::unique_ptr<NotificationServiceImpl> notifications_;
  std::unique_ptr<TemplateServiceImpl> templates_;
  std::unique_ptr<PreferenceServiceImpl> preferences_;
};

}  // namespace

server::ModuleSpec NotifyModule() { return {"notify", &Module::Make}; }

}  // namespace opsuite::notify
