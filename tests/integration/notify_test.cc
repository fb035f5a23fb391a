// notify over real gRPC and a real Redis stream: events written by planning reach the right
// person's inbox once and live; Send with dedup; preferences, quiet hours, digests, retries,
// fallback and the dead-letter stream, over a real SMTP exchange and real HTTP webhooks.
#include <optional>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/redis/redis_client.h"
#include "common/testing/http_sink.h"
#include "common/testing/smtp_sink.h"
#include "common/timestamps.h"
#include "gmock/gmock.h"
#include "opsuite/notify/v1/notify.grpc.pb.h"
#include "services/notify/notify_module.h"
#include "tests/integration/suite.h"

ABSL_DECLARE_FLAG(std::string, smtp_addr);
ABSL_DECLARE_FLAG(std::string, webhook_allow);

namespace opsuite::testing {
namespace {

namespace nv1 = ::opsuite::notify::v1;
using ::testing::HasSubstr;

class NotifyTest : public PlanningSuite {
 protected:
  void SetUp() override {
    auto smtp = SmtpSink::Start();
    ASSERT_TRUE(smtp.ok()) << smtp.status();
    smtp_ = *std::move(smtp);
    auto http = HttpSink::Start();
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = *std::move(http);
    absl::SetFlag(&FLAGS_smtp_addr, absl::StrCat("127.0.0.1:", smtp_->port()));
    absl::SetFlag(&FLAGS_webhook_allow, absl::StrCat("127.0.0.1:", http_->port()));
    module_flags_["notify"] = {absl::StrCat("--smtp_addr=127.0.0.1:", smtp_->port()),
                               absl::StrCat("--webhook_allow=127.0.0.1:", http_->port())};
    PlanningSuite::SetUp();
    notices_ = nv1::NotificationService::NewStub(Channel("notify"));
    templates_ = nv1::TemplateService::NewStub(Channel("notify"));
    prefs_ = nv1::PreferenceService::NewStub(Channel("notify"));
  }
  void TearDown() override {
    PlanningSuite::TearDown();
    absl::SetFlag(&FLAGS_smtp_addr, "");
    absl::SetFlag(&FLAGS_webhook_allow, "");
  }

  // A second notify replica on the same database and stream (another process in a real
  // deployment), asking the first server's planning who people are.
  absl::StatusOr<std::unique_ptr<server::Server>> StartNotifyReplica() {
    server::ServerOptions options = OptionsOnThisData(/*workers=*/2);
    options.peers["planning"] = Address("planning");
    return server::Server::Start({notify::NotifyModule()}, options);
  }

  // rep's one-task card for March, submitted to the manager.
  pv1::GoalCard SubmittedCard() {
    pv1::CreateGoalCardRequest req;
    req.set_employee_id(rep_);
    req.mutable_period()->set_granularity(common::v1::GRANULARITY_MONTH);
    req.mutable_period()->set_start_date("2026-03-01");
    auto* t = req.add_tasks();
    t->set_title("拜访一级客户");
    t->set_kind(pv1::TASK_KIND_ROUTINE);
    t->set_weight(100);
    pv1::GoalCard card;
    EXPECT_TRUE(cards_->CreateGoalCard(As(rep_, "employee").get(), req, &card).ok());
    pv1::SubmitGoalCardRequest submit;
    submit.set_id(card.id());
    EXPECT_TRUE(cards_->SubmitGoalCard(As(rep_, "employee").get(), submit, &card).ok());
    return card;
  }

  // A goal card of rep's for March, submitted and then returned by the manager with `reason`.
  std::string ReturnedCard(const std::string& reason) {
    pv1::GoalCard card = SubmittedCard();
    pv1::ReturnGoalCardRequest ret;
    ret.set_id(card.id());
    ret.set_reason(reason);
    grpc::Status s = cards_->ReturnGoalCard(As(manager_, "manager").get(), ret, &card);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return card.id();
  }

  std::vector<nv1::Notice> Inbox(const std::string& who, bool unread_only = false,
                                 int32_t* unread = nullptr) {
    nv1::ListInboxRequest req;
    req.set_unread_only(unread_only);
    nv1::ListInboxResponse resp;
    grpc::Status s = notices_->ListInbox(As(who, "employee").get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (unread != nullptr) *unread = resp.unread_count();
    return {resp.notices().begin(), resp.notices().end()};
  }

  std::vector<nv1::Delivery> Deliveries(const std::string& who) {
    nv1::ListDeliveriesRequest req;
    req.set_recipient_id(who);
    nv1::ListDeliveriesResponse resp;
    EXPECT_TRUE(notices_->ListDeliveries(Admin().get(), req, &resp).ok());
    return {resp.deliveries().begin(), resp.deliveries().end()};
  }

  void SetPrefs(const std::string& who, const nv1::Preferences& p, std::vector<std::string> paths) {
    nv1::UpdatePreferencesRequest req;
    *req.mutable_preferences() = p;
    req.mutable_preferences()->set_employee_id(who);
    for (auto& path : paths) req.mutable_update_mask()->add_paths(path);
    nv1::Preferences out;
    grpc::Status s = prefs_->UpdatePreferences(As(who, "employee").get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // Preferences turning `channel` on for `event_type` ("*": every type).
  static nv1::Preferences Enabled(const std::string& event_type, nv1::Channel channel) {
    nv1::Preferences p;
    auto* rule = p.add_rules();
    rule->set_event_type(event_type);
    rule->set_channel(channel);
    rule->set_enabled(true);
    return p;
  }

  // rep's email address (the directory is where notify finds it).
  void GiveRepAnEmail() {
    pv1::UpdateEmployeeRequest update;
    update.mutable_employee()->set_id(rep_);
    update.mutable_employee()->set_email("zhangsan@example.com");
    update.mutable_update_mask()->add_paths("email");
    pv1::Employee after;
    grpc::Status s = directory_->UpdateEmployee(Admin().get(), update, &after);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  nv1::SendResponse Remind(const std::string& text, const std::string& transaction) {
    nv1::SendRequest req;
    req.add_recipient_ids(rep_);
    req.set_template_key("scheduler.reminder");
    (*req.mutable_data()->mutable_fields())["text"].set_string_value(text);
    req.set_transaction_id(transaction);
    nv1::SendResponse out;
    grpc::Status s = notices_->Send(Admin().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // rep's delivery on `channel`, the latest one.
  std::optional<nv1::Delivery> Latest(nv1::Channel channel) {
    std::optional<nv1::Delivery> out;
    for (const nv1::Delivery& d : Deliveries(rep_)) {
      if (d.channel() == channel) out = d;
    }
    return out;
  }

  std::unique_ptr<SmtpSink> smtp_;
  std::unique_ptr<HttpSink> http_;
  std::unique_ptr<nv1::NotificationService::Stub> notices_;
  std::unique_ptr<nv1::TemplateService::Stub> templates_;
  std::unique_ptr<nv1::PreferenceService::Stub> prefs_;
};

TEST_F(NotifyTest, ReturnedGoalCardReachesTheEmployeeOnceAndLive) {
  // rep watches the inbox before anything happens.
  grpc::ClientContext watch_ctx;
  watch_ctx.AddMetadata("authorization", "Bearer " + Token(rep_, "employee", "acme"));
  watch_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  nv1::WatchInboxRequest watch_req;
  auto reader = notices_->WatchInbox(&watch_ctx, watch_req);
  absl::SleepFor(absl::Milliseconds(200));  // the stream is registered

  const absl::Time before = absl::Now();
  std::string card_id = ReturnedCard("任务的关键结果要量化");
  nv1::Notice live;
  ASSERT_TRUE(reader->Read(&live));
  const absl::Duration latency = absl::Now() - before;
  EXPECT_LT(latency, absl::Seconds(1)) << "the notice took " << latency;
  EXPECT_EQ(live.event_type(), "planning.goal_card.returned");
  EXPECT_EQ(live.category(), "my_tasks");
  EXPECT_EQ(live.link(), "goalCards/" + card_id);  // what the console opens
  EXPECT_THAT(live.body(), HasSubstr("任务的关键结果要量化"));
  EXPECT_THAT(live.body(), HasSubstr("我的任务"));
  watch_ctx.TryCancel();

  // Once: the manager got the submission, rep the return; nothing twice.
  int32_t unread = 0;
  std::vector<nv1::Notice> inbox = Inbox(rep_, false, &unread);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(unread, 1);
  // With several notify replicas the submission may be another replica's work, still in
  // hand when rep's notice arrives: events of different people are not ordered.
  std::vector<nv1::Notice> manager_inbox;
  ASSERT_TRUE(Eventually([&] {
    manager_inbox = Inbox(manager_);
    return !manager_inbox.empty();
  }));
  absl::SleepFor(absl::Milliseconds(300));  // and no second one follows
  manager_inbox = Inbox(manager_);
  ASSERT_EQ(manager_inbox.size(), 1u);
  EXPECT_EQ(manager_inbox[0].event_type(), "planning.goal_card.submitted");
  EXPECT_EQ(manager_inbox[0].category(), "my_tasks");  // the manager has to review it

  // MarkRead.
  nv1::MarkReadRequest mark;
  mark.add_ids(inbox[0].id());
  nv1::MarkReadResponse marked;
  ASSERT_TRUE(notices_->MarkRead(As(rep_, "employee").get(), mark, &marked).ok());
  EXPECT_EQ(marked.marked(), 1);
  EXPECT_EQ(marked.unread_count(), 0);
  EXPECT_TRUE(Inbox(rep_, true).empty());
  // Another person cannot mark rep's notice.
  ASSERT_TRUE(notices_->MarkRead(As(other_, "employee").get(), mark, &marked).ok());
  EXPECT_EQ(marked.marked(), 0);

  // A reconnect with after_id replays what came after it (nothing yet), then lives on.
  grpc::ClientContext again_ctx;
  again_ctx.AddMetadata("authorization", "Bearer " + Token(rep_, "employee", "acme"));
  again_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  watch_req.set_after_id("ntc_0");  // older than everything: replays rep's notice
  auto again = notices_->WatchInbox(&again_ctx, watch_req);
  nv1::Notice replayed;
  ASSERT_TRUE(again->Read(&replayed));
  EXPECT_EQ(replayed.id(), inbox[0].id());
  again_ctx.TryCancel();
}

TEST_F(NotifyTest, SelfAssessmentAsksTheManagerToScoreAndLinksTheCard) {
  pv1::GoalCard card = SubmittedCard();
  ASSERT_FALSE(card.id().empty());
  pv1::ApproveGoalCardRequest approve;
  approve.set_id(card.id());
  ASSERT_TRUE(cards_->ApproveGoalCard(As(manager_, "manager").get(), approve, &card).ok());
  pv1::SelfAssessGoalCardRequest assess;
  assess.set_id(card.id());
  auto* score = assess.add_tasks();
  score->set_task_id(card.tasks(0).id());
  score->set_self_score(90);
  grpc::Status s = cards_->SelfAssessGoalCard(As(rep_, "employee").get(), assess, &card);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::optional<nv1::Notice> found;
  ASSERT_TRUE(Eventually([&] {
    for (const nv1::Notice& n : Inbox(manager_)) {
      if (n.event_type() == "planning.goal_card.self_assessed") found = n;
    }
    return found.has_value();
  }));
  EXPECT_EQ(found->title(), "目标卡待评分");
  EXPECT_EQ(found->category(), "my_tasks");
  EXPECT_EQ(found->link(), "goalCards/" + card.id());
  // The employee is not told about their own step.
  for (const nv1::Notice& n : Inbox(rep_)) {
    EXPECT_NE(n.event_type(), "planning.goal_card.self_assessed");
  }
}

// Two notify replicas share the deliveries table and both look for due ones. A slow receiver
// (each webhook call takes 400 ms, longer than a replica's 200 ms look) keeps every delivery
// due while it is being sent: without a claim both replicas would send it.
TEST_F(NotifyTest, TwoReplicasSendEachWebhookOnce) {
  nv1::Preferences p = Enabled("*", nv1::CHANNEL_WEBHOOK);
  p.mutable_webhook()->set_url(http_->url());
  SetPrefs(rep_, p, {"rules", "webhook"});
  auto replica = StartNotifyReplica();
  ASSERT_TRUE(replica.ok()) << replica.status();
  http_->SetDelay(absl::Milliseconds(400));
  constexpr int kNotices = 4;
  for (int i = 0; i < kNotices; ++i) Remind(absl::StrCat("提醒", i), absl::StrCat("once-", i));
  ASSERT_TRUE(http_->WaitForRequests(kNotices, absl::Seconds(20)));
  ASSERT_TRUE(Eventually([&] {
    int sent = 0;
    for (const nv1::Delivery& d : Deliveries(rep_)) {
      sent += d.channel() == nv1::CHANNEL_WEBHOOK && d.state() == nv1::DELIVERY_STATE_SENT;
    }
    return sent == kNotices;
  }, absl::Seconds(20)));
  absl::SleepFor(absl::Seconds(1));  // a second sender would have called by now
  EXPECT_EQ(http_->requests().size(), static_cast<size_t>(kNotices));
  for (const nv1::Delivery& d : Deliveries(rep_)) {
    if (d.channel() == nv1::CHANNEL_WEBHOOK) {
      EXPECT_EQ(d.attempts(), 1) << d.id();
    }
  }
  (*replica)->Shutdown(absl::Seconds(2));
}

TEST_F(NotifyTest, TwoReplicasAndARedisRestartDeliverEachNoticeOnce) {
  auto replica = StartNotifyReplica();
  ASSERT_TRUE(replica.ok()) << replica.status();

  // Each submitted card tells the manager (planning.goal_card.submitted).
  auto submit_cards = [&](int from, int n) {
    for (int i = from; i < from + n; ++i) {
      const std::string e = AddEmployee(absl::StrCat("销售", i), sales_, manager_);
      pv1::CreateGoalCardRequest req;
      req.set_employee_id(e);
      req.mutable_period()->set_granularity(common::v1::GRANULARITY_MONTH);
      req.mutable_period()->set_start_date("2026-03-01");
      auto* t = req.add_tasks();
      t->set_title("拜访客户");
      t->set_kind(pv1::TASK_KIND_ROUTINE);
      t->set_weight(100);
      pv1::GoalCard card;
      ASSERT_TRUE(cards_->CreateGoalCard(As(e, "employee").get(), req, &card).ok());
      pv1::SubmitGoalCardRequest submit;
      submit.set_id(card.id());
      grpc::Status s = cards_->SubmitGoalCard(As(e, "employee").get(), submit, &card);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  };
  submit_cards(0, 6);
  EXPECT_TRUE(Eventually([&] { return Inbox(manager_).size() == 6; }));
  // Redis goes away; planning keeps the new events in its outbox meanwhile.
  redis_->Stop();
  submit_cards(6, 6);
  ASSERT_TRUE(redis_->Restart().ok());
  EXPECT_TRUE(Eventually([&] { return Inbox(manager_).size() == 12; }, absl::Seconds(20)));
  absl::SleepFor(absl::Seconds(1));
  std::vector<nv1::Notice> inbox = Inbox(manager_);
  EXPECT_EQ(inbox.size(), 12u);  // nothing lost, nothing doubled
  absl::flat_hash_set<std::string> events;
  for (const auto& n : inbox) events.insert(n.event_id());
  EXPECT_EQ(events.size(), 12u);
  (*replica)->Shutdown(absl::Seconds(1));
}

TEST_F(NotifyTest, SendIsDedupedByTransactionAndChecksAccess) {
  nv1::SendRequest req;
  req.add_recipient_ids(rep_);
  req.set_template_key("scheduler.reminder");
  (*req.mutable_data()->mutable_fields())["text"].set_string_value("周报请于周六18:00前提交");
  req.set_transaction_id("weekly-reminder-1");
  nv1::SendResponse first, second;
  grpc::Status s = notices_->Send(Admin().get(), req, &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(first.notice_ids_size(), 1);
  ASSERT_TRUE(notices_->Send(Admin().get(), req, &second).ok());
  EXPECT_EQ(second.notice_ids(0), first.notice_ids(0));
  std::vector<nv1::Notice> inbox = Inbox(rep_);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_THAT(inbox[0].body(), HasSubstr("周报请于周六18:00前提交"));
  // rep's manager may send to rep; another department's manager may not; an employee may not.
  req.set_transaction_id("manager-1");
  EXPECT_TRUE(notices_->Send(As(manager_, "manager").get(), req, &first).ok());
  req.set_transaction_id("other-1");
  EXPECT_EQ(notices_->Send(As(other_, "manager").get(), req, &first).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Bad input names the field.
  nv1::SendRequest bad;
  bad.add_recipient_ids("emp_nobody");
  bad.set_template_key("no.such.template");
  s = notices_->Send(Admin().get(), bad, &first);
  EXPECT_THAT(Fields(s), ::testing::ElementsAre("recipient_ids[0]"));
  bad.set_recipient_ids(0, rep_);
  EXPECT_THAT(Fields(notices_->Send(Admin().get(), bad, &first)),
              ::testing::ElementsAre("template_key"));
}

TEST_F(NotifyTest, WebhookRetriesThenDeliversOnceSigned) {
  nv1::Preferences p = Enabled("*", nv1::CHANNEL_WEBHOOK);
  p.mutable_webhook()->set_url(http_->url());
  p.mutable_webhook()->set_format(nv1::WEBHOOK_FORMAT_DINGTALK);
  p.mutable_webhook()->set_secret("s3cret");
  SetPrefs(rep_, p, {"rules", "webhook"});
  // A URL off the allow-list is refused when it is set, naming the field.
  {
    nv1::UpdatePreferencesRequest req;
    req.mutable_preferences()->mutable_webhook()->set_url("http://10.0.0.1:8080/hook");
    req.mutable_update_mask()->add_paths("webhook");
    nv1::Preferences out;
    EXPECT_THAT(Fields(prefs_->UpdatePreferences(As(rep_, "employee").get(), req, &out)),
                ::testing::ElementsAre("preferences.webhook.url"));
  }
  http_->SetStatuses({500, 500, 200});
  Remind("请更新客户拜访记录", "hook-1");
  // The retries wait on the (fake) clock: 30 s, then 60 s, each ±20%, counted from when the
  // failure was recorded (so wait for that before moving the clock).
  auto attempts_recorded = [&](int n) {
    return Eventually([&] {
      auto d = Latest(nv1::CHANNEL_WEBHOOK);
      return d && d->attempts() == n;
    });
  };
  ASSERT_TRUE(http_->WaitForRequests(1, absl::Seconds(5)));
  ASSERT_TRUE(attempts_recorded(1));
  clock_.Advance(absl::Seconds(40));
  ASSERT_TRUE(http_->WaitForRequests(2, absl::Seconds(5)));
  ASSERT_TRUE(attempts_recorded(2));
  clock_.Advance(absl::Seconds(80));
  ASSERT_TRUE(http_->WaitForRequests(3, absl::Seconds(5)));
  EXPECT_TRUE(Eventually([&] {
    auto d = Latest(nv1::CHANNEL_WEBHOOK);
    return d && d->state() == nv1::DELIVERY_STATE_SENT;
  }));
  auto d = Latest(nv1::CHANNEL_WEBHOOK);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->attempts(), 3);
  clock_.Advance(absl::Minutes(10));
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_EQ(http_->requests().size(), 3u);  // delivered once, nothing after success
  const HttpRequest last = http_->requests().back();
  EXPECT_THAT(last.body, HasSubstr("\"msgtype\":\"markdown\""));
  EXPECT_THAT(last.Header("X-Opsuite-Signature"), HasSubstr("sha256="));
  EXPECT_EQ(Inbox(rep_).size(), 1u);
}

TEST_F(NotifyTest, FailingWebhookEndsFailedAndTheFallbackEmailDelivers) {
  GiveRepAnEmail();
  nv1::Preferences p = Enabled("scheduler.reminder", nv1::CHANNEL_WEBHOOK);
  p.mutable_webhook()->set_url(http_->url());
  p.set_fallback(nv1::CHANNEL_EMAIL);
  SetPrefs(rep_, p, {"rules", "webhook", "fallback"});
  http_->SetDefaultStatus(500);
  Remind("目标卡被退回，请修改", "hook-2");
  // Five attempts with growing waits, then FAILED and an EMAIL in its place.
  for (int i = 0; i < 8 && !(Latest(nv1::CHANNEL_WEBHOOK) &&
                             Latest(nv1::CHANNEL_WEBHOOK)->state() == nv1::DELIVERY_STATE_FAILED);
       ++i) {
    absl::SleepFor(absl::Milliseconds(400));
    clock_.Advance(absl::Minutes(10));
  }
  auto hook = Latest(nv1::CHANNEL_WEBHOOK);
  ASSERT_TRUE(hook);
  EXPECT_EQ(hook->state(), nv1::DELIVERY_STATE_FAILED);
  EXPECT_EQ(hook->attempts(), 5);
  EXPECT_THAT(hook->last_error(), HasSubstr("500"));
  ASSERT_TRUE(smtp_->WaitForMessages(1, absl::Seconds(5)));
  auto email = Latest(nv1::CHANNEL_EMAIL);
  ASSERT_TRUE(email);
  EXPECT_EQ(email->fallback_of(), hook->id());
  EXPECT_TRUE(Eventually([&] { return Latest(nv1::CHANNEL_EMAIL)->state() == nv1::DELIVERY_STATE_SENT; }));
  const SmtpMessage m = smtp_->messages()[0];
  EXPECT_THAT(m.rcpt_to, ::testing::ElementsAre("zhangsan@example.com"));
  EXPECT_THAT(DecodeHeaderWords(HeaderValue(m.message, "Subject")), HasSubstr("提醒"));
  EXPECT_THAT(DecodeBase64Body(m.message), HasSubstr("目标卡被退回，请修改"));
}

TEST_F(NotifyTest, QuietHoursDeferEmailUntilMorning) {
  GiveRepAnEmail();
  nv1::Preferences p = Enabled("*", nv1::CHANNEL_EMAIL);
  p.set_quiet_start("22:00");
  p.set_quiet_end("08:00");
  SetPrefs(rep_, p, {"rules", "quiet_start", "quiet_end"});
  clock_.Set(Shanghai(2026, 3, 2, 23, 0));
  Remind("明早九点开会", "quiet-1");
  auto d = Latest(nv1::CHANNEL_EMAIL);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state(), nv1::DELIVERY_STATE_DEFERRED);
  EXPECT_EQ(FromProto(d->next_attempt_time()), Shanghai(2026, 3, 3, 8, 0));
  EXPECT_EQ(Inbox(rep_).size(), 1u);  // the inbox has it at once
  absl::SleepFor(absl::Milliseconds(600));
  EXPECT_TRUE(smtp_->messages().empty());
  clock_.Set(Shanghai(2026, 3, 3, 8, 0));
  ASSERT_TRUE(smtp_->WaitForMessages(1, absl::Seconds(5)));
  // A critical notice ignores quiet hours.
  clock_.Set(Shanghai(2026, 3, 3, 23, 30));
  nv1::SendRequest req;
  req.add_recipient_ids(rep_);
  req.set_template_key("scheduler.reminder");
  (*req.mutable_data()->mutable_fields())["text"].set_string_value("机房告警");
  req.set_critical(true);
  nv1::SendResponse out;
  ASSERT_TRUE(notices_->Send(Admin().get(), req, &out).ok());
  ASSERT_TRUE(smtp_->WaitForMessages(2, absl::Seconds(5)));
}

TEST_F(NotifyTest, DigestFoldsSameTypeNoticesIntoOneMessage) {
  nv1::Preferences p = Enabled("*", nv1::CHANNEL_WEBHOOK);
  p.mutable_webhook()->set_url(http_->url());
  p.set_digest_minutes(10);
  SetPrefs(rep_, p, {"rules", "webhook", "digest_minutes"});
  for (int i = 0; i < 3; ++i) Remind(absl::StrCat("第", i + 1, "条提醒"), absl::StrCat("digest-", i));
  EXPECT_EQ(Inbox(rep_).size(), 3u);  // the inbox gets each
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_TRUE(http_->requests().empty());
  clock_.Advance(absl::Minutes(10));
  ASSERT_TRUE(http_->WaitForRequests(1, absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_EQ(http_->requests().size(), 1u);
  EXPECT_THAT(http_->requests()[0].body, HasSubstr("(+2)"));
  int folded = 0;
  for (const auto& d : Deliveries(rep_)) folded += d.state() == nv1::DELIVERY_STATE_FOLDED;
  EXPECT_EQ(folded, 2);
}

// Two replicas, one digest window: the replica sending the digest holds the whole group, so
// the other cannot take a member as a second carrier while the (slow) send is under way.
TEST_F(NotifyTest, TwoReplicasSendOneDigestPerWindow) {
  nv1::Preferences p = Enabled("*", nv1::CHANNEL_WEBHOOK);
  p.mutable_webhook()->set_url(http_->url());
  p.set_digest_minutes(10);
  SetPrefs(rep_, p, {"rules", "webhook", "digest_minutes"});
  auto replica = StartNotifyReplica();
  ASSERT_TRUE(replica.ok()) << replica.status();
  http_->SetDelay(absl::Milliseconds(600));
  constexpr int kNotices = 6;
  for (int i = 0; i < kNotices; ++i) {
    Remind(absl::StrCat("第", i + 1, "条提醒"), absl::StrCat("digest2-", i));
  }
  ASSERT_TRUE(Eventually([&] { return Inbox(rep_).size() == kNotices; }));
  clock_.Advance(absl::Minutes(10));
  ASSERT_TRUE(http_->WaitForRequests(1, absl::Seconds(10)));
  ASSERT_TRUE(Eventually([&] {
    int folded = 0;
    for (const auto& d : Deliveries(rep_)) folded += d.state() == nv1::DELIVERY_STATE_FOLDED;
    return folded == kNotices - 1;
  }, absl::Seconds(10)));
  absl::SleepFor(absl::Seconds(1));  // a second carrier would have called by now
  ASSERT_EQ(http_->requests().size(), 1u);
  EXPECT_THAT(http_->requests()[0].body, HasSubstr(absl::StrCat("(+", kNotices - 1, ")")));
  (*replica)->Shutdown(absl::Seconds(2));
}

TEST_F(NotifyTest, MalformedEventIsParkedInTheDeadLetterStream) {
  common::v1::Event bad;
  bad.set_id("evt_poison");
  bad.set_type("planning.goal_card.returned");  // no org: nobody can be looked up
  auto redis = redis::RedisClient::Create(redis_->url());
  ASSERT_TRUE(redis.ok());
  ASSERT_TRUE((*redis)->Command({"XADD", "ops:events", "*", "id", bad.id(), "type", bad.type(),
                                 "org", "", "event", bad.SerializeAsString()})
                  .ok());
  EXPECT_TRUE(Eventually([&] {
    auto dead = (*redis)->Command({"XRANGE", "ops:events:dead", "-", "+"});
    if (!dead.ok()) return false;
    for (const auto& entry : dead->elements) {
      if (entry.elements.size() < 2) continue;
      const auto& f = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "id" && f[i + 1].str == "evt_poison") return true;
      }
    }
    return false;
  }));
  // The group moved on: a good event after it still arrives.
  ReturnedCard("补充拜访计划");
  EXPECT_TRUE(Eventually([&] { return Inbox(rep_).size() == 1; }));
}

TEST_F(NotifyTest, MissingTemplateVariableIsKeptOnTheDelivery) {
  nv1::UpsertTemplateRequest up;
  nv1::Template* t = up.mutable_template_();
  t->set_key("scheduler.reminder");
  t->set_locale("zh-CN");
  t->set_channel(nv1::CHANNEL_IN_APP);
  t->set_subject("提醒");
  t->set_body("{{text}}，截止 {{deadline}}");
  nv1::Template stored;
  ASSERT_TRUE(templates_->UpsertTemplate(Admin().get(), up, &stored).ok());
  EXPECT_EQ(templates_->UpsertTemplate(As(rep_, "employee").get(), up, &stored).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  nv1::RenderTemplateRequest render;
  render.set_key("scheduler.reminder");
  render.set_locale("zh-CN");
  (*render.mutable_data()->mutable_fields())["text"].set_string_value("交周报");
  nv1::RenderTemplateResponse out;
  EXPECT_THAT(Fields(templates_->RenderTemplate(Admin().get(), render, &out)),
              ::testing::ElementsAre("data.deadline"));
  Remind("交周报", "render-1");
  auto d = Latest(nv1::CHANNEL_IN_APP);
  ASSERT_TRUE(d);
  EXPECT_THAT(d->render_error(), HasSubstr("deadline"));
  std::vector<nv1::Notice> inbox = Inbox(rep_);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].title(), "scheduler.reminder");
}

}  // namespace
}  // namespace opsuite::testing
