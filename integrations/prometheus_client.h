#pragma once

// The Prometheus HTTP API client: instant and range queries, their parsing, and retries. Every
// module that reads Prometheus (the controller's metric sources and load history, among others)
// queries through this one client.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace gov::integrations {

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

// Parses a response of the range query (`/api/v1/query_range`): a matrix holding at most one
// series. Returns its samples oldest first; none when no series matched. Samples whose value
// is NaN or infinite are left out (they are gaps, e.g. a division by zero). Errors as
// ParsePrometheusQueryResponse's (several series, a non-matrix result, Prometheus' error). Pure.
core::StatusOr<std::vector<PrometheusValue>> ParsePrometheusRangeResponse(int http_status,
                                                                          std::string_view body);

// Prometheus refuses a range query of more than this many points per series.
inline constexpr int64_t kPrometheusMaxRangePoints = 11000;

// Runs instant and range queries. Implementations are thread-safe.
class PrometheusQuerier {
 public:
  virtual ~PrometheusQuerier() = default;
  // The value of `query` at time `at` from the server at `base_url` ("http://host:9090",
  // optionally with a path prefix), within `timeout` per attempt.
  virtual core::StatusOr<PrometheusValue> Query(const std::string& base_url,
                                                const std::string& query, core::Duration timeout,
                                                core::TimePoint at) = 0;
  // The values of `query` evaluated every `step` from `start` to `end` (inclusive), oldest
  // first, within `timeout` per attempt. A querier that cannot (a fake answering instant
  // queries only) returns kFailedPrecondition.
  virtual core::StatusOr<std::vector<PrometheusValue>> QueryRange(
      const std::string& base_url, const std::string& query, core::TimePoint start,
      core::TimePoint end, std::chrono::seconds step, core::Duration timeout);
};

struct PrometheusClientOptions {
  // Attempts per query: connection errors, timeouts, 429 and 5xx answers are retried.
  int max_attempts = 3;
  // Wait before retry n (0-based): backoff × 2^n.
  core::Duration backoff = std::chrono::milliseconds(200);
  // How to wait between attempts; tests record instead of sleeping. Default: sleep_for.
  std::function<void(core::Duration)> sleep;
};

// Queries over HTTP(S) with cpp-httplib: GET <base_url>/api/v1/query?query=...&time=...
// and <base_url>/api/v1/query_range?query=...&start=...&end=...&step=... (a range of more
// than kPrometheusMaxRangePoints points is asked for in consecutive pieces).
class PrometheusHttpClient final : public PrometheusQuerier {
 public:
  explicit PrometheusHttpClient(PrometheusClientOptions options = {});
  core::StatusOr<PrometheusValue> Query(const std::string& base_url, const std::string& query,
                                        core::Duration timeout, core::TimePoint at) override;
  core::StatusOr<std::vector<PrometheusValue>> QueryRange(
      const std::string& base_url, const std::string& query, core::TimePoint start,
      core::TimePoint end, std::chrono::seconds step, core::Duration timeout) override;

 private:
  // GET `path` with `params`, retried as PrometheusClientOptions says; `parse` turns an
  // answer into T (its kUnavailable errors on 429/5xx are retried).
  template <typename T>
  core::StatusOr<T> Get(const std::string& base_url, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& params,
                        core::Duration timeout,
                        const std::function<core::StatusOr<T>(int, std::string_view)>& parse);

  PrometheusClientOptions options_;
};

}  // namespace gov::integrations
