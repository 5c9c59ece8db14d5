#pragma once

// State shared by the flag evaluation APIs (Unleash client and frontend APIs, OFREP): the
// snapshot registry they read, per-revision derived data (name index, serialized client
// body), and the change feed that server-sent-event streams wait on.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/authenticator.h"
#include "api/router.h"
#include "core/clock.h"
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
  // Features Unleash SDKs may receive: ClientView, without extension operators.
  flags::ClientFeatures client_features;
  std::string client_body;  // client_features as client-API JSON
};

struct FlagApiOptions {
  std::vector<std::string> cors_origins;  // "*" allows any origin
  // Concurrent SSE streams (each holds one HTTP worker thread while open).
  int max_streams = 16;
  std::chrono::milliseconds keep_alive_interval{15000};
  // How long one call of a stream's content provider waits for a change before returning
  // to cpp-httplib, which then notices a server shutdown.
  std::chrono::milliseconds wait_slice{500};
};

// Where client registrations and metrics go (the flag store), as flags::ParseClientRegistration
// and flags::ParseClientMetrics read them, in the token's environment. Unset members drop
// the data after validation.
struct ClientMetricsSinks {
  std::function<Status(const store::ClientRegistration&)> registration;
  std::function<Status(const std::vector<store::FlagMetricsBucket>&)> metrics;
};

// Shared by every evaluation route. Thread-safe.
class FlagApi {
 public:
  // Subscribes to `registry`; the subscription holds only shared state, so either object may
  // be destroyed first.
  FlagApi(flags::SnapshotRegistry& registry, const Clock& clock, const Authenticator& auth,
          FlagApiOptions options, ClientMetricsSinks sinks = {});
  FlagApi(const FlagApi&) = delete;
  FlagApi& operator=(const FlagApi&) = delete;

  // The view of `environment` at its current revision, built on first use; nullptr when
  // nothing was ever published for it.
  std::shared_ptr<const EnvironmentView> View(std::string_view environment);

  // Blocks up to `timeout` until `environment`'s revision differs from `known`; returns the
  // current revision (0 when none is published).
  int64_t WaitForRevision(std::string_view environment, int64_t known,
                          std::chrono::milliseconds timeout);
  // Takes one of max_streams stream slots; false when all are taken.
  bool AcquireStream();
  void ReleaseStream();
  int open_streams() const;

  const Clock& clock() const { return clock_; }
  const Authenticator& auth() const { return auth_; }
  const FlagApiOptions& options() const { return options_; }
  const ClientMetricsSinks& sinks() const { return sinks_; }

 private:
  int64_t CurrentRevision(std::string_view environment) const;

  flags::SnapshotRegistry& registry_;
  const Clock& clock_;
  const Authenticator& auth_;
  FlagApiOptions options_;
  ClientMetricsSinks sinks_;

  std::shared_mutex views_mu_;
  std::map<std::string, std::shared_ptr<const EnvironmentView>, std::less<>> views_;

  // Signalled on every publish; shared with the registry's listener.
  struct ChangeFeed {
    std::mutex mu;
    std::condition_variable cv;
    int open_streams = 0;
  };
  std::shared_ptr<ChangeFeed> feed_ = std::make_shared<ChangeFeed>();
};

// Builds the view of one snapshot (exposed for tests).
std::shared_ptr<const EnvironmentView> BuildEnvironmentView(
    std::shared_ptr<const flags::EnvironmentSnapshot> snapshot);

// The environment a client or frontend token belongs to ("" for none).
std::string PrincipalEnvironment(const RequestContext& ctx);

// True when `header` (an If-None-Match value) lists `etag` or is "*".
bool IfNoneMatchHits(std::string_view header, std::string_view etag);

// Adds CORS headers when the request's Origin is allowed by `origins`; returns whether it was.
bool ApplyCors(const std::vector<std::string>& origins, const httplib::Request& req,
               httplib::Response& res);

// Sets `etag` (and Cache-Control: no-cache) on `res`; when the request's If-None-Match lists
// it, also answers 304 and returns true, and the caller writes no body.
bool AnswerNotModified(const httplib::Request& req, httplib::Response& res,
                       const std::string& etag);

// Adds `route` for a browser-facing API: every response carries the CORS headers of api's
// cors_origins (the router sets them, so its own 401, 403 and 429 carry them too and a browser
// can read them); the route's handler need not set them.
void AddCorsRoute(Router& router, const std::shared_ptr<FlagApi>& api, Route route);

// Answers an OPTIONS preflight for a route that allows `methods`: 204 with CORS headers when
// the Origin is allowed, else 403.
void WritePreflight(const FlagApi& api, const httplib::Request& req, httplib::Response& res,
                    const char* methods);

// Adds an OPTIONS preflight route (WritePreflight with `methods`, a string literal) for each
// of `paths`, documented under `tag` with `error_schema` for its 403.
void AddPreflightRoutes(Router& router, const std::shared_ptr<FlagApi>& api,
                        const std::vector<std::string>& paths, const char* methods,
                        const std::string& tag, const Json& error_schema);

// What an SDK posts about itself.
enum class ClientReport { kRegistration, kMetrics };

// Validates a registration or metrics body for the caller's token environment and hands it
// to the matching sink: 202, or the validation or sink error.
void AcceptClientReport(const FlagApi& api, ClientReport kind, RequestContext& ctx,
                        httplib::Response& res);

}  // namespace gov::api
