// gRPC over TLS (--tls_cert, --tls_key, --tls_ca, --tls_client_auth) with certificates this
// test makes with openssl: a server refuses plaintext and clients that do not trust it; with
// mutual TLS it refuses callers without a certificate from the suite's CA; and services call
// each other over mutual TLS.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/auth/jwt.h"
#include "common/server/server.h"
#include "common/server/tls.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "opsuite/crm/v1/customer.grpc.pb.h"
#include "opsuite/planning/v1/directory.grpc.pb.h"
#include "services/crm/crm_module.h"
#include "services/planning/planning_module.h"

namespace opsuite::testing {
namespace {

namespace fs = std::filesystem;
namespace pv1 = ::opsuite::planning::v1;
namespace cv1 = ::opsuite::crm::v1;
using ::testing::HasSubstr;

constexpr char kSecret[] = "tls-test-secret";

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        absl::StrCat("opsuite_tls_", ::getpid()));
    fs::create_directories(*dir_);
    // Two CAs: the suite's, and a stranger's that must not be trusted. Each leaf is valid for
    // 127.0.0.1 and localhost, for server and client use.
    const std::string script = absl::StrCat(
        "set -e; cd '", dir_->string(), "'\n",
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n"
        "extendedKeyUsage=serverAuth,clientAuth\\n' > leaf.ext\n",
        "for ca in ca rogue; do\n"
        "  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout $ca.key -out $ca.pem -days 2 -subj /CN=$ca 2>/dev/null\n"
        "done\n"
        "leaf() {\n"
        "  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $1.key "
        "-out $1.csr -subj /CN=$1 2>/dev/null\n"
        "  openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -out $1.pem "
        "-days 2 -extfile leaf.ext 2>/dev/null\n"
        "}\n"
        "leaf planning ca; leaf crm ca; leaf client ca; leaf stranger rogue\n");
    std::ofstream(*dir_ / "make_certs.sh") << script;
    ASSERT_EQ(std::system(absl::StrCat("bash '", (*dir_ / "make_certs.sh").string(), "'").c_str()), 0)
        << "openssl could not make the test certificates";
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }

  static std::string File(const std::string& name) { return (*dir_ / name).string(); }

  static server::TlsFiles Files(const std::string& leaf, bool mutual) {
    return {.cert = File(leaf + ".pem"),
            .key = File(leaf + ".key"),
            .ca = File("ca.pem"),
            .require_client_cert = mutual,
            .server_name = ""};
  }

  absl::StatusOr<std::unique_ptr<server::Server>> Start(
      std::vector<server::ModuleSpec> modules, const std::string& name, server::TlsFiles tls,
      std::map<std::string, std::string> peers = {}) {
    server::ServerOptions o;
    o.grpc_addr = "127.0.0.1:0";
    o.data_dir = (*dir_ / name).string();
    o.jwt_keys = {{"", kSecret}};
    o.workers = 2;
    o.tls = std::move(tls);
    o.peers = std::move(peers);
    return server::Server::Start(modules, o);
  }

  // A channel to `addr` with credentials made from the given PEM files ("" leaves one out).
  static std::shared_ptr<grpc::Channel> Channel(const std::string& addr, const std::string& ca,
                                                const std::string& leaf = "") {
    auto creds = server::ClientCredentials(ca.empty() ? "" : File(ca),
                                           leaf.empty() ? "" : File(leaf + ".pem"),
                                           leaf.empty() ? "" : File(leaf + ".key"));
    EXPECT_TRUE(creds.ok()) << creds.status();
    return grpc::CreateChannel(addr, *creds);
  }

  // One health check; the status tells whether the TLS handshake let the call through.
  static grpc::Status Health(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    if (s.ok()) {
      EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
    }
    return s;
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& sub, const std::string& role) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    const absl::Time now = absl::Now();
    ctx->AddMetadata("authorization",
                     "Bearer " + auth::MintJwt({sub, "acme", {role}}, {"", kSecret}, now,
                                               now + absl::Hours(1)));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  static fs::path* dir_;
};

fs::path* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, AServerWithACertificateSpeaksOnlyTlsToClientsThatTrustIt) {
  auto s = Start({planning::PlanningModule()}, "server_tls", Files("planning", false));
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string addr = (*s)->address();
  EXPECT_TRUE(Health(Channel(addr, "ca.pem")).ok());
  // Plaintext, or a client that trusts another CA: no call gets through.
  EXPECT_EQ(Health(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials())).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Health(Channel(addr, "rogue.pem")).error_code(), grpc::StatusCode::UNAVAILABLE);
  (*s)->Shutdown(absl::Seconds(1));
}

TEST_F(TlsTest, MutualTlsRefusesCallersWithoutACertificateFromTheSuitesCa) {
  auto s = Start({planning::PlanningModule()}, "server_mtls", Files("planning", true));
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string addr = (*s)->address();
  EXPECT_TRUE(Health(Channel(addr, "ca.pem", "client")).ok());
  EXPECT_EQ(Health(Channel(addr, "ca.pem")).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Health(Channel(addr, "ca.pem", "stranger")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  (*s)->Shutdown(absl::Seconds(1));
}

TEST_F(TlsTest, ServicesCallEachOtherOverMutualTls) {
  auto planning = Start({planning::PlanningModule()}, "planning", Files("planning", true));
  ASSERT_TRUE(planning.ok()) << planning.status();
  const std::string planning_addr = (*planning)->address();
  auto directory = pv1::DirectoryService::NewStub(Channel(planning_addr, "ca.pem", "client"));
  pv1::CreateDepartmentRequest dept;
  dept.mutable_department()->set_name("销售部");
  pv1::Department d;
  grpc::Status st = directory->CreateDepartment(As("boss", "admin").get(), dept, &d);
  ASSERT_TRUE(st.ok()) << st.error_message();
  pv1::CreateEmployeeRequest emp;
  emp.mutable_employee()->set_name("张三");
  emp.mutable_employee()->set_department_id(d.id());
  emp.mutable_employee()->set_role_class(pv1::ROLE_CLASS_SALES);
  pv1::Employee e;
  st = directory->CreateEmployee(As("boss", "admin").get(), emp, &e);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // crm asks planning where the owner sits: over mutual TLS with its own certificate.
  auto crm = Start({crm::CrmModule()}, "crm", Files("crm", true), {{"planning", planning_addr}});
  ASSERT_TRUE(crm.ok()) << crm.status();
  auto customers = cv1::CustomerService::NewStub(Channel((*crm)->address(), "ca.pem", "client"));
  cv1::CreateCustomerRequest create;
  create.mutable_customer()->set_name("广州白云酒店");
  create.mutable_customer()->set_tier(cv1::TIER_TIER1);
  create.mutable_customer()->mutable_region()->set_city("广州");
  cv1::Customer c;
  st = customers->CreateCustomer(As(e.id(), "employee").get(), create, &c);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(c.owner_id(), e.id());

  // The control: a crm without TLS can't reach the same planning.
  auto plain = Start({crm::CrmModule()}, "crm_plain", {}, {{"planning", planning_addr}});
  ASSERT_TRUE(plain.ok()) << plain.status();
  auto plain_customers = cv1::CustomerService::NewStub(
      grpc::CreateChannel((*plain)->address(), grpc::InsecureChannelCredentials()));
  create.mutable_customer()->set_name("深圳南山宾馆");
  st = plain_customers->CreateCustomer(As(e.id(), "employee").get(), create, &c);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
  (*plain)->Shutdown(absl::Seconds(1));
  (*crm)->Shutdown(absl::Seconds(1));
  (*planning)->Shutdown(absl::Seconds(1));
}

TEST_F(TlsTest, UnreadableOrMismatchedFilesAreNamedWithoutTheirContents) {
  server::TlsFiles missing = Files("planning", false);
  missing.key = File("nope.key");
  auto s = Start({planning::PlanningModule()}, "bad", missing);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("tls_key"));
  EXPECT_THAT(s.status().message(), HasSubstr("nope.key"));

  server::TlsFiles not_pem = Files("planning", false);
  not_pem.ca = File("leaf.ext");
  s = Start({planning::PlanningModule()}, "bad2", not_pem);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("tls_ca"));
  EXPECT_THAT(s.status().message(), ::testing::Not(HasSubstr("subjectAltName")));

  server::TlsFiles no_ca = Files("planning", true);
  no_ca.ca.clear();
  s = Start({planning::PlanningModule()}, "bad3", no_ca);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("tls_client_auth"));

  server::TlsFiles key_only = Files("planning", false);
  key_only.cert.clear();
  s = Start({planning::PlanningModule()}, "bad4", key_only);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("tls_cert"));
}

}  // namespace
}  // namespace opsuite::testing
