// The Prometheus HTTP API client (see prometheus_client.h).

#include "integrations/prometheus_client.h"

#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "core/json_util.h"

namespace gov::integrations {

namespace {

constexpr size_t kSeriesNamedInErrors = 3;
constexpr size_t kBodyExcerptBytes = 200;

std::string Excerpt(std::string_view text) {
  std::string out(text.substr(0, kBodyExcerptBytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > kBodyExcerptBytes) out += "...";
  return out;
}

// `{job="web", instance="a:1"}` for a series' label set.
std::string DescribeSeries(const core::Json& series) {
  const core::Json* labels =
      series.is_object() && series.contains("metric") ? &series["metric"] : nullptr;
  std::string out = "{";
  if (labels != nullptr && labels->is_object()) {
    bool first = true;
    for (const auto& [k, v] : labels->items()) {
      if (!first) out += ", ";
      first = false;
      out += k + "=" + (v.is_string() ? "\"" + v.get<std::string>() + "\"" : v.dump());
    }
  }
  return out + "}";
}

// A [<unix seconds>, "<value>"] pair.
core::StatusOr<PrometheusValue> ParseSamplePair(const core::Json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() || !pair[1].is_string()) {
    return core::Internal("prometheus: malformed sample " + Excerpt(pair.dump()));
  }
  const std::string text = pair[1].get<std::string>();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0')
    return core::Internal("prometheus: malformed value \"" + text + "\"");
  if (!std::isfinite(value)) {
    return core::FailedPrecondition("prometheus: the query's value is " + text +
                                    ", not a finite number");
  }
  return PrometheusValue{value, core::FromUnixSeconds(pair[0].get<double>())};
}

bool Retryable(int http_status) { return http_status == 429 || http_status >= 500; }

// cpp-httplib's error names ("Connection", "Read") say little on their own.
std::string DescribeTransportError(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect";
    case httplib::Error::ConnectionTimeout:
      return "connecting timed out";
    case httplib::Error::Read:
      return "no answer within the timeout, or the connection broke";
    case httplib::Error::Write:
      return "sending the query failed";
    default:
      return httplib::to_string(error);
  }
}

// "http://host:9090/prefix" -> {"http://host:9090", "/prefix"}.
std::pair<std::string, std::string> SplitBaseUrl(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return {url, ""};
  std::string prefix = url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {url.substr(0, path_start), prefix};
}

}  // namespace

namespace {

// The `data` object of a successful answer, or what went wrong (retryable on 429/5xx).
core::StatusOr<core::Json> ParseEnvelope(int http_status, std::string_view body) {
  auto parsed = core::ParseJson(body);
  if (!parsed.ok() || !parsed->is_object()) {
    const std::string what = "prometheus answered HTTP " + std::to_string(http_status) +
                             " with a body that is not the query API's JSON: " + Excerpt(body);
    return Retryable(http_status) ? core::Unavailable(what) : core::Internal(what);
  }
  const core::Json& doc = *parsed;
  if (doc.value("status", "") != "success") {
    const std::string what = "prometheus: " + doc.value("errorType", std::string("error")) + ": " +
                             doc.value("error", std::string("(no message)")) + " (HTTP " +
                             std::to_string(http_status) + ")";
    return Retryable(http_status) ? core::Unavailable(what) : core::FailedPrecondition(what);
  }
  if (!doc.contains("data") || !doc["data"].is_object() || !doc["data"].contains("resultType") ||
      !doc["data"].contains("result")) {
    return core::Internal("prometheus: success without data.resultType and data.result");
  }
  return doc["data"];
}

std::string ResultType(const core::Json& data) {
  return data["resultType"].is_string() ? data["resultType"].get<std::string>() : "";
}

core::Status TooManySeries(const core::Json& result) {
  std::string names;
  for (size_t i = 0; i < result.size() && i < kSeriesNamedInErrors; ++i) {
    names += (i ? ", " : "") + DescribeSeries(result[i]);
  }
  if (result.size() > kSeriesNamedInErrors) names += ", ...";
  return core::FailedPrecondition("prometheus: the query returned " +
                                  std::to_string(result.size()) + " series (" + names +
                                  "); aggregate them to one, e.g. avg(...) or sum(...)");
}

}  // namespace

core::StatusOr<PrometheusValue> ParsePrometheusQueryResponse(int http_status,
                                                             std::string_view body) {
  ASSIGN_OR_RETURN(core::Json data, ParseEnvelope(http_status, body));
  const std::string type = ResultType(data);
  const core::Json& result = data["result"];
  if (type == "scalar") return ParseSamplePair(result);
  if (type != "vector") {
    return core::FailedPrecondition("prometheus: the query returned a " + type +
                                    " result; Governor needs an instant vector with one series or "
                                    "a scalar (a range selector like [5m] needs a function such as "
                                    "rate() or avg_over_time())");
  }
  if (!result.is_array()) return core::Internal("prometheus: vector result is not an array");
  if (result.empty()) {
    return core::FailedPrecondition(
        "prometheus: the query returned no series (nothing matched, or "
        "the series are stale)");
  }
  if (result.size() > 1) return TooManySeries(result);
  if (!result[0].is_object() || !result[0].contains("value")) {
    return core::Internal("prometheus: vector sample without a value");
  }
  return ParseSamplePair(result[0]["value"]);
}

core::StatusOr<std::vector<PrometheusValue>> ParsePrometheusRangeResponse(int http_status,
                                                                          std::string_view body) {
  ASSIGN_OR_RETURN(core::Json data, ParseEnvelope(http_status, body));
  const std::string type = ResultType(data);
  const core::Json& result = data["result"];
  if (type != "matrix") {
    return core::FailedPrecondition("prometheus: the range query returned a " + type +
                                    " result, not a matrix");
  }
  if (!result.is_array()) return core::Internal("prometheus: matrix result is not an array");
  std::vector<PrometheusValue> out;
  if (result.empty()) return out;
  if (result.size() > 1) return TooManySeries(result);
  if (!result[0].is_object() || !result[0].contains("values") || !result[0]["values"].is_array()) {
    return core::Internal("prometheus: matrix series without values");
  }
  out.reserve(result[0]["values"].size());
  for (const core::Json& pair : result[0]["values"]) {
    auto sample = ParseSamplePair(pair);
    if (sample.ok()) {
      out.push_back(*sample);
    } else if (sample.status().code() != core::StatusCode::kFailedPrecondition) {
      return sample.status();  // malformed; a non-finite value is a gap and left out
    }
  }
  return out;
}

core::StatusOr<std::vector<PrometheusValue>> PrometheusQuerier::QueryRange(
    const std::string&, const std::string&, core::TimePoint, core::TimePoint, std::chrono::seconds,
    core::Duration) {
  return core::FailedPrecondition("this Prometheus querier answers instant queries only");
}

PrometheusHttpClient::PrometheusHttpClient(PrometheusClientOptions options)
    : options_(std::move(options)) {
  if (!options_.sleep) options_.sleep = [](core::Duration d) { std::this_thread::sleep_for(d); };
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

template <typename T>
core::StatusOr<T> PrometheusHttpClient::Get(
    const std::string& base_url, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& params, core::Duration timeout,
    const std::function<core::StatusOr<T>(int, std::string_view)>& parse) {
  const auto [origin, prefix] = SplitBaseUrl(base_url);
  httplib::Params query_params;
  for (const auto& [k, v] : params) query_params.emplace(k, v);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  core::Status last;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) options_.sleep(options_.backoff * (int64_t{1} << (attempt - 1)));
    httplib::Client client(origin);
    if (!client.is_valid()) {
      return core::InvalidArgument("prometheus url " + base_url + " is not a valid http(s) URL");
    }
    client.set_connection_timeout(std::chrono::microseconds(micros));
    client.set_read_timeout(std::chrono::microseconds(micros));
    client.set_write_timeout(std::chrono::microseconds(micros));
    client.set_keep_alive(false);
    auto res = client.Get(prefix + path, query_params, httplib::Headers{});
    if (!res) {
      last = core::Unavailable(
          "prometheus at " + base_url + ": " + DescribeTransportError(res.error()) + " (attempt " +
          std::to_string(attempt + 1) + " of " + std::to_string(options_.max_attempts) + ")");
      continue;
    }
    auto value = parse(res->status, res->body);
    if (value.ok() || !Retryable(res->status)) return value;
    last = value.status();
  }
  return last;
}

namespace {

std::string UnixSecondsParam(core::TimePoint t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", core::ToUnixSeconds(t));
  return buf;
}

}  // namespace

core::StatusOr<PrometheusValue> PrometheusHttpClient::Query(const std::string& base_url,
                                                            const std::string& query,
                                                            core::Duration timeout,
                                                            core::TimePoint at) {
  return Get<PrometheusValue>(base_url, "/api/v1/query",
                              {{"query", query}, {"time", UnixSecondsParam(at)}}, timeout,
                              ParsePrometheusQueryResponse);
}

core::StatusOr<std::vector<PrometheusValue>> PrometheusHttpClient::QueryRange(
    const std::string& base_url, const std::string& query, core::TimePoint start,
    core::TimePoint end, std::chrono::seconds step, core::Duration timeout) {
  if (step.count() <= 0) return core::InvalidArgument("prometheus range query: step must be > 0");
  std::vector<PrometheusValue> out;
  const core::Duration piece = step * (kPrometheusMaxRangePoints - 1);
  for (core::TimePoint from = start; from <= end; from += piece + step) {
    const core::TimePoint to = std::min(end, from + piece);
    ASSIGN_OR_RETURN(auto values,
                     Get<std::vector<PrometheusValue>>(base_url, "/api/v1/query_range",
                                                       {{"query", query},
                                                        {"start", UnixSecondsParam(from)},
                                                        {"end", UnixSecondsParam(to)},
                                                        {"step", std::to_string(step.count())}},
                                                       timeout, ParsePrometheusRangeResponse));
    out.insert(out.end(), values.begin(), values.end());
  }
  return out;
}

}  // namespace gov::integrations
