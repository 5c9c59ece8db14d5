#pragma once

// Fakes and a fixture for control-loop tests: a fake platform behind a fake hook, a fake
// Prometheus, and a loop on a temp SQLite database driven by a FakeClock.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "controller/control_loop.h"
#include "controller/leader.h"
#include "controller/metric_source.h"
#include "controller/target_service.h"
#include "core/clock.h"
#include "store/decision_epoch_repository.h"
#include "store/decision_repository.h"
#include "store/target_state_repository.h"
#include "tests/store/test_databases.h"
#include "tests/testing/temp_dir.h"

namespace gov::controller::testing {

// The platform a fake hook drives: its replica count and every request it received.
struct FakePlatform {
  int replicas = 0;
  bool readable = false;          // ReadReplicas returns `replicas` (else nullopt, like a webhook)
  int fail_scales = 0;            // the next N Scale calls fail (kUnavailable)
  int fail_reads = 0;             // the next N ReadReplicas calls fail
  bool apply_on_failure = false;  // a failing Scale still changes the count (a timeout after apply)
  std::vector<ScaleRequest> requests;
  int reads = 0;
};

class FakeHook final : public Hook {
 public:
  explicit FakeHook(std::shared_ptr<FakePlatform> platform) : p_(std::move(platform)) {}
  std::string_view kind() const override { return "webhook"; }
  core::StatusOr<std::optional<int>> ReadReplicas() override {
    ++p_->reads;
    if (p_->fail_reads > 0) {
      --p_->fail_reads;
      return core::Unavailable("platform API down");
    }
    if (!p_->readable) return std::optional<int>();
    return std::optional<int>(p_->replicas);
  }
  core::Status Scale(const ScaleRequest& request) override {
    p_->requests.push_back(request);
    if (p_->fail_scales > 0) {
      --p_->fail_scales;
      if (p_->apply_on_failure) p_->replicas = request.to_replicas;
      return core::Unavailable("http://hook.test/scale answered 503");
    }
    p_->replicas = request.to_replicas;
    return core::Status::Ok();
  }

 private:
  std::shared_ptr<FakePlatform> p_;
};

// Answers queries from a table: query -> value (missing entries fail like an empty result).
class FakePrometheus final : public integrations::PrometheusQuerier {
 public:
  core::StatusOr<integrations::PrometheusValue> Query(const std::string&, const std::string& query,
                                                      core::Duration, core::TimePoint at) override {
    ++queries;
    auto it = values.find(query);
    if (it == values.end())
      return core::FailedPrecondition("prometheus: the query returned no series");
    return integrations::PrometheusValue{it->second, at};
  }
  std::map<std::string, double> values;
  int queries = 0;
};

// A push-metric target shaped like config/examples/web.yaml, without Prometheus:
// 3..50 replicas, cpu Utilization 70 and rps AverageValue 1000, HPA default behavior,
// cooldowns 60 s / 300 s, sync every 15 s.
inline core::Json WebTarget(const std::string& name = "web", const std::string& mode = "active") {
  return core::Json{
      {"name", name},
      {"mode", mode},
      {"minReplicas", 3},
      {"maxReplicas", 50},
      {"syncPeriodSeconds", 15},
      {"tolerance", 0.1},
      {"metrics",
       {{{"name", "cpu"}, {"type", "Utilization"}, {"target", 70}, {"source", "push"}},
        {{"name", "rps"}, {"type", "AverageValue"}, {"target", 1000}, {"source", "push"}}}},
      {"cooldown", {{"scaleUpSeconds", 60}, {"scaleDownSeconds", 300}}},
      {"hook", {{"webhook", {{"url", "http://hook.test/scale"}, {"secret", "s"}}}}}};
}

// A fresh SQLite URL in a directory under /dev/shm when it exists (else the temp dir): commits
// fsync, and RAM keeps hours of simulated syncs fast. The directory is removed at exit.
inline std::string MemoryBackedSqliteUrl() {
  static const gov::testing::TempDir dir("gov_loop", std::filesystem::exists("/dev/shm")
                                                         ? std::filesystem::path("/dev/shm")
                                                         : std::filesystem::temp_directory_path());
  static std::atomic<int> n{0};
  return "sqlite://" + (dir.path() / ("t" + std::to_string(n++) + ".db")).string();
}

// Opens the database at `url` (sqlite:// or postgres://), migrating it when asked.
inline std::unique_ptr<store::Database> OpenTestDatabase(const std::string& url, bool migrate) {
  auto db = store::OpenDatabase(url);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (migrate) {
    EXPECT_TRUE(store::Migrate(**db).ok());
  }
  return std::move(db).value();
}

// Makes the caller the controller leader of `db` (advances the epoch, as an elected leader
// does) and returns the new epoch.
inline int64_t AdvanceEpoch(store::Database& db, core::TimePoint now) {
  int64_t epoch = 0;
  EXPECT_TRUE(
      store::WithTransaction(db, store::TxMode::kReadWrite,
                             [&](store::Transaction& tx) -> core::Status {
                               ASSIGN_OR_RETURN(
                                   epoch, store::DecisionEpochRepository::Advance(tx, "test", now));
                               return core::Status::Ok();
                             })
          .ok());
  return epoch;
}

// For PostgreSQL loop tests, a base listed before the LoopFixture: creates a fresh database on
// the server named by GOVERNOR_TEST_PG_URL before the fixture opens it, and drops it after the
// fixture closed it. `pg` is null without the server (the test then fails on ASSERT_TRUE(pg)).
struct PostgresHolder {
  PostgresHolder() {
    if (store::testing::PostgresTestDatabase::Available()) {
      pg = std::make_unique<store::testing::PostgresTestDatabase>();
    }
  }
  std::unique_ptr<store::testing::PostgresTestDatabase> pg;
};

class LoopFixture : public ::testing::Test {
 protected:
  LoopFixture() : LoopFixture(MemoryBackedSqliteUrl()) {}
  // On the database at `url` (SQLite or PostgreSQL), migrated here.
  explicit LoopFixture(std::string url) : db_url_(std::move(url)) { Open(); }

  // (Re)creates the loop on the same database, as a restarted process would.
  void Open(ControlLoopOptions options = {}) {
    loop_.reset();
    options.id_seed = options.id_seed ? options.id_seed : 42 + opens_++;
    router_ = std::make_unique<SourceRouter>(push_, prometheus_);
    loop_ = std::make_unique<ControlLoop>(
        db(), clock_, *router_,
        [this](const TargetSpec& spec) -> core::StatusOr<std::unique_ptr<Hook>> {
          ++hooks_built_;
          return std::unique_ptr<Hook>(std::make_unique<FakeHook>(Platform(spec.name)));
        },
        nullptr, options);
  }

  store::Database& db() { return *db_; }
  // Another handle on the same database, as another process would open it.
  std::unique_ptr<store::Database> OpenAnother() { return OpenTestDatabase(db_url_, false); }
  std::shared_ptr<FakePlatform>& Platform(const std::string& target) {
    auto& p = platforms_[target];
    if (!p) p = std::make_shared<FakePlatform>();
    return p;
  }
  TargetService& service() {
    if (!service_) service_ = std::make_unique<TargetService>(db(), clock_, push_, nullptr);
    return *service_;
  }
  void Create(const core::Json& target) {
    auto created = service().Create({"test", "req"}, target);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }
  void Replace(const std::string& name, const core::Json& target) {
    auto replaced = service().Replace({"test", "req"}, name, target, std::nullopt);
    ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  }
  // Pushes one value per metric, sampled now, from instance "a".
  void Push(const std::string& target, const std::map<std::string, double>& values,
            const std::string& instance = "a") {
    core::Json samples = core::Json::array();
    for (const auto& [metric, value] : values) {
      samples.push_back({{"metric", metric}, {"value", value}, {"instance", instance}});
    }
    auto pushed = service().PushMetrics(target, {{"samples", samples}});
    ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  }
  int64_t Lead() { return AdvanceEpoch(db(), clock_.Now()); }
  SyncSummary Sync(int64_t epoch) {
    auto s = loop_->SyncDue(epoch);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : SyncSummary{};
  }
  std::vector<core::Json> Decisions(const std::string& target, int limit = 1000) {
    auto page = service().Decisions(target, store::PageRequest{limit, ""});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<core::Json> out;
    if (page.ok()) {
      for (const auto& d : page->items) out.push_back(DecisionRecordToJson(d));
    }
    return out;
  }
  core::Json Latest(const std::string& target) {
    auto d = Decisions(target, 1);
    return d.empty() ? core::Json() : d.front();
  }
  std::optional<store::TargetStateRecord> State(const std::string& target) {
    auto tx = db().Begin(store::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto s = store::TargetStateRepository::Find(**tx, target);
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : std::nullopt;
  }

  std::string db_url_;
  std::unique_ptr<store::Database> db_ = OpenTestDatabase(db_url_, /*migrate=*/true);
  int opens_ = 0;
  core::FakeClock clock_{core::FromUnixSeconds(1'700'000'000)};
  PushMetricStore push_;
  FakePrometheus prometheus_;
  std::unique_ptr<SourceRouter> router_;
  std::unique_ptr<ControlLoop> loop_;
  std::unique_ptr<TargetService> service_;
  std::map<std::string, std::shared_ptr<FakePlatform>> platforms_;
  int hooks_built_ = 0;
};

}  // namespace gov::controller::testing
