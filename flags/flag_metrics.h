#pragma once

// What Unleash SDKs report: usage counts (POST /api/client/metrics) and registrations
// (POST /api/client/register), validated and stored; and the stored counts per flag for
// GET /api/v1/flags/{name}/metrics.

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "store/database.h"
#include "store/flag_metrics_repository.h"

namespace gov::flags {

// Thread-safe.
class FlagMetrics {
 public:
  FlagMetrics(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Stores a metrics body for `environment` (from the client token):
  // {"appName", "instanceId"?, "environment"?, "bucket": {"start", "stop",
  //  "toggles": {name: {"yes", "no", "variants"?: {variant: count}}}}}.
  // Counts are added to the UTC hour that contains bucket.start. Errors name the field,
  // e.g. "bucket.toggles.my-flag.yes". Unknown flag names are stored too (as Unleash does).
  Status RecordClientMetrics(const std::string& environment, const Json& body);
  // Stores a register body for `environment`: {"appName", "instanceId", "sdkVersion"?,
  // "strategies"?: [names], "started"?, "interval"? (ms)}.
  Status RecordClientRegistration(const std::string& environment, const Json& body);
  // Stored counts of `feature`, newest hour first: {"name", "items": [{"appName",
  // "environment", "hour", "yes", "no", "variants"}]}. kNotFound when the feature does not
  // exist.
  // Adds already-validated counts (for callers that parse the body themselves).
  Status Store(const std::vector<store::FlagMetricsBucket>& buckets);
  // Stores an already-validated registration.
  Status StoreRegistration(const store::ClientRegistration& registration);
  StatusOr<Json> FeatureMetrics(const std::string& feature,
                                const std::optional<std::string>& environment);

 private:
  store::Database& db_;
  const Clock& clock_;
};

// The start of the UTC hour containing `t`.
TimePoint HourStart(TimePoint t);

}  // namespace gov::flags
