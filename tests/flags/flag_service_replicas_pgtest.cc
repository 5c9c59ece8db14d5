// Two "replicas" (independent database handles, registries and publishers) on one fresh
// PostgreSQL database: a change made through one reaches the other's registry, through
// LISTEN/NOTIFY, and through the periodic revision check alone. It takes milliseconds; the
// tests allow kPropagationLimit (10 s), which a loaded or sanitized run stays far below and
// which is still shorter than the 60 s check interval that leaves only LISTEN/NOTIFY in time.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "flags/flag_service.h"
#include "store/flag_repository.h"
#include "tests/store/test_databases.h"

namespace gov::flags {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kPropagationLimit{10'000};

// Polls `registry` until `environment` reaches `revision`; returns how long it took.
std::optional<milliseconds> TimeUntil(SnapshotRegistry& registry, const std::string& environment,
                                      int64_t revision, milliseconds limit) {
  const auto start = steady_clock::now();
  while (steady_clock::now() - start < limit) {
    auto s = registry.Get(environment);
    if (s && s->revision >= revision) {
      return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return std::nullopt;
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

void ExpectPropagation(Replica& a, Replica& b) {
  const store::AuditActor author{"test", "r"};
  ASSERT_TRUE(a.service
                  .CreateFeature(author, core::Json::parse(R"({"name": "f",
      "environments": {"production": {"enabled": true}}})"))
                  .ok());
  const int64_t created = a.registry.Get("production")->revision;
  auto took = TimeUntil(b.registry, "production", created, kPropagationLimit);
  ASSERT_TRUE(took.has_value()) << "creation did not reach replica b";
  EXPECT_TRUE(b.registry.Get("production")->features.features.at(0).enabled);
  // And back: a change through b reaches a.
  ASSERT_TRUE(b.service.SetEnabled(author, "f", "production", false, std::nullopt).ok());
  const int64_t disabled = b.registry.Get("production")->revision;
  ASSERT_TRUE(TimeUntil(a.registry, "production", disabled, kPropagationLimit).has_value())
      << "change through b did not reach replica a";
  EXPECT_FALSE(a.registry.Get("production")->features.features.at(0).enabled);
  // A segment change touches every environment on both.
  ASSERT_TRUE(a.service.CreateSegment(author, core::Json::parse(R"({"name": "s"})")).ok());
  const int64_t dev = a.registry.Get("development")->revision;
  ASSERT_TRUE(TimeUntil(b.registry, "development", dev, kPropagationLimit).has_value());
  EXPECT_EQ(b.registry.Get("development")->features.segments.size(), 1u);
}

TEST_F(FlagReplicasTest, ChangesReachTheOtherReplicaByNotification) {
  PublisherOptions slow_check;
  slow_check.check_interval = std::chrono::seconds(60);  // only LISTEN/NOTIFY can be in time
  Replica a(pg_->OpenAnother(), clock_, slow_check);
  Replica b(pg_->OpenAnother(), clock_, slow_check);
  ExpectPropagation(a, b);
}

TEST_F(FlagReplicasTest, ChangesReachTheOtherReplicaByPeriodicCheckAlone) {
  PublisherOptions no_listen;
  no_listen.listen = false;
  no_listen.check_interval = milliseconds(500);
  Replica a(pg_->OpenAnother(), clock_, no_listen);
  Replica b(pg_->OpenAnother(), clock_, no_listen);
  ExpectPropagation(a, b);
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
  ASSERT_TRUE(TimeUntil(a.registry, "development", stored, kPropagationLimit).has_value());
  ASSERT_TRUE(TimeUntil(b.registry, "development", stored, kPropagationLimit).has_value());
  auto stored_feature = a.service.GetFeature("f");
  ASSERT_TRUE(stored_feature.ok());
  const bool enabled = stored_feature->environments.at("development").enabled;
  EXPECT_EQ(a.registry.Get("development")->features.features.at(0).enabled, enabled);
  EXPECT_EQ(b.registry.Get("development")->features.features.at(0).enabled, enabled);
}

}  // namespace
}  // namespace gov::flags
