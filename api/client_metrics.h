#pragma once

// The bodies Unleash SDKs post to /api/client/register and /api/client/metrics, parsed and
// validated (https://docs.getunleash.io/reference/api/unleash/register-client-application,
// .../client-metrics). Errors name the field, e.g. "bucket.toggles.my-flag.yes".

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"

namespace gov::api {

struct ClientRegistration {
  std::string environment;  // of the token that posted it
  std::string app_name;
  std::string instance_id;  // "" when absent
  std::string sdk_version;  // "" when absent
  std::vector<std::string> strategies;
  std::optional<TimePoint> started;
  int64_t interval_ms = 0;
};

struct ToggleCounts {
  std::string name;
  int64_t yes = 0;
  int64_t no = 0;
  std::vector<std::pair<std::string, int64_t>> variants;  // variant name -> count
};

struct ClientMetricsReport {
  std::string environment;  // of the token that posted it
  std::string app_name;
  std::string instance_id;  // "" when absent
  TimePoint start;
  TimePoint stop;
  std::vector<ToggleCounts> toggles;
};

// Parses a registration body; appName is required.
StatusOr<ClientRegistration> ParseClientRegistration(const Json& body, std::string environment);
// Parses a metrics body: appName and bucket {start, stop (RFC 3339), toggles {name: {yes, no,
// variants}}} are required; counts are non-negative integers; stop is not before start.
StatusOr<ClientMetricsReport> ParseClientMetrics(const Json& body, std::string environment);

}  // namespace gov::api
