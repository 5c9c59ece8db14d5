// Cost of experiment results from stored aggregates: an experiment with 1,000,000 units in 4
// variants, 10 metrics (4 proportion, 4 mean, 2 ratio; CUPED on) and 30 days of daily
// sufficient statistics (1,200 rows), in a SQLite database on disk.
//   BM_ResultsServiceGet: ResultsService::Get (one read transaction, then ComputeResults) -
//     what GET /api/v1/experiments/{key}/results costs besides HTTP.
//   BM_ComputeResults: the pure computation alone (totals, 30-day series, corrections, SRM).
//   BM_AggregateEvents: the aggregator's throughput: 20,000 units, each one exposure and four
//     track events (100,000 events), into a fresh database with the same 10 metrics.
//   BM_AggregateNewUnitExposures: 100,000 units with one exposure each and one metric, the
//     aggregation of server-side exposures when every request is a new user.
//   BM_Aggregate*Postgres: the same on a scratch database of the PostgreSQL server in
//     GOVERNOR_TEST_PG_URL (skipped when unset), events per second of wall time.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/clock.h"
#include "experiments/aggregator.h"
#include "experiments/experiment_json.h"
#include "experiments/results.h"
#include "experiments/results_service.h"
#include "experiments/sql_experiment_catalog.h"
#include "store/event_repository.h"
#include "store/experiment_aggregate_repository.h"
#include "store/experiment_repository.h"
#include "store/metric_repository.h"
#include "store/migrations.h"

namespace gov::experiments {
namespace {

constexpr int64_t kUnits = 1'000'000;
constexpr int kDays = 30;
constexpr int64_t kDay0 = 20'000;
const std::vector<std::string> kVariants = {"control", "a", "b", "c"};

std::vector<MetricDefinition> Metrics() {
  std::vector<MetricDefinition> out;
  for (int i = 0; i < 10; ++i) {
    MetricDefinition m;
    m.name = "m" + std::to_string(i);
    m.type = i < 4 ? MetricType::kProportion : i < 8 ? MetricType::kMean : MetricType::kRatio;
    m.numerator = {"event" + std::to_string(i), Aggregation::kSum};
    if (m.type == MetricType::kRatio) m.denominator = EventAggregate{"visit", Aggregation::kCount};
    m.direction = i % 3 == 0 ? Direction::kLowerIsBetter : Direction::kHigherIsBetter;
    out.push_back(std::move(m));
  }
  return out;
}

Experiment MakeExperiment(const std::vector<MetricDefinition>& metrics) {
  Experiment e;
  e.key = "bench";
  e.name = "bench";
  e.environment = "production";
  e.feature = "checkout";
  e.control_variant = "control";
  for (const MetricDefinition& m : metrics) {
    e.metrics.push_back({m.name, e.metrics.empty() ? MetricRole::kGoal : MetricRole::kSecondary});
  }
  e.status = ExperimentStatus::kRunning;
  for (const std::string& v : kVariants) e.arms.push_back({v, 250});
  e.analysis.cuped_lookback_seconds = 14 * 86400;
  e.started_at = core::FromUnixMillis(kDay0 * kMillisPerDay);
  return e;
}

// Per-unit values drawn with a fixed seed, summed into per-day deltas: each unit joins on a
// uniformly drawn day with its final values.
// Also keeps every unit's variant and values (the baseline rescans them).
std::vector<DailyStatsDelta> Aggregates(const std::vector<MetricDefinition>& metrics,
                                        std::vector<uint8_t>& unit_variants,
                                        std::vector<UnitMetricValue>& unit_values) {
  unit_variants.reserve(kUnits);
  unit_values.reserve(kUnits * metrics.size());
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> variant_of(0, static_cast<int>(kVariants.size()) - 1);
  std::uniform_int_distribution<int> day_of(0, kDays - 1);
  std::bernoulli_distribution converts(0.1);
  std::exponential_distribution<double> amount(0.05);
  std::poisson_distribution<int> visits(3);
  std::map<std::tuple<int64_t, int, size_t>, SufficientStats> cells;
  for (int64_t u = 0; u < kUnits; ++u) {
    const int v = variant_of(rng);
    unit_variants.push_back(static_cast<uint8_t>(v));
    const int64_t day = kDay0 + day_of(rng);
    for (size_t m = 0; m < metrics.size(); ++m) {
      UnitMetricValue value;
      switch (metrics[m].type) {
        case MetricType::kProportion:
          value.value = converts(rng) ? 1 : 0;
          value.pre_value = converts(rng) ? 1 : 0;
          break;
        case MetricType::kMean:
          value.value = amount(rng);
          value.pre_value = 0.5 * value.value + amount(rng);
          break;
        case MetricType::kRatio:
          value.denominator = 1 + visits(rng);
          value.value = amount(rng) * value.denominator / 4;
          break;
      }
      cells[{day, v, m}] += Contribution(value);
      unit_values.push_back(value);
    }
  }
  std::vector<DailyStatsDelta> out;
  for (const auto& [key, stats] : cells) {
    const auto& [day, v, m] = key;
    out.push_back(DailyStatsDelta{day, kVariants[v], metrics[m].name, stats});
  }
  return out;
}

// The PostgreSQL server the *Postgres benchmarks use (GOVERNOR_TEST_PG_URL), or "".
std::string PgBase() {
  const char* url = std::getenv("GOVERNOR_TEST_PG_URL");
  return url ? url : "";
}

struct Fixture {
  // `with_aggregates`: the 1,000,000-unit experiment "bench" and its daily rows; else only the
  // metric definitions. SQLite in a temp directory, or a scratch database on the PostgreSQL
  // server of PgBase() (dropped afterwards).
  explicit Fixture(bool with_aggregates = true, store::Backend backend = store::Backend::kSqlite) {
    const std::string suffix = std::to_string(std::random_device{}());
    std::string url;
    if (backend == store::Backend::kPostgres) {
      pg_name = "gov_results_bench_" + suffix;
      Check(Psql("CREATE DATABASE " + pg_name));
      url = PgBase().substr(0, PgBase().rfind('/') + 1) + pg_name;
    } else {
      dir = std::filesystem::temp_directory_path() / ("gov_results_bench_" + suffix);
      std::filesystem::create_directories(dir);
      url = "sqlite://" + (dir / "bench.db").string();
    }
    db = std::move(store::OpenDatabase(url, 4)).value();
    Check(store::Migrate(*db));
    metrics = Metrics();
    experiment = MakeExperiment(metrics);
    if (!with_aggregates) {
      Check(store::WithTransaction(*db, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
        const core::TimePoint t = core::FromUnixMillis(kDay0 * kMillisPerDay);
        for (const MetricDefinition& m : metrics) {
          RETURN_IF_ERROR(store::MetricRepository::Insert(
              tx, {m.name, MetricDefinitionToJson(m).dump(), 1, t, t}));
        }
        return core::Status::Ok();
      }));
      return;
    }
    deltas = Aggregates(metrics, unit_variants, unit_values);
    Check(store::WithTransaction(*db, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
      const core::TimePoint t = core::FromUnixMillis(kDay0 * kMillisPerDay);
      for (const MetricDefinition& m : metrics) {
        RETURN_IF_ERROR(store::MetricRepository::Insert(
            tx, {m.name, MetricDefinitionToJson(m).dump(), 1, t, t}));
      }
      store::ExperimentRecord r;
      r.key = experiment.key;
      r.environment = experiment.environment;
      r.feature = experiment.feature;
      r.status = "running";
      r.spec_json = ExperimentToJson(experiment).dump();
      for (const MetricDefinition& m : metrics) r.metrics.push_back(m.name);
      r.created_at = r.updated_at = t;
      r.started_at = experiment.started_at;
      RETURN_IF_ERROR(store::ExperimentRepository::Insert(tx, r));
      std::vector<store::DailyStatsRecord> rows;
      for (const DailyStatsDelta& d : deltas) {
        const SufficientStats& s = d.delta;
        rows.push_back({d.variant, d.metric, d.day, s.n, s.sum, s.sum_squares, s.den_sum,
                        s.den_sum_squares, s.cross_sum, s.pre_sum, s.pre_sum_squares,
                        s.pre_cross_sum});
      }
      RETURN_IF_ERROR(store::ExperimentAggregateRepository::AddDailyStats(tx, "bench", rows));
      return store::ExperimentAggregateRepository::AddCounters(tx, "bench", {kUnits + 5000, 120});
    }));
  }
  ~Fixture() {
    db.reset();
    if (!pg_name.empty()) (void)Psql("DROP DATABASE IF EXISTS " + pg_name + " WITH (FORCE)");
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  static core::Status Psql(const std::string& sql) {
    const std::string cmd = "psql -q '" + PgBase() + "' -c '" + sql + "' >/dev/null";
    if (std::system(cmd.c_str()) != 0) return core::Internal("psql failed: " + sql);
    return core::Status::Ok();
  }
  static void Check(const core::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "setup failed: %s\n", s.ToString().c_str());
      std::abort();
    }
  }

  std::filesystem::path dir;  // SQLite
  std::string pg_name;        // PostgreSQL
  std::unique_ptr<store::Database> db;
  std::vector<MetricDefinition> metrics;
  Experiment experiment;
  std::vector<DailyStatsDelta> deltas;
  std::vector<uint8_t> unit_variants;
  std::vector<UnitMetricValue> unit_values;  // unit-major: kUnits x metrics
};

Fixture& Shared() {
  static Fixture fixture;
  return fixture;
}

void BM_ResultsServiceGet(benchmark::State& state) {
  Fixture& f = Shared();
  core::FakeClock clock(core::FromUnixMillis((kDay0 + kDays) * kMillisPerDay));
  ResultsService service(*f.db, clock);
  int64_t units = 0;
  for (auto _ : state) {
    auto results = service.Get("bench");
    if (!results.ok()) {
      state.SkipWithError(results.status().ToString().c_str());
      return;
    }
    units = 0;
    for (const VariantSummary& v : results->variants) units += v.units;
    benchmark::DoNotOptimize(results);
  }
  state.counters["units"] = static_cast<double>(units);
  state.counters["rows"] = static_cast<double>(f.deltas.size());
}
BENCHMARK(BM_ResultsServiceGet)->Unit(benchmark::kMillisecond);

void BM_ComputeResults(benchmark::State& state) {
  Fixture& f = Shared();
  const core::TimePoint now = core::FromUnixMillis((kDay0 + kDays) * kMillisPerDay);
  for (auto _ : state) {
    Results r = ComputeResults(f.experiment, f.metrics, f.deltas, {kUnits + 5000, 120}, now);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ComputeResults)->Unit(benchmark::kMillisecond);

// The baseline: the totals alone (no series, no statistics) by a pass over every unit's values
// in memory, the least any computation from per-unit data costs.
void BM_RescanUnitValuesBaseline(benchmark::State& state) {
  Fixture& f = Shared();
  const size_t metrics = f.metrics.size();
  for (auto _ : state) {
    std::vector<SufficientStats> totals(kVariants.size() * metrics);
    for (size_t u = 0; u < f.unit_variants.size(); ++u) {
      SufficientStats* row = &totals[f.unit_variants[u] * metrics];
      for (size_t m = 0; m < metrics; ++m) row[m] += Contribution(f.unit_values[u * metrics + m]);
    }
    benchmark::DoNotOptimize(totals);
  }
}
BENCHMARK(BM_RescanUnitValuesBaseline)->Unit(benchmark::kMillisecond);

// Aggregates `units` units, each one exposure followed by `tracks` track events, from a fresh
// database into an experiment measuring the first `metric_count` metrics. Units are "u<n>"
// or, `random_units`, drawn with a fixed seed, so each unit's rows land at a random place in
// the unit-keyed tables, as users' ids do.
void AggregateFreshEvents(benchmark::State& state, int units, int tracks, size_t metric_count,
                          bool random_units, store::Backend backend = store::Backend::kSqlite) {
  if (backend == store::Backend::kPostgres && PgBase().empty()) {
    state.SkipWithError("GOVERNOR_TEST_PG_URL is not set (source scripts/lib/pg.sh; pg_start)");
    return;
  }
  int64_t events = 0;
  std::unique_ptr<Fixture> fixture;
  for (auto _ : state) {
    state.PauseTiming();
    fixture.reset();
    // A fresh database (its precomputed aggregates are another experiment's rows).
    fixture = std::make_unique<Fixture>(false, backend);
    Fixture& f = *fixture;
    f.experiment.key = "fresh";
    f.experiment.metrics.resize(metric_count);
    Fixture::Check(store::WithTransaction(
        *f.db, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
          store::ExperimentRecord r;
          r.key = "fresh";
          r.environment = "production";
          r.feature = "other";
          r.status = "running";
          r.spec_json = ExperimentToJson(f.experiment).dump();
          for (size_t i = 0; i < metric_count; ++i) r.metrics.push_back(f.metrics[i].name);
          r.created_at = r.updated_at = core::FromUnixMillis(kDay0 * kMillisPerDay);
          r.started_at = f.experiment.started_at;
          RETURN_IF_ERROR(store::ExperimentRepository::Insert(tx, r));
          const int64_t t0 = kDay0 * kMillisPerDay;
          std::mt19937_64 rng(7);
          int64_t id = 0;
          std::vector<store::EventRow> rows;
          for (int u = 0; u < units; ++u) {
            const std::string unit = random_units
                                         ? "user-" + std::to_string(rng() % 1'000'000'000'000)
                                         : "u" + std::to_string(u);
            store::EventRow exposure;
            exposure.environment = "production";
            exposure.id = std::to_string(++id);
            exposure.type = "exposure";
            exposure.name = "fresh";
            exposure.unit = unit;
            exposure.at_ms = exposure.received_at_ms = t0 + u;
            exposure.experiment = "fresh";
            exposure.feature = "other";
            exposure.variant = kVariants[static_cast<size_t>(u) % kVariants.size()];
            rows.push_back(std::move(exposure));
            for (int k = 0; k < tracks; ++k) {
              store::EventRow track;
              track.environment = "production";
              track.id = std::to_string(++id);
              track.type = "track";
              track.name = k == 3 ? std::string("visit") : "event" + std::to_string(k * 2);
              track.unit = unit;
              track.value = 1.5 * k;
              track.at_ms = track.received_at_ms = t0 + u + 1000 * (k + 1);
              rows.push_back(std::move(track));
            }
          }
          RETURN_IF_ERROR(store::EventRepository::Insert(tx, f.db->backend(), rows).status());
          events = id;
          return core::Status::Ok();
        }));
    SqlExperimentCatalog catalog;
    Aggregator aggregator(*f.db, catalog);
    state.ResumeTiming();
    for (;;) {
      auto n = aggregator.Step();
      if (!n.ok()) {
        state.SkipWithError(n.status().ToString().c_str());
        return;
      }
      if (*n == 0) break;
    }
  }
  fixture.reset();
  state.counters["events"] = static_cast<double>(events);
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events),
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

void BM_AggregateEvents(benchmark::State& state) {
  AggregateFreshEvents(state, 20'000, 4, 10, false);
}
BENCHMARK(BM_AggregateEvents)->Iterations(1)->Unit(benchmark::kMillisecond);

// What server-side exposure recording asks of the aggregation when every request is a new
// user: 100,000 units with one exposure each, one metric (none converts).
void BM_AggregateNewUnitExposures(benchmark::State& state) {
  AggregateFreshEvents(state, 100'000, 0, 1, true);
}
BENCHMARK(BM_AggregateNewUnitExposures)->Iterations(1)->Unit(benchmark::kMillisecond);

// The same two on PostgreSQL, timed by the clock (the work is shared with the server's
// processes; this thread mostly waits for round trips).
void BM_AggregateEventsPostgres(benchmark::State& state) {
  AggregateFreshEvents(state, 20'000, 4, 10, false, store::Backend::kPostgres);
}
BENCHMARK(BM_AggregateEventsPostgres)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
void BM_AggregateNewUnitExposuresPostgres(benchmark::State& state) {
  AggregateFreshEvents(state, 100'000, 0, 1, true, store::Backend::kPostgres);
}
BENCHMARK(BM_AggregateNewUnitExposuresPostgres)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gov::experiments

BENCHMARK_MAIN();
