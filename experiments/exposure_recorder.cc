#include "experiments/exposure_recorder.h"

#include <utility>

namespace gov::experiments {

const std::string* UnitValue(const flags::Context& context, std::string_view field) {
  const std::string* value = nullptr;
  if (field.rfind("properties.", 0) == 0) {
    value = context.Property(field.substr(11));
  } else if (field == "userId" && context.user_id) {
    value = &*context.user_id;
  } else if (field == "sessionId" && context.session_id) {
    value = &*context.session_id;
  } else if (field == "remoteAddress" && context.remote_address) {
    value = &*context.remote_address;
  } else if (field == "appName" && context.app_name) {
    value = &*context.app_name;
  } else {
    value = context.Property(field);
  }
  return value && !value->empty() ? value : nullptr;
}

ExposureRecorder::ExposureRecorder(const RunningExperiments& running, const core::Clock& clock,
                                   Sink sink, ExposureRecorderOptions options)
    : running_(running), clock_(clock), sink_(std::move(sink)), options_(options) {}

ExposureRecorder::~ExposureRecorder() { Stop(); }

void ExposureRecorder::Key(const RunningExperiment& experiment, std::string_view unit,
                           std::string& key) {
  key.clear();
  key.append(experiment.environment).append(1, '\0').append(experiment.key).append(1, '\0');
  key.append(unit);
}

bool ExposureRecorder::Record(const RunningExperiment& experiment, std::string_view unit,
                              std::string_view variant) {
  // The key is built in a per-thread buffer, so the common case (a unit already recorded)
  // allocates nothing.
  thread_local std::string key;
  Key(experiment, unit, key);
  std::lock_guard<std::mutex> lock(mu_);
  if (remembered_.count(key)) {
    ++stats_.deduplicated;
    return false;
  }
  const int64_t now_ms = core::ToUnixMillis(clock_.Now());
  if (queue_.size() >= options_.max_queued) {
    ++stats_.dropped;
    return false;
  }
  if (remembered_.size() >= options_.max_remembered) {
    remembered_.clear();
    for (const std::string& k : queue_keys_) remembered_.insert(k);
  }
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
  remembered_.insert(key);
  queue_.push_back(std::move(row));
  queue_keys_.push_back(key);
  ++stats_.queued;
  if (queue_.size() >= options_.max_batch) cv_.notify_all();
  return true;
}

size_t ExposureRecorder::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::vector<store::EventRow> rows;
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty()) return 0;
    const size_t n = std::min(queue_.size(), options_.max_batch);
    rows.assign(std::make_move_iterator(queue_.begin()),
                std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(n)));
    keys.assign(std::make_move_iterator(queue_keys_.begin()),
                std::make_move_iterator(queue_keys_.begin() + static_cast<ptrdiff_t>(n)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
    queue_keys_.erase(queue_keys_.begin(), queue_keys_.begin() + static_cast<ptrdiff_t>(n));
  }
  const size_t n = rows.size();
  auto written = sink_ ? sink_(std::move(rows))
                       : core::StatusOr<std::vector<bool>>(std::vector<bool>(n, true));
  std::lock_guard<std::mutex> lock(mu_);
  if (written.ok()) {
    stats_.written += static_cast<int64_t>(n);
  } else {
    // Forget them, so the next evaluation that assigns them queues them again.
    stats_.failed += static_cast<int64_t>(n);
    for (const std::string& k : keys) remembered_.erase(k);
  }
  return n;
}

void ExposureRecorder::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (writer_.joinable() || stopping_) return;
  writer_ = std::thread([this] {
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
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

size_t ExposureRecorder::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace gov::experiments
