#include "services/crm/domain/sales_stats.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::crm {
namespace {

using D = absl::CivilDay;

const DateRange kMarch{D(2026, 3, 1), D(2026, 3, 31)};

OrderFacts Order(std::string line, int64_t amount, D signed_on,
                 std::vector<PaymentFacts> payments = {}) {
  return OrderFacts{std::move(line), amount, signed_on, std::move(payments)};
}

const v1::ProductLineStats* Line(const v1::SalesStats& stats, const std::string& name) {
  for (const auto& line : stats.product_lines()) {
    if (line.product_line() == name) return &line;
  }
  return nullptr;
}

TEST(SalesStatsTest, NoOrders) {
  const v1::SalesStats stats = ComputeSalesStats({}, kMarch);
  EXPECT_EQ(stats.signed_count(), 0);
  EXPECT_EQ(stats.signed_amount(), 0);
  EXPECT_EQ(stats.received_amount(), 0);
  EXPECT_EQ(stats.settled_signed_amount(), 0);
  EXPECT_EQ(stats.product_lines_size(), 0);
  EXPECT_TRUE(stats.employee_id().empty());  // the caller's
  EXPECT_FALSE(stats.has_period());
}

TEST(SalesStatsTest, SignedAndPaidInFullInThePeriodIsSettled) {
  const v1::SalesStats stats = ComputeSalesStats(
      {Order("central_ac", 100000, D(2026, 3, 5), {{100000, D(2026, 3, 20)}})}, kMarch);
  EXPECT_EQ(stats.signed_count(), 1);
  EXPECT_EQ(stats.signed_amount(), 100000);
  EXPECT_EQ(stats.received_amount(), 100000);
  EXPECT_EQ(stats.settled_signed_amount(), 100000);
}

TEST(SalesStatsTest, PartialPaymentsAreReceivedButNotSettled) {
  const v1::SalesStats stats =
      ComputeSalesStats({Order("central_ac", 100000, D(2026, 3, 5),
                               {{30000, D(2026, 3, 6)}, {40000, D(2026, 3, 25)}})},
                        kMarch);
  EXPECT_EQ(stats.signed_amount(), 100000);
  EXPECT_EQ(stats.received_amount(), 70000);
  EXPECT_EQ(stats.settled_signed_amount(), 0);
}

TEST(SalesStatsTest, PartialPaymentsAddingUpToTheAmountSettle) {
  const v1::SalesStats stats = ComputeSalesStats(
      {Order("central_ac", 100000, D(2026, 3, 5),
             {{30000, D(2026, 3, 6)}, {70000, D(2026, 3, 31)}})},  // the last day counts
      kMarch);
  EXPECT_EQ(stats.received_amount(), 100000);
  EXPECT_EQ(stats.settled_signed_amount(), 100000);
}

TEST(SalesStatsTest, PaymentAfterThePeriodEndDoesNotSettle) {
  const v1::SalesStats stats =
      ComputeSalesStats({Order("central_ac", 100000, D(2026, 3, 5),
                               {{50000, D(2026, 3, 10)}, {50000, D(2026, 4, 1)}})},
                        kMarch);
  EXPECT_EQ(stats.signed_count(), 1);
  EXPECT_EQ(stats.received_amount(), 50000);
  EXPECT_EQ(stats.settled_signed_amount(), 0);

  // In April the order is not signed in the period: received, never settled there.
  const v1::SalesStats april =
      ComputeSalesStats({Order("central_ac", 100000, D(2026, 3, 5),
                               {{50000, D(2026, 3, 10)}, {50000, D(2026, 4, 1)}})},
                        DateRange{D(2026, 4, 1), D(2026, 4, 30)});
  EXPECT_EQ(april.signed_count(), 0);
  EXPECT_EQ(april.signed_amount(), 0);
  EXPECT_EQ(april.received_amount(), 50000);
  EXPECT_EQ(april.settled_signed_amount(), 0);
}

TEST(SalesStatsTest, SignedBeforeThePeriodPaidInsideIsReceivedNotSettled) {
  const v1::SalesStats stats = ComputeSalesStats(
      {Order("floor_heating", 80000, D(2026, 2, 20), {{80000, D(2026, 3, 3)}})}, kMarch);
  EXPECT_EQ(stats.signed_count(), 0);
  EXPECT_EQ(stats.signed_amount(), 0);
  EXPECT_EQ(stats.received_amount(), 80000);
  EXPECT_EQ(stats.settled_signed_amount(), 0);
  ASSERT_EQ(stats.product_lines_size(), 1);
  EXPECT_EQ(stats.product_lines(0).product_line(), "floor_heating");
}

TEST(SalesStatsTest, DepositBeforeSigningCountsTowardsSettlement) {
  const v1::SalesStats stats = ComputeSalesStats(
      {Order("central_ac", 100000, D(2026, 3, 2),
             {{20000, D(2026, 2, 25)}, {80000, D(2026, 3, 15)}})},  // 定金 in February
      kMarch);
  EXPECT_EQ(stats.received_amount(), 80000);  // only March's payment was received in March
  EXPECT_EQ(stats.settled_signed_amount(), 100000);
}

TEST(SalesStatsTest, OrdersOutsideThePeriodWithNoPaymentsInsideAreLeftOut) {
  const v1::SalesStats stats =
      ComputeSalesStats({Order("central_ac", 100000, D(2026, 2, 1), {{100000, D(2026, 2, 2)}}),
                         Order("water", 5000, D(2026, 4, 1))},
                        kMarch);
  EXPECT_EQ(stats.product_lines_size(), 0);
  EXPECT_EQ(stats.signed_count(), 0);
}

TEST(SalesStatsTest, PerProductLineSortedWithTotals) {
  const v1::SalesStats stats = ComputeSalesStats(
      {
          Order("water_purification", 20000, D(2026, 3, 1), {{20000, D(2026, 3, 1)}}),
          Order("central_ac", 300000, D(2026, 3, 10), {{100000, D(2026, 3, 11)}}),
          Order("central_ac", 200000, D(2026, 3, 31), {{200000, D(2026, 3, 31)}}),
          Order("floor_heating", 50000, D(2026, 2, 28), {{50000, D(2026, 3, 2)}}),
          Order("central_ac", 999999, D(2026, 4, 1)),  // after the period
      },
      kMarch);
  ASSERT_EQ(stats.product_lines_size(), 3);
  EXPECT_EQ(stats.product_lines(0).product_line(), "central_ac");
  EXPECT_EQ(stats.product_lines(1).product_line(), "floor_heating");
  EXPECT_EQ(stats.product_lines(2).product_line(), "water_purification");

  const v1::ProductLineStats* ac = Line(stats, "central_ac");
  ASSERT_NE(ac, nullptr);
  EXPECT_EQ(ac->signed_count(), 2);
  EXPECT_EQ(ac->signed_amount(), 500000);
  EXPECT_EQ(ac->received_amount(), 300000);
  EXPECT_EQ(ac->settled_signed_amount(), 200000);

  const v1::ProductLineStats* heating = Line(stats, "floor_heating");
  ASSERT_NE(heating, nullptr);
  EXPECT_EQ(heating->signed_count(), 0);
  EXPECT_EQ(heating->received_amount(), 50000);
  EXPECT_EQ(heating->settled_signed_amount(), 0);

  EXPECT_EQ(stats.signed_count(), 3);
  EXPECT_EQ(stats.signed_amount(), 520000);
  EXPECT_EQ(stats.received_amount(), 370000);
  EXPECT_EQ(stats.settled_signed_amount(), 220000);
}

TEST(SalesStatsTest, PeriodBoundariesAreInclusive) {
  const DateRange day{D(2026, 3, 9), D(2026, 3, 9)};
  const v1::SalesStats stats = ComputeSalesStats(
      {Order("a", 100, D(2026, 3, 9), {{100, D(2026, 3, 9)}}),
       Order("a", 100, D(2026, 3, 8), {{100, D(2026, 3, 10)}}), Order("a", 100, D(2026, 3, 10))},
      day);
  EXPECT_EQ(stats.signed_count(), 1);
  EXPECT_EQ(stats.received_amount(), 100);
  EXPECT_EQ(stats.settled_signed_amount(), 100);
}

TEST(SalesStatsTest, EmptyProductLineIsALineOfItsOwn) {
  const v1::SalesStats stats =
      ComputeSalesStats({Order("", 100, D(2026, 3, 9)), Order("b", 100, D(2026, 3, 9))}, kMarch);
  ASSERT_EQ(stats.product_lines_size(), 2);
  EXPECT_EQ(stats.product_lines(0).product_line(), "");
  EXPECT_EQ(stats.product_lines(1).product_line(), "b");
}

}  // namespace
}  // namespace opsuite::crm
