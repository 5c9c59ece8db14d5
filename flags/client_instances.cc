#include "flags/client_instances.h"

#include <algorithm>

#include "core/thread_priority.h"
#include "core/time_format.h"

namespace gov::flags {

namespace {

std::string Key(const SdkCaller& c) {
  std::string key;
  key.reserve(c.environment.size() + c.app_name.size() + c.instance_id.size() + 2);
  key.append(c.environment).append(1, '\0').append(c.app_name).append(1, '\0');
  return key.append(c.instance_id);
}

}  // namespace

SdkCaller CallerFromReport(std::string environment, const core::Json& body) {
  SdkCaller c{std::move(environment), "", "default", ""};
  if (auto it = body.find("appName"); it != body.end() && it->is_string()) c.app_name = *it;
  if (auto it = body.find("instanceId"); it != body.end() && it->is_string()) {
    if (!it->get_ref<const std::string&>().empty()) c.instance_id = *it;
  }
  return c;
}

void ClientInstances::Saw(const SdkCaller& caller, Mode mode, int streams) {
  const core::TimePoint now = clock_.Now();
  std::string key = Key(caller);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.max_instances) {
      ++dropped_;
      return;
    }
    Entry e;
    e.sighting = {
        caller.app_name,  caller.instance_id, caller.environment, caller.sdk_version, now, now, "",
        core::TimePoint{}};
    it = entries_.emplace(std::move(key), std::move(e)).first;
  }
  Entry& e = it->second;
  store::ClientSighting& s = e.sighting;
  s.last_seen = std::max(s.last_seen, now);
  if (s.sdk_version.empty()) s.sdk_version = caller.sdk_version;
  if (mode != kUnchanged) {
    const char* name = mode == kPolling ? "polling" : "streaming";
    if (s.connection_mode != name) {
      s.connection_mode = name;
      s.connection_mode_at = now;
      e.mode_dirty = true;
    }
  }
  e.open_streams = std::max(0, e.open_streams + streams);
}

void ClientInstances::Start(std::chrono::milliseconds period,
                            std::function<void(std::string_view)> log) {
  if (thread_.joinable()) return;
  thread_ = core::StartThread("gov-sdk-seen", [this, period, log = std::move(log)] {
    std::unique_lock<std::mutex> lock(thread_mu_);
    while (!stopping_) {
      thread_cv_.wait_for(lock, period, [this] { return stopping_; });
      lock.unlock();
      core::Status s = Flush();
      if (!s.ok() && log) log(s.ToString());
      lock.lock();
    }
  });
}

void ClientInstances::Stop() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stopping_ = true;
  }
  thread_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ClientInstances::Due(const Entry& e) const {
  return !e.written || e.mode_dirty || e.sighting.last_seen - e.written_seen >= options_.resolution;
}

core::Status ClientInstances::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::vector<store::ClientSighting> batch;
  const core::TimePoint now = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, e] : entries_) {
      if (e.open_streams > 0) e.sighting.last_seen = std::max(e.sighting.last_seen, now);
      if (!Due(e)) continue;
      batch.push_back(e.sighting);
      // A mode written before (or unknown) says nothing new: the upsert keeps the stored one.
      if (!e.mode_dirty) batch.back().connection_mode.clear();
    }
  }
  const size_t step = std::max<size_t>(1, options_.batch_size);
  core::Status status = core::Status::Ok();
  size_t written = 0;
  for (; written < batch.size() && status.ok(); written += step) {
    const size_t end = std::min(batch.size(), written + step);
    status = store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
      for (size_t i = written; i < end; ++i) RETURN_IF_ERROR(store_.PutSighting(tx, batch[i]));
      return core::Status::Ok();
    });
    if (!status.ok()) break;
  }
  written = std::min(written, batch.size());
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < written; ++i) {
    const store::ClientSighting& s = batch[i];
    SdkCaller caller{s.environment, s.app_name, s.instance_id, ""};
    auto it = entries_.find(Key(caller));
    if (it == entries_.end()) continue;
    Entry& e = it->second;
    e.written = true;
    e.written_seen = std::max(e.written_seen, s.last_seen);
    // Unless the mode changed again while this batch was written.
    if (!s.connection_mode.empty() && e.sighting.connection_mode_at == s.connection_mode_at) {
      e.mode_dirty = false;
    }
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    const Entry& e = it->second;
    const bool idle = e.open_streams == 0 && e.written && !Due(e) &&
                      now - e.sighting.last_seen >= options_.forget_after;
    it = idle ? entries_.erase(it) : std::next(it);
  }
  return status;
}

core::StatusOr<core::Json> ClientInstances::List(const std::optional<std::string>& environment) {
  RETURN_IF_ERROR(Flush());
  std::vector<store::ClientInstance> instances;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(instances, store_.ListInstances(tx, environment));
        return core::Status::Ok();
      }));
  core::Json items = core::Json::array();
  for (const auto& i : instances) items.push_back(ClientInstanceToJson(i));
  return core::Json{{"items", std::move(items)}};
}

int64_t ClientInstances::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

core::Json ClientInstanceToJson(const store::ClientInstance& instance) {
  const store::ClientRegistration& r = instance.registration;
  core::Json strategies = core::Json::parse(r.strategies_json, nullptr, false);
  if (!strategies.is_array()) strategies = core::Json::array();
  auto nullable = [](const std::string& s) { return s.empty() ? core::Json() : core::Json(s); };
  return core::Json{
      {"appName", r.app_name},
      {"instanceId", r.instance_id},
      {"environment", r.environment},
      {"sdkVersion", nullable(r.sdk_version)},
      {"strategies", std::move(strategies)},
      {"startedAt", core::FormatRfc3339(r.started)},
      {"registeredAt", instance.registered_at
                           ? core::Json(core::FormatRfc3339(*instance.registered_at))
                           : core::Json()},
      {"lastSeen", core::FormatRfc3339(r.last_seen)},
      {"metricsIntervalMs", r.interval_ms},
      {"connectionMode", nullable(instance.connection_mode)},
  };
}

}  // namespace gov::flags
