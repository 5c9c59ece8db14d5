#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "experiments/event_json.h"
#include "experiments/model.h"
#include "experiments/running_experiments.h"
#include "store/database.h"
#include "store/event_repository.h"

namespace gov::experiments {

// Who waits for a write, which sets the priority of the thread that commits it: the events API's
// callers are requests waiting for their acknowledgement (kRequest, committed at request
// priority), while the exposures evaluation records are written after the requests that
// assigned them were answered (kBackground, committed by a lowered thread so that evaluation
// keeps the CPU when both want it).
enum class WriteLane { kRequest, kBackground };

struct EventServiceOptions {
  // Events committed in one transaction at most (whole batches: a larger batch is committed
  // alone).
  size_t max_group_events = 20000;
  // Events waiting for the writer at most; beyond it Write fails with kResourceExhausted (the
  // client retries later) instead of queueing without bound.
  size_t max_pending_events = 200000;
  // The request lane's writer threads, each committing its own groups (0: one on SQLite, which
  // has one writer at a time anyway; two on PostgreSQL, whose writers commit concurrently).
  // The background lane has one.
  size_t writers = 0;
  // The request lane's writers' nice value (core::LowerThreadPriority). 0, the default, is the
  // priority of the requests waiting for them: a lowered writer behind busy request threads
  // acknowledges late and throttles its own callers.
  int writer_nice = 0;
  // The background lane's writer's nice value: storing recorded exposures yields the CPU to
  // request threads (flag evaluation above all) when both want it; the recorder's queue holds
  // them meanwhile. 0 keeps the default priority.
  int background_writer_nice = 10;
  // Called on the writer thread after each commit that stored events (e.g. to wake the
  // aggregation at once instead of at its next poll). Must not block.
  std::function<void()> on_commit;
};

// What POST /api/v1/events answers: how many events were stored, how many were already
// stored (same id), and the rejected ones by index.
struct IngestResult {
  int64_t accepted = 0;
  int64_t duplicates = 0;
  std::vector<EventError> rejected;
};

// Counters since construction.
struct EventServiceStats {
  int64_t committed_events = 0;  // new rows stored
  int64_t duplicate_events = 0;  // rows whose id was already stored
  int64_t transactions = 0;      // committed group transactions
  int64_t failed_transactions = 0;
};

// Durable event ingestion with group commit. Callers (request threads, the exposure recorder)
// submit rows to a lane and wait; a writer thread of that lane takes every batch queued in it
// meanwhile (up to max_group_events) and stores them in one transaction
// (EventStore::PrepareWriter, then Insert), so the cost of a commit (an fsync on SQLite, a
// round trip and WAL flush on PostgreSQL) is shared by concurrent batches. With several writers
// (PostgreSQL), each takes the next group while the others commit theirs; ids stay unique
// through the table's unique index (store/event_repository.h). On SQLite the lanes' writers
// take turns at the database's one write transaction. A caller is answered only after the
// commit that holds its rows. Thread-safe.
class EventService {
 public:
  EventService(store::Database& db, store::EventStore& store, const RunningExperiments& running,
               const core::Clock& clock, EventServiceOptions options = {});
  ~EventService();
  EventService(const EventService&) = delete;
  EventService& operator=(const EventService&) = delete;

  // Starts the writer threads. Writes before Start wait for them.
  void Start();
  // Commits everything already submitted, then stops the writers; later writes fail with
  // kUnavailable. Idempotent.
  void Stop();

  // Validates `batch` for `environment` (exposures resolved against the running experiments
  // with RunningExperimentIndex::Resolve; their variant must be an arm, except for a release
  // plan's window, named "release-plan:<name>", whose arm is the rollout's bucket of the unit
  // and whose exposure id is the one ExposureRecorder gives), stores the valid
  // events and returns once they are durable. The rejected events (the parse errors and
  // these) are listed in index order; storage errors are the Status (nothing acknowledged).
  core::StatusOr<IngestResult> Ingest(const std::string& environment, ParsedEventBatch batch);

  // Stores `rows` (already valid) through `lane` and returns once they are durable: per row,
  // whether it was new (false: its (environment, unit, id) was already stored, or came earlier
  // in `rows`).
  core::StatusOr<std::vector<bool>> Write(std::vector<store::EventRow> rows,
                                          WriteLane lane = WriteLane::kRequest);

  // The stored form of `event` received at `received_at`; `experiment` is the running
  // experiment an exposure resolved to (nullptr for a track event, whose value defaults to 1).
  static store::EventRow ToRow(const std::string& environment, const Event& event,
                               const RunningExperiment* experiment, core::TimePoint received_at);

  EventServiceStats stats() const;

 private:
  struct Pending {
    std::vector<store::EventRow> rows;
    std::promise<core::StatusOr<std::vector<bool>>> done;
  };

  // One lane's queue; its writers wait on `cv`.
  struct Lane {
    std::condition_variable cv;
    std::deque<std::unique_ptr<Pending>> queue;
    size_t queued_events = 0;
  };

  void WriterLoop(Lane& lane);
  // Stores `group` in one transaction and answers each of them.
  void Commit(std::vector<std::unique_ptr<Pending>>& group);
  core::StatusOr<std::vector<bool>> CommitRows(const std::vector<store::EventRow>& rows);

  store::Database& db_;
  store::EventStore& store_;
  const RunningExperiments& running_;
  const core::Clock& clock_;
  EventServiceOptions options_;

  mutable std::mutex mu_;
  std::array<Lane, 2> lanes_;  // by WriteLane
  bool started_ = false;
  bool stopping_ = false;
  std::vector<std::thread> writers_;
  EventServiceStats stats_;
};

}  // namespace gov::experiments
