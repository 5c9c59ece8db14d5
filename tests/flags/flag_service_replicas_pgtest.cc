// Two "replicas" (independent database handles, registries and publishers) on one fresh
// PostgreSQL database: a change made through one reaches the other's registry, through
// LISTEN/NOTIFY, and through the periodic revision check alone. The publishers ask a fake
// clock whether their periodic check is due: left still, it never is (only a notification can
// carry the change); advanced, it is (the check alone carries it). Every wait is for the
// change to arrive, with a deadline (kGenerousDeadline) that only a real bug misses.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "flags/flag_service.h"
#include "store/flag_repository.h"
#include "tests/store/test_databases.h"

namespace gov::flags {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::chrono::seconds kGenerousDeadline{60};

// Polls `registry` until `environment` reaches `revision` (or kGenerousDeadline passes),
// calling `tick` between polls. True when it did.
bool Reaches(SnapshotRegistry& registry, const std::string& environment, int64_t revision,
             const std::function<void()>& tick) {
  const auto deadline = steady_clock::now() + kGenerousDeadline;
  for (;;) {
    auto s = registry.Get(environment);
    if (s && s->revision >= revision) return true;
    if (steady_clock::now() >= deadline) return false;
    if (tick) tick();
    std::this_thread::sleep_for(milliseconds(5));
  }
}

struct Replica {
  Replica(std::unique_ptr<store::Database> db, const core::Clock& clock, PublisherOptions options)
      : db(std::move(db)),
        publisher(*this->db, registry, options),
        service(*this->db, publisher, clock) {
    EXPECT_TRUE(publisher.Start().ok());
  }
  ~Replica() { publisher.Stop(); }
  std::unique_ptr<store::Database> db;
  SnapshotRegistry registry;
  SnapshotPublisher publisher;
  FlagService service;
};

class FlagReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store::testing::PostgresTestDatabase::Available())
        << "GOVERNOR_TEST_PG_URL is not set";
    pg_ = std::make_unique<store::testing::PostgresTestDatabase>();
  }
  std::unique_ptr<store::testing::PostgresTestDatabase> pg_;
  core::FakeClock clock_;
};

// Changes through `a` reach `b` and back; `tick` runs while waiting.
void ExpectPropagation(Replica& a, Replica& b, const std::function<void()>& tick = nullptr) {
  const store::AuditActor author{"test", "r"};
  ASSERT_TRUE(a.service
                  .CreateFeature(author, core::Json::parse(R"({"name": "f",
      "environments": {"production": {"enabled": true}}})"))
                  .ok());
  const int64_t created = a.registry.Get("production")->revision;
  ASSERT_TRUE(Reaches(b.registry, "production", created, tick))
      << "creation did not reach replica b";
  EXPECT_TRUE(b.registry.Get("production")->features.features.at(0).enabled);
  // And back: a change through b reaches a.
  ASSERT_TRUE(b.service.SetEnabled(author, "f", "production", false, std::nullopt).ok());
  const int64_t disabled = b.registry.Get("production")->revision;
  ASSERT_TRUE(Reaches(a.registry, "production", disabled, tick))
      << "change through b did not reach replica a";
  EXPECT_FALSE(a.registry.Get("production")->features.features.at(0).enabled);
  // A segment change touches every environment on both.
  ASSERT_TRUE(a.service.CreateSegment(author, core::Json::parse(R"({"name": "s"})")).ok());
  const int64_t dev = a.registry.Get("development")->revision;
  ASSERT_TRUE(Reaches(b.registry, "development", dev, tick));
  EXPECT_EQ(b.registry.Get("development")->features.segments.size(), 1u);
}

TEST_F(FlagReplicasTest, ChangesReachTheOtherReplicaByNotification) {
  PublisherOptions never_due;
  never_due.clock = &clock_;  // never advanced: the periodic check never runs
  Replica a(pg_->OpenAnother(), clock_, never_due);
  Replica b(pg_->OpenAnother(), clock_, never_due);
  const core::TimePoint start = clock_.Now();
  ExpectPropagation(a, b);
  EXPECT_EQ(clock_.Now(), start);
}

TEST_F(FlagReplicasTest, ChangesReachTheOtherReplicaByPeriodicCheckAlone) {
  PublisherOptions no_listen;
  no_listen.listen = false;
  no_listen.check_interval = milliseconds(500);
  no_listen.clock = &clock_;
  Replica a(pg_->OpenAnother(), clock_, no_listen);
  Replica b(pg_->OpenAnother(), clock_, no_listen);
  // Each wait step makes a check due on both (the publishers look at the clock at least once
  // per check_interval of real time).
  ExpectPropagation(a, b, [&] { clock_.Advance(no_listen.check_interval); });
}

TEST_F(FlagReplicasTest, ConcurrentWritersOnBothReplicasConvergeOnTheLastRevision) {
  Replica a(pg_->OpenAnother(), clock_, {});
  Replica b(pg_->OpenAnother(), clock_, {});
  const store::AuditActor author{"test", "r"};
  ASSERT_TRUE(a.service.CreateFeature(author, core::Json::parse(R"({"name": "f"})")).ok());
  std::thread ta([&] {
    for (int i = 0; i < 10; ++i) (void)a.service.SetEnabled(author, "f", "development", i % 2, {});
  });
  std::thread tb([&] {
    for (int i = 0; i < 10; ++i)
      (void)b.service.SetEnabled(author, "f", "development", i % 2 == 0, {});
  });
  ta.join();
  tb.join();
  int64_t stored = 0;
  ASSERT_TRUE(store::WithTransaction(pg_->db(), store::TxMode::kReadOnly,
                                     [&](store::Transaction& tx) -> core::Status {
                                       ASSIGN_OR_RETURN(stored, store::FlagRepository::GetRevision(
                                                                    tx, "development"));
                                       return core::Status::Ok();
                                     })
                  .ok());
  ASSERT_TRUE(Reaches(a.registry, "development", stored, nullptr));
  ASSERT_TRUE(Reaches(b.registry, "development", stored, nullptr));
  auto stored_feature = a.service.GetFeature("f");
  ASSERT_TRUE(stored_feature.ok());
  const bool enabled = stored_feature->environments.at("development").enabled;
  EXPECT_EQ(a.registry.Get("development")->features.features.at(0).enabled, enabled);
  EXPECT_EQ(b.registry.Get("development")->features.features.at(0).enabled, enabled);
}

}  // namespace
}  // namespace gov::flags
