// The exposure recorder: deduplication per (experiment, unit), bounded queue and memory,
// batches of at most max_batch, and failed writes queued again when seen again. Driven by
// Flush on a fake clock (no writer thread, no sleeps).
#include "experiments/exposure_recorder.h"

#include <gtest/gtest.h>

namespace gov::experiments {
namespace {

RunningExperiment Experiment(const std::string& key, const std::string& env = "production") {
  RunningExperiment e;
  e.key = key;
  e.environment = env;
  e.feature = key + "-feature";
  e.randomization_unit = "userId";
  e.control_variant = "control";
  e.arms = {{"control", 500}, {"treatment", 500}};
  return e;
}

class ExposureRecorderTest : public ::testing::Test {
 protected:
  ExposureRecorder& Make(ExposureRecorderOptions options = {}) {
    recorder_ = std::make_unique<ExposureRecorder>(
        running_, clock_,
        [this](std::vector<store::EventRow> rows) -> core::StatusOr<std::vector<bool>> {
          if (!fail_.ok()) return fail_;
          batches_.push_back(rows);
          return std::vector<bool>(rows.size(), true);
        },
        options);
    return *recorder_;
  }

  RunningExperiments running_;
  core::FakeClock clock_{core::FromUnixMillis(1'764'000'000'000)};
  core::Status fail_;
  std::vector<std::vector<store::EventRow>> batches_;
  std::unique_ptr<ExposureRecorder> recorder_;
};

TEST_F(ExposureRecorderTest, OneExposurePerExperimentAndUnitWithADeterministicId) {
  ExposureRecorder& r = Make();
  const RunningExperiment a = Experiment("a");
  const RunningExperiment b = Experiment("b");
  EXPECT_TRUE(r.Record(a, "u1", "treatment"));
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_FALSE(r.Record(a, "u1", "treatment"));  // the same unit again
  EXPECT_TRUE(r.Record(a, "u2", "control"));
  EXPECT_TRUE(r.Record(b, "u1", "control"));  // the same unit, another experiment
  EXPECT_EQ(r.Flush(), 3u);
  ASSERT_EQ(batches_.size(), 1u);
  const store::EventRow& first = batches_[0][0];
  EXPECT_EQ(first.id, "exposure:a:u1");
  EXPECT_EQ(first.environment, "production");
  EXPECT_EQ(first.type, "exposure");
  EXPECT_EQ(first.name, "a");
  EXPECT_EQ(first.experiment, "a");
  EXPECT_EQ(first.feature, "a-feature");
  EXPECT_EQ(first.variant, "treatment");
  EXPECT_EQ(first.unit, "u1");
  EXPECT_FALSE(first.value);
  EXPECT_EQ(first.at_ms, 1'764'000'000'000);  // the first exposure's time, not the repeat's
  EXPECT_EQ(batches_[0][1].at_ms, 1'764'000'005'000);
  EXPECT_EQ(batches_[0][2].id, "exposure:b:u1");
  // Still remembered after the write.
  EXPECT_FALSE(r.Record(a, "u1", "treatment"));
  EXPECT_EQ(r.Flush(), 0u);
  const ExposureRecorderStats s = r.stats();
  EXPECT_EQ(s.queued, 3);
  EXPECT_EQ(s.deduplicated, 2);
  EXPECT_EQ(s.written, 3);
}

TEST_F(ExposureRecorderTest, FlushWritesBatchesOfAtMostMaxBatch) {
  ExposureRecorderOptions options;
  options.max_batch = 4;
  ExposureRecorder& r = Make(options);
  const RunningExperiment a = Experiment("a");
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(r.Record(a, "u" + std::to_string(i), "control"));
  EXPECT_EQ(r.Flush(), 4u);
  EXPECT_EQ(r.Flush(), 4u);
  EXPECT_EQ(r.Flush(), 2u);
  EXPECT_EQ(r.Flush(), 0u);
  ASSERT_EQ(batches_.size(), 3u);
  EXPECT_EQ(batches_[0].front().unit, "u0");  // in recording order
  EXPECT_EQ(batches_[2].back().unit, "u9");
}

TEST_F(ExposureRecorderTest, AFullQueueDropsAndCountsWithoutRememberingTheUnit) {
  ExposureRecorderOptions options;
  options.max_queued = 2;
  ExposureRecorder& r = Make(options);
  const RunningExperiment a = Experiment("a");
  EXPECT_TRUE(r.Record(a, "u1", "control"));
  EXPECT_TRUE(r.Record(a, "u2", "control"));
  EXPECT_FALSE(r.Record(a, "u3", "control"));
  EXPECT_EQ(r.stats().dropped, 1);
  EXPECT_EQ(r.Flush(), 2u);
  // u3 was dropped, not remembered: the next evaluation records it.
  EXPECT_TRUE(r.Record(a, "u3", "control"));
}

TEST_F(ExposureRecorderTest, AFailedWriteIsForgottenSoTheNextEvaluationQueuesItAgain) {
  ExposureRecorder& r = Make();
  const RunningExperiment a = Experiment("a");
  EXPECT_TRUE(r.Record(a, "u1", "control"));
  fail_ = core::Unavailable("database down");
  EXPECT_EQ(r.Flush(), 1u);
  EXPECT_EQ(r.stats().failed, 1);
  fail_ = core::Status::Ok();
  EXPECT_TRUE(r.Record(a, "u1", "control"));
  EXPECT_EQ(r.Flush(), 1u);
  ASSERT_EQ(batches_.size(), 1u);
  EXPECT_EQ(batches_[0][0].id, "exposure:a:u1");
}

TEST_F(ExposureRecorderTest, TheMemoryIsBoundedAndAForgottenPairIsQueuedAgain) {
  ExposureRecorderOptions options;
  options.max_remembered = 3;
  ExposureRecorder& r = Make(options);
  const RunningExperiment a = Experiment("a");
  for (const char* u : {"u1", "u2", "u3"}) EXPECT_TRUE(r.Record(a, u, "control"));
  EXPECT_EQ(r.Flush(), 3u);
  EXPECT_FALSE(r.Record(a, "u1", "control"));
  // The fourth pair clears the memory; u1 is queued again (the store keeps one: same id).
  EXPECT_TRUE(r.Record(a, "u4", "control"));
  EXPECT_TRUE(r.Record(a, "u1", "control"));
  EXPECT_FALSE(r.Record(a, "u4", "control"));
}

TEST_F(ExposureRecorderTest, StopWritesWhatIsQueued) {
  ExposureRecorder& r = Make();
  r.Start();
  const RunningExperiment a = Experiment("a");
  for (int i = 0; i < 7; ++i) r.Record(a, "u" + std::to_string(i), "control");
  r.Stop();
  size_t written = 0;
  for (const auto& b : batches_) written += b.size();
  EXPECT_EQ(written, 7u);
  EXPECT_EQ(r.queued(), 0u);
}

TEST_F(ExposureRecorderTest, ManyUnitsAcrossShardsAreRememberedAndFailedOnesForgotten) {
  ExposureRecorderOptions options;
  options.max_batch = 1'000;
  ExposureRecorder& r = Make(options);  // 1,000,000 pairs: several shards
  const RunningExperiment a = Experiment("a");
  const uint64_t hash = ExperimentHash(a);
  for (int i = 0; i < 20'000; ++i) EXPECT_TRUE(r.Record(a, "u" + std::to_string(i), "control"));
  for (int i = 0; i < 20; ++i) r.Flush();
  fail_ = core::Unavailable("database down");
  for (int i = 20'000; i < 21'000; ++i) r.Record(a, hash, "u" + std::to_string(i), "control");
  EXPECT_EQ(r.Flush(), 1'000u);
  fail_ = core::Status::Ok();
  int recorded = 0;
  for (int i = 0; i < 21'000; ++i) {
    if (r.Recorded(hash, "u" + std::to_string(i))) ++recorded;
  }
  // The failed batch was forgotten (the erasures shift their neighbours; none is lost).
  EXPECT_EQ(recorded, 20'000);
  for (int i = 20'000; i < 21'000; ++i) {
    EXPECT_TRUE(r.Record(a, "u" + std::to_string(i), "control")) << i;
  }
  EXPECT_EQ(r.stats().deduplicated, 20'000);
  EXPECT_FALSE(r.Recorded(ExperimentHash(Experiment("b")), "u1"));
}

TEST_F(ExposureRecorderTest, AFullShardIsClearedButKeepsWhatIsQueued) {
  ExposureRecorderOptions options;
  options.max_remembered = 4;
  ExposureRecorder& r = Make(options);
  const RunningExperiment a = Experiment("a");
  for (const char* u : {"u1", "u2", "u3", "u4"}) EXPECT_TRUE(r.Record(a, u, "control"));
  EXPECT_TRUE(r.Record(a, "u5", "control"));  // clears; u1..u4 are still queued
  EXPECT_FALSE(r.Record(a, "u1", "control"));
  EXPECT_EQ(r.Flush(), 5u);
}

TEST(RunningExperimentsTest, APinSeesThePublishedIndexAndOutlivesAPublish) {
  RunningExperiments running;
  {
    RunningExperiments::Pin empty(running);
    EXPECT_TRUE(empty.index().empty());
  }
  RunningExperiment a;
  a.key = "a";
  a.environment = "production";
  a.feature = "checkout";
  a.randomization_unit = "properties.tenant";
  running.Publish({a});
  RunningExperiments::Pin first(running);
  ASSERT_EQ(first.index().All().size(), 1u);
  RunningExperiment b = a;
  b.key = "b";
  b.feature = "search";
  running.Publish({a, b});
  {
    RunningExperiments::Pin second(running);
    EXPECT_EQ(second.index().All().size(), 2u);
    // The first pin's index is still alive (ASan would report a use after free).
    EXPECT_EQ(first.index().All().front().key, "a");
  }
  EXPECT_EQ(first.index().All().size(), 1u);
  RunningExperiments::Pin third(running);
  const EnvironmentTargets* targets = third.index().Targets("production");
  ASSERT_NE(targets, nullptr);
  ASSERT_EQ(targets->targets.size(), 2u);
  EXPECT_EQ(targets->targets[0].unit.kind, UnitField::Kind::kProperty);
  EXPECT_EQ(targets->targets[0].unit.property, "tenant");
  EXPECT_EQ(targets->targets[1].hash, ExperimentHash(b));
  EXPECT_EQ(targets->by_feature.at("search"), 1u);
  EXPECT_EQ(third.index().Targets("staging"), nullptr);
  // Another instance has its own generations: a pin of it never sees this one's index.
  RunningExperiments other;
  RunningExperiments::Pin fourth(other);
  EXPECT_TRUE(fourth.index().empty());
}

TEST(UnitValueTest, AResolvedFieldReadsTheSameValues) {
  flags::Context c;
  c.SetProperty("userId", "from-properties");
  c.app_name = "web";
  EXPECT_EQ(ResolveUnitField("userId").kind, UnitField::Kind::kUserId);
  EXPECT_EQ(*UnitValue(c, ResolveUnitField("userId")), "from-properties");  // unset: property
  EXPECT_EQ(*UnitValue(c, ResolveUnitField("appName")), "web");
  c.user_id = "user-1";
  EXPECT_EQ(*UnitValue(c, ResolveUnitField("userId")), "user-1");
  EXPECT_EQ(*UnitValue(c, ResolveUnitField("properties.userId")), "from-properties");
}

TEST(UnitValueTest, ReadsStandardFieldsThenProperties) {
  flags::Context c;
  c.user_id = "user-1";
  c.session_id = "";
  c.remote_address = "10.0.0.1";
  c.SetProperty("tenant", "acme");
  c.SetProperty("sessionId", "from-properties");
  ASSERT_NE(UnitValue(c, "userId"), nullptr);
  EXPECT_EQ(*UnitValue(c, "userId"), "user-1");
  EXPECT_EQ(*UnitValue(c, "remoteAddress"), "10.0.0.1");
  EXPECT_EQ(*UnitValue(c, "properties.tenant"), "acme");
  EXPECT_EQ(*UnitValue(c, "tenant"), "acme");
  // An empty value is no unit.
  EXPECT_EQ(UnitValue(c, "sessionId"), nullptr);
  EXPECT_EQ(UnitValue(c, "properties.missing"), nullptr);
  EXPECT_EQ(UnitValue(c, "appName"), nullptr);
}

}  // namespace
}  // namespace gov::experiments
