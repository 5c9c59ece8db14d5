// SnapshotPublisher's periodic revision check, timed by the injected clock: a change that sent
// no notification is published once check_interval has passed on the clock, and not before.

#include "flags/snapshot_publisher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/flag_repository.h"
#include "tests/store/test_databases.h"

namespace gov::flags {
namespace {

using std::chrono::milliseconds;

class SnapshotPublisherClockTest : public ::testing::Test {
 protected:
  SnapshotPublisherClockTest() : publisher_(db_.db(), registry_, Options()) {}
  ~SnapshotPublisherClockTest() override { publisher_.Stop(); }

  PublisherOptions Options() {
    PublisherOptions options;
    options.listen = false;  // only the periodic check notices changes
    options.check_interval = milliseconds(20);
    options.clock = &clock_;
    return options;
  }
  // Bumps the environment's revision in the store without a notification, as a replica whose
  // NOTIFY was lost would.
  void BumpRevisionSilently(const std::string& environment) {
    ASSERT_TRUE(
        store::WithTransaction(db_.db(), store::TxMode::kReadWrite, [&](store::Transaction& tx) {
          return store::FlagRepository::BumpRevision(tx, environment).status();
        }).ok());
  }
  int64_t Published(const std::string& environment) const {
    auto snapshot = registry_.Get(environment);
    return snapshot ? snapshot->revision : -1;
  }
  // Waits (in real time, bounded) for the publisher's thread to publish `revision`.
  bool WaitForRevision(const std::string& environment, int64_t revision) {
    for (int i = 0; i < 1000 && Published(environment) != revision; ++i) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    return Published(environment) == revision;
  }

  store::testing::SqliteTestDatabase db_;
  core::FakeClock clock_;
  SnapshotRegistry registry_;
  SnapshotPublisher publisher_;
};

TEST_F(SnapshotPublisherClockTest, ChecksRevisionsWhenTheClockSaysTheIntervalPassed) {
  ASSERT_TRUE(publisher_.Start().ok());
  EXPECT_EQ(Published("development"), 0);
  BumpRevisionSilently("development");
  // The thread wakes every 20 ms of real time, but the clock has not moved: no check is due.
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(Published("development"), 0);
  clock_.Advance(milliseconds(20));
  EXPECT_TRUE(WaitForRevision("development", 1));
  EXPECT_EQ(Published("production"), 0);
}

}  // namespace
}  // namespace gov::flags
