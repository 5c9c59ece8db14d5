#pragma once

// What Unleash SDKs report: usage counts (POST /api/client/metrics) and registrations
// (POST /api/client/register), validated and stored; and the stored counts per flag for
// GET /api/v1/flags/{name}/metrics.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "flags/client_instances.h"
#include "flags/flag_service_repositories.h"
#include "store/database.h"
#include "store/flag_metrics_repository.h"

namespace gov::flags {

// The one parser of SDK reports, used by the HTTP API and by FlagMetrics. It follows Unleash's
// client-metrics and client-register schemas: appName is required and not empty; instanceId
// is optional, and an absent, null or "" one reads as "default"; times are RFC 3339 or epoch
// milliseconds (JavaScript Date JSON or Date.now()); an "environment" key is ignored (the
// token's environment applies). Errors name the field, e.g. "bucket.toggles.my-flag.yes".

// A metrics body {"appName", "instanceId"?, "bucket": {"start", "stop", "toggles"?: {name:
// {"yes"?, "no"?, "variants"?: {variant: count}}}}} as per-flag counts of `environment`, in
// the UTC hour that contains bucket.start. Counts are integers from 0 to 2^40; stop is not
// before start; flags whose counts are all 0 are left out; unknown flag names are kept (as
// Unleash does).
core::StatusOr<std::vector<store::FlagMetricsBucket>> ParseClientMetrics(
    const std::string& environment, const core::Json& body);
// A register body {"appName", "instanceId"?, "sdkVersion"?, "strategies"?: [names],
// "started"?, "interval"? (ms)} of `environment`, seen at `now` (also `started` when absent).
core::StatusOr<store::ClientRegistration> ParseClientRegistration(const std::string& environment,
                                                                  const core::Json& body,
                                                                  core::TimePoint now);

// Stores what SDKs report. Thread-safe.
class FlagMetrics {
 public:
  // Writes counts and registrations through `repositories.metrics` and checks that a feature
  // exists through `repositories.flags`.
  FlagMetrics(store::Database& db, const core::Clock& clock,
              FlagRepositories repositories = SqlFlagRepositories())
      : db_(db), clock_(clock), repos_(repositories), instances_(db, clock, repositories.metrics) {}

  // Parses (ParseClientMetrics) and stores a metrics body: counts add up per hour.
  core::Status RecordClientMetrics(const std::string& environment, const core::Json& body);
  // Parses (ParseClientRegistration) and stores a register body, replacing the instance's
  // earlier registration.
  core::Status RecordClientRegistration(const std::string& environment, const core::Json& body);
  // Adds parsed counts.
  core::Status Store(const std::vector<store::FlagMetricsBucket>& buckets);
  // Stores a parsed registration.
  core::Status StoreRegistration(const store::ClientRegistration& registration);
  // Stored counts of `feature`, newest hour first: {"name", "items": [{"appName",
  // "environment", "hour", "yes", "no", "variants"}]}. kNotFound when the feature does not
  // exist.
  core::StatusOr<core::Json> FeatureMetrics(const std::string& feature,
                                            const std::optional<std::string>& environment);
  // The SDK instances: how each connects and when it was last seen, written through
  // `repositories.metrics` (the server flushes them).
  ClientInstances& instances() { return instances_; }

 private:
  store::Database& db_;
  const core::Clock& clock_;
  const FlagRepositories repos_;
  ClientInstances instances_;
};

// The start of the UTC hour containing `t`.
core::TimePoint HourStart(core::TimePoint t);

}  // namespace gov::flags
