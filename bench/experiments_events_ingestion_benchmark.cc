// Event ingestion throughput (Google Benchmark), in events per second:
//   Ingest/<backend>/threads:N    N clients each ingesting 1,000-event batches through
//                                 experiments::EventService (validation, group commit: one
//                                 writer thread, many batches per transaction, durable on return)
//   PlainInsert/<backend>         the baseline: the same rows, one EventRepository::Insert of
//                                 one row each (one statement per row, two on PostgreSQL), one
//                                 transaction per batch, from one client
//   ParseBatch                    the HTTP path's share before the service: a 1,000-event request
//                                 body parsed (nlohmann-json) and read by ParseEventBatch, no I/O
// WRITERS=<n> sets the service's writer threads (default: the server's, 1 on SQLite and 2 on
// PostgreSQL); WRITER_NICE=<n> their nice value (default: the server's, 0). SQLite runs on a temp
// file (WAL, synchronous=FULL, as the server opens it); PostgreSQL on a fresh database on the
// server named by GOVERNOR_TEST_PG_URL (skipped with a message when unset). Each batch carries new
// ids (random UUIDs, or counters for *SequentialIds), so the table grows as the benchmark runs.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "experiments/event_service.h"
#include "store/event_repository.h"
#include "store/migrations.h"

namespace gov::experiments {
namespace {

constexpr int kBatch = 1000;

// One database, its event store and a started service, shared by the benchmark's threads.
struct Fixture {
  std::string url;
  std::string pg_name;  // PostgreSQL: the scratch database, dropped at exit
  std::unique_ptr<store::Database> db;
  std::unique_ptr<store::SqlEventStore> store;
  RunningExperiments running;
  core::SystemClock clock;
  std::unique_ptr<EventService> service;
  std::atomic<int64_t> next_id{0};
  std::string error;
};

std::string PgBase() {
  const char* url = std::getenv("GOVERNOR_TEST_PG_URL");
  return url ? url : "";
}

Fixture* Open(store::Backend backend) {
  static std::mutex mu;
  static std::unique_ptr<Fixture> fixtures[2];
  std::lock_guard<std::mutex> lock(mu);
  auto& f = fixtures[backend == store::Backend::kSqlite ? 0 : 1];
  if (f) return f.get();
  f = std::make_unique<Fixture>();
  if (backend == store::Backend::kSqlite) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("gov_events_bench_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    f->url = "sqlite://" + (dir / "events.db").string();
  } else {
    const std::string base = PgBase();
    if (base.empty()) {
      f->error = "GOVERNOR_TEST_PG_URL is not set (source scripts/lib/pg.sh; pg_start)";
      return f.get();
    }
    f->pg_name = "gov_bench_" + std::to_string(std::mt19937_64(std::random_device{}())());
    const std::string cmd =
        "psql -q '" + base + "' -c 'CREATE DATABASE " + f->pg_name + "' >/dev/null";
    if (std::system(cmd.c_str()) != 0) {
      f->error = "cannot create the scratch database";
      return f.get();
    }
    f->url = base.substr(0, base.rfind('/') + 1) + f->pg_name;
    std::atexit([] {
      const std::string drop = "psql -q '" + PgBase() + "' -c 'DROP DATABASE IF EXISTS " +
                               fixtures[1]->pg_name + " WITH (FORCE)' >/dev/null";
      fixtures[1]->service.reset();
      fixtures[1]->db.reset();
      (void)std::system(drop.c_str());
    });
  }
  auto db = store::OpenDatabase(f->url, 8);
  if (!db.ok()) {
    f->error = db.status().ToString();
    return f.get();
  }
  f->db = std::move(db).value();
  if (auto s = store::Migrate(*f->db); !s.ok()) {
    f->error = s.ToString();
    return f.get();
  }
  f->store = std::make_unique<store::SqlEventStore>(backend);
  EventServiceOptions options;
  if (const char* writers = std::getenv("WRITERS")) options.writers = std::stoul(writers);
  if (const char* nice = std::getenv("WRITER_NICE")) options.writer_nice = std::stoi(nice);
  f->service = std::make_unique<EventService>(*f->db, *f->store, f->running, f->clock, options);
  f->service->Start();
  return f.get();
}

// How clients name their events: random UUIDs (what SDKs and `crypto.randomUUID()` give, so
// new ids land all over the id index), or a counter ("evt-<n>", each id next to the last).
enum class Ids { kUuid, kSequential };

// splitmix64: a bijection of 64-bit numbers that looks random (the same in every run).
uint64_t Mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The n-th id as a version-4 UUID built from Mix(n), so ids are unique and look random.
std::string UuidId(uint64_t n) {
  const uint64_t hi = (Mix(n) & ~0xf000ULL) | 0x4000ULL;
  const uint64_t lo = (Mix(n ^ 0x5555555555555555ULL) & ~(3ULL << 62)) | (2ULL << 62);
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

// A batch as the route hands it to the service (parsed and valid), with new ids.
ParsedEventBatch MakeBatch(Fixture& f, Ids ids = Ids::kUuid) {
  ParsedEventBatch batch;
  const int64_t first = f.next_id.fetch_add(kBatch);
  batch.size = kBatch;
  for (int i = 0; i < kBatch; ++i) {
    Event e;
    e.id = ids == Ids::kUuid ? UuidId(static_cast<uint64_t>(first + i))
                             : "evt-" + std::to_string(first + i);
    e.type = EventType::kTrack;
    e.name = i % 3 ? "page_view" : "purchase";
    // Each batch mixes many users, as an app's event buffer does.
    e.unit = "user-" + std::to_string(Mix(static_cast<uint64_t>(first + i)) % 100000);
    e.value = 19.99;
    e.timestamp = core::FromUnixMillis(1'795'631'488'000 + i);
    batch.indexes.push_back(static_cast<size_t>(i));
    batch.events.push_back(std::move(e));
  }
  return batch;
}

void Ingest(benchmark::State& state, store::Backend backend, Ids ids = Ids::kUuid) {
  Fixture* f = Open(backend);
  if (!f->error.empty()) {
    state.SkipWithError(f->error.c_str());
    return;
  }
  // Thread 0 also counts what was committed between the start and the end of the run, which
  // the threads begin and end together: events per second of wall time, the time each thread
  // spends making its next batch included (Google Benchmark's own rate leaves out the paused
  // time of each thread, while the others' batches are committed).
  const EventServiceStats before = f->service->stats();
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    state.PauseTiming();
    ParsedEventBatch batch = MakeBatch(*f, ids);
    state.ResumeTiming();
    auto result = f->service->Ingest("production", std::move(batch));
    if (!result.ok() || result->accepted != kBatch) {
      state.SkipWithError(result.ok() ? "not every event was accepted"
                                      : result.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  if (state.thread_index() == 0) {
    const EventServiceStats stats = f->service->stats();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    state.counters["wall_events_per_s"] =
        static_cast<double>(stats.committed_events - before.committed_events) / seconds;
    // Events per commit so far (the group commit's reach), for reading the figures.
    state.counters["per_commit"] = static_cast<double>(stats.committed_events) /
                                   static_cast<double>(std::max<int64_t>(stats.transactions, 1));
  }
}

// The baseline: one single-row INSERT per event, one transaction per batch.
void PlainInsert(benchmark::State& state, store::Backend backend) {
  Fixture* f = Open(backend);
  if (!f->error.empty()) {
    state.SkipWithError(f->error.c_str());
    return;
  }
  for (auto _ : state) {
    state.PauseTiming();
    ParsedEventBatch batch = MakeBatch(*f);
    state.ResumeTiming();
    const store::Backend backend = f->db->backend();
    core::Status s = store::WithTransaction(
        *f->db, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
          RETURN_IF_ERROR(store::EventRepository::PrepareWriter(tx, backend));
          for (const Event& e : batch.events) {
            const store::EventRow r = EventService::ToRow("production", e, nullptr, f->clock.Now());
            RETURN_IF_ERROR(store::EventRepository::Insert(tx, backend, {&r, 1}).status());
          }
          return core::Status::Ok();
        });
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// A request body of kBatch track events as clients send them (RFC 3339 timestamps, every
// fourth with properties).
std::string RequestBody() {
  core::Json events = core::Json::array();
  for (int i = 0; i < kBatch; ++i) {
    core::Json e = {{"id", "evt-" + std::to_string(i)},
                    {"type", "track"},
                    {"name", i % 3 ? "page_view" : "purchase"},
                    {"unit", "user-" + std::to_string(i * 7919 % 100000)},
                    {"value", 19.99},
                    {"timestamp", "2026-11-26T12:" + std::to_string(10 + i % 50) + ":08.123Z"}};
    if (i % 4 == 0) e["properties"] = {{"plan", "pro"}, {"items", i % 5}};
    events.push_back(std::move(e));
  }
  return core::Json{{"events", std::move(events)}}.dump();
}

void BM_ParseBatch(benchmark::State& state) {
  const std::string body = RequestBody();
  for (auto _ : state) {
    const core::Json json = core::Json::parse(body, nullptr, false);
    auto batch = ParseEventBatch(json);
    if (!batch.ok() || batch->events.size() != static_cast<size_t>(kBatch)) {
      state.SkipWithError("the body did not parse into 1,000 valid events");
      break;
    }
    benchmark::DoNotOptimize(batch);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}

void BM_IngestSqlite(benchmark::State& state) { Ingest(state, store::Backend::kSqlite); }
void BM_IngestPostgres(benchmark::State& state) { Ingest(state, store::Backend::kPostgres); }
void BM_IngestSqliteSequentialIds(benchmark::State& state) {
  Ingest(state, store::Backend::kSqlite, Ids::kSequential);
}
void BM_IngestPostgresSequentialIds(benchmark::State& state) {
  Ingest(state, store::Backend::kPostgres, Ids::kSequential);
}
void BM_PlainInsertSqlite(benchmark::State& state) { PlainInsert(state, store::Backend::kSqlite); }
void BM_PlainInsertPostgres(benchmark::State& state) {
  PlainInsert(state, store::Backend::kPostgres);
}

BENCHMARK(BM_ParseBatch);
BENCHMARK(BM_IngestSqlite)->Threads(1)->Threads(4)->Threads(16)->Threads(64)->UseRealTime();
BENCHMARK(BM_IngestSqliteSequentialIds)->Threads(4)->UseRealTime();
BENCHMARK(BM_PlainInsertSqlite)->UseRealTime();
BENCHMARK(BM_IngestPostgres)->Threads(1)->Threads(4)->Threads(16)->Threads(64)->UseRealTime();
BENCHMARK(BM_IngestPostgresSequentialIds)->Threads(4)->UseRealTime();
BENCHMARK(BM_PlainInsertPostgres)->UseRealTime();

}  // namespace
}  // namespace gov::experiments

BENCHMARK_MAIN();
