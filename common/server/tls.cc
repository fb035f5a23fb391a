#include "common/server/tls.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace opsuite::server {
namespace {

// The file's text; INVALID_ARGUMENT on `flag` when it is unreadable or not PEM. The message
// names the file, never its contents (a key must not reach a log).
absl::StatusOr<std::string> ReadPem(const std::string& path, const std::string& flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidField(flag, absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (!absl::StrContains(text.str(), "-----BEGIN ")) {
    return InvalidField(flag, absl::StrCat(path, " holds no PEM block"));
  }
  return text.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentials(
    const std::string& ca, const std::string& cert, const std::string& key) {
  if (ca.empty() && cert.empty()) return grpc::InsecureChannelCredentials();
  if (cert.empty() != key.empty()) {
    return InvalidField(cert.empty() ? "tls_cert" : "tls_key", "--tls_cert and --tls_key go together");
  }
  grpc::SslCredentialsOptions o;
  if (!ca.empty()) {
    ASSIGN_OR_RETURN(o.pem_root_certs, ReadPem(ca, "tls_ca"));
  }
  if (!cert.empty()) {
    ASSIGN_OR_RETURN(o.pem_cert_chain, ReadPem(cert, "tls_cert"));
    ASSIGN_OR_RETURN(o.pem_private_key, ReadPem(key, "tls_key"));
  }
  return grpc::SslCredentials(o);
}

absl::StatusOr<Credentials> LoadCredentials(const TlsFiles& files) {
  Credentials c;
  if (files.cert.empty() && !files.key.empty()) {
    return InvalidField("tls_cert", "--tls_cert and --tls_key go together");
  }
  if (!files.enabled()) {
    if (files.require_client_cert) {
      return InvalidField("tls_client_auth", "needs --tls_cert, --tls_key and --tls_ca");
    }
    c.server = grpc::InsecureServerCredentials();
    ASSIGN_OR_RETURN(c.channel, ClientCredentials(files.ca, "", ""));
    c.server_name = files.server_name;
    return c;
  }
  if (files.key.empty()) return InvalidField("tls_key", "--tls_cert and --tls_key go together");
  grpc::SslServerCredentialsOptions o(files.require_client_cert
                                          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(files.cert, "tls_cert"));
  ASSIGN_OR_RETURN(pair.private_key, ReadPem(files.key, "tls_key"));
  o.pem_key_cert_pairs.push_back(pair);
  if (!files.ca.empty()) {
    ASSIGN_OR_RETURN(o.pem_root_certs, ReadPem(files.ca, "tls_ca"));
  } else if (files.require_client_cert) {
    return InvalidField("tls_client_auth", "needs --tls_ca, the CA callers' certificates chain to");
  }
  c.server = grpc::SslServerCredentials(o);
  ASSIGN_OR_RETURN(c.channel, ClientCredentials(files.ca, files.cert, files.key));
  c.server_name = files.server_name;
  return c;
}

}  // namespace opsuite::server
