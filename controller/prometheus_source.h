#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace gov::controller {

// Where Prometheus is when a metric's source gives no `url`: Prometheus' own default listen
// address.
inline constexpr const char* kDefaultPrometheusUrl = "http://127.0.0.1:9090";

// One instant-query result reduced to a single number.
struct PrometheusValue {
  double value = 0;
  core::TimePoint evaluated_at;  // the timestamp Prometheus returned with the sample
};

// Parses a response of the Prometheus HTTP API's instant query (`/api/v1/query`): a scalar,
// or a vector holding exactly one series, with a finite value. Errors say what came back:
// Prometheus' own errorType and error, an empty result, several series (naming a few), a
// matrix or string result, NaN or infinite values. Pure.
core::StatusOr<PrometheusValue> ParsePrometheusQueryResponse(int http_status,
                                                             std::string_view body);

// Runs instant queries. Implementations are thread-safe.
class PrometheusQuerier {
 public:
  virtual ~PrometheusQuerier() = default;
  // The value of `query` at time `at` from the server at `base_url` ("http://host:9090",
  // optionally with a path prefix), within `timeout` per attempt.
  virtual core::StatusOr<PrometheusValue> Query(const std::string& base_url,
                                                const std::string& query, core::Duration timeout,
                                                core::TimePoint at) = 0;
};

struct PrometheusClientOptions {
  // Attempts per query: connection errors, timeouts, 429 and 5xx answers are retried.
  int max_attempts = 3;
  // Wait before retry n (0-based): backoff × 2^n.
  core::Duration backoff = std::chrono::milliseconds(200);
  // How to wait between attempts; tests record instead of sleeping. Default: sleep_for.
  std::function<void(core::Duration)> sleep;
};

// Queries over HTTP(S) with cpp-httplib: GET <base_url>/api/v1/query?query=...&time=....
class PrometheusHttpClient final : public PrometheusQuerier {
 public:
  explicit PrometheusHttpClient(PrometheusClientOptions options = {});
  core::StatusOr<PrometheusValue> Query(const std::string& base_url, const std::string& query,
                                        core::Duration timeout, core::TimePoint at) override;

 private:
  PrometheusClientOptions options_;
};

}  // namespace gov::controller
