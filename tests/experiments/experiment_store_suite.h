#pragma once

// Experiments and metric definitions on both backends: the repositories (store/) and the
// service's lifecycle over them. Instantiated by experiment_store_test.cc (SQLite) and
// experiment_store_pgtest.cc (PostgreSQL).

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "experiments/experiment_service.h"
#include "experiments/experiment_service_repositories.h"
#include "flags/flag_service.h"
#include "flags/snapshot_publisher.h"
#include "flags/snapshot_registry.h"
#include "store/experiment_repository.h"
#include "store/metric_repository.h"
#include "tests/store/test_databases.h"

namespace gov::experiments::testing {

using store::testing::DatabaseFactory;

inline const store::AuditActor kAlice{"alice", "req-1"};

// ---- The repositories -----------------------------------------------------------------------

class ExperimentRepositoryTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
  }
  store::Database& db() { return test_db_->db(); }
  core::Status Write(const std::function<core::Status(store::Transaction&)>& fn) {
    return store::WithTransaction(db(), store::TxMode::kReadWrite, fn);
  }
  static store::MetricRecord Metric(const std::string& name) {
    return {name, R"({"name":")" + name + R"("})", 1, core::FromUnixMillis(1000),
            core::FromUnixMillis(1000)};
  }
  static store::ExperimentRecord Record(const std::string& key, const std::string& status,
                                        std::vector<std::string> metrics = {"conversion"}) {
    store::ExperimentRecord r;
    r.key = key;
    r.environment = "production";
    r.feature = "checkout";
    r.status = status;
    r.spec_json = R"({"key":")" + key + R"("})";
    r.metrics = std::move(metrics);
    r.created_at = r.updated_at = core::FromUnixMillis(2000);
    return r;
  }
  void InsertMetrics() {
    ASSERT_TRUE(Write([](store::Transaction& tx) -> core::Status {
                  RETURN_IF_ERROR(store::MetricRepository::Insert(tx, Metric("conversion")));
                  return store::MetricRepository::Insert(tx, Metric("latency"));
                }).ok());
  }

  std::unique_ptr<store::testing::TestDatabase> test_db_;
};

TEST_P(ExperimentRepositoryTest, MetricsAreVersionedAndPaged) {
  InsertMetrics();
  EXPECT_EQ(Write([](store::Transaction& tx) {
              return store::MetricRepository::Insert(tx, Metric("conversion"));
            }).code(),
            core::StatusCode::kAlreadyExists);
  ASSERT_TRUE(Write([](store::Transaction& tx) -> core::Status {
                auto first = store::MetricRepository::List(tx, {1, ""});
                EXPECT_TRUE(first.ok());
                EXPECT_EQ(first->items.size(), 1u);
                EXPECT_EQ(first->items[0], Metric("conversion"));
                EXPECT_EQ(first->next_cursor, "conversion");
                auto second = store::MetricRepository::List(tx, {1, first->next_cursor});
                EXPECT_EQ(second->items[0].name, "latency");
                EXPECT_EQ(second->next_cursor, "");
                auto stale = store::MetricRepository::Update(tx, "latency", "{}", 2,
                                                             core::FromUnixMillis(5000));
                EXPECT_EQ(stale.status().code(), core::StatusCode::kConflict);
                auto updated = store::MetricRepository::Update(tx, "latency", "{}", 1,
                                                               core::FromUnixMillis(5000));
                EXPECT_TRUE(updated.ok());
                EXPECT_EQ(updated->version, 2);
                EXPECT_EQ(updated->spec_json, "{}");
                EXPECT_EQ(updated->updated_at, core::FromUnixMillis(5000));
                EXPECT_EQ(updated->created_at, core::FromUnixMillis(1000));
                EXPECT_EQ(store::MetricRepository::Delete(tx, "latency", 1).code(),
                          core::StatusCode::kConflict);
                EXPECT_EQ(store::MetricRepository::Get(tx, "nope").status().code(),
                          core::StatusCode::kNotFound);
                return store::MetricRepository::Delete(tx, "latency", 2);
              }).ok());
}

TEST_P(ExperimentRepositoryTest, ExperimentsReadBackWithTheirColumnsAndMetrics) {
  InsertMetrics();
  store::ExperimentRecord running = Record("b-running", "running", {"latency", "conversion"});
  running.started_at = core::FromUnixMillis(3000);
  store::ExperimentRecord draft = Record("a-draft", "draft");
  ASSERT_TRUE(Write([&](store::Transaction& tx) -> core::Status {
                RETURN_IF_ERROR(store::ExperimentRepository::Insert(tx, running));
                return store::ExperimentRepository::Insert(tx, draft);
              }).ok());
  ASSERT_TRUE(
      Write([&](store::Transaction& tx) -> core::Status {
        auto got = store::ExperimentRepository::Get(tx, "b-running");
        EXPECT_TRUE(got.ok()) << got.status().ToString();
        store::ExperimentRecord expected = running;
        expected.metrics = {"conversion", "latency"};  // sorted
        EXPECT_EQ(*got, expected);
        auto page = store::ExperimentRepository::List(tx, {1, ""});
        EXPECT_EQ(page->items.size(), 1u);
        EXPECT_EQ(page->items[0], draft);
        EXPECT_EQ(page->next_cursor, "a-draft");
        auto by_status = store::ExperimentRepository::ListByStatus(tx, "running");
        EXPECT_EQ(by_status->size(), 1u);
        EXPECT_EQ(by_status->at(0).key, "b-running");
        auto for_feature =
            store::ExperimentRepository::ListForFeature(tx, "production", "checkout");
        EXPECT_EQ(for_feature->size(), 2u);
        EXPECT_TRUE(
            store::ExperimentRepository::ListForFeature(tx, "development", "checkout")->empty());
        EXPECT_EQ(*store::ExperimentRepository::ListUsingMetric(tx, "latency"),
                  std::vector<std::string>{"b-running"});
        EXPECT_EQ(*store::ExperimentRepository::ListUsingMetric(tx, "conversion"),
                  (std::vector<std::string>{"a-draft", "b-running"}));
        return core::Status::Ok();
      }).ok());
}

TEST_P(ExperimentRepositoryTest, UpdateBumpsTheVersionAndReplacesTheMetrics) {
  InsertMetrics();
  ASSERT_TRUE(Write([](store::Transaction& tx) {
                return store::ExperimentRepository::Insert(tx, Record("x", "draft"));
              }).ok());
  store::ExperimentRecord next = Record("x", "stopped", {"latency"});
  next.started_at = core::FromUnixMillis(3000);
  next.stopped_at = core::FromUnixMillis(4000);
  next.spec_json = "{\"v\":2}";
  ASSERT_TRUE(
      Write([&](store::Transaction& tx) -> core::Status {
        EXPECT_EQ(store::ExperimentRepository::Update(tx, next, 5, core::FromUnixMillis(9000))
                      .status()
                      .code(),
                  core::StatusCode::kConflict);
        auto updated = store::ExperimentRepository::Update(tx, next, 1, core::FromUnixMillis(9000));
        EXPECT_TRUE(updated.ok()) << updated.status().ToString();
        EXPECT_EQ(updated->version, 2);
        EXPECT_EQ(updated->status, "stopped");
        EXPECT_EQ(updated->spec_json, "{\"v\":2}");
        EXPECT_EQ(updated->metrics, std::vector<std::string>{"latency"});
        EXPECT_EQ(updated->stopped_at, core::FromUnixMillis(4000));
        EXPECT_EQ(updated->updated_at, core::FromUnixMillis(9000));
        EXPECT_EQ(updated->created_at, core::FromUnixMillis(2000));
        EXPECT_TRUE(store::ExperimentRepository::ListUsingMetric(tx, "conversion")->empty());
        return core::Status::Ok();
      }).ok());
}

TEST_P(ExperimentRepositoryTest, OneRunningExperimentPerFeatureAndEnvironment) {
  InsertMetrics();
  ASSERT_TRUE(Write([](store::Transaction& tx) {
                return store::ExperimentRepository::Insert(tx, Record("one", "running"));
              }).ok());
  EXPECT_EQ(Write([](store::Transaction& tx) {
              return store::ExperimentRepository::Insert(tx, Record("two", "running"));
            }).code(),
            core::StatusCode::kConflict);
  ASSERT_TRUE(Write([](store::Transaction& tx) {
                return store::ExperimentRepository::Insert(tx, Record("two", "draft"));
              }).ok());
  EXPECT_EQ(Write([](store::Transaction& tx) {
              return store::ExperimentRepository::Update(tx, Record("two", "running"), 1,
                                                         core::FromUnixMillis(1))
                  .status();
            }).code(),
            core::StatusCode::kConflict);
  // Another environment, or a stopped one, is no conflict.
  store::ExperimentRecord elsewhere = Record("three", "running");
  elsewhere.environment = "development";
  EXPECT_TRUE(Write([&](store::Transaction& tx) {
                return store::ExperimentRepository::Insert(tx, elsewhere);
              }).ok());
  EXPECT_TRUE(Write([](store::Transaction& tx) {
                return store::ExperimentRepository::Insert(tx, Record("four", "stopped"));
              }).ok());
  EXPECT_EQ(Write([](store::Transaction& tx) {
              return store::ExperimentRepository::Insert(tx, Record("one", "draft"));
            }).code(),
            core::StatusCode::kAlreadyExists);
}

TEST_P(ExperimentRepositoryTest, ReferencesAreEnforcedAndDeletingCascades) {
  InsertMetrics();
  EXPECT_EQ(Write([](store::Transaction& tx) {
              return store::ExperimentRepository::Insert(tx, Record("x", "draft", {"nope"}));
            }).code(),
            core::StatusCode::kFailedPrecondition);
  store::ExperimentRecord staging = Record("y", "draft");
  staging.environment = "staging";
  EXPECT_EQ(Write([&](store::Transaction& tx) {
              return store::ExperimentRepository::Insert(tx, staging);
            }).code(),
            core::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Write([](store::Transaction& tx) {
                return store::ExperimentRepository::Insert(tx, Record("x", "draft"));
              }).ok());
  // The metric is referenced: the database refuses to delete it.
  EXPECT_EQ(Write([](store::Transaction& tx) {
              return store::MetricRepository::Delete(tx, "conversion", std::nullopt);
            }).code(),
            core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Write([](store::Transaction& tx) {
              return store::ExperimentRepository::Delete(tx, "x", 2);
            }).code(),
            core::StatusCode::kConflict);
  ASSERT_TRUE(Write([](store::Transaction& tx) {
                return store::ExperimentRepository::Delete(tx, "x", 1);
              }).ok());
  EXPECT_TRUE(Write([](store::Transaction& tx) {
                return store::MetricRepository::Delete(tx, "conversion", std::nullopt);
              }).ok());
  EXPECT_EQ(Write([](store::Transaction& tx) {
              return store::ExperimentRepository::Delete(tx, "x", std::nullopt);
            }).code(),
            core::StatusCode::kNotFound);
}

// ---- The service ----------------------------------------------------------------------------

class ExperimentServiceTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
    flags::PublisherOptions options;
    options.listen = false;
    publisher_ = std::make_unique<flags::SnapshotPublisher>(db(), registry_, options);
    ASSERT_TRUE(publisher_->Start().ok());
    flags_ = std::make_unique<flags::FlagService>(db(), *publisher_, clock_);
    service_ = std::make_unique<ExperimentService>(db(), *flags_, running_, clock_);
    ASSERT_TRUE(service_->open_status().ok());
    ASSERT_TRUE(service_
                    ->CreateMetric(kAlice, core::Json::parse(R"({"name": "conversion",
                        "type": "proportion", "numerator": {"event": "purchase"}})"))
                    .ok());
    ASSERT_TRUE(service_
                    ->CreateMetric(kAlice, core::Json::parse(R"({"name": "latency",
                        "type": "mean", "numerator": {"event": "page_load"},
                        "direction": "lowerIsBetter"})"))
                    .ok());
    auto feature = flags_->CreateFeature(kAlice, core::Json::parse(R"({"name": "checkout",
        "environments": {"production": {"enabled": true,
          "strategies": [{"name": "default"}],
          "variants": [
            {"name": "control", "weight": 500, "weightType": "variable", "stickiness": "default"},
            {"name": "treatment", "weight": 500, "weightType": "variable",
             "stickiness": "default", "payload": {"type": "string", "value": "v2"}}]},
          "development": {"enabled": true, "variants": [
            {"name": "only", "weight": 1000, "weightType": "variable"}]}}})"));
    ASSERT_TRUE(feature.ok()) << feature.status().ToString();
  }
  void TearDown() override {
    service_.reset();
    flags_.reset();
    if (publisher_) publisher_->Stop();
  }
  store::Database& db() { return test_db_->db(); }

  static core::Json Draft(const std::string& key) {
    return {{"key", key},
            {"environment", "production"},
            {"feature", "checkout"},
            {"controlVariant", "control"},
            {"metrics", core::Json::parse(R"([{"metric": "conversion", "role": "goal"},
                                              {"metric": "latency", "role": "guardrail"}])")}};
  }
  Experiment Create(const std::string& key) {
    auto e = service_->CreateExperiment(kAlice, Draft(key));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : Experiment{};
  }
  static void ExpectError(const core::Status& s, core::StatusCode code, const std::string& field) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(s.field(), field) << s.ToString();
  }
  std::vector<std::string> RunningKeys() {
    std::vector<std::string> keys;
    for (const RunningExperiment& r : running_.Current()->All()) keys.push_back(r.key);
    return keys;
  }
  std::vector<store::AuditEntry> Audit() { return store::testing::AuditEntries(db()); }

  std::unique_ptr<store::testing::TestDatabase> test_db_;
  core::FakeClock clock_;
  flags::SnapshotRegistry registry_;
  std::unique_ptr<flags::SnapshotPublisher> publisher_;
  std::unique_ptr<flags::FlagService> flags_;
  RunningExperiments running_;
  std::unique_ptr<ExperimentService> service_;
};

TEST_P(ExperimentServiceTest, CreateChecksEveryReferenceAgainstTheWorld) {
  struct Case {
    const char* name;
    const char* patch;
    core::StatusCode code;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"unknown environment", R"({"environment": "staging"})", core::StatusCode::kInvalidArgument,
       "environment"},
      {"unknown feature", R"({"feature": "nope"})", core::StatusCode::kInvalidArgument, "feature"},
      {"one variant", R"({"environment": "development", "controlVariant": "only"})",
       core::StatusCode::kInvalidArgument, "feature"},
      {"control not a variant", R"({"controlVariant": "blue"})", core::StatusCode::kInvalidArgument,
       "controlVariant"},
      {"unknown metric",
       R"({"metrics": [{"metric": "conversion", "role": "goal"},
                       {"metric": "revenue", "role": "secondary"}]})",
       core::StatusCode::kInvalidArgument, "metrics[1].metric"},
      {"bad body", R"({"metrics": [{"metric": "conversion", "role": "main"}]})",
       core::StatusCode::kInvalidArgument, "metrics[0].role"},
  };
  for (const Case& c : cases) {
    core::Json body = Draft("x");
    body.merge_patch(core::Json::parse(c.patch));
    auto e = service_->CreateExperiment(kAlice, body);
    ASSERT_FALSE(e.ok()) << c.name;
    EXPECT_EQ(e.status().code(), c.code) << c.name << ": " << e.status().ToString();
    EXPECT_EQ(e.status().field(), c.field) << c.name << ": " << e.status().ToString();
  }
  Experiment e = Create("checkout-v2");
  EXPECT_EQ(e.status, ExperimentStatus::kDraft);
  EXPECT_EQ(e.version, 1);
  EXPECT_EQ(e.created_at, clock_.Now());
  EXPECT_EQ(service_->CreateExperiment(kAlice, Draft("checkout-v2")).status().code(),
            core::StatusCode::kAlreadyExists);
  auto got = service_->GetExperiment("checkout-v2");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, e);
  EXPECT_EQ(service_->GetExperiment("nope").status().code(), core::StatusCode::kNotFound);
  auto audit = Audit();
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].action, "experiment.create");
  EXPECT_EQ(audit[0].resource, "experiments/checkout-v2");
  EXPECT_EQ(audit[0].actor, "alice");
}

TEST_P(ExperimentServiceTest, LifecycleAllowsOnlyItsTransitionsAndPublishesTheRunningOnes) {
  Create("exp");
  ExpectError(service_->Stop(kAlice, "exp", std::nullopt).status(), core::StatusCode::kConflict,
              "");
  ExpectError(
      service_
          ->Conclude(kAlice, "exp", core::Json::parse(R"({"decision": "rollback"})"), std::nullopt)
          .status(),
      core::StatusCode::kConflict, "");
  EXPECT_TRUE(RunningKeys().empty());

  clock_.Advance(std::chrono::minutes(5));
  auto started = service_->Start(kAlice, "exp", 1);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_EQ(started->status, ExperimentStatus::kRunning);
  EXPECT_EQ(started->arms, (std::vector<Arm>{{"control", 500}, {"treatment", 500}}));
  EXPECT_EQ(started->started_at, clock_.Now());
  EXPECT_EQ(started->version, 2);
  EXPECT_EQ(RunningKeys(), std::vector<std::string>{"exp"});
  const RunningExperiment* published = running_.Current()->Resolve("production", "checkout");
  ASSERT_NE(published, nullptr);
  EXPECT_EQ(*published, (RunningExperiment{"exp", "production", "checkout", "userId", "control",
                                           started->arms, clock_.Now(), std::nullopt}));
  ExpectError(service_->Start(kAlice, "exp", std::nullopt).status(), core::StatusCode::kConflict,
              "");
  ExpectError(service_->DeleteExperiment(kAlice, "exp", std::nullopt), core::StatusCode::kConflict,
              "");

  clock_.Advance(std::chrono::hours(24));
  auto stopped = service_->Stop(kAlice, "exp", std::nullopt);
  ASSERT_TRUE(stopped.ok()) << stopped.status().ToString();
  EXPECT_EQ(stopped->status, ExperimentStatus::kStopped);
  EXPECT_EQ(stopped->stopped_at, clock_.Now());
  EXPECT_TRUE(RunningKeys().empty());
  ExpectError(service_->Start(kAlice, "exp", std::nullopt).status(), core::StatusCode::kConflict,
              "");

  auto concluded = service_->Conclude(
      kAlice, "exp", core::Json::parse(R"({"decision": "inconclusive", "reason": "flat"})"),
      std::nullopt);
  ASSERT_TRUE(concluded.ok()) << concluded.status().ToString();
  EXPECT_EQ(concluded->status, ExperimentStatus::kConcluded);
  EXPECT_EQ(concluded->conclusion,
            (Conclusion{Decision::kInconclusive, std::nullopt, "flat", "alice", clock_.Now()}));
  EXPECT_EQ(concluded->stopped_at, stopped->stopped_at);
  ExpectError(
      service_
          ->Conclude(kAlice, "exp", core::Json::parse(R"({"decision": "rollback"})"), std::nullopt)
          .status(),
      core::StatusCode::kConflict, "");

  std::vector<std::string> actions;
  for (const auto& entry : Audit()) actions.push_back(entry.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"experiment.conclude", "experiment.stop",
                                               "experiment.start", "experiment.create",
                                               "flag.create", "metric.create", "metric.create"}));
  // A concluded experiment can be deleted.
  EXPECT_TRUE(service_->DeleteExperiment(kAlice, "exp", std::nullopt).ok());
  EXPECT_EQ(Audit()[0].action, "experiment.delete");
}

TEST_P(ExperimentServiceTest, ASecondRunningExperimentOnTheFeatureIsRefused) {
  Create("first");
  Create("second");
  ASSERT_TRUE(service_->Start(kAlice, "first", std::nullopt).ok());
  auto second = service_->Start(kAlice, "second", std::nullopt);
  ASSERT_EQ(second.status().code(), core::StatusCode::kConflict) << second.status().ToString();
  EXPECT_NE(second.status().message().find("first"), std::string::npos);
  // Concluding a running experiment stops it, which frees the feature.
  ASSERT_TRUE(service_
                  ->Conclude(kAlice, "first", core::Json::parse(R"({"decision": "rollback"})"),
                             std::nullopt)
                  .ok());
  EXPECT_TRUE(RunningKeys().empty());
  ASSERT_TRUE(service_->Start(kAlice, "second", std::nullopt).ok());
  EXPECT_EQ(RunningKeys(), std::vector<std::string>{"second"});
}

TEST_P(ExperimentServiceTest, StartChecksTheFeatureAgain) {
  Create("exp");
  ASSERT_TRUE(flags_
                  ->SetVariants(kAlice, "checkout", "production",
                                core::Json::parse(R"({"variants": [{"name": "treatment",
                                    "weight": 1000, "weightType": "variable"}]})"),
                                std::nullopt)
                  .ok());
  ExpectError(service_->Start(kAlice, "exp", std::nullopt).status(), core::StatusCode::kConflict,
              "feature");
}

TEST_P(ExperimentServiceTest, ShipMakesTheVariantTheFeaturesOnlyOneAndBothChangesAreAudited) {
  Create("exp");
  ASSERT_TRUE(service_->Start(kAlice, "exp", std::nullopt).ok());
  ExpectError(
      service_
          ->Conclude(kAlice, "exp", core::Json::parse(R"({"decision": "ship", "variant": "blue"})"),
                     std::nullopt)
          .status(),
      core::StatusCode::kInvalidArgument, "variant");
  auto shipped = service_->Conclude(
      kAlice, "exp",
      core::Json::parse(R"({"decision": "ship", "variant": "treatment", "reason": "won"})"), 2);
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  EXPECT_EQ(shipped->conclusion->decision, Decision::kShip);
  EXPECT_EQ(shipped->conclusion->variant, "treatment");
  auto feature = flags_->GetFeature("checkout");
  ASSERT_TRUE(feature.ok());
  const auto& variants = feature->environments.at("production").variants;
  ASSERT_EQ(variants.size(), 1u);
  EXPECT_EQ(variants[0].name, "treatment");
  EXPECT_EQ(variants[0].weight, 1000);
  ASSERT_TRUE(variants[0].payload);
  EXPECT_EQ(variants[0].payload->value, "v2");
  // Development keeps its variants.
  EXPECT_EQ(feature->environments.at("development").variants.size(), 1u);
  // Both changes are audited (in one transaction: their order within it does not matter).
  auto audit = Audit();
  ASSERT_GE(audit.size(), 2u);
  std::map<std::string, store::AuditEntry> latest;
  for (size_t i = 0; i < 2; ++i) latest[audit[i].action] = audit[i];
  ASSERT_EQ(latest.count("experiment.conclude"), 1u);
  ASSERT_EQ(latest.count("flag.variants"), 1u);
  EXPECT_EQ(latest["flag.variants"].resource, "flags/checkout");
  EXPECT_EQ(latest["flag.variants"].actor, "alice");
  EXPECT_TRUE(RunningKeys().empty());
}

// The experiment store of the service, failing every Update when told to.
class FailingUpdates final : public store::ExperimentStore {
 public:
  explicit FailingUpdates(store::ExperimentStore& real) : real_(real) {}
  bool fail = false;
  core::Status Insert(store::Transaction& tx, const store::ExperimentRecord& e) override {
    return real_.Insert(tx, e);
  }
  core::StatusOr<std::optional<store::ExperimentRecord>> Find(store::Transaction& tx,
                                                              const std::string& key) override {
    return real_.Find(tx, key);
  }
  core::StatusOr<store::Page<store::ExperimentRecord>> List(
      store::Transaction& tx, const store::PageRequest& page) override {
    return real_.List(tx, page);
  }
  core::StatusOr<std::vector<store::ExperimentRecord>> ListByStatus(
      store::Transaction& tx, const std::string& status) override {
    return real_.ListByStatus(tx, status);
  }
  core::StatusOr<std::vector<store::ExperimentRecord>> ListForFeature(
      store::Transaction& tx, const std::string& environment, const std::string& feature) override {
    return real_.ListForFeature(tx, environment, feature);
  }
  core::StatusOr<std::vector<std::string>> ListUsingMetric(store::Transaction& tx,
                                                           const std::string& metric) override {
    return real_.ListUsingMetric(tx, metric);
  }
  core::StatusOr<store::ExperimentRecord> Update(store::Transaction& tx,
                                                 const store::ExperimentRecord& e,
                                                 std::optional<int64_t> expected_version,
                                                 core::TimePoint now) override {
    if (fail) return core::Unavailable("injected: the experiment could not be written");
    return real_.Update(tx, e, expected_version, now);
  }
  core::Status Delete(store::Transaction& tx, const std::string& key,
                      std::optional<int64_t> expected_version) override {
    return real_.Delete(tx, key, expected_version);
  }

 private:
  store::ExperimentStore& real_;
};

// Shipping changes the flag and records the conclusion in one transaction: when the conclusion
// cannot be written, the flag keeps its variants (no reader ever sees the variant shipped by
// an experiment that is not concluded).
TEST_P(ExperimentServiceTest, AShipWhoseConclusionFailsLeavesTheFlagUnchanged) {
  Create("exp");
  ASSERT_TRUE(service_->Start(kAlice, "exp", std::nullopt).ok());
  const ExperimentRepositories sql = SqlExperimentRepositories();
  FailingUpdates failing(sql.experiments);
  ExperimentService service(
      db(), *flags_, running_, clock_,
      ExperimentRepositories{failing, sql.metrics, sql.environments, sql.audit});
  ASSERT_TRUE(service.open_status().ok());
  auto before = flags_->GetFeature("checkout");
  ASSERT_TRUE(before.ok());
  const size_t audited = Audit().size();
  failing.fail = true;
  auto shipped = service.Conclude(
      kAlice, "exp", core::Json::parse(R"({"decision": "ship", "variant": "treatment"})"),
      std::nullopt);
  EXPECT_EQ(shipped.status().code(), core::StatusCode::kUnavailable) << shipped.status().ToString();
  auto after = flags_->GetFeature("checkout");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->environments, before->environments);
  EXPECT_EQ(after->version, before->version);
  EXPECT_EQ(Audit().size(), audited);
  auto stored = service_->GetExperiment("exp");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, ExperimentStatus::kRunning);
  // Once the store works, the same request ships.
  failing.fail = false;
  shipped = service.Conclude(kAlice, "exp",
                             core::Json::parse(R"({"decision": "ship", "variant": "treatment"})"),
                             std::nullopt);
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  EXPECT_EQ(flags_->GetFeature("checkout")->environments.at("production").variants.size(), 1u);
}

TEST_P(ExperimentServiceTest, AMetricInUseCannotBeDeletedNorRedefinedPastDraft) {
  Create("exp");
  auto in_use = service_->DeleteMetric(kAlice, "latency", std::nullopt);
  ASSERT_EQ(in_use.code(), core::StatusCode::kConflict) << in_use.ToString();
  EXPECT_NE(in_use.message().find("exp"), std::string::npos) << in_use.message();
  // A draft's metric may be redefined.
  auto redefined = service_->ReplaceMetric(
      kAlice, "latency", core::Json::parse(R"({"type": "mean", "numerator": {"event": "page_load",
          "aggregation": "count"}, "direction": "lowerIsBetter"})"),
      1);
  ASSERT_TRUE(redefined.ok()) << redefined.status().ToString();
  EXPECT_EQ(redefined->version, 2);
  EXPECT_EQ(redefined->numerator.aggregation, Aggregation::kCount);
  ASSERT_TRUE(service_->Start(kAlice, "exp", std::nullopt).ok());
  auto frozen = service_->ReplaceMetric(
      kAlice, "latency",
      core::Json::parse(R"({"type": "mean", "numerator": {"event": "page_load"}})"), std::nullopt);
  EXPECT_EQ(frozen.status().code(), core::StatusCode::kConflict) << frozen.status().ToString();
  auto described = service_->ReplaceMetric(
      kAlice, "latency", core::Json::parse(R"({"type": "mean", "numerator": {"event": "page_load",
          "aggregation": "count"}, "direction": "lowerIsBetter", "description": "p50"})"),
      std::nullopt);
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_EQ(described->description, "p50");
  ExpectError(service_
                  ->ReplaceMetric(kAlice, "latency", core::Json::parse(R"({"name": "other"})"),
                                  std::nullopt)
                  .status(),
              core::StatusCode::kInvalidArgument, "name");
  ASSERT_TRUE(service_->Stop(kAlice, "exp", std::nullopt).ok());
  ASSERT_TRUE(service_->DeleteExperiment(kAlice, "exp", std::nullopt).ok());
  EXPECT_TRUE(service_->DeleteMetric(kAlice, "latency", 3).ok());
  EXPECT_EQ(service_->GetMetric("latency").status().code(), core::StatusCode::kNotFound);
}

TEST_P(ExperimentServiceTest, PastDraftOnlyNameHypothesisAndAnalysisChange) {
  Create("exp");
  // A draft may change anything but its key.
  core::Json body = Draft("exp");
  body["metrics"] = core::Json::parse(R"([{"metric": "latency", "role": "goal"}])");
  body["hypothesis"] = "faster pages convert";
  auto replaced = service_->ReplaceExperiment(kAlice, "exp", body, 1);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->metrics, (std::vector<ExperimentMetric>{{"latency", MetricRole::kGoal}}));
  EXPECT_EQ(replaced->version, 2);
  ExpectError(service_->ReplaceExperiment(kAlice, "exp", Draft("other"), std::nullopt).status(),
              core::StatusCode::kInvalidArgument, "key");
  ExpectError(service_->ReplaceExperiment(kAlice, "exp", body, 1).status(),
              core::StatusCode::kConflict, "");

  ASSERT_TRUE(service_->Start(kAlice, "exp", std::nullopt).ok());
  core::Json running = ExperimentToJson(*service_->GetExperiment("exp"));
  running["name"] = "Faster checkout";
  running["analysis"]["alpha"] = 0.01;
  auto renamed = service_->ReplaceExperiment(kAlice, "exp", running, 3);
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(renamed->name, "Faster checkout");
  EXPECT_EQ(renamed->analysis.alpha, 0.01);
  EXPECT_EQ(renamed->status, ExperimentStatus::kRunning);
  EXPECT_EQ(renamed->arms.size(), 2u);
  running["controlVariant"] = "treatment";
  ExpectError(service_->ReplaceExperiment(kAlice, "exp", running, std::nullopt).status(),
              core::StatusCode::kConflict, "controlVariant");
  EXPECT_EQ(
      service_->ReplaceExperiment(kAlice, "nope", Draft("nope"), std::nullopt).status().code(),
      core::StatusCode::kNotFound);
}

TEST_P(ExperimentServiceTest, StaleVersionsAreConflicts) {
  Create("exp");
  EXPECT_EQ(service_->Start(kAlice, "exp", 2).status().code(), core::StatusCode::kConflict);
  EXPECT_EQ(service_->DeleteExperiment(kAlice, "exp", 2).code(), core::StatusCode::kConflict);
  EXPECT_EQ(service_
                ->ReplaceMetric(kAlice, "conversion", core::Json::parse(R"({"type": "proportion",
                                        "numerator": {"event": "buy"}})"),
                                4)
                .status()
                .code(),
            core::StatusCode::kConflict);
  EXPECT_EQ(service_->DeleteMetric(kAlice, "nope", std::nullopt).code(),
            core::StatusCode::kNotFound);
  ASSERT_TRUE(service_->Start(kAlice, "exp", 1).ok());
  EXPECT_EQ(service_->Stop(kAlice, "exp", 1).status().code(), core::StatusCode::kConflict);
  EXPECT_TRUE(service_->Stop(kAlice, "exp", 2).ok());
}

TEST_P(ExperimentServiceTest, ANewServicePublishesTheStoredRunningExperiments) {
  Create("exp");
  ASSERT_TRUE(service_->Start(kAlice, "exp", std::nullopt).ok());
  RunningExperiments fresh;
  ExperimentService reopened(db(), *flags_, fresh, clock_);
  ASSERT_TRUE(reopened.open_status().ok());
  ASSERT_EQ(fresh.Current()->All().size(), 1u);
  EXPECT_EQ(fresh.Current()->All()[0], running_.Current()->All()[0]);
}

TEST_P(ExperimentServiceTest, MetricsListInPagesAndRoundTrip) {
  auto page = service_->ListMetrics({1, ""});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "conversion");
  EXPECT_EQ(page->next_cursor, "conversion");
  auto rest = service_->ListMetrics({10, page->next_cursor});
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].direction, Direction::kLowerIsBetter);
  EXPECT_EQ(*service_->GetMetric("latency"), rest->items[0]);
  EXPECT_EQ(service_->CreateMetric(kAlice, MetricDefinitionToJson(rest->items[0])).status().code(),
            core::StatusCode::kAlreadyExists);
  Create("b");
  Create("a");
  auto experiments = service_->ListExperiments({1, ""});
  ASSERT_TRUE(experiments.ok());
  EXPECT_EQ(experiments->items[0].key, "a");
  EXPECT_EQ(service_->ListExperiments({1, experiments->next_cursor})->items[0].key, "b");
}

}  // namespace gov::experiments::testing
