#include "services/crm/domain/credit_rules.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::crm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// ---- FormatMoney ----------------------------------------------------------------------------

TEST(FormatMoneyTest, TwoDecimalsAndThousandsSeparators) {
  EXPECT_EQ(FormatMoney(0), "0.00");
  EXPECT_EQ(FormatMoney(5), "0.05");
  EXPECT_EQ(FormatMoney(10), "0.10");
  EXPECT_EQ(FormatMoney(99), "0.99");
  EXPECT_EQ(FormatMoney(100), "1.00");
  EXPECT_EQ(FormatMoney(99999), "999.99");
  EXPECT_EQ(FormatMoney(100000), "1,000.00");
  EXPECT_EQ(FormatMoney(5000000), "50,000.00");
  EXPECT_EQ(FormatMoney(123456789), "1,234,567.89");
  EXPECT_EQ(FormatMoney(100000000000), "1,000,000,000.00");
}

TEST(FormatMoneyTest, Negative) {
  EXPECT_EQ(FormatMoney(-1), "-0.01");
  EXPECT_EQ(FormatMoney(-123), "-1.23");
  EXPECT_EQ(FormatMoney(-123456789), "-1,234,567.89");
}

TEST(FormatMoneyTest, Extremes) {
  EXPECT_EQ(FormatMoney(kMax), "92,233,720,368,547,758.07");
  EXPECT_EQ(FormatMoney(kMin), "-92,233,720,368,547,758.08");
}

// ---- CheckCredit ----------------------------------------------------------------------------

TEST(CheckCreditTest, WithinTheLimit) {
  EXPECT_TRUE(CheckCredit(5000000, 0, 1000000, "CNY").ok());
  EXPECT_TRUE(CheckCredit(5000000, 4000000, 1000000, "CNY").ok());  // exactly the limit
}

TEST(CheckCreditTest, OverTheLimitGivesTheNumbers) {
  const absl::Status s = CheckCredit(5000000, 4500000, 800000, "CNY");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "credit limit 50,000.00 CNY exceeded: open receivables 45,000.00 + this order "
            "8,000.00 = 53,000.00");
}

TEST(CheckCreditTest, OneCentOver) {
  EXPECT_EQ(CheckCredit(5000000, 4000000, 1000001, "CNY").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CheckCreditTest, EmptyCurrencyReadsAsCny) {
  EXPECT_THAT(std::string(CheckCredit(100, 0, 200, "").message()), HasSubstr("1.00 CNY"));
  EXPECT_THAT(std::string(CheckCredit(100, 0, 200, "USD").message()), HasSubstr("1.00 USD"));
}

TEST(CheckCreditTest, ZeroLimitIsNotChecked) {
  EXPECT_TRUE(CheckCredit(0, 0, 100, "CNY").ok());
  EXPECT_TRUE(CheckCredit(0, kMax, kMax, "CNY").ok());
}

TEST(CheckCreditTest, NegativeLimitRefusesEverything) {
  EXPECT_EQ(CheckCredit(-1, 0, 1, "CNY").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(CheckCreditTest, OverflowSafe) {
  const absl::Status s = CheckCredit(kMax, kMax, kMax, "CNY");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  // The sum is exact, not wrapped around.
  EXPECT_THAT(std::string(s.message()), HasSubstr("= 184,467,440,737,095,516.14"));
  EXPECT_EQ(CheckCredit(kMax, kMax - 1, 1, "CNY"), absl::OkStatus());
}

TEST(CheckCreditTest, AmountMustBePositive) {
  for (int64_t amount : {int64_t{0}, int64_t{-1}, kMin}) {
    const absl::Status s = CheckCredit(5000000, 0, amount, "CNY");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << amount;
    EXPECT_THAT(ViolatedFields(s), ElementsAre("amount"));
  }
}

// ---- CheckPayment ---------------------------------------------------------------------------

TEST(CheckPaymentTest, UpToWhatIsOpen) {
  EXPECT_TRUE(CheckPayment(100, 1000, 0).ok());
  EXPECT_TRUE(CheckPayment(1000, 1000, 0).ok());   // the whole order at once
  EXPECT_TRUE(CheckPayment(500, 1000, 500).ok());  // the rest
}

TEST(CheckPaymentTest, OverPaymentIsInvalidArgumentOnAmount) {
  const absl::Status s = CheckPayment(60000, 500000, 450000);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(s), ElementsAre("amount"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("600.00 exceeds what is still open on the order: 5,000.00 - 4,500.00 "
                        "paid = 500.00"));
}

TEST(CheckPaymentTest, FullyPaidOrderTakesNoMore) {
  const absl::Status s = CheckPayment(1, 1000, 1000);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(s), ElementsAre("amount"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("already paid in full"));
}

TEST(CheckPaymentTest, AmountMustBePositive) {
  for (int64_t amount : {int64_t{0}, int64_t{-500}}) {
    const absl::Status s = CheckPayment(amount, 1000, 0);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(ViolatedFields(s), ElementsAre("amount"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("more than 0"));
  }
}

TEST(CheckPaymentTest, OverflowSafe) {
  EXPECT_EQ(CheckPayment(kMax, kMax, kMin).code(), absl::StatusCode::kOk);  // open > int64
  EXPECT_EQ(CheckPayment(1, kMin, kMax).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace opsuite::crm
