#include "controller/trace.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "core/time_format.h"

namespace gov::controller {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  // Quoted fields ("2014-07-01 00:00:00") as spreadsheets write them.
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

core::Status LineError(std::size_t line, const std::string& message) {
  return core::InvalidArgument("line " + std::to_string(line) + ": " + message, "trace");
}

}  // namespace

std::optional<core::TimePoint> ParseTraceTimestamp(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  const bool numeric = std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
  });
  if (numeric && s.find('-', 1) == std::string_view::npos) {
    const std::optional<double> seconds = ParseNumber(s);
    if (!seconds || std::abs(*seconds) > 1e11) return std::nullopt;
    return core::TimePoint(
        std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(*seconds)));
  }
  if (std::optional<core::TimePoint> t = core::ParseRfc3339(s)) return t;
  // "YYYY-MM-DD HH:MM:SS" without a zone: UTC.
  if (s.size() >= 16 && s.size() <= 40 && s[10] == ' ') {
    return core::ParseRfc3339(std::string(s) + "Z");
  }
  return std::nullopt;
}

core::StatusOr<Trace> ParseTraceCsv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  Trace trace;
  std::size_t line_number = 0;
  int time_column = -1;
  bool header_seen = false;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_number;
    if (Trim(line).empty()) continue;
    const std::size_t comma = line.find(',');
    if (comma == std::string_view::npos || line.find(',', comma + 1) != std::string_view::npos) {
      return LineError(line_number, "expected two comma-separated fields (timestamp,value)");
    }
    const std::string_view first = Trim(line.substr(0, comma));
    const std::string_view second = Trim(line.substr(comma + 1));
    if (!header_seen) {
      header_seen = true;
      if (first == "timestamp" && second == "value") {
        time_column = 0;
      } else if (first == "value" && second == "timestamp") {
        time_column = 1;
      } else {
        return LineError(line_number, "the header must be \"timestamp,value\"");
      }
      continue;
    }
    const std::string_view time_text = time_column == 0 ? first : second;
    const std::string_view value_text = time_column == 0 ? second : first;
    const std::optional<core::TimePoint> time = ParseTraceTimestamp(time_text);
    if (!time) {
      return LineError(line_number, "timestamp \"" + std::string(time_text) +
                                        "\" is not Unix seconds, RFC 3339 or YYYY-MM-DD HH:MM:SS");
    }
    predictors::Point point{*time, predictors::kGap};
    if (!value_text.empty()) {
      const std::optional<double> value = ParseNumber(value_text);
      if (!value) {
        return LineError(line_number, "value \"" + std::string(value_text) + "\" is not a number");
      }
      point.value = *value;
    }
    trace.points.push_back(point);
  }
  if (!header_seen) return core::InvalidArgument("the trace is empty", "trace");
  if (trace.points.empty()) {
    return core::InvalidArgument("the trace has a header but no readings", "trace");
  }
  const auto [lo, hi] = std::minmax_element(
      trace.points.begin(), trace.points.end(),
      [](const predictors::Point& a, const predictors::Point& b) { return a.time < b.time; });
  trace.first = lo->time;
  trace.last = hi->time;
  core::StatusOr<predictors::Series> series = predictors::ResampleToRegular(trace.points);
  if (!series.ok()) {
    return core::InvalidArgument("cannot be resampled: " + series.status().message(), "trace");
  }
  trace.series = std::move(*series);
  return trace;
}

}  // namespace gov::controller
