#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/ports.h"
#include "common/testing/smtp_sink.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/notify/channels/channels.h"

namespace opsuite::notify {
namespace {

using ::opsuite::testing::DecodeBase64Body;
using ::opsuite::testing::DecodeHeaderWords;
using ::opsuite::testing::HeaderValue;
using ::opsuite::testing::SmtpMessage;
using ::opsuite::testing::SmtpSink;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class SmtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SmtpSink>> sink = SmtpSink::Start();
    ASSERT_TRUE(sink.ok()) << sink.status();
    sink_ = std::move(*sink);
    SmtpOptions options;
    options.host = "127.0.0.1";
    options.port = sink_->port();
    options.helo = "notify.test";
    options.timeout = absl::Seconds(5);
    sender_ = NewSmtpSender(options);
  }

  Email Sample() {
    Email e;
    e.from = "opsuite <noreply@opsuite.test>";
    e.to = "zhangsan@example.com";
    e.to_name = "张三";
    e.subject = "目标卡被退回";
    e.html_body = "<p>张三，您好：</p>\n<p>原因：指标需量化。</p>\n";
    e.message_id = "ntc_123.email";
    return e;
  }

  std::unique_ptr<SmtpSink> sink_;
  std::unique_ptr<EmailSender> sender_;
};

TEST_F(SmtpTest, DeliversAChineseMessage) {
  Email e = Sample();
  absl::Status s = sender_->Send(e);
  ASSERT_TRUE(s.ok()) << s;
  std::vector<SmtpMessage> got = sink_->messages();
  ASSERT_EQ(got.size(), 1u);
  const SmtpMessage& m = got[0];
  EXPECT_EQ(m.helo, "notify.test");
  EXPECT_EQ(m.mail_from, "noreply@opsuite.test");
  EXPECT_THAT(m.rcpt_to, ElementsAre("zhangsan@example.com"));

  // Headers.
  std::string subject = HeaderValue(m.message, "Subject");
  EXPECT_THAT(subject, StartsWith("=?UTF-8?B?"));
  EXPECT_EQ(DecodeHeaderWords(subject), "目标卡被退回");
  EXPECT_EQ(HeaderValue(m.message, "From"), "opsuite <noreply@opsuite.test>");
  EXPECT_EQ(DecodeHeaderWords(HeaderValue(m.message, "To")), "张三 <zhangsan@example.com>");
  EXPECT_EQ(HeaderValue(m.message, "Message-ID"), "<ntc_123.email@opsuite.test>");
  EXPECT_EQ(HeaderValue(m.message, "MIME-Version"), "1.0");
  EXPECT_EQ(HeaderValue(m.message, "Content-Type"), "text/html; charset=UTF-8");
  EXPECT_EQ(HeaderValue(m.message, "Content-Transfer-Encoding"), "base64");
  EXPECT_FALSE(HeaderValue(m.message, "Date").empty());

  // Body: base64 in lines of at most 76 characters, CRLF everywhere.
  EXPECT_EQ(DecodeBase64Body(m.message), e.html_body);
  std::string body = m.message.substr(m.message.find("\r\n\r\n") + 4);
  for (absl::string_view line : absl::StrSplit(body, "\r\n")) EXPECT_LE(line.size(), 76u);
  for (size_t i = 0; i < m.data.size(); ++i) {
    if (m.data[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(m.data[i - 1], '\r') << "bare LF at " << i;
    }
  }

  // The conversation: EHLO first, QUIT last.
  std::vector<std::string> commands = sink_->commands();
  ASSERT_FALSE(commands.empty());
  EXPECT_EQ(commands.front(), "EHLO notify.test");
  EXPECT_EQ(commands.back(), "QUIT");
}

TEST_F(SmtpTest, LongBodyIsWrappedAndDecodesBack) {
  Email e = Sample();
  e.html_body.clear();
  for (int i = 0; i < 200; ++i) absl::StrAppend(&e.html_body, "<p>第", i, "行 line ", i, "</p>\n");
  ASSERT_TRUE(sender_->Send(e).ok());
  std::vector<SmtpMessage> got = sink_->messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(DecodeBase64Body(got[0].message), e.html_body);
  std::string body = got[0].message.substr(got[0].message.find("\r\n\r\n") + 4);
  std::vector<absl::string_view> lines = absl::StrSplit(body, "\r\n", absl::SkipEmpty());
  ASSERT_GT(lines.size(), 10u);
  for (size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 76u);
}

TEST_F(SmtpTest, BodyLinesStartingWithADotSurvive) {
  Email e = Sample();
  e.html_body = ".hidden\n.\n..two\nend";
  ASSERT_TRUE(sender_->Send(e).ok());
  std::vector<SmtpMessage> got = sink_->messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(DecodeBase64Body(got[0].message), e.html_body);
}

TEST(DotStuffTest, DoublesLeadingDotsAndMakesCrlf) {
  EXPECT_EQ(DotStuff(".hidden\r\n.\r\nmid.dle\r\n..two\n"),
            "..hidden\r\n..\r\nmid.dle\r\n...two\r\n");
  EXPECT_EQ(DotStuff("a\nb\rc"), "a\r\nb\r\nc\r\n");
  EXPECT_EQ(DotStuff(".start"), "..start\r\n");
  EXPECT_EQ(DotStuff(""), "");
}

TEST_F(SmtpTest, DotStuffedOnTheWire) {
  // What went over the wire between DATA and "." is exactly DotStuff(message).
  ASSERT_TRUE(sender_->Send(Sample()).ok());
  std::vector<SmtpMessage> got = sink_->messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, DotStuff(got[0].message));
}

TEST_F(SmtpTest, RejectedRecipientNamesTheCode) {
  sink_->RejectRecipient("gone@example.com");
  Email e = Sample();
  e.to = "gone@example.com";
  absl::Status s = sender_->Send(e);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("550"));
  EXPECT_THAT(s.message(), HasSubstr("mailbox unavailable"));
  EXPECT_THAT(s.message(), HasSubstr("RCPT TO <gone@example.com>"));
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("smtp 127.0.0.1:", sink_->port())));
  EXPECT_TRUE(sink_->messages().empty());
}

TEST_F(SmtpTest, FallsBackToHelo) {
  sink_->SetEhloSupported(false);
  ASSERT_TRUE(sender_->Send(Sample()).ok());
  EXPECT_EQ(sink_->messages().size(), 1u);
  std::vector<std::string> commands = sink_->commands();
  ASSERT_GE(commands.size(), 2u);
  EXPECT_EQ(commands[0], "EHLO notify.test");
  EXPECT_EQ(commands[1], "HELO notify.test");
}

TEST_F(SmtpTest, SeveralMessagesInARow) {
  for (int i = 0; i < 3; ++i) {
    Email e = Sample();
    e.subject = absl::StrCat("Plain subject ", i);
    ASSERT_TRUE(sender_->Send(e).ok());
  }
  ASSERT_TRUE(sink_->WaitForMessages(3, absl::Seconds(5)));
  std::vector<SmtpMessage> got = sink_->messages();
  EXPECT_EQ(HeaderValue(got[2].message, "Subject"), "Plain subject 2");
  EXPECT_EQ(sink_->connections(), 3);
}

TEST_F(SmtpTest, BadAddressesAreRefusedBeforeConnecting) {
  Email e = Sample();
  e.to = "victim@example.com>\r\nRCPT TO:<other@example.com";
  absl::Status s = sender_->Send(e);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  e = Sample();
  e.from = "not an address";
  s = sender_->Send(e);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(sink_->connections(), 0);
}

TEST(SmtpConnectTest, ConnectionRefusedIsUnavailable) {
  SmtpOptions options;
  options.host = "127.0.0.1";
  options.port = FreePort();  // nothing listens there
  options.timeout = absl::Seconds(2);
  Email e;
  e.from = "a@b.test";
  e.to = "c@d.test";
  e.subject = "x";
  e.html_body = "y";
  absl::Status s = NewSmtpSender(options)->Send(e);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("smtp 127.0.0.1:", options.port)));
  EXPECT_THAT(s.message(), HasSubstr("refused"));
}

TEST(EncodeHeaderWordTest, AsciiIsKept) {
  EXPECT_EQ(EncodeHeaderWord("Goal card returned"), "Goal card returned");
  EXPECT_EQ(EncodeHeaderWord(""), "");
}

TEST(EncodeHeaderWordTest, NonAsciiIsEncoded) {
  std::string w = EncodeHeaderWord("目标卡被退回");
  EXPECT_EQ(w, "=?UTF-8?B?" + absl::Base64Escape("目标卡被退回") + "?=");
  EXPECT_EQ(DecodeHeaderWords(w), "目标卡被退回");
  // Controls (a header injection attempt) are encoded too.
  std::string injected = EncodeHeaderWord("hi\r\nBcc: x@y");
  EXPECT_EQ(injected.find("\r\nBcc"), std::string::npos);
  EXPECT_EQ(DecodeHeaderWords(injected), "hi\r\nBcc: x@y");
}

TEST(EncodeHeaderWordTest, LongSubjectsSplitOnCharacterBoundaries) {
  std::string subject;
  for (int i = 0; i < 20; ++i) subject += "目标卡被退回：请修改后重新提交 😀 ";
  std::string encoded = EncodeHeaderWord(subject);
  std::vector<std::string> words = absl::StrSplit(encoded, "\r\n ");
  ASSERT_GT(words.size(), 5u);
  for (const std::string& word : words) {
    EXPECT_LE(word.size(), 75u) << word;
    ASSERT_THAT(word, StartsWith("=?UTF-8?B?"));
    ASSERT_TRUE(absl::EndsWith(word, "?="));
    // Each word is whole UTF-8 by itself: its first byte is not a continuation byte and
    // it does not end in the middle of a character.
    std::string bytes;
    ASSERT_TRUE(absl::Base64Unescape(word.substr(10, word.size() - 12), &bytes));
    ASSERT_FALSE(bytes.empty());
    EXPECT_NE(static_cast<unsigned char>(bytes[0]) & 0xC0, 0x80);
    size_t i = 0;
    while (i < bytes.size()) {
      unsigned char c = static_cast<unsigned char>(bytes[i]);
      size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
      i += len;
    }
    EXPECT_EQ(i, bytes.size()) << "a character split across words";
  }
  EXPECT_EQ(DecodeHeaderWords(encoded), subject);
}

TEST_F(SmtpTest, LongChineseSubjectRoundTrips) {
  Email e = Sample();
  e.subject = "";
  for (int i = 0; i < 8; ++i) e.subject += "目标卡被退回：请修改后重新提交。";
  ASSERT_TRUE(sender_->Send(e).ok());
  std::vector<SmtpMessage> got = sink_->messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(DecodeHeaderWords(HeaderValue(got[0].message, "Subject")), e.subject);
}

}  // namespace
}  // namespace opsuite::notify
