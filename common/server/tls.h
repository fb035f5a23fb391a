// TLS for the suite's gRPC, in and out: the server's credentials and those its channels to
// peers use, from PEM files named by --tls_cert, --tls_key, --tls_ca.
//
//   ASSIGN_OR_RETURN(Credentials creds, LoadCredentials(options.tls));
//   builder.AddListeningPort(addr, creds.server);
//   auto channel = PeerChannel(peer_addr, creds.channel, creds.server_name);
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace opsuite::server {

struct TlsFiles {
  std::string cert;  // this process's certificate chain: served, and shown to peers
  std::string key;   // its private key
  // The CA that signs the suite's certificates. Peers' certificates are checked against it
  // (empty: the system's roots), and with `require_client_cert` every caller must present a
  // certificate it signed (mutual TLS between services).
  std::string ca;
  bool require_client_cert = false;
  // The name peers' certificates are checked for, when it is not the host of --peers
  // (e.g. one certificate for "opsuite.internal" on every service).
  std::string server_name;
  bool enabled() const { return !cert.empty(); }
};

struct Credentials {
  std::shared_ptr<grpc::ServerCredentials> server;
  std::shared_ptr<grpc::ChannelCredentials> channel;
  std::string server_name;  // empty: the peer address's host
};

// Plaintext credentials when `files` is not enabled(). INVALID_ARGUMENT naming the flag
// (tls_cert, tls_key, tls_ca) when a file can't be read or holds no PEM block.
absl::StatusOr<Credentials> LoadCredentials(const TlsFiles& files);

// The client side alone, for tools (opsctl): TLS when `ca` or `cert` is set, checking the
// server against `ca` (empty: system roots) and showing `cert`/`key` when given.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentials(
    const std::string& ca, const std::string& cert, const std::string& key);

}  // namespace opsuite::server
