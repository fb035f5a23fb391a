// HTTP webhooks: a JSON POST over plain HTTP/1.1, HMAC-SHA256 signed, to allow-listed hosts.
//
// Error codes: a URL that is not http://host[:port][/path] (https included):
// INVALID_ARGUMENT; host:port not on the allow-list: PERMISSION_DENIED (nothing is sent);
// no connection, a timeout, a broken answer, HTTP 5xx, 429 or 408: UNAVAILABLE (worth
// retrying); any other non-2xx status: FAILED_PRECONDITION. Messages name host:port and the
// status ("webhook 127.0.0.1:8080: HTTP 500 Internal Server Error"), never the path or query,
// which often carry a robot's access token.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/hmac.h"
#include "nlohmann/json.hpp"
#include "services/notify/channels/channels.h"
#include "services/notify/channels/net.h"

namespace opsuite::notify {
namespace {

using Json = nlohmann::json;

struct Url {
  std::string host;  // lower case; an IPv6 literal without brackets
  int port = 80;
  std::string path;  // "/..." with the query, without a fragment
};

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// "host", "host:port", "[v6]" or "[v6]:port" → host and port (default 80).
absl::Status ParseAuthority(absl::string_view authority, std::string* host, int* port) {
  *port = 80;
  absl::string_view port_text;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) return absl::InvalidArgumentError("unclosed \"[\"");
    *host = std::string(authority.substr(1, close - 1));
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return absl::InvalidArgumentError("junk after \"]\"");
      port_text = after.substr(1);
      if (port_text.empty()) return absl::InvalidArgumentError("an empty port");
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != absl::string_view::npos) {
      port_text = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
      if (port_text.empty()) return absl::InvalidArgumentError("an empty port");
    }
    *host = std::string(authority);
    for (char c : *host) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
        return absl::InvalidArgumentError(
            "a host name with characters other than letters, "
            "digits, '.', '-' and '_'");
      }
    }
  }
  if (host->empty()) return absl::InvalidArgumentError("no host");
  *host = absl::AsciiStrToLower(*host);
  if (!port_text.empty()) {
    bool digits = std::all_of(port_text.begin(), port_text.end(), [](char c) {
      return absl::ascii_isdigit(static_cast<unsigned char>(c));
    });
    if (!digits || port_text.size() > 5 || !absl::SimpleAtoi(port_text, port) || *port < 1 ||
        *port > 65535) {
      return absl::InvalidArgumentError("a port that is not a number from 1 to 65535");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Url> ParseUrl(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  auto bad = [](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook url: ", why, " (want http://host[:port][/path])"));
  };
  size_t sep = text.find("://");
  if (sep == absl::string_view::npos) return bad("no scheme");
  std::string scheme = absl::AsciiStrToLower(text.substr(0, sep));
  if (scheme == "https") {
    return absl::InvalidArgumentError(
        "webhook url: https is not supported; opsuite calls webhooks over plain http:// only "
        "(put a TLS-terminating proxy on an allow-listed http:// address in front of an https "
        "endpoint)");
  }
  if (scheme != "http") return bad(absl::StrCat("scheme \"", scheme, "\" is not http"));
  absl::string_view rest = text.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, end);
  absl::string_view path = end == absl::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != absl::string_view::npos) {
    return bad("credentials in the URL are not supported (use the webhook secret)");
  }
  Url url;
  absl::Status s = ParseAuthority(authority, &url.host, &url.port);
  if (!s.ok()) return bad(s.message());
  path = path.substr(0, path.find('#'));
  url.path = absl::StartsWith(path, "/") ? std::string(path) : absl::StrCat("/", path);
  for (char c : url.path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return bad("spaces or control characters in the path (percent-encode them)");
    }
  }
  return url;
}

// Whether host:port is on `allow` ("host:port", or "host" for port 80).
bool Allowed(const Url& url, const std::vector<std::string>& allow) {
  for (const std::string& entry : allow) {
    absl::string_view e = absl::StripAsciiWhitespace(entry);
    if (e.empty()) continue;
    std::string host;
    int port = 80;
    if (!ParseAuthority(e, &host, &port).ok()) continue;
    if (host == url.host && port == url.port) return true;
  }
  return false;
}

// Printable text of a response body for an error message, at most 200 bytes.
std::string Snippet(absl::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

class HttpWebhookSender : public WebhookSender {
 public:
  HttpWebhookSender(std::vector<std::string> allow, absl::Duration timeout)
      : allow_(std::move(allow)), timeout_(timeout) {}

  absl::Status Post(const WebhookCall& call) override {
    absl::StatusOr<Url> url = ParseUrl(call.url);
    if (!url.ok()) return url.status();
    const std::string where = absl::StrCat("webhook ", net::HostPort(url->host, url->port));
    if (!Allowed(*url, allow_)) {
      return absl::PermissionDeniedError(
          absl::StrCat(where, ": not on the webhook allow-list (--webhook_allow); nothing sent"));
    }
    auto fail = [&](const absl::Status& s) {
      return absl::Status(s.code(), absl::StrCat(where, ": ", s.message()));
    };

    const std::string body = WebhookBody(call);
    const std::string timestamp = absl::StrCat(absl::ToUnixSeconds(absl::Now()));
    std::string host_header =
        url->host.find(':') != std::string::npos ? absl::StrCat("[", url->host, "]") : url->host;
    if (url->port != 80) absl::StrAppend(&host_header, ":", url->port);
    std::string request = absl::StrCat(
        "POST ", url->path, " HTTP/1.1\r\n", "Host: ", host_header, "\r\n",
        "User-Agent: opsuite-notify\r\n", "Content-Type: application/json; charset=utf-8\r\n",
        "Content-Length: ", body.size(), "\r\n", "Connection: close\r\n",
        "X-Opsuite-Timestamp: ", timestamp, "\r\n");
    if (!call.secret.empty()) {
      absl::StrAppend(&request, "X-Opsuite-Signature: sha256=",
                      auth::HmacSha256Hex(call.secret, absl::StrCat(timestamp, ".", body)), "\r\n");
    }
    absl::StrAppend(&request, "\r\n", body);

    absl::StatusOr<net::Conn> dialed = net::Conn::Dial(url->host, url->port, timeout_);
    if (!dialed.ok()) return fail(dialed.status());
    net::Conn& conn = *dialed;
    absl::Status s = conn.WriteAll(request);
    if (!s.ok()) return fail(s);

    // The status line, skipping interim 1xx answers.
    int code = 0;
    std::string reason;
    int64_t content_length = -1;
    for (int responses = 0; responses < 10; ++responses) {
      absl::StatusOr<std::string> line = conn.ReadLine(16 * 1024);
      if (!line.ok()) return fail(line.status());
      // "HTTP/1.1 200 OK"
      absl::string_view l(*line);
      size_t sp = l.find(' ');
      if (!absl::StartsWith(l, "HTTP/") || sp == absl::string_view::npos || l.size() < sp + 4 ||
          !absl::SimpleAtoi(l.substr(sp + 1, 3), &code) || code < 100 || code > 599 ||
          (l.size() > sp + 4 && l[sp + 4] != ' ')) {
        return absl::UnavailableError(
            absl::StrCat(where, ": malformed HTTP status line \"", Snippet(l), "\""));
      }
      reason = l.size() > sp + 5 ? std::string(l.substr(sp + 5)) : "";
      content_length = -1;
      for (int headers = 0;; ++headers) {
        if (headers > 200) return absl::UnavailableError(absl::StrCat(where, ": too many headers"));
        absl::StatusOr<std::string> h = conn.ReadLine(16 * 1024);
        if (!h.ok()) return fail(h.status());
        if (h->empty()) break;
        size_t colon = h->find(':');
        if (colon == std::string::npos) continue;
        if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(h->substr(0, colon)),
                                   "content-length")) {
          int64_t n = -1;
          if (absl::SimpleAtoi(absl::StripAsciiWhitespace(h->substr(colon + 1)), &n)) {
            content_length = n;
          }
        }
      }
      if (code >= 200) break;
    }
    if (code < 200) {
      return absl::UnavailableError(absl::StrCat(where, ": only interim HTTP answers"));
    }
    if (code < 300) return absl::OkStatus();

    // What the server says about the failure helps a person fix it; best effort, bounded.
    absl::StatusOr<std::string> said =
        content_length >= 0
            ? conn.ReadExactly(static_cast<size_t>(std::min<int64_t>(content_length, 512)))
            : conn.ReadUntilClose(512);
    std::string detail = said.ok() ? Snippet(*said) : "";
    std::string msg = absl::StrCat(where, ": HTTP ", code, reason.empty() ? "" : " ",
                                   Snippet(reason), detail.empty() ? "" : ": ", detail);
    if (code >= 500 || code == 429 || code == 408) return absl::UnavailableError(msg);
    return absl::FailedPreconditionError(msg);
  }

 private:
  const std::vector<std::string> allow_;
  const absl::Duration timeout_;
};

}  // namespace

std::string WebhookBody(const WebhookCall& call) {
  Json body;
  switch (call.format) {
    case v1::WEBHOOK_FORMAT_DINGTALK:
      body = {{"msgtype", "markdown"}, {"markdown", {{"title", call.title}, {"text", call.text}}}};
      break;
    case v1::WEBHOOK_FORMAT_WECOM:
      body = {{"msgtype", "markdown"}, {"markdown", {{"content", call.text}}}};
      break;
    default: {
      Json notice = Json::object();
      if (!call.notice_json.empty()) {
        notice = Json::parse(call.notice_json, /*cb=*/nullptr, /*allow_exceptions=*/false);
        // Not JSON (a caller's bug): kept as text rather than lost.
        if (notice.is_discarded()) notice = call.notice_json;
      }
      body = {{"notice", std::move(notice)}, {"title", call.title}, {"text", call.text}};
      break;
    }
  }
  return Dump(body);
}

absl::Status CheckWebhookUrl(absl::string_view url, const std::vector<std::string>& allow) {
  absl::StatusOr<Url> parsed = ParseUrl(url);
  if (!parsed.ok()) return parsed.status();
  if (!Allowed(*parsed, allow)) {
    return absl::PermissionDeniedError(
        absl::StrCat("webhook ", net::HostPort(parsed->host, parsed->port),
                     ": not on the webhook allow-list (--webhook_allow)"));
  }
  return absl::OkStatus();
}

std::unique_ptr<WebhookSender> NewHttpWebhookSender(std::vector<std::string> allow,
                                                    absl::Duration timeout) {
  return std::make_unique<HttpWebhookSender>(std::move(allow), timeout);
}

}  // namespace opsuite::notify
