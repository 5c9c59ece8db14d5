#include "api/client_metrics.h"

#include "core/time_format.h"

namespace gov::api {

namespace {

// A non-negative integer count at `path`.
Status ReadCount(const Json& v, const std::string& path, int64_t& out) {
  if (!v.is_number_integer() && !v.is_number_unsigned()) {
    return InvalidArgument("expected a non-negative integer", path);
  }
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return InvalidArgument("count too large", path);
    }
    out = static_cast<int64_t>(v.get<uint64_t>());
    return Status::Ok();
  }
  out = v.get<int64_t>();
  if (out < 0) return InvalidArgument("expected a non-negative integer", path);
  return Status::Ok();
}

// A time given as RFC 3339 text (JavaScript's Date JSON) or epoch milliseconds.
StatusOr<TimePoint> ReadTime(const Json& v, const std::string& path) {
  if (v.is_string()) {
    auto t = ParseRfc3339(v.get<std::string>());
    if (t) return *t;
  } else if (v.is_number_integer()) {
    return TimePoint(std::chrono::milliseconds(v.get<int64_t>()));
  }
  return InvalidArgument("expected an RFC 3339 time or epoch milliseconds", path);
}

// The fields every SDK report starts with: appName (required, not empty) and instanceId
// ("" when absent), after checking that `body` is an object.
Status ReadSdkIdentity(const Json& body, std::string& app_name, std::string& instance_id) {
  if (!body.is_object()) return InvalidArgument("expected a JSON object", "body");
  FieldReader r(body, "");
  app_name = r.RequiredString("appName");
  instance_id = r.OptionalString("instanceId").value_or("");
  RETURN_IF_ERROR(r.status());
  if (app_name.empty()) return InvalidArgument("must not be empty", "appName");
  return Status::Ok();
}

}  // namespace

StatusOr<ClientRegistration> ParseClientRegistration(const Json& body, std::string environment) {
  ClientRegistration out;
  out.environment = std::move(environment);
  RETURN_IF_ERROR(ReadSdkIdentity(body, out.app_name, out.instance_id));
  FieldReader r(body, "");
  out.sdk_version = r.OptionalString("sdkVersion").value_or("");
  if (auto interval = r.OptionalNumber("interval")) {
    if (*interval < 0) r.Fail("interval", "expected a non-negative number of milliseconds");
    out.interval_ms = static_cast<int64_t>(*interval);
  }
  RETURN_IF_ERROR(r.status());
  if (const Json* started = r.Get("started")) {
    ASSIGN_OR_RETURN(out.started, ReadTime(*started, "started"));
  }
  if (const Json* strategies = r.OptionalArray("strategies")) {
    RETURN_IF_ERROR(r.status());
    for (size_t i = 0; i < strategies->size(); ++i) {
      const Json& s = (*strategies)[i];
      if (!s.is_string())
        return InvalidArgument("expected a string", IndexFieldPath("strategies", i));
      out.strategies.push_back(s.get<std::string>());
    }
  }
  RETURN_IF_ERROR(r.status());
  return out;
}

StatusOr<ClientMetricsReport> ParseClientMetrics(const Json& body, std::string environment) {
  ClientMetricsReport out;
  out.environment = std::move(environment);
  RETURN_IF_ERROR(ReadSdkIdentity(body, out.app_name, out.instance_id));
  FieldReader r(body, "");
  const Json* bucket = r.OptionalObject("bucket");
  RETURN_IF_ERROR(r.status());
  if (bucket == nullptr || !bucket->is_object()) {
    return InvalidArgument("expected an object", "bucket");
  }
  FieldReader b(*bucket, "bucket");
  const Json* start = b.Get("start");
  const Json* stop = b.Get("stop");
  const Json* toggles = b.OptionalObject("toggles");
  RETURN_IF_ERROR(b.status());
  if (start == nullptr) return InvalidArgument("is required", "bucket.start");
  if (stop == nullptr) return InvalidArgument("is required", "bucket.stop");
  ASSIGN_OR_RETURN(out.start, ReadTime(*start, "bucket.start"));
  ASSIGN_OR_RETURN(out.stop, ReadTime(*stop, "bucket.stop"));
  if (out.stop < out.start) return InvalidArgument("is before bucket.start", "bucket.stop");
  if (toggles == nullptr || !toggles->is_object()) {
    return InvalidArgument("expected an object", "bucket.toggles");
  }
  for (const auto& [name, counts] : toggles->items()) {
    const std::string path = JoinFieldPath("bucket.toggles", name);
    if (!counts.is_object()) return InvalidArgument("expected an object", path);
    ToggleCounts t;
    t.name = name;
    if (counts.contains("yes")) RETURN_IF_ERROR(ReadCount(counts["yes"], path + ".yes", t.yes));
    if (counts.contains("no")) RETURN_IF_ERROR(ReadCount(counts["no"], path + ".no", t.no));
    if (counts.contains("variants") && !counts["variants"].is_null()) {
      const Json& variants = counts["variants"];
      if (!variants.is_object()) return InvalidArgument("expected an object", path + ".variants");
      for (const auto& [variant, n] : variants.items()) {
        int64_t count = 0;
        RETURN_IF_ERROR(ReadCount(n, JoinFieldPath(path + ".variants", variant), count));
        t.variants.emplace_back(variant, count);
      }
    }
    out.toggles.push_back(std::move(t));
  }
  return out;
}

}  // namespace gov::api
