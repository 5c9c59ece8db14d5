#include "flags/flag_metrics.h"

#include "core/time_format.h"
#include "flags/internal/date.h"

namespace gov::flags {

namespace {

// Largest count accepted per report; keeps sums far from int64 overflow.
constexpr int64_t kMaxCount = int64_t{1} << 40;

core::StatusOr<int64_t> ReadCount(core::FieldReader& r, std::string_view key) {
  const std::optional<int64_t> v = r.OptionalInt(key);
  RETURN_IF_ERROR(r.status());
  if (v && (*v < 0 || *v > kMaxCount)) {
    return core::InvalidArgument("expected a count from 0 to 2^40", r.FieldPath(key));
  }
  return v.value_or(0);
}

// Member `key` as a time: RFC 3339 text or epoch milliseconds (whole ones, as Date.now()
// gives); nullopt when absent or null.
core::StatusOr<std::optional<core::TimePoint>> ReadTime(const core::FieldReader& r,
                                                        std::string_view key) {
  std::optional<core::TimePoint> out;
  const core::Json* v = r.Get(key);
  if (v == nullptr) return out;
  if (v->is_number() && !v->is_number_integer() && !v->is_number_unsigned()) {
    return core::InvalidArgument("expected whole epoch milliseconds", r.FieldPath(key));
  }
  RETURN_IF_ERROR(internal::ReadJsonTime(*v, r.FieldPath(key), /*allow_millis=*/true, out));
  return out;
}

core::StatusOr<core::TimePoint> ReadRequiredTime(const core::FieldReader& r, std::string_view key) {
  ASSIGN_OR_RETURN(std::optional<core::TimePoint> t, ReadTime(r, key));
  if (!t) return core::InvalidArgument("is required", r.FieldPath(key));
  return *t;
}

// appName (required, not empty) and instanceId ("default" when absent, null or "").
core::Status ReadSdkIdentity(core::FieldReader& r, std::string& app_name,
                             std::string& instance_id) {
  app_name = r.RequiredString("appName");
  instance_id = r.OptionalString("instanceId").value_or("");
  r.OptionalString("environment");
  RETURN_IF_ERROR(r.status());
  if (app_name.empty()) return core::InvalidArgument("must not be empty", "appName");
  if (instance_id.empty()) instance_id = "default";
  return core::Status::Ok();
}

}  // namespace

core::TimePoint HourStart(core::TimePoint t) {
  return core::TimePoint(std::chrono::floor<std::chrono::hours>(t.time_since_epoch()));
}

core::StatusOr<std::vector<store::FlagMetricsBucket>> ParseClientMetrics(
    const std::string& environment, const core::Json& body) {
  if (!body.is_object()) return core::InvalidArgument("expected a JSON object", "body");
  core::FieldReader r(body, "");
  std::string app, instance;
  RETURN_IF_ERROR(ReadSdkIdentity(r, app, instance));
  const core::Json* bucket = r.OptionalObject("bucket");
  RETURN_IF_ERROR(r.status());
  if (bucket == nullptr) return core::InvalidArgument("is required", "bucket");
  core::FieldReader b(*bucket, "bucket");
  ASSIGN_OR_RETURN(core::TimePoint start, ReadRequiredTime(b, "start"));
  ASSIGN_OR_RETURN(core::TimePoint stop, ReadRequiredTime(b, "stop"));
  if (stop < start) return core::InvalidArgument("is before bucket.start", "bucket.stop");
  const core::Json* toggles = b.OptionalObject("toggles");
  RETURN_IF_ERROR(b.status());
  std::vector<store::FlagMetricsBucket> buckets;
  if (toggles == nullptr) return buckets;
  for (const auto& [name, counts] : toggles->items()) {
    const std::string path = core::JoinFieldPath("bucket.toggles", name);
    if (!counts.is_object()) return core::InvalidArgument("expected an object", path);
    core::FieldReader t(counts, path);
    store::FlagMetricsBucket out{app, name, environment, HourStart(start), 0, 0, {}};
    ASSIGN_OR_RETURN(out.yes, ReadCount(t, "yes"));
    ASSIGN_OR_RETURN(out.no, ReadCount(t, "no"));
    const core::Json* variants = t.OptionalObject("variants");
    RETURN_IF_ERROR(t.status());
    if (variants != nullptr) {
      core::FieldReader v(*variants, t.FieldPath("variants"));
      for (const auto& [variant, count] : variants->items()) {
        ASSIGN_OR_RETURN(int64_t n, ReadCount(v, variant));
        if (n > 0) out.variants[variant] = n;
      }
    }
    if (out.yes == 0 && out.no == 0 && out.variants.empty()) continue;
    buckets.push_back(std::move(out));
  }
  return buckets;
}

core::StatusOr<store::ClientRegistration> ParseClientRegistration(const std::string& environment,
                                                                  const core::Json& body,
                                                                  core::TimePoint now) {
  if (!body.is_object()) return core::InvalidArgument("expected a JSON object", "body");
  core::FieldReader r(body, "");
  store::ClientRegistration reg;
  RETURN_IF_ERROR(ReadSdkIdentity(r, reg.app_name, reg.instance_id));
  reg.sdk_version = r.OptionalString("sdkVersion").value_or("");
  const std::optional<int64_t> interval = r.OptionalInt("interval");
  const core::Json* strategies = r.OptionalArray("strategies");
  RETURN_IF_ERROR(r.status());
  if (interval && *interval < 0) return core::InvalidArgument("must be >= 0", "interval");
  core::Json names = core::Json::array();
  if (strategies != nullptr) {
    for (size_t i = 0; i < strategies->size(); ++i) {
      if (!(*strategies)[i].is_string()) {
        return core::InvalidArgument("expected a string", core::IndexFieldPath("strategies", i));
      }
      names.push_back((*strategies)[i]);
    }
  }
  ASSIGN_OR_RETURN(std::optional<core::TimePoint> started, ReadTime(r, "started"));
  reg.environment = environment;
  reg.strategies_json = names.dump();
  reg.started = started.value_or(now);
  reg.interval_ms = interval.value_or(0);
  reg.last_seen = now;
  return reg;
}

core::Status FlagMetrics::RecordClientMetrics(const std::string& environment,
                                              const core::Json& body) {
  ASSIGN_OR_RETURN(auto buckets, ParseClientMetrics(environment, body));
  return Store(buckets);
}

core::Status FlagMetrics::RecordClientRegistration(const std::string& environment,
                                                   const core::Json& body) {
  ASSIGN_OR_RETURN(auto registration, ParseClientRegistration(environment, body, clock_.Now()));
  return StoreRegistration(registration);
}

core::Status FlagMetrics::Store(const std::vector<store::FlagMetricsBucket>& buckets) {
  if (buckets.empty()) return core::Status::Ok();
  return store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
    for (const auto& bucket_counts : buckets) {
      RETURN_IF_ERROR(repos_.metrics.Add(tx, bucket_counts));
    }
    return core::Status::Ok();
  });
}

core::Status FlagMetrics::StoreRegistration(const store::ClientRegistration& registration) {
  return store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
    return repos_.metrics.PutRegistration(tx, registration);
  });
}

core::StatusOr<core::Json> FlagMetrics::FeatureMetrics(
    const std::string& feature, const std::optional<std::string>& environment) {
  std::vector<store::FlagMetricsBucket> buckets;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(repos_.flags.GetFeature(tx, feature).status());
        ASSIGN_OR_RETURN(buckets, repos_.metrics.ListForFeature(tx, feature, environment));
        return core::Status::Ok();
      }));
  core::Json items = core::Json::array();
  for (const auto& b : buckets) {
    items.push_back({{"appName", b.app_name},
                     {"environment", b.environment},
                     {"hour", core::FormatRfc3339(b.hour)},
                     {"yes", b.yes},
                     {"no", b.no},
                     {"variants", b.variants}});
  }
  return core::Json{{"name", feature}, {"items", std::move(items)}};
}

}  // namespace gov::flags
