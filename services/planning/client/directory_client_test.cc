// DirectoryClient against a counting fake of planning's DirectoryService on loopback.
#include "services/planning/client/directory_client.h"

#include <atomic>
#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::planning {
namespace {

// Knows employees e0..e<n-1> (manager: m); BatchGetEmployees refuses a batch naming an
// unknown id, as planning does.
class FakeDirectory final : public v1::DirectoryService::Service {
 public:
  explicit FakeDirectory(int n) : n_(n) {}
  grpc::Status GetEmployee(grpc::ServerContext*, const v1::GetEmployeeRequest* req,
                           v1::Employee* resp) override {
    ++gets;
    if (!Known(req->id())) return {grpc::StatusCode::NOT_FOUND, "no such employee"};
    Fill(req->id(), resp);
    return grpc::Status::OK;
  }
  grpc::Status BatchGetEmployees(grpc::ServerContext*, const v1::BatchGetEmployeesRequest* req,
                                 v1::BatchGetEmployeesResponse* resp) override {
    ++batches;
    largest = std::max(largest.load(), req->ids_size());
    for (const std::string& id : req->ids()) {
      if (!Known(id)) return {grpc::StatusCode::NOT_FOUND, "no such employee"};
      Fill(id, resp->add_employees());
    }
    return grpc::Status::OK;
  }
  std::atomic<int> gets{0}, batches{0}, largest{0};

 private:
  bool Known(const std::string& id) const {
    int k = 0;
    return id.size() > 1 && id[0] == 'e' && absl::SimpleAtoi(id.substr(1), &k) && k < n_;
  }
  static void Fill(const std::string& id, v1::Employee* e) {
    e->set_id(id);
    e->set_name(absl::StrCat("name of ", id));
    e->set_manager_id("m");
  }
  const int n_;
};

class DirectoryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&fake_);
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials());
    client_ = std::make_unique<DirectoryClient>([this] { return channel_; },
                                                [](const std::string&) { return "t"; }, &clock_);
  }
  void TearDown() override { server_->Shutdown(); }

  static std::vector<std::string> Ids(int from, int to) {
    std::vector<std::string> ids;
    for (int i = from; i < to; ++i) ids.push_back(absl::StrCat("e", i));
    return ids;
  }

  FakeDirectory fake_{2500};
  FakeClock clock_{absl::FromUnixSeconds(1795564800)};
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<DirectoryClient> client_;
};

TEST_F(DirectoryClientTest, PrefetchReadsInBatchesOfAThousandAndGetEmployeeFindsThemHeld) {
  std::vector<std::string> ids = Ids(0, 2500);
  ids.insert(ids.end(), {"e1", "e2", ""});  // repeats and an empty id are asked for once / never
  EXPECT_TRUE(client_->Prefetch("acme", ids).ok());
  EXPECT_EQ(fake_.batches, 3);
  EXPECT_EQ(fake_.largest, 1000);
  for (const std::string& id : Ids(0, 2500)) {
    absl::StatusOr<v1::Employee> e = client_->GetEmployee("acme", id);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->name(), "name of " + id);
  }
  EXPECT_EQ(fake_.gets, 0);
  EXPECT_EQ(client_->calls(), 3);

  // Held ones are not read again; another org's are its own.
  EXPECT_TRUE(client_->Prefetch("acme", Ids(0, 10)).ok());
  EXPECT_EQ(fake_.batches, 3);
  EXPECT_TRUE(client_->Prefetch("globex", Ids(0, 10)).ok());
  EXPECT_EQ(fake_.batches, 4);

  // Past the TTL they are read again.
  clock_.Advance(absl::Seconds(31));
  EXPECT_TRUE(client_->Prefetch("acme", Ids(0, 10)).ok());
  EXPECT_EQ(fake_.batches, 5);
}

TEST_F(DirectoryClientTest, ABatchWithAnUnknownIdIsSkippedAndEachIsThenAskedForAlone) {
  EXPECT_TRUE(client_->Prefetch("acme", {"e1", "nobody", "e2"}).ok());
  EXPECT_EQ(fake_.batches, 1);
  absl::StatusOr<v1::Employee> nobody = client_->GetEmployee("acme", "nobody");
  EXPECT_EQ(nobody.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(client_->GetEmployee("acme", "e1").ok());
  EXPECT_TRUE(client_->GetEmployee("acme", "e2").ok());
  EXPECT_EQ(fake_.gets, 3);
}

TEST_F(DirectoryClientTest, PrefetchWithPlanningDownSaysSoAfterOneCall) {
  server_->Shutdown();
  const int64_t before = client_->calls();
  absl::Status s = client_->Prefetch("acme", Ids(0, 2500));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("planning BatchGetEmployees"));
  EXPECT_EQ(client_->calls() - before, 1);  // not one timeout per batch
  absl::StatusOr<v1::Employee> e = client_->GetEmployee("acme", "e1");
  EXPECT_EQ(e.status().code(), absl::StatusCode::kUnavailable) << e.status();
}

}  // namespace
}  // namespace opsuite::planning
