#include "services/crm/domain/stage_rules.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace opsuite::crm {
namespace {

using ::opsuite::crm::v1::ORDER_KIND_REGULAR;
using ::opsuite::crm::v1::ORDER_KIND_SAMPLE;
using ::opsuite::crm::v1::ORDER_KIND_UNSPECIFIED;
using ::opsuite::crm::v1::OrderKind;
using ::opsuite::crm::v1::Stage;
using ::opsuite::crm::v1::STAGE_CONTACTED;
using ::opsuite::crm::v1::STAGE_DORMANT;
using ::opsuite::crm::v1::STAGE_FIRST_ORDER;
using ::opsuite::crm::v1::STAGE_INTENT;
using ::opsuite::crm::v1::STAGE_LEAD;
using ::opsuite::crm::v1::STAGE_LOST;
using ::opsuite::crm::v1::STAGE_REPEAT;
using ::opsuite::crm::v1::STAGE_SAMPLE_ORDER;
using ::opsuite::crm::v1::STAGE_UNSPECIFIED;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<Stage> kAll = {STAGE_LEAD,         STAGE_CONTACTED,   STAGE_INTENT,
                                 STAGE_SAMPLE_ORDER, STAGE_FIRST_ORDER, STAGE_REPEAT,
                                 STAGE_DORMANT,      STAGE_LOST};
const std::vector<Stage> kEarly = {STAGE_LEAD, STAGE_CONTACTED, STAGE_INTENT};
const std::vector<Stage> kOrderStages = {STAGE_SAMPLE_ORDER, STAGE_FIRST_ORDER, STAGE_REPEAT};
const std::vector<Stage> kInactive = {STAGE_DORMANT, STAGE_LOST};

// ---- Names ----------------------------------------------------------------------------------

TEST(StageNameTest, WithoutPrefix) {
  EXPECT_EQ(StageName(STAGE_LEAD), "LEAD");
  EXPECT_EQ(StageName(STAGE_SAMPLE_ORDER), "SAMPLE_ORDER");
  EXPECT_EQ(StageName(STAGE_LOST), "LOST");
  EXPECT_EQ(StageName(STAGE_UNSPECIFIED), "UNSPECIFIED");
  EXPECT_EQ(StageName(static_cast<Stage>(42)), "42");
  EXPECT_TRUE(IsKnownStage(STAGE_REPEAT));
  EXPECT_FALSE(IsKnownStage(STAGE_UNSPECIFIED));
  EXPECT_FALSE(IsKnownStage(static_cast<Stage>(42)));
}

// ---- Manual changes -------------------------------------------------------------------------

TEST(CheckManualStageTest, NoChangeIsAlwaysAllowed) {
  for (Stage s : kAll) EXPECT_TRUE(CheckManualStage(s, s).ok()) << StageName(s);
}

TEST(CheckManualStageTest, ForwardAmongTheEarlyStages) {
  EXPECT_TRUE(CheckManualStage(STAGE_LEAD, STAGE_CONTACTED).ok());
  EXPECT_TRUE(CheckManualStage(STAGE_LEAD, STAGE_INTENT).ok());  // skipping is fine
  EXPECT_TRUE(CheckManualStage(STAGE_CONTACTED, STAGE_INTENT).ok());
}

TEST(CheckManualStageTest, NotBackwardsAmongTheEarlyStages) {
  for (auto [from, to] : std::vector<std::pair<Stage, Stage>>{{STAGE_INTENT, STAGE_CONTACTED},
                                                              {STAGE_INTENT, STAGE_LEAD},
                                                              {STAGE_CONTACTED, STAGE_LEAD}}) {
    const absl::Status s = CheckManualStage(from, to);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << StageName(from);
    EXPECT_THAT(std::string(s.message()), HasSubstr("DORMANT or LOST"));
  }
}

TEST(CheckManualStageTest, CreationMayStartAtAnyEarlyOrInactiveStage) {
  for (Stage to : kEarly) EXPECT_TRUE(CheckManualStage(STAGE_UNSPECIFIED, to).ok());
  for (Stage to : kInactive) EXPECT_TRUE(CheckManualStage(STAGE_UNSPECIFIED, to).ok());
  for (Stage to : kOrderStages) {
    EXPECT_EQ(CheckManualStage(STAGE_UNSPECIFIED, to).code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST(CheckManualStageTest, DormantOrLostFromAnywhere) {
  for (Stage from : kAll) {
    for (Stage to : kInactive) {
      EXPECT_TRUE(CheckManualStage(from, to).ok()) << StageName(from) << " -> " << StageName(to);
    }
  }
}

TEST(CheckManualStageTest, BackFromDormantOrLostToTheEarlyStages) {
  for (Stage from : kInactive) {
    for (Stage to : kEarly) {
      EXPECT_TRUE(CheckManualStage(from, to).ok()) << StageName(from) << " -> " << StageName(to);
    }
  }
}

TEST(CheckManualStageTest, OrderStagesAreSetOnlyByOrders) {
  for (Stage from : kAll) {
    for (Stage to : kOrderStages) {
      if (from == to) continue;
      const absl::Status s = CheckManualStage(from, to);
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition)
          << StageName(from) << " -> " << StageName(to);
      EXPECT_THAT(std::string(s.message()), HasSubstr("set by orders"));
      EXPECT_THAT(std::string(s.message()), HasSubstr(StageName(to)));
    }
  }
}

TEST(CheckManualStageTest, AnOrderedCustomerDoesNotGoBackToTheEarlyStages) {
  for (Stage from : kOrderStages) {
    for (Stage to : kEarly) {
      const absl::Status s = CheckManualStage(from, to);
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition)
          << StageName(from) << " -> " << StageName(to);
      EXPECT_THAT(std::string(s.message()), HasSubstr("has ordered"));
    }
  }
}

TEST(CheckManualStageTest, UnknownTargetIsInvalidArgumentOnCustomerStage) {
  for (Stage to : {STAGE_UNSPECIFIED, static_cast<Stage>(9), static_cast<Stage>(-1)}) {
    const absl::Status s = CheckManualStage(STAGE_LEAD, to);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << static_cast<int>(to);
    EXPECT_THAT(ViolatedFields(s), ElementsAre("customer.stage"));
  }
}

TEST(CheckManualStageTest, CorruptStoredStageIsInternal) {
  EXPECT_EQ(CheckManualStage(static_cast<Stage>(77), STAGE_LEAD).code(),
            absl::StatusCode::kInternal);
}

// ---- Orders ---------------------------------------------------------------------------------

TEST(StageAfterOrderTest, FirstFullyPaidSampleMovesAnEarlyCustomerToSampleOrder) {
  for (Stage from : {STAGE_UNSPECIFIED, STAGE_LEAD, STAGE_CONTACTED, STAGE_INTENT}) {
    EXPECT_EQ(StageAfterOrder(from, ORDER_KIND_SAMPLE, 0, true), STAGE_SAMPLE_ORDER)
        << StageName(from);
  }
}

TEST(StageAfterOrderTest, UnpaidSampleChangesNothing) {
  for (Stage from : kAll) {
    EXPECT_EQ(StageAfterOrder(from, ORDER_KIND_SAMPLE, 0, false), from) << StageName(from);
  }
}

TEST(StageAfterOrderTest, SampleNeverMovesBackwards) {
  EXPECT_EQ(StageAfterOrder(STAGE_SAMPLE_ORDER, ORDER_KIND_SAMPLE, 0, true), STAGE_SAMPLE_ORDER);
  EXPECT_EQ(StageAfterOrder(STAGE_FIRST_ORDER, ORDER_KIND_SAMPLE, 1, true), STAGE_FIRST_ORDER);
  EXPECT_EQ(StageAfterOrder(STAGE_REPEAT, ORDER_KIND_SAMPLE, 5, true), STAGE_REPEAT);
  // Even with a count that disagrees with the stage, the stage does not drop.
  EXPECT_EQ(StageAfterOrder(STAGE_REPEAT, ORDER_KIND_SAMPLE, 0, true), STAGE_REPEAT);
}

TEST(StageAfterOrderTest, FirstRegularOrderIsFirstOrder) {
  for (Stage from :
       {STAGE_UNSPECIFIED, STAGE_LEAD, STAGE_CONTACTED, STAGE_INTENT, STAGE_SAMPLE_ORDER}) {
    EXPECT_EQ(StageAfterOrder(from, ORDER_KIND_REGULAR, 0, false), STAGE_FIRST_ORDER)
        << StageName(from);
  }
}

TEST(StageAfterOrderTest, SecondRegularOrderIsRepeat) {
  EXPECT_EQ(StageAfterOrder(STAGE_FIRST_ORDER, ORDER_KIND_REGULAR, 1, false), STAGE_REPEAT);
  EXPECT_EQ(StageAfterOrder(STAGE_REPEAT, ORDER_KIND_REGULAR, 1, false), STAGE_REPEAT);
  EXPECT_EQ(StageAfterOrder(STAGE_REPEAT, ORDER_KIND_REGULAR, 7, false), STAGE_REPEAT);
  // A customer put back to LEAD by hand (via DORMANT) who had ordered before: its history.
  EXPECT_EQ(StageAfterOrder(STAGE_LEAD, ORDER_KIND_REGULAR, 1, false), STAGE_REPEAT);
}

TEST(StageAfterOrderTest, RegularOrderNeverMovesBackwards) {
  EXPECT_EQ(StageAfterOrder(STAGE_REPEAT, ORDER_KIND_REGULAR, 0, false), STAGE_REPEAT);
}

TEST(StageAfterOrderTest, DormantOrLostCustomersWhoOrderComeBack) {
  for (Stage from : kInactive) {
    EXPECT_EQ(StageAfterOrder(from, ORDER_KIND_REGULAR, 0, false), STAGE_FIRST_ORDER);
    EXPECT_EQ(StageAfterOrder(from, ORDER_KIND_REGULAR, 3, false), STAGE_REPEAT);
    EXPECT_EQ(StageAfterOrder(from, ORDER_KIND_SAMPLE, 0, true), STAGE_SAMPLE_ORDER);
    EXPECT_EQ(StageAfterOrder(from, ORDER_KIND_SAMPLE, 1, true), STAGE_FIRST_ORDER);
    EXPECT_EQ(StageAfterOrder(from, ORDER_KIND_SAMPLE, 2, true), STAGE_REPEAT);
    // Until the sample is paid, it stays where it is.
    EXPECT_EQ(StageAfterOrder(from, ORDER_KIND_SAMPLE, 0, false), from);
  }
}

TEST(StageAfterOrderTest, UnknownKindOrStageChangesNothing) {
  for (OrderKind kind : {ORDER_KIND_UNSPECIFIED, static_cast<OrderKind>(9)}) {
    EXPECT_EQ(StageAfterOrder(STAGE_INTENT, kind, 0, true), STAGE_INTENT);
  }
  EXPECT_EQ(StageAfterOrder(static_cast<Stage>(77), ORDER_KIND_REGULAR, 0, false),
            static_cast<Stage>(77));
}

TEST(StageAfterOrderTest, NegativeCountIsZero) {
  EXPECT_EQ(StageAfterOrder(STAGE_INTENT, ORDER_KIND_REGULAR, -3, false), STAGE_FIRST_ORDER);
}

TEST(StageAfterOrderTest, TheForeignTradePipelineOfSeed000) {
  // 000:141-149: inquiry -> follow-up -> sample order -> formal order -> repeat order.
  Stage s = STAGE_LEAD;
  ASSERT_TRUE(CheckManualStage(s, STAGE_CONTACTED).ok());
  s = STAGE_CONTACTED;
  ASSERT_TRUE(CheckManualStage(s, STAGE_INTENT).ok());
  s = STAGE_INTENT;
  s = StageAfterOrder(s, ORDER_KIND_SAMPLE, 0, false);  // signed, not yet paid
  EXPECT_EQ(s, STAGE_INTENT);
  s = StageAfterOrder(s, ORDER_KIND_SAMPLE, 0, true);  // paid in full
  EXPECT_EQ(s, STAGE_SAMPLE_ORDER);
  s = StageAfterOrder(s, ORDER_KIND_REGULAR, 0, false);
  EXPECT_EQ(s, STAGE_FIRST_ORDER);
  s = StageAfterOrder(s, ORDER_KIND_REGULAR, 1, false);  // 翻单
  EXPECT_EQ(s, STAGE_REPEAT);
}

}  // namespace
}  // namespace opsuite::crm
