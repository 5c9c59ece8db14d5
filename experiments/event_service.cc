#include "experiments/event_service.h"

#include <algorithm>
#include <utility>

#include "core/thread_priority.h"

namespace gov::experiments {

namespace {

bool IsArm(const RunningExperiment& experiment, const std::string& variant) {
  return std::any_of(experiment.arms.begin(), experiment.arms.end(),
                     [&](const Arm& arm) { return arm.variant == variant; });
}

}  // namespace

EventService::EventService(store::Database& db, store::EventStore& store,
                           const RunningExperiments& running, const core::Clock& clock,
                           EventServiceOptions options)
    : db_(db), store_(store), running_(running), clock_(clock), options_(options) {}

EventService::~EventService() { Stop(); }

void EventService::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  size_t writers = options_.writers;
  if (writers == 0) writers = db_.backend() == store::Backend::kPostgres ? 2 : 1;
  Lane& request = lanes_[static_cast<size_t>(WriteLane::kRequest)];
  for (size_t i = 0; i < writers; ++i) {
    writers_.push_back(core::StartThread("gov-events", options_.writer_nice,
                                         [this, &request] { WriterLoop(request); }));
  }
  Lane& background = lanes_[static_cast<size_t>(WriteLane::kBackground)];
  writers_.push_back(core::StartThread("gov-events-bg", options_.background_writer_nice,
                                       [this, &background] { WriterLoop(background); }));
}

void EventService::Stop() {
  std::deque<std::unique_ptr<Pending>> orphans;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (Lane& lane : lanes_) {
      // Never started: nobody will commit what is queued.
      if (!started_) std::move(lane.queue.begin(), lane.queue.end(), std::back_inserter(orphans));
      lane.cv.notify_all();
    }
  }
  for (auto& p : orphans) p->done.set_value(core::Unavailable("event ingestion is stopped"));
  for (std::thread& t : writers_) {
    if (t.joinable()) t.join();
  }
}

store::EventRow EventService::ToRow(const std::string& environment, const Event& event,
                                    const RunningExperiment* experiment,
                                    core::TimePoint received_at) {
  store::EventRow row;
  row.environment = environment;
  row.id = event.id;
  row.type = std::string(kEventTypeNames[static_cast<size_t>(event.type)]);
  row.name = event.name;
  row.unit = event.unit;
  if (event.type == EventType::kTrack) row.value = event.value.value_or(1.0);
  row.at_ms = core::ToUnixMillis(event.timestamp);
  row.received_at_ms = core::ToUnixMillis(received_at);
  if (experiment) row.experiment = experiment->key;
  row.feature = event.feature;
  row.variant = event.variant;
  if (event.properties) {
    row.properties_json =
        event.properties->dump(-1, ' ', false, core::Json::error_handler_t::replace);
  }
  return row;
}

core::StatusOr<IngestResult> EventService::Ingest(const std::string& environment,
                                                  ParsedEventBatch batch) {
  IngestResult result;
  result.rejected = std::move(batch.errors);
  const core::TimePoint now = clock_.Now();
  const std::shared_ptr<const RunningExperimentIndex> index = running_.Current();
  std::vector<store::EventRow> rows;
  rows.reserve(batch.events.size());
  for (size_t k = 0; k < batch.events.size(); ++k) {
    const Event& event = batch.events[k];
    const size_t i = batch.indexes[k];
    const RunningExperiment* experiment = nullptr;
    if (event.type == EventType::kExposure) {
      const std::string prefix = "events[" + std::to_string(i) + "].";
      experiment = index->Resolve(environment, event.name);
      if (!experiment) {
        result.rejected.push_back({i, prefix + "name", EventErrorCode::kUnknownExperiment,
                                   "no running experiment of environment \"" + environment +
                                       "\" has the key or " + "feature \"" + event.name + "\""});
        continue;
      }
      if (*event.feature != experiment->feature) {
        result.rejected.push_back({i, prefix + "feature", EventErrorCode::kInvalidValue,
                                   "experiment \"" + experiment->key + "\" runs on feature \"" +
                                       experiment->feature + "\""});
        continue;
      }
      if (experiment->rollout) {
        // A release plan's window: the arm is the rollout's bucket of the unit, not the variant
        // the app saw, and the id the one server-side evaluation records, so a unit counts
        // once per window.
        store::EventRow row = ToRow(environment, event, experiment, now);
        row.variant = std::string(RolloutArm(*experiment->rollout, event.unit));
        row.id = "exposure:" + experiment->key + ":" + event.unit;
        rows.push_back(std::move(row));
        continue;
      }
      if (!IsArm(*experiment, *event.variant)) {
        result.rejected.push_back({i, prefix + "variant", EventErrorCode::kUnknownVariant,
                                   "\"" + *event.variant + "\" is not a variant of experiment \"" +
                                       experiment->key + "\""});
        continue;
      }
    }
    rows.push_back(ToRow(environment, event, experiment, now));
  }
  std::sort(result.rejected.begin(), result.rejected.end(),
            [](const EventError& a, const EventError& b) { return a.index < b.index; });
  if (rows.empty()) return result;
  ASSIGN_OR_RETURN(std::vector<bool> fresh, Write(std::move(rows)));
  for (bool f : fresh) ++(f ? result.accepted : result.duplicates);
  return result;
}

core::StatusOr<std::vector<bool>> EventService::Write(std::vector<store::EventRow> rows,
                                                      WriteLane which) {
  if (rows.empty()) return std::vector<bool>{};
  auto pending = std::make_unique<Pending>();
  pending->rows = std::move(rows);
  std::future<core::StatusOr<std::vector<bool>>> done = pending->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return core::Unavailable("event ingestion is stopped");
    Lane& lane = lanes_[static_cast<size_t>(which)];
    if (lane.queued_events > 0 &&
        lane.queued_events + pending->rows.size() > options_.max_pending_events) {
      return core::Status(core::StatusCode::kResourceExhausted,
                          "too many events waiting to be stored; retry later");
    }
    lane.queued_events += pending->rows.size();
    lane.queue.push_back(std::move(pending));
    lane.cv.notify_all();
  }
  return done.get();
}

EventServiceStats EventService::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void EventService::WriterLoop(Lane& lane) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    lane.cv.wait(lock, [&] { return !lane.queue.empty() || stopping_; });
    if (lane.queue.empty()) return;  // stopping, and everything submitted is committed
    std::vector<std::unique_ptr<Pending>> group;
    size_t events = 0;
    while (!lane.queue.empty() && (group.empty() || events + lane.queue.front()->rows.size() <=
                                                        options_.max_group_events)) {
      events += lane.queue.front()->rows.size();
      group.push_back(std::move(lane.queue.front()));
      lane.queue.pop_front();
    }
    lane.queued_events -= events;
    lock.unlock();
    Commit(group);
    lock.lock();
  }
}

core::StatusOr<std::vector<bool>> EventService::CommitRows(
    const std::vector<store::EventRow>& rows) {
  std::vector<bool> fresh;
  core::Status status;
  // Another writer (a second thread, another replica) storing one of the same ids at the same
  // moment fails this transaction (store/event_repository.h); run again, it sees that row.
  for (int attempt = 0; attempt < 5; ++attempt) {
    status = store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
      RETURN_IF_ERROR(store_.PrepareWriter(tx));
      ASSIGN_OR_RETURN(fresh, store_.Insert(tx, rows));
      return core::Status::Ok();
    });
    if (status.code() != core::StatusCode::kAlreadyExists &&
        status.code() != core::StatusCode::kConflict) {
      break;
    }
  }
  RETURN_IF_ERROR(status);
  return fresh;
}

void EventService::Commit(std::vector<std::unique_ptr<Pending>>& group) {
  std::vector<store::EventRow> rows;
  if (group.size() == 1) {
    rows = std::move(group[0]->rows);
  } else {
    size_t total = 0;
    for (const auto& p : group) total += p->rows.size();
    rows.reserve(total);
    for (auto& p : group) {
      std::move(p->rows.begin(), p->rows.end(), std::back_inserter(rows));
    }
  }
  auto fresh = CommitRows(rows);
  if (!fresh.ok() && group.size() > 1 && fresh.status().code() != core::StatusCode::kUnavailable) {
    // Something in one batch failed the group's transaction: commit each batch alone, so it
    // fails only its own caller.
    size_t offset = 0;
    for (auto& p : group) {
      const size_t n = p->rows.size();
      std::vector<store::EventRow> own(std::make_move_iterator(rows.begin() + offset),
                                       std::make_move_iterator(rows.begin() + offset + n));
      offset += n;
      auto own_fresh = CommitRows(own);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (own_fresh.ok()) {
          ++stats_.transactions;
          for (bool f : *own_fresh) ++(f ? stats_.committed_events : stats_.duplicate_events);
        } else {
          ++stats_.failed_transactions;
        }
      }
      p->done.set_value(std::move(own_fresh));
    }
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fresh.ok()) {
      ++stats_.transactions;
      for (bool f : *fresh) ++(f ? stats_.committed_events : stats_.duplicate_events);
    } else {
      ++stats_.failed_transactions;
    }
  }
  if (!fresh.ok()) {
    for (auto& p : group) p->done.set_value(fresh.status());
    return;
  }
  if (options_.on_commit && std::find(fresh->begin(), fresh->end(), true) != fresh->end()) {
    options_.on_commit();
  }
  size_t offset = 0;
  for (auto& p : group) {
    const size_t n = group.size() == 1 ? fresh->size() : p->rows.size();
    p->done.set_value(std::vector<bool>(fresh->begin() + offset, fresh->begin() + offset + n));
    offset += n;
  }
}

}  // namespace gov::experiments
