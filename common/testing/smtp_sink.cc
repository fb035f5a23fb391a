#include "common/testing/smtp_sink.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace opsuite::testing {
namespace {

// "<a@b>" or "<a@b> SIZE=100" after "MAIL FROM:" / "RCPT TO:" → "a@b".
std::string PathArgument(absl::string_view rest) {
  rest = absl::StripAsciiWhitespace(rest);
  if (absl::StartsWith(rest, "<")) {
    size_t close = rest.find('>');
    if (close != absl::string_view::npos) return std::string(rest.substr(1, close - 1));
  }
  return std::string(rest.substr(0, rest.find(' ')));
}

// Undoes RFC 5321 §4.5.2 dot-stuffing: a leading "." of a line is dropped.
std::string Unstuff(absl::string_view data) {
  std::string out;
  out.reserve(data.size());
  bool line_start = true;
  for (size_t i = 0; i < data.size(); ++i) {
    if (line_start && data[i] == '.') {
      line_start = false;
      continue;
    }
    out.push_back(data[i]);
    line_start = data[i] == '\n';
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One encoded word "=?charset?enc?text?=" → its bytes; false when `word` is not one.
bool DecodeWord(absl::string_view word, std::string* out) {
  if (!absl::StartsWith(word, "=?") || !absl::EndsWith(word, "?=") || word.size() < 8) {
    return false;
  }
  std::vector<absl::string_view> parts =
      absl::StrSplit(word.substr(2, word.size() - 4), absl::MaxSplits('?', 2));
  if (parts.size() != 3) return false;
  if (absl::EqualsIgnoreCase(parts[1], "B")) {
    return absl::Base64Unescape(parts[2], out);
  }
  if (absl::EqualsIgnoreCase(parts[1], "Q")) {
    out->clear();
    absl::string_view t = parts[2];
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '_') {
        out->push_back(' ');
      } else if (t[i] == '=' && i + 2 < t.size() && HexValue(t[i + 1]) >= 0 &&
                 HexValue(t[i + 2]) >= 0) {
        out->push_back(static_cast<char>(HexValue(t[i + 1]) * 16 + HexValue(t[i + 2])));
        i += 2;
      } else {
        out->push_back(t[i]);
      }
    }
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SmtpSink>> SmtpSink::Start() {
  std::unique_ptr<SmtpSink> sink(new SmtpSink());
  SmtpSink* self = sink.get();
  absl::StatusOr<std::unique_ptr<TcpServer>> server =
      TcpServer::Start([self](TcpServer::Conn& c) { self->Serve(c); });
  if (!server.ok()) return server.status();
  sink->server_ = std::move(*server);
  return sink;
}

void SmtpSink::RejectRecipient(const std::string& address) {
  absl::MutexLock lock(&mu_);
  rejected_.insert(absl::AsciiStrToLower(address));
}

void SmtpSink::SetEhloSupported(bool supported) {
  absl::MutexLock lock(&mu_);
  ehlo_ = supported;
}

std::vector<SmtpMessage> SmtpSink::messages() const {
  absl::MutexLock lock(&mu_);
  return messages_;
}

std::vector<std::string> SmtpSink::commands() const {
  absl::MutexLock lock(&mu_);
  return commands_;
}

bool SmtpSink::WaitForMessages(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return messages_.size() >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void SmtpSink::Serve(TcpServer::Conn& conn) {
  if (!conn.Write("220 smtp-sink.test ESMTP ready\r\n")) return;
  SmtpMessage current;
  bool greeted = false;
  bool have_mail = false;
  for (;;) {
    std::optional<std::string> line = conn.ReadLine();
    if (!line) return;
    {
      absl::MutexLock lock(&mu_);
      commands_.push_back(*line);
    }
    absl::string_view l(*line);
    std::string verb = absl::AsciiStrToUpper(l.substr(0, l.find(' ')));
    absl::string_view arg = l.size() > verb.size() ? l.substr(verb.size() + 1) : "";
    std::string reply;
    if (verb == "EHLO") {
      bool ehlo;
      {
        absl::MutexLock lock(&mu_);
        ehlo = ehlo_;
      }
      if (ehlo) {
        greeted = true;
        current = SmtpMessage();
        current.helo = std::string(arg);
        have_mail = false;
        reply = "250-smtp-sink.test greets you\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n";
      } else {
        reply = "502 5.5.1 command not implemented\r\n";
      }
    } else if (verb == "HELO") {
      greeted = true;
      current = SmtpMessage();
      current.helo = std::string(arg);
      have_mail = false;
      reply = "250 smtp-sink.test\r\n";
    } else if (verb == "MAIL" && absl::StartsWithIgnoreCase(l, "MAIL FROM:")) {
      if (!greeted) {
        reply = "503 5.5.1 say EHLO or HELO first\r\n";
      } else {
        current.mail_from = PathArgument(l.substr(10));
        current.rcpt_to.clear();
        have_mail = true;
        reply = "250 2.1.0 ok\r\n";
      }
    } else if (verb == "RCPT" && absl::StartsWithIgnoreCase(l, "RCPT TO:")) {
      std::string to = PathArgument(l.substr(8));
      bool rejected;
      {
        absl::MutexLock lock(&mu_);
        rejected = rejected_.contains(absl::AsciiStrToLower(to));
      }
      if (!have_mail) {
        reply = "503 5.5.1 need MAIL first\r\n";
      } else if (rejected) {
        reply = "550 5.1.1 mailbox unavailable\r\n";
      } else {
        current.rcpt_to.push_back(to);
        reply = "250 2.1.5 ok\r\n";
      }
    } else if (verb == "DATA") {
      if (current.rcpt_to.empty()) {
        reply = "503 5.5.1 need RCPT first\r\n";
      } else {
        if (!conn.Write("354 end data with <CR><LF>.<CR><LF>\r\n")) return;
        std::string data;
        for (;;) {
          std::optional<std::string> d = conn.ReadLine();
          if (!d) return;
          if (*d == ".") break;
          absl::StrAppend(&data, *d, "\r\n");
        }
        current.message = Unstuff(data);
        current.data = std::move(data);
        {
          absl::MutexLock lock(&mu_);
          messages_.push_back(current);
        }
        std::string helo = current.helo;
        current = SmtpMessage();
        current.helo = std::move(helo);
        have_mail = false;
        reply = "250 2.0.0 ok: queued\r\n";
      }
    } else if (verb == "RSET") {
      std::string helo = current.helo;
      current = SmtpMessage();
      current.helo = std::move(helo);
      have_mail = false;
      reply = "250 2.0.0 ok\r\n";
    } else if (verb == "NOOP") {
      reply = "250 2.0.0 ok\r\n";
    } else if (verb == "QUIT") {
      conn.Write("221 2.0.0 bye\r\n");
      return;
    } else {
      reply = "502 5.5.2 command not recognized\r\n";
    }
    if (!conn.Write(reply)) return;
  }
}

std::string HeaderValue(absl::string_view message, absl::string_view name) {
  size_t end = message.find("\r\n\r\n");
  absl::string_view head = message.substr(0, end == absl::string_view::npos ? message.size() : end);
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos || lines[i].empty() || lines[i][0] == ' ' ||
        lines[i][0] == '\t') {
      continue;
    }
    if (!absl::EqualsIgnoreCase(lines[i].substr(0, colon), name)) continue;
    std::string value(absl::StripLeadingAsciiWhitespace(lines[i].substr(colon + 1)));
    for (size_t j = i + 1;
         j < lines.size() && !lines[j].empty() && (lines[j][0] == ' ' || lines[j][0] == '\t');
         ++j) {
      absl::StrAppend(&value, lines[j]);
    }
    return value;
  }
  return "";
}

std::string DecodeHeaderWords(absl::string_view value) {
  std::string out;
  std::string pending_space;  // whitespace after an encoded word: dropped if another follows
  bool last_was_word = false;
  size_t i = 0;
  while (i < value.size()) {
    if (value[i] == ' ' || value[i] == '\t' || value[i] == '\r' || value[i] == '\n') {
      pending_space.push_back(value[i]);
      ++i;
      continue;
    }
    size_t end = value.find_first_of(" \t\r\n", i);
    if (end == absl::string_view::npos) end = value.size();
    absl::string_view token = value.substr(i, end - i);
    std::string decoded;
    bool is_word = DecodeWord(token, &decoded);
    if (!(is_word && last_was_word)) out.append(pending_space);
    pending_space.clear();
    out.append(is_word ? decoded : std::string(token));
    last_was_word = is_word;
    i = end;
  }
  out.append(pending_space);
  return out;
}

std::string DecodeBase64Body(absl::string_view message) {
  size_t start = message.find("\r\n\r\n");
  if (start == absl::string_view::npos) return "";
  std::string b64;
  for (char c : message.substr(start + 4)) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') b64.push_back(c);
  }
  std::string out;
  if (!absl::Base64Unescape(b64, &out)) return "";
  return out;
}

}  // namespace opsuite::testing
