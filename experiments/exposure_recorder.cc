#include "experiments/exposure_recorder.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/thread_priority.h"

namespace gov::experiments {

namespace {

constexpr size_t kMaxShards = 64;
constexpr size_t kMinPairsPerShard = 16'384;
constexpr size_t kFirstTableSlots = 16;

const std::string* NonEmpty(const std::string* value) {
  return value && !value->empty() ? value : nullptr;
}

const std::string* StandardOrProperty(const flags::Context& context,
                                      const std::optional<std::string>& standard,
                                      const std::string& property) {
  return NonEmpty(standard ? &*standard : context.Property(property));
}

}  // namespace

const std::string* UnitValue(const flags::Context& context, const UnitField& field) {
  switch (field.kind) {
    case UnitField::Kind::kUserId:
      return StandardOrProperty(context, context.user_id, field.property);
    case UnitField::Kind::kSessionId:
      return StandardOrProperty(context, context.session_id, field.property);
    case UnitField::Kind::kRemoteAddress:
      return StandardOrProperty(context, context.remote_address, field.property);
    case UnitField::Kind::kAppName:
      return StandardOrProperty(context, context.app_name, field.property);
    case UnitField::Kind::kDefault:
      if (context.user_id && !context.user_id->empty()) return &*context.user_id;
      return context.session_id ? NonEmpty(&*context.session_id) : nullptr;
    case UnitField::Kind::kProperty:
      break;
  }
  return NonEmpty(context.Property(field.property));
}

const std::string* UnitValue(const flags::Context& context, std::string_view field) {
  return UnitValue(context, ResolveUnitField(field));
}

bool ExposureRecorder::Shard::Contains(uint64_t hash) const {
  const std::atomic<uint64_t>* t = table.load(std::memory_order_acquire);
  if (!t) return false;
  const uint64_t mask = t[0].load(std::memory_order_relaxed);
  // At most half the slots are used, so the probe ends at an empty one.
  for (uint64_t i = hash & mask;; i = (i + 1) & mask) {
    const uint64_t v = t[1 + i].load(std::memory_order_relaxed);
    if (v == hash) return true;
    if (v == 0) return false;
  }
}

void ExposureRecorder::Shard::Insert(uint64_t hash) {
  std::atomic<uint64_t>* t = table.load(std::memory_order_relaxed);
  uint64_t mask = t ? t[0].load(std::memory_order_relaxed) : 0;
  if (!t || (count + 1) * 2 > mask + 1) {
    const uint64_t grown_mask = t ? (mask + 1) * 2 - 1 : kFirstTableSlots - 1;
    Table grown(new std::atomic<uint64_t>[grown_mask + 2]);
    grown[0].store(grown_mask, std::memory_order_relaxed);
    for (uint64_t i = 0; i <= grown_mask; ++i) grown[1 + i].store(0, std::memory_order_relaxed);
    for (uint64_t i = 0; t && i <= mask; ++i) {
      const uint64_t v = t[1 + i].load(std::memory_order_relaxed);
      if (v == 0) continue;
      uint64_t j = v & grown_mask;
      while (grown[1 + j].load(std::memory_order_relaxed) != 0) j = (j + 1) & grown_mask;
      grown[1 + j].store(v, std::memory_order_relaxed);
    }
    t = grown.get();
    mask = grown_mask;
    tables.push_back(std::move(grown));
    table.store(t, std::memory_order_release);
  }
  uint64_t i = hash & mask;
  while (t[1 + i].load(std::memory_order_relaxed) != 0) i = (i + 1) & mask;
  t[1 + i].store(hash, std::memory_order_release);
  ++count;
}

void ExposureRecorder::Shard::Erase(uint64_t hash) {
  std::atomic<uint64_t>* t = table.load(std::memory_order_relaxed);
  if (!t) return;
  const uint64_t mask = t[0].load(std::memory_order_relaxed);
  uint64_t i = hash & mask;
  for (;; i = (i + 1) & mask) {
    const uint64_t v = t[1 + i].load(std::memory_order_relaxed);
    if (v == 0) return;
    if (v == hash) break;
  }
  // Backward-shift deletion: move up each later hash of the run whose home slot is not
  // cyclically within (i, j].
  for (uint64_t j = (i + 1) & mask;; j = (j + 1) & mask) {
    const uint64_t v = t[1 + j].load(std::memory_order_relaxed);
    if (v == 0) break;
    const uint64_t home = v & mask;
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    t[1 + i].store(v, std::memory_order_relaxed);
    i = j;
  }
  t[1 + i].store(0, std::memory_order_release);
  --count;
}

void ExposureRecorder::Shard::Clear() {
  std::atomic<uint64_t>* t = table.load(std::memory_order_relaxed);
  if (!t) return;
  const uint64_t mask = t[0].load(std::memory_order_relaxed);
  for (uint64_t i = 0; i <= mask; ++i) t[1 + i].store(0, std::memory_order_relaxed);
  count = 0;
}

uint64_t ExposureRecorder::PairHash(uint64_t experiment_hash, std::string_view unit) {
  const uint64_t h = MixBits(experiment_hash ^ MixBits(std::hash<std::string_view>()(unit)));
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

ExposureRecorder::ExposureRecorder(const RunningExperiments& running, const core::Clock& clock,
                                   Sink sink, ExposureRecorderOptions options)
    : running_(running), clock_(clock), sink_(std::move(sink)), options_(options) {
  options_.max_remembered = std::max<size_t>(options_.max_remembered, 1);
  while (shard_count_ < kMaxShards &&
         options_.max_remembered / (shard_count_ * 2) >= kMinPairsPerShard) {
    shard_count_ *= 2;
  }
  shard_max_ = (options_.max_remembered + shard_count_ - 1) / shard_count_;
  shards_ = std::make_unique<Shard[]>(shard_count_);
}

ExposureRecorder::~ExposureRecorder() { Stop(); }

bool ExposureRecorder::Record(const RunningExperiment& experiment, std::string_view unit,
                              std::string_view variant) {
  return Record(experiment, ExperimentHash(experiment), unit, variant);
}

bool ExposureRecorder::Record(const RunningExperiment& experiment, uint64_t experiment_hash,
                              std::string_view unit, std::string_view variant) {
  const uint64_t hash = PairHash(experiment_hash, unit);
  Shard& shard = ShardOf(hash);
  // The common case, a pair already recorded: no lock, no allocation.
  if (shard.Contains(hash)) {
    shard.CountDeduplicated();
    return false;
  }
  const int64_t now_ms = core::ToUnixMillis(clock_.Now());
  store::EventRow row;
  row.environment = experiment.environment;
  row.id = "exposure:" + experiment.key + ":" + std::string(unit);
  row.type = std::string(kEventTypeNames[static_cast<size_t>(EventType::kExposure)]);
  row.name = experiment.key;
  row.unit = std::string(unit);
  row.at_ms = now_ms;
  row.received_at_ms = now_ms;
  row.experiment = experiment.key;
  row.feature = experiment.feature;
  row.variant = std::string(variant);

  std::lock_guard<std::mutex> shard_lock(shard.mu);
  if (shard.Contains(hash)) {
    shard.CountDeduplicated();
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= options_.max_queued) {
    ++stats_.dropped;
    return false;
  }
  if (shard.count >= shard_max_) {
    // Full: forget the shard's pairs but those still queued (queued once is enough).
    shard.Clear();
    for (uint64_t h : queue_hashes_) {
      if (&ShardOf(h) == &shard && !shard.Contains(h)) shard.Insert(h);
    }
  }
  shard.Insert(hash);
  queue_.push_back(std::move(row));
  queue_hashes_.push_back(hash);
  ++stats_.queued;
  if (queue_.size() >= options_.max_batch) cv_.notify_all();
  return true;
}

bool ExposureRecorder::Recorded(uint64_t experiment_hash, std::string_view unit) {
  const uint64_t hash = PairHash(experiment_hash, unit);
  Shard& shard = ShardOf(hash);
  if (!shard.Contains(hash)) return false;
  shard.CountDeduplicated();
  return true;
}

size_t ExposureRecorder::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  // The queue's next buffers are allocated before the lock is taken: request threads queue
  // under it, and this thread, at a lower priority, must hold it only for moments (taking a
  // whole queue is a swap).
  std::vector<store::EventRow> rows;
  std::vector<uint64_t> hashes;
  rows.reserve(options_.max_batch);
  hashes.reserve(options_.max_batch);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty()) return 0;
    if (queue_.size() <= options_.max_batch) {
      rows.swap(queue_);
      hashes.swap(queue_hashes_);
    } else {  // a backlog: the oldest max_batch
      const auto n = static_cast<ptrdiff_t>(options_.max_batch);
      rows.assign(std::make_move_iterator(queue_.begin()),
                  std::make_move_iterator(queue_.begin() + n));
      hashes.assign(queue_hashes_.begin(), queue_hashes_.begin() + n);
      queue_.erase(queue_.begin(), queue_.begin() + n);
      queue_hashes_.erase(queue_hashes_.begin(), queue_hashes_.begin() + n);
    }
  }
  const size_t n = rows.size();
  auto written = sink_ ? sink_(std::move(rows))
                       : core::StatusOr<std::vector<bool>>(std::vector<bool>(n, true));
  if (!written.ok()) {
    // Forget them, so the next evaluation that assigns them queues them again.
    for (uint64_t h : hashes) {
      Shard& shard = ShardOf(h);
      std::lock_guard<std::mutex> shard_lock(shard.mu);
      shard.Erase(h);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (written.ok()) {
    stats_.written += static_cast<int64_t>(n);
  } else {
    stats_.failed += static_cast<int64_t>(n);
  }
  return n;
}

void ExposureRecorder::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (writer_.joinable() || stopping_) return;
  writer_ = core::StartThread("gov-exposures", options_.nice, [this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, options_.flush_interval,
                   [&] { return stopping_ || queue_.size() >= options_.max_batch; });
      if (queue_.empty()) continue;
      lock.unlock();
      Flush();
      lock.lock();
    }
  });
}

void ExposureRecorder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
  while (Flush() > 0) {
  }
}

ExposureRecorderStats ExposureRecorder::stats() const {
  ExposureRecorderStats stats;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats = stats_;
  }
  for (size_t i = 0; i < shard_count_; ++i) {
    stats.deduplicated += shards_[i].deduplicated.load(std::memory_order_relaxed);
  }
  return stats;
}

size_t ExposureRecorder::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace gov::experiments
