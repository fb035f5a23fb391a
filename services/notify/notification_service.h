// NotificationService (Send, the inbox, live watching, deliveries), TemplateService and
// PreferenceService: the gRPC edges of notify.
#pragma once

#include "common/server/edge.h"
#include "opsuite/notify/v1/notify.grpc.pb.h"
#include "services/notify/context.h"

namespace opsuite::notify {

class NotificationServiceImpl final : public v1::NotificationService::CallbackService {
 public:
  explicit NotificationServiceImpl(Context* ctx) : ctx_(ctx) {}

#define NOTIFY_NS(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.notify.v1.NotificationService", M, Req, Resp)
  NOTIFY_NS(Send, v1::SendRequest, v1::SendResponse)
  NOTIFY_NS(ListInbox, v1::ListInboxRequest, v1::ListInboxResponse)
  NOTIFY_NS(MarkRead, v1::MarkReadRequest, v1::MarkReadResponse)
  NOTIFY_NS(ListDeliveries, v1::ListDeliveriesRequest, v1::ListDeliveriesResponse)
#undef NOTIFY_NS

  grpc::ServerWriteReactor<v1::Notice>* WatchInbox(grpc::CallbackServerContext* ctx,
                                                   const v1::WatchInboxRequest* req) override;

 private:
  using Call = server::Call;
  absl::Status DoSend(const Call&, const v1::SendRequest&, v1::SendResponse*);
  absl::Status DoListInbox(const Call&, const v1::ListInboxRequest&, v1::ListInboxResponse*);
  absl::Status DoMarkRead(const Call&, const v1::MarkReadRequest&, v1::MarkReadResponse*);
  absl::Status DoListDeliveries(const Call&, const v1::ListDeliveriesRequest&,
                                v1::ListDeliveriesResponse*);

  Context* ctx_;
};

class TemplateServiceImpl final : public v1::TemplateService::CallbackService {
 public:
  explicit TemplateServiceImpl(Context* ctx) : ctx_(ctx) {}
#define NOTIFY_TS(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.notify.v1.TemplateService", M, Req, Resp)
  NOTIFY_TS(UpsertTemplate, v1::UpsertTemplateRequest, v1::Template)
  NOTIFY_TS(ListTemplates, v1::ListTemplatesRequest, v1::ListTemplatesResponse)
  NOTIFY_TS(RenderTemplate, v1::RenderTemplateRequest, v1::RenderTemplateResponse)
#undef NOTIFY_TS

 private:
  using Call = server::Call;
  absl::Status DoUpsertTemplate(const Call&, const v1::UpsertTemplateRequest&, v1::Template*);
  absl::Status DoListTemplates(const Call&, const v1::ListTemplatesRequest&,
                               v1::ListTemplatesResponse*);
  absl::Status DoRenderTemplate(const Call&, const v1::RenderTemplateRequest&,
                                v1::RenderTemplateResponse*);
  Context* ctx_;
};

class PreferenceServiceImpl final : public v1::PreferenceService::CallbackService {
 public:
  explicit PreferenceServiceImpl(Context* ctx) : ctx_(ctx) {}
#define NOTIFY_PS(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.notify.v1.PreferenceService", M, Req, Resp)
  NOTIFY_PS(GetPreferences, v1::GetPreferencesRequest, v1::Preferences)
  NOTIFY_PS(UpdatePreferences, v1::UpdatePreferencesRequest, v1::Preferences)
#undef NOTIFY_PS

 private:
  using Call = server::Call;
  absl::Status DoGetPreferences(const Call&, const v1::GetPreferencesRequest&, v1::Preferences*);
  absl::Status DoUpdatePreferences(const Call&, const v1::UpdatePreferencesRequest&,
                                   v1::Preferences*);
  // OK when the caller may read and change `employee_id`'s preferences (themselves, admins).
  absl::Status CanManage(const auth::Principal& p, const std::string& employee_id);
  Context* ctx_;
};

}  // namespace opsuite::notify
