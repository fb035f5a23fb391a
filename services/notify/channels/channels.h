// Delivery channels beyond the inbox: SMTP email and HTTP webhooks. Each call is one attempt;
// retries, backoff and fallback are the dispatcher's. Errors say what failed in words a
// person can act on ("smtp 127.0.0.1:2525: 550 mailbox unavailable").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "opsuite/notify/v1/notify.pb.h"

namespace opsuite::notify {


struct Email {
  std::string from;     // "opsuite <noreply@example.com>" or an address
  std::string to;       // address
  std::string to_name;  // display name (UTF-8, encoded per RFC 2047)
  std::string subject;  // UTF-8, encoded per RFC 2047 when not plain ASCII
  std::string html_body;
  std::string message_id;  // for the Message-ID header (dedup on the receiving side)
};

struct SmtpOptions {
  std::string host = "127.0.0.1";
  int port = 25;
  std::string helo = "opsuite";
  absl::Duration timeout = absl::Seconds(10);
};

class EmailSender {
 public:
  virtual ~EmailSender() = default;
  virtual absl::Status Send(const Email& email) = 0;
};
// Plain SMTP (RFC 5321: EHLO/HELO, MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT) over TCP,
// UTF-8 HTML body as base64 with Content-Type text/html; charset=UTF-8.
std::unique_ptr<EmailSender> NewSmtpSender(SmtpOptions options);

// RFC 2047 "encoded-word" form of a header value: as is when printable ASCII, else
// "=?UTF-8?B?...?=" words of at most 75 characters, split on UTF-8 character boundaries.
std::string EncodeHeaderWord(const std::string& utf8);

// The DATA text of a message as it goes on the wire (RFC 5321 §4.5.2): line endings made
// CRLF, a "." doubled at the start of every line, ending in CRLF (the "." line that ends
// DATA is not included).
std::string DotStuff(absl::string_view text);

struct WebhookCall {
  std::string url;  // http://host:port/path (https is not supported: say so)
  v1::WebhookFormat format = v1::WEBHOOK_FORMAT_UNSPECIFIED;
  std::string secret;  // HMAC-SHA256 key; empty: unsigned
  std::string title;
  std::string text;
  std::string notice_json;  // the notice as proto3 JSON (plain format's "notice")
};

// The JSON body for `call.format`: plain {"notice": <notice_json>, "title", "text"},
// DingTalk {"msgtype":"markdown","markdown":{"title","text"}}, WeCom
// {"msgtype":"markdown","markdown":{"content"}}.
std::string WebhookBody(const WebhookCall& call);

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // POSTs WebhookBody(call) with Content-Type application/json, X-Opsuite-Timestamp (Unix
  // seconds) and, when a secret is set, X-Opsuite-Signature: sha256=<hex HMAC-SHA256 of
  // "<timestamp>.<body>">. A 2xx answer is success; others are errors naming the status.
  // A URL whose host:port is not on the allow-list is PERMISSION_DENIED without any
  // connection being made.
  virtual absl::Status Post(const WebhookCall& call) = 0;
};
// The checks Post makes before connecting, for validating a URL up front (e.g. when
// preferences are saved): INVALID_ARGUMENT for a URL that is not http://host[:port][/path]
// (https included: not supported), PERMISSION_DENIED when its host:port is not on `allow`.
absl::Status CheckWebhookUrl(absl::string_view url, const std::vector<std::string>& allow);

// `allow` holds "host:port" entries (a "host" entry allows port 80); nothing else is called.
std::unique_ptr<WebhookSender> NewHttpWebhookSender(std::vector<std::string> allow,
                                                   absl::Duration timeout = absl::Seconds(10));

}  // namespace opsuite::notify
