// SMTP email (RFC 5321) with a MIME HTML body (RFC 2045) and RFC 2047 encoded headers.
//
// Error codes: a 4xx reply, a connection or protocol fault, a timeout: UNAVAILABLE (worth
// retrying); a 5xx reply: FAILED_PRECONDITION (the server refuses for good, e.g. "550 mailbox
// unavailable"); an address the message cannot carry: INVALID_ARGUMENT. Messages name the
// server and the step: "smtp 127.0.0.1:2525: RCPT TO <a@b>: 550 5.1.1 mailbox unavailable".
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/notify/channels/channels.h"
#include "services/notify/channels/net.h"

namespace opsuite::notify {
namespace {

constexpr size_t kMaxWordChars = 75;                     // RFC 2047 §2
constexpr absl::string_view kWordPrefix = "=?UTF-8?B?";  // 10
constexpr absl::string_view kWordSuffix = "?=";          // 2
// Bytes whose base64 fits a word: 4 * ceil(n / 3) <= 75 - 12 → n <= 45.
constexpr size_t kMaxWordBytes = (kMaxWordChars - 12) / 4 * 3;

bool IsPrintableAscii(absl::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// A phrase (display name): as is when it is plain words, quoted when it has specials,
// encoded (RFC 2047) when it is not printable ASCII.
std::string Phrase(const std::string& name) {
  if (!IsPrintableAscii(name) || name.find("=?") != std::string::npos) {
    return EncodeHeaderWord(name);
  }
  if (name.find_first_of("()<>[]:;@\\,.\"") == std::string::npos) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// An address a command and a header can carry: no spaces, controls, angle brackets.
bool IsPlainAddress(absl::string_view a) {
  if (a.empty() || a.size() > 254) return false;
  for (char c : a) {
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
        c == ';') {
      return false;
    }
  }
  return true;
}

struct Mailbox {
  std::string name;
  std::string address;
};

// "opsuite <noreply@example.com>", "\"Ops Suite\" <a@b>" or "a@b".
Mailbox ParseMailbox(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  Mailbox m;
  size_t lt = text.rfind('<');
  if (lt != absl::string_view::npos && !text.empty() && text.back() == '>') {
    m.address = std::string(absl::StripAsciiWhitespace(text.substr(lt + 1, text.size() - lt - 2)));
    absl::string_view name = absl::StripAsciiWhitespace(text.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    m.name = std::string(name);
  } else {
    m.address = std::string(text);
  }
  return m;
}

std::string MailboxHeader(const std::string& name, const std::string& address) {
  if (name.empty()) return address;
  return absl::StrCat(Phrase(name), " <", address, ">");
}

// Message-ID: "<id>" from the caller's id (made safe), or a fresh one.
std::string MessageIdHeader(const std::string& id, const std::string& domain) {
  static std::atomic<uint64_t> counter{0};
  std::string clean;
  for (char c : id) {
    if (c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\\') clean.push_back(c);
  }
  if (clean.empty()) {
    clean = absl::StrCat("opsuite.", absl::ToUnixNanos(absl::Now()), ".", counter.fetch_add(1));
  }
  if (clean.find('@') == std::string::npos) absl::StrAppend(&clean, "@", domain);
  return absl::StrCat("<", clean, ">");
}

// base64 in lines of 76 characters, each ending CRLF (RFC 2045 §6.8).
std::string Base64Lines(absl::string_view data) {
  std::string b64 = absl::Base64Escape(data);
  std::string out;
  out.reserve(b64.size() + b64.size() / 76 * 2 + 2);
  for (size_t i = 0; i < b64.size(); i += 76) {
    absl::StrAppend(&out, absl::string_view(b64).substr(i, 76), "\r\n");
  }
  return out;
}

struct Reply {
  int code = 0;
  std::string text;  // the lines' texts joined by " "
};

class SmtpSender : public EmailSender {
 public:
  explicit SmtpSender(SmtpOptions options)
      : options_(std::move(options)),
        where_(absl::StrCat("smtp ", net::HostPort(options_.host, options_.port))) {}

  absl::Status Send(const Email& email) override {
    Mailbox from = ParseMailbox(email.from);
    if (!IsPlainAddress(from.address) || from.address.find('@') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where_, ": bad sender address \"", email.from, "\""));
    }
    const std::string to(absl::StripAsciiWhitespace(email.to));
    if (!IsPlainAddress(to) || to.find('@') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where_, ": bad recipient address \"", email.to, "\""));
    }

    absl::StatusOr<net::Conn> dialed =
        net::Conn::Dial(options_.host, options_.port, options_.timeout);
    if (!dialed.ok()) return Prefix(dialed.status());
    net::Conn& conn = *dialed;

    absl::Status s = Expect(conn, "greeting", {220});
    if (!s.ok()) return s;
    absl::StatusOr<Reply> ehlo = Command(conn, absl::StrCat("EHLO ", Helo()));
    if (!ehlo.ok()) return ehlo.status();
    if (ehlo->code != 250) {
      // An old server that does not know EHLO answers 500/502 (or anything 5xx): say HELO.
      if (ehlo->code / 100 != 5) return Unexpected("EHLO", *ehlo);
      s = Step(conn, absl::StrCat("HELO ", Helo()), "HELO", {250});
      if (!s.ok()) return s;
    }
    s = Step(conn, absl::StrCat("MAIL FROM:<", from.address, ">"),
             absl::StrCat("MAIL FROM <", from.address, ">"), {250});
    if (!s.ok()) return s;
    s = Step(conn, absl::StrCat("RCPT TO:<", to, ">"), absl::StrCat("RCPT TO <", to, ">"),
             {250, 251});
    if (!s.ok()) return s;
    s = Step(conn, "DATA", "DATA", {354});
    if (!s.ok()) return s;
    std::string message = BuildMessage(email, from, to);
    s = conn.WriteAll(absl::StrCat(DotStuff(message), ".\r\n"));
    if (!s.ok()) return Prefix(s);
    s = Expect(conn, "end of DATA", {250});
    if (!s.ok()) return s;
    // The message is accepted; a failed QUIT does not change that.
    if (conn.WriteAll("QUIT\r\n").ok()) (void)ReadReply(conn);
    return absl::OkStatus();
  }

 private:
  std::string Helo() const {
    std::string h(absl::StripAsciiWhitespace(options_.helo));
    if (h.empty() || !IsPlainAddress(h)) h = "opsuite";
    return h;
  }

  std::string BuildMessage(const Email& email, const Mailbox& from, const std::string& to) const {
    std::string domain = from.address.substr(from.address.rfind('@') + 1);
    std::string m;
    absl::StrAppend(&m, "From: ", MailboxHeader(from.name, from.address), "\r\n");
    absl::StrAppend(&m, "To: ", MailboxHeader(email.to_name, to), "\r\n");
    absl::StrAppend(&m, "Subject: ", EncodeHeaderWord(email.subject), "\r\n");
    absl::StrAppend(
        &m,
        "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::Now(), absl::UTCTimeZone()),
        "\r\n");
    absl::StrAppend(&m, "Message-ID: ", MessageIdHeader(email.message_id, domain), "\r\n");
    absl::StrAppend(&m, "MIME-Version: 1.0\r\n");
    absl::StrAppend(&m, "Content-Type: text/html; charset=UTF-8\r\n");
    absl::StrAppend(&m, "Content-Transfer-Encoding: base64\r\n");
    absl::StrAppend(&m, "\r\n");
    absl::StrAppend(&m, Base64Lines(email.html_body));
    return m;
  }

  absl::Status Prefix(const absl::Status& s) const {
    return absl::Status(s.code(), absl::StrCat(where_, ": ", s.message()));
  }

  absl::Status Unexpected(absl::string_view step, const Reply& r) const {
    std::string msg = absl::StrCat(where_, ": ", step, ": ", r.code, " ", r.text);
    if (r.code / 100 == 5) return absl::FailedPreconditionError(msg);
    return absl::UnavailableError(msg);
  }

  // A reply: lines "250-..." continue, "250 ..." (or a bare "250") ends it.
  absl::StatusOr<Reply> ReadReply(net::Conn& conn) const {
    Reply r;
    std::vector<std::string> texts;
    for (int lines = 0; lines < 1000; ++lines) {
      absl::StatusOr<std::string> line = conn.ReadLine();
      if (!line.ok()) return Prefix(line.status());
      int code = 0;
      if (line->size() < 3 || !absl::SimpleAtoi(line->substr(0, 3), &code) || code < 100 ||
          code > 599 || (line->size() > 3 && (*line)[3] != '-' && (*line)[3] != ' ')) {
        return absl::UnavailableError(
            absl::StrCat(where_, ": malformed reply \"", line->substr(0, 200), "\""));
      }
      if (r.code != 0 && code != r.code) {
        return absl::UnavailableError(
            absl::StrCat(where_, ": malformed multi-line reply (", r.code, " then ", code, ")"));
      }
      r.code = code;
      if (line->size() > 4) texts.push_back(line->substr(4));
      if (line->size() == 3 || (*line)[3] == ' ') {
        r.text = absl::StrJoin(texts, " ");
        return r;
      }
    }
    return absl::UnavailableError(absl::StrCat(where_, ": a reply of more than 1000 lines"));
  }

  absl::Status Expect(net::Conn& conn, absl::string_view step,
                      std::initializer_list<int> want) const {
    absl::StatusOr<Reply> r = ReadReply(conn);
    if (!r.ok()) return r.status();
    for (int w : want) {
      if (r->code == w) return absl::OkStatus();
    }
    return Unexpected(step, *r);
  }

  absl::StatusOr<Reply> Command(net::Conn& conn, absl::string_view line) const {
    absl::Status s = conn.WriteAll(absl::StrCat(line, "\r\n"));
    if (!s.ok()) return Prefix(s);
    return ReadReply(conn);
  }

  absl::Status Step(net::Conn& conn, absl::string_view line, absl::string_view step,
                    std::initializer_list<int> want) const {
    absl::Status s = conn.WriteAll(absl::StrCat(line, "\r\n"));
    if (!s.ok()) return Prefix(s);
    return Expect(conn, step, want);
  }

  const SmtpOptions options_;
  const std::string where_;
};

}  // namespace

std::string EncodeHeaderWord(const std::string& utf8) {
  if (IsPrintableAscii(utf8) && utf8.find("=?") == std::string::npos) return utf8;
  std::vector<std::string> words;
  absl::string_view rest(utf8);
  while (!rest.empty()) {
    size_t n = std::min(kMaxWordBytes, rest.size());
    if (n < rest.size()) {
      // Back off to the start of a character (at most 3 continuation bytes); a malformed
      // run longer than that is cut where it is.
      size_t cut = n;
      while (cut > n - 3 && cut > 0 && IsContinuationByte(rest[cut])) --cut;
      if (cut > 0 && !IsContinuationByte(rest[cut])) n = cut;
    }
    words.push_back(absl::StrCat(kWordPrefix, absl::Base64Escape(rest.substr(0, n)), kWordSuffix));
    rest.remove_prefix(n);
  }
  // Folded: CRLF SP between words keeps each header line short (RFC 2047 §2, RFC 5322 §2.2.3);
  // the whitespace between adjacent encoded words is not part of the decoded text.
  return absl::StrJoin(words, "\r\n ");
}

std::string DotStuff(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 64 + 4);
  bool line_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out.append("\r\n");
      line_start = true;
      continue;
    }
    if (line_start && c == '.') out.push_back('.');
    out.push_back(c);
    line_start = false;
  }
  if (!line_start) out.append("\r\n");
  return out;
}

std::unique_ptr<EmailSender> NewSmtpSender(SmtpOptions options) {
  return std::make_unique<SmtpSender>(std::move(options));
}

}  // namespace opsuite::notify
