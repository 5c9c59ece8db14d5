#pragma once

// The SDK instances that use the Unleash client API, as GET /api/v1/applications lists them:
// how each fetches its flags (polling GET /api/client/features or /api/client/delta, or
// streaming GET /api/client/streaming) and when it was last seen (a fetch, an open stream, a
// metrics report or a registration). The client API tells ClientInstances about every request,
// so that only updates memory (one lock and one map lookup); Flush writes what changed through
// the store in batches (the server flushes every few seconds, at shutdown and before a list),
// merged with the instance's registration (store::FlagMetricsRepository::PutSighting).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "store/database.h"
#include "store/flag_metrics_repository.h"

namespace gov::flags {

// Who made a client-API request: the token's environment and what the SDK says of itself.
struct SdkCaller {
  std::string environment;
  std::string app_name;     // not empty
  std::string instance_id;  // "default" when the SDK sent none, as in registrations
  std::string sdk_version;  // "" when unknown
};

// The caller of a request from the headers Unleash SDKs send (unleash-appname,
// unleash-instanceid, unleash-sdk), in `environment`; nullopt when it names no app.
// `header` returns a header's value ("" when absent).
template <typename HeaderFn>
std::optional<SdkCaller> CallerFromHeaders(std::string environment, const HeaderFn& header) {
  SdkCaller c{std::move(environment), header("unleash-appname"), header("unleash-instanceid"),
              header("unleash-sdk")};
  if (c.app_name.empty()) return std::nullopt;
  if (c.instance_id.empty()) c.instance_id = "default";
  return c;
}

// The caller of a metrics body that ParseClientMetrics accepted (appName, instanceId), in
// `environment`.
SdkCaller CallerFromReport(std::string environment, const core::Json& body);

struct ClientInstancesOptions {
  // An instance seen again is written once its last seen moved this far past the written one
  // (a new instance or a new connection mode is written at the next flush).
  std::chrono::milliseconds resolution{10000};
  // Instances held in memory at most; sightings of further ones are dropped until a flush
  // forgets idle ones.
  size_t max_instances = 100000;
  // A written instance with no open stream is forgotten (in memory) when idle this long.
  std::chrono::milliseconds forget_after{std::chrono::minutes(10)};
  // Upserts per write transaction.
  size_t batch_size = 500;
};

// Thread-safe.
class ClientInstances {
 public:
  ClientInstances(store::Database& db, const core::Clock& clock, store::FlagMetricsStore& store,
                  ClientInstancesOptions options = {})
      : db_(db), clock_(clock), store_(store), options_(options) {}
  ~ClientInstances() { Stop(); }
  ClientInstances(const ClientInstances&) = delete;
  ClientInstances& operator=(const ClientInstances&) = delete;

  // Flushes every `period` (wall time) on a thread of its own; a failed flush is logged
  // through `log`. Once.
  void Start(std::chrono::milliseconds period, std::function<void(std::string_view)> log);
  // Ends that thread after one last flush. Idempotent; a no-op when not started.
  void Stop();

  // The caller fetched its flags (full or delta polling): seen now, mode "polling".
  void Polled(const SdkCaller& caller) { Saw(caller, kPolling, 0); }
  // The caller opened an Unleash stream: seen now and for as long as it stays open, mode
  // "streaming".
  void StreamOpened(const SdkCaller& caller) { Saw(caller, kStreaming, +1); }
  // One of the caller's streams ended: seen now.
  void StreamClosed(const SdkCaller& caller) { Saw(caller, kUnchanged, -1); }
  // The caller posted metrics: seen now.
  void Reported(const SdkCaller& caller) { Saw(caller, kUnchanged, 0); }

  // Writes the instances that changed (those with an open stream are seen now); on an error
  // they stay pending for the next flush.
  core::Status Flush();

  // Flushes, then the stored instances (every environment's, or `environment`'s) as
  // {"items": [...]} (see api/openapi.yaml, GET /api/v1/applications).
  core::StatusOr<core::Json> List(const std::optional<std::string>& environment);

  // Sightings dropped because max_instances were held.
  int64_t dropped() const;

 private:
  enum Mode { kUnchanged, kPolling, kStreaming };
  struct Entry {
    store::ClientSighting sighting;  // connection_mode: the latest seen
    bool mode_dirty = false;         // connection_mode not written yet
    bool written = false;
    core::TimePoint written_seen;  // last_seen as last written
    int open_streams = 0;
  };

  void Saw(const SdkCaller& caller, Mode mode, int streams);
  bool Due(const Entry& e) const;

  store::Database& db_;
  const core::Clock& clock_;
  store::FlagMetricsStore& store_;
  const ClientInstancesOptions options_;

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stopping_ = false;  // guarded by thread_mu_
  std::thread thread_;

  std::mutex flush_mu_;  // one flush at a time
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;  // by environment, app, instance
  int64_t dropped_ = 0;
};

// An instance as GET /api/v1/applications shows it.
core::Json ClientInstanceToJson(const store::ClientInstance& instance);

}  // namespace gov::flags
