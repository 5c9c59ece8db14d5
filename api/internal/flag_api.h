#pragma once

// State shared by the flag evaluation APIs (Unleash client and frontend APIs, OFREP): the
// snapshot registry they read, per-revision derived data (name index, serialized client
// body), and the change feed that server-sent-event streams wait on.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/authenticator.h"
#include "api/internal/sse.h"
#include "api/router.h"
#include "core/clock.h"
#include "experiments/exposure_recorder.h"
#include "flags/client_instances.h"
#include "flags/evaluator.h"
#include "flags/snapshot_registry.h"
#include "store/flag_metrics_repository.h"

namespace gov::api {

// What the evaluation APIs know about one flag besides its compiled form.
struct FlagInfo {
  const flags::Feature* feature = nullptr;  // points into the snapshot's features
  bool has_variants = false;                // feature-level or strategy-level variants
};

// Data derived once per (environment, revision). Immutable; holds its snapshot alive.
struct EnvironmentView {
  std::shared_ptr<const flags::EnvironmentSnapshot> snapshot;
  std::unordered_map<std::string_view, FlagInfo> flags;  // by name (the later feature wins)
  std::vector<std::string_view> names;                   // evaluation order, distinct
  // What Unleash SDKs receive: ClientView(snapshot->features).
  flags::ClientFeatures client_features;
  std::string client_body;  // client_features as client-API JSON
};

struct FlagApiOptions {
  std::vector<std::string> cors_origins;  // "*" allows any origin
  // Concurrent SSE streams in this process (Unleash streaming and OFREP change events).
  // Beyond it an Unleash SDK is told to poll (429), an OFREP client gets 503.
  int max_streams = 50000;
  // A comment line on every open stream this often.
  std::chrono::milliseconds keep_alive_interval{15000};
  // Sends `fetch-mode: streaming` with client-API flag responses, which moves polling
  // Unleash SDKs (those that support it) to streaming.
  bool suggest_streaming = false;
  // Views kept per environment for delta polling (GET /api/client/delta): an SDK whose
  // revision is older gets the full state again.
  size_t delta_history = 32;
};

// Where client registrations and metrics go (the flag store), as flags::ParseClientRegistration
// and flags::ParseClientMetrics read them, in the token's environment. Unset members drop
// the data after validation.
struct ClientMetricsSinks {
  std::function<core::Status(const store::ClientRegistration&)> registration;
  std::function<core::Status(const std::vector<store::FlagMetricsBucket>&)> metrics;
  // Told of every Unleash client-API fetch, stream and metrics report by an SDK that names
  // its app (GET /api/v1/applications); null: not tracked. Must outlive the FlagApi.
  flags::ClientInstances* instances = nullptr;
};

// Shared by every evaluation route. Thread-safe.
class FlagApi {
 public:
  // Subscribes to `registry`; the subscription holds only shared state, so either object may
  // be destroyed first.
  // `exposures` (may be null) records the exposures of running experiments that evaluation
  // assigns; it must outlive the FlagApi.
  FlagApi(flags::SnapshotRegistry& registry, const core::Clock& clock, const Authenticator& auth,
          FlagApiOptions options, ClientMetricsSinks sinks = {},
          experiments::ExposureRecorder* exposures = nullptr);
  ~FlagApi();
  FlagApi(const FlagApi&) = delete;
  FlagApi& operator=(const FlagApi&) = delete;

  // The view of `environment` at its current revision, built on first use; nullptr when
  // nothing was ever published for it.
  std::shared_ptr<const EnvironmentView> View(std::string_view environment);

  // The view of `environment` at `revision` when it is still kept (the last delta_history
  // published revisions), else nullptr.
  std::shared_ptr<const EnvironmentView> ViewAt(std::string_view environment, int64_t revision);

  // Open event streams, fed on every publish.
  StreamHub& streams() { return *streams_; }
  int open_streams() const { return streams_->open_streams(); }

  const core::Clock& clock() const { return clock_; }
  const Authenticator& auth() const { return auth_; }
  const FlagApiOptions& options() const { return options_; }
  const ClientMetricsSinks& sinks() const { return sinks_; }
  experiments::ExposureRecorder* exposures() const { return exposures_; }

 private:
  // Builds the view of the registry's current snapshot once, remembering it in the history.
  std::shared_ptr<const EnvironmentView> Refresh(std::string_view environment);

  flags::SnapshotRegistry& registry_;
  const core::Clock& clock_;
  const Authenticator& auth_;
  FlagApiOptions options_;
  ClientMetricsSinks sinks_;
  experiments::ExposureRecorder* exposures_;

  std::shared_mutex views_mu_;
  std::map<std::string, std::shared_ptr<const EnvironmentView>, std::less<>> views_;
  // Oldest first; the newest is views_'s.
  std::map<std::string, std::deque<std::shared_ptr<const EnvironmentView>>, std::less<>> history_;

  std::unique_ptr<StreamHub> streams_;
  int subscription_ = 0;
};

// Records the exposures of one request's evaluations in `environment` (the token's): when a
// flag evaluated is the feature of a running experiment there and the context has the
// experiment's randomization unit, the assigned variant is recorded; when it is the feature of
// a running release plan there, the unit (the plan's stickiness) is recorded in the arm the
// plan's rollout assigns, whatever the answer (rollouts/plan_evidence.h). While no experiment runs,
// construction costs one atomic load (RunningExperiments::None) and Observe returns at once.
// Otherwise construction pins the index (RunningExperiments::Pin: one more atomic load) and
// looks the environment's experiments up once; Observe compares the flag's name with their
// features, reads the unit through its resolved field, and records (ExposureRecorder::Record:
// a hash and a lock-free probe when the unit was already recorded). One tap per request,
// used and destroyed on the thread that made it.
class ExposureTap {
 public:
  ExposureTap(const FlagApi& api, std::string_view environment);
  ExposureTap(const ExposureTap&) = delete;
  ExposureTap& operator=(const ExposureTap&) = delete;
  void Observe(std::string_view feature, const flags::Context& context,
               const flags::EvaluationResult& result) const;

 private:
  experiments::ExposureRecorder* recorder_ = nullptr;
  std::optional<experiments::RunningExperiments::Pin> pin_;
  const experiments::EnvironmentTargets* targets_ = nullptr;  // nullptr: nothing to record
};

// Builds the view of one snapshot (exposed for tests).
std::shared_ptr<const EnvironmentView> BuildEnvironmentView(
    std::shared_ptr<const flags::EnvironmentSnapshot> snapshot);

// The environment a client or frontend token belongs to ("" for none).
std::string PrincipalEnvironment(const RequestContext& ctx);

// True when `header` (an If-None-Match value) lists `etag` or is "*".
bool IfNoneMatchHits(std::string_view header, std::string_view etag);

// Adds CORS headers when the request's Origin is allowed by `origins`; returns whether it was.
bool ApplyCors(const std::vector<std::string>& origins, const Request& req, Response& res);

// Sets `etag` (and Cache-Control: no-cache) on `res`; when the request's If-None-Match lists
// it, also answers 304 and returns true, and the caller writes no body.
bool AnswerNotModified(const Request& req, Response& res, const std::string& etag);

// Adds `route` for a browser-facing API: every response carries the CORS headers of api's
// cors_origins (the router sets them, so its own 401, 403 and 429 carry them too and a browser
// can read them); the route's handler need not set them. Runs inline on the I/O thread unless
// its rate class is "ingest" (reports stored in the database).
void AddCorsRoute(Router& router, const std::shared_ptr<FlagApi>& api, Route route);

// Answers an OPTIONS preflight for a route that allows `methods`: 204 with CORS headers when
// the Origin is allowed, else 403.
void WritePreflight(const FlagApi& api, const Request& req, Response& res, const char* methods);

// Adds an OPTIONS preflight route (WritePreflight with `methods`, a string literal) for each
// of `paths`.
void AddPreflightRoutes(Router& router, const std::shared_ptr<FlagApi>& api,
                        const std::vector<std::string>& paths, const char* methods);

// What an SDK posts about itself.
enum class ClientReport { kRegistration, kMetrics };

// Validates a registration or metrics body for the caller's token environment and hands it
// to the matching sink: 202, or the validation or sink error. A metrics report accepted with
// `seen` set marks its instance seen there.
void AcceptClientReport(const FlagApi& api, ClientReport kind, RequestContext& ctx, Response& res,
                        flags::ClientInstances* seen = nullptr);

}  // namespace gov::api
