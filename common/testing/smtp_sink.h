// Test helper: a fake SMTP server on 127.0.0.1 and a free port that accepts and records
// mail. It speaks enough RFC 5321 for a client: 220 greeting, EHLO/HELO 250, MAIL/RCPT 250,
// DATA 354 … "." 250, RSET/NOOP 250, QUIT 221; anything else 502.
//
//   auto sink = opsuite::testing::SmtpSink::Start();
//   ASSERT_TRUE(sink.ok()) << sink.status();
//   (*sink)->RejectRecipient("gone@example.com");   // RCPT TO → 550 5.1.1
//   ... send to 127.0.0.1:(*sink)->port() ...
//   std::vector<SmtpMessage> got = (*sink)->messages();
//   DecodeHeaderWords(HeaderValue(got[0].message, "Subject"))   // "目标卡被退回"
//   DecodeBase64Body(got[0].message)                            // the HTML
//
// Thread-safe; stops in the destructor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/testing/tcp_server.h"

namespace opsuite::testing {

struct SmtpMessage {
  std::string helo;                  // the EHLO or HELO argument
  std::string mail_from;             // the envelope sender, without <>
  std::vector<std::string> rcpt_to;  // the accepted envelope recipients, without <>
  std::string data;     // DATA as it came on the wire (dot-stuffed, CRLF), without the "." line
  std::string message;  // the same with the dot-stuffing undone: the message itself
};

class SmtpSink {
 public:
  static absl::StatusOr<std::unique_ptr<SmtpSink>> Start();
  ~SmtpSink() = default;

  int port() const { return server_->port(); }
  // Connections accepted so far (0: nobody connected).
  int connections() const { return server_->connections(); }

  // RCPT TO for `address` (case-insensitive) answers "550 5.1.1 mailbox unavailable".
  void RejectRecipient(const std::string& address);
  // false: EHLO answers "502 5.5.1 command not implemented" (the client must say HELO).
  void SetEhloSupported(bool supported);

  // Messages accepted (250 after DATA), in order.
  std::vector<SmtpMessage> messages() const;
  // Every command line received, in order ("EHLO opsuite", "MAIL FROM:<a@b>", ...; the DATA
  // text not included).
  std::vector<std::string> commands() const;
  // Waits until at least `n` messages were accepted: true when they were within `timeout`.
  bool WaitForMessages(size_t n, absl::Duration timeout) const;

 private:
  SmtpSink() = default;
  void Serve(TcpServer::Conn& conn);

  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> rejected_ ABSL_GUARDED_BY(mu_);
  bool ehlo_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<SmtpMessage> messages_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> commands_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<TcpServer> server_;  // last: stopped first
};

// The value of header `name` (case-insensitive) in an RFC 5322 message, folded lines joined
// (CRLF removed, the leading whitespace kept); "" when absent.
std::string HeaderValue(absl::string_view message, absl::string_view name);
// A header value with its RFC 2047 encoded words ("=?UTF-8?B?...?=", B or Q) decoded and the
// whitespace between adjacent encoded words dropped. Only UTF-8 (and ASCII) charsets.
std::string DecodeHeaderWords(absl::string_view value);
// The body (after the first empty line) of a message, base64-decoded (line breaks ignored);
// "" when it is not valid base64.
std::string DecodeBase64Body(absl::string_view message);

}  // namespace opsuite::testing
