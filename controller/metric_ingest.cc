#include "controller/metric_ingest.h"

#include <cmath>
#include <map>
#include <string>

#include "core/time_format.h"

namespace gov::controller {

namespace {

constexpr size_t kMaxInstanceLength = 256;

std::optional<core::TimePoint> ReadPushTime(core::FieldReader& r, core::TimePoint now) {
  const core::Json* t = r.Get("timestamp");
  if (t == nullptr) return now;
  std::optional<core::TimePoint> at;
  if (t->is_number()) {
    const double s = t->get<double>();
    if (std::isfinite(s) && s >= 0 && s <= 9e9) at = core::FromUnixSeconds(s);
  } else if (t->is_string()) {
    at = core::ParseRfc3339(t->get<std::string>());
  }
  if (!at) {
    r.Fail("timestamp", "expected Unix seconds or an RFC 3339 date-time");
    return std::nullopt;
  }
  if (*at > now + kMaxPushClockSkew) {
    r.Fail("timestamp", "is more than 60 s in the future (check the pusher's clock)");
    return std::nullopt;
  }
  return at;
}

}  // namespace

core::StatusOr<std::vector<PushedSample>> ParsePushedSamples(const TargetSpec& spec,
                                                             const core::Json& body,
                                                             core::TimePoint now) {
  std::map<std::string, const MetricSpec*, std::less<>> metrics;
  for (const MetricSpec& m : spec.metrics) metrics[m.name] = &m;

  core::FieldReader r(body, "");
  r.RejectUnknown({"samples"});
  if (r.ok() && !r.Has("samples")) r.Fail("samples", "is required: [{\"metric\", \"value\"}]");
  const core::Json* samples = r.OptionalArray("samples");
  RETURN_IF_ERROR(r.status());
  if (samples->empty() || samples->size() > kMaxSamplesPerPush) {
    return core::InvalidArgument(
        "must hold 1 to " + std::to_string(kMaxSamplesPerPush) + " samples", "samples");
  }
  std::vector<PushedSample> parsed;
  parsed.reserve(samples->size());
  for (size_t i = 0; i < samples->size(); ++i) {
    core::FieldReader s((*samples)[i], core::IndexFieldPath("samples", i));
    s.RejectUnknown({"metric", "value", "timestamp", "instance"});
    PushedSample sample;
    sample.metric = s.RequiredString("metric");
    if (s.ok()) {
      auto m = metrics.find(sample.metric);
      if (m == metrics.end()) {
        s.Fail("metric", "target " + spec.name + " has no metric \"" + sample.metric + "\"");
      } else if (m->second->source.prometheus) {
        s.Fail("metric", "\"" + sample.metric + "\" is read from Prometheus, not pushed");
      }
    }
    if (s.ok()) {
      const core::Json* value = s.Get("value");
      if (value == nullptr || !value->is_number() || !std::isfinite(value->get<double>()) ||
          value->get<double>() < 0) {
        s.Fail("value", "must be a finite number >= 0");
      } else {
        sample.value = value->get<double>();
      }
    }
    if (s.ok()) {
      if (auto at = ReadPushTime(s, now)) sample.timestamp = *at;
    }
    if (s.ok()) {
      sample.instance = s.OptionalString("instance").value_or("");
      if (s.ok() && sample.instance.size() > kMaxInstanceLength) {
        s.Fail("instance", "must be at most 256 characters");
      }
    }
    RETURN_IF_ERROR(s.status());
    parsed.push_back(std::move(sample));
  }
  return parsed;
}

}  // namespace gov::controller
