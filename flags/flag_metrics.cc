#include "flags/flag_metrics.h"

#include "core/time_format.h"
#include "store/flag_repository.h"

namespace gov::flags {

namespace {

// Largest count accepted per report; keeps sums far from int64 overflow.
constexpr int64_t kMaxCount = int64_t{1} << 40;

StatusOr<int64_t> ReadCount(FieldReader& r, std::string_view key) {
  const std::optional<int64_t> v = r.OptionalInt(key);
  RETURN_IF_ERROR(r.status());
  if (v && (*v < 0 || *v > kMaxCount)) {
    return InvalidArgument("expected a count from 0 to 2^40", r.FieldPath(key));
  }
  return v.value_or(0);
}

StatusOr<TimePoint> ReadTime(FieldReader& r, std::string_view key, bool required) {
  const std::optional<std::string> text =
      required ? std::optional<std::string>(r.RequiredString(key)) : r.OptionalString(key);
  RETURN_IF_ERROR(r.status());
  if (!text) return TimePoint{};
  auto t = ParseRfc3339(*text);
  if (!t) return InvalidArgument("expected an RFC 3339 date-time", r.FieldPath(key));
  return *t;
}

}  // namespace

TimePoint HourStart(TimePoint t) {
  return TimePoint(std::chrono::floor<std::chrono::hours>(t.time_since_epoch()));
}

Status FlagMetrics::RecordClientMetrics(const std::string& environment, const Json& body) {
  if (!body.is_object()) return InvalidArgument("expected a JSON object", "body");
  FieldReader r(body, "");
  const std::string app = r.RequiredString("appName");
  r.OptionalString("instanceId");
  r.OptionalString("environment");
  if (r.ok() && app.empty()) r.Fail("appName", "must not be empty");
  if (r.ok() && !r.Has("bucket")) r.Fail("bucket", "is required");
  const Json* bucket = r.OptionalObject("bucket");
  RETURN_IF_ERROR(r.status());
  FieldReader b(*bucket, "bucket");
  ASSIGN_OR_RETURN(TimePoint start, ReadTime(b, "start", true));
  RETURN_IF_ERROR(ReadTime(b, "stop", false).status());
  if (!b.Has("toggles")) b.Fail("toggles", "is required");
  const Json* toggles = b.OptionalObject("toggles");
  RETURN_IF_ERROR(b.status());
  std::vector<store::FlagMetricsBucket> buckets;
  for (const auto& [name, counts] : toggles->items()) {
    const std::string path = JoinFieldPath("bucket.toggles", name);
    if (!counts.is_object()) return InvalidArgument("expected an object", path);
    FieldReader t(counts, path);
    store::FlagMetricsBucket out{app, name, environment, HourStart(start), 0, 0, {}};
    ASSIGN_OR_RETURN(out.yes, ReadCount(t, "yes"));
    ASSIGN_OR_RETURN(out.no, ReadCount(t, "no"));
    if (const Json* variants = t.OptionalObject("variants")) {
      FieldReader v(*variants, t.FieldPath("variants"));
      for (const auto& [variant, count] : variants->items()) {
        ASSIGN_OR_RETURN(int64_t n, ReadCount(v, variant));
        if (n > 0) out.variants[variant] = n;
      }
    }
    RETURN_IF_ERROR(t.status());
    if (out.yes == 0 && out.no == 0 && out.variants.empty()) continue;
    buckets.push_back(std::move(out));
  }
  return Store(buckets);
}

Status FlagMetrics::Store(const std::vector<store::FlagMetricsBucket>& buckets) {
  if (buckets.empty()) return Status::Ok();
  return store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
    for (const auto& bucket_counts : buckets) {
      RETURN_IF_ERROR(store::FlagMetricsRepository::Add(tx, bucket_counts));
    }
    return Status::Ok();
  });
}

Status FlagMetrics::StoreRegistration(const store::ClientRegistration& registration) {
  return store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
    return store::FlagMetricsRepository::PutRegistration(tx, registration);
  });
}

Status FlagMetrics::RecordClientRegistration(const std::string& environment, const Json& body) {
  if (!body.is_object()) return InvalidArgument("expected a JSON object", "body");
  FieldReader r(body, "");
  store::ClientRegistration reg;
  reg.app_name = r.RequiredString("appName");
  reg.instance_id = r.RequiredString("instanceId");
  reg.sdk_version = r.OptionalString("sdkVersion").value_or("");
  r.OptionalString("environment");
  const std::optional<int64_t> interval = r.OptionalInt("interval");
  const Json* strategies = r.OptionalArray("strategies");
  RETURN_IF_ERROR(r.status());
  if (reg.app_name.empty()) return InvalidArgument("must not be empty", "appName");
  if (reg.instance_id.empty()) return InvalidArgument("must not be empty", "instanceId");
  if (interval && *interval < 0) return InvalidArgument("must be >= 0", "interval");
  Json names = Json::array();
  if (strategies != nullptr) {
    for (size_t i = 0; i < strategies->size(); ++i) {
      if (!(*strategies)[i].is_string()) {
        return InvalidArgument("expected a string", IndexFieldPath("strategies", i));
      }
      names.push_back((*strategies)[i]);
    }
  }
  const TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(TimePoint started, ReadTime(r, "started", false));
  reg.environment = environment;
  reg.strategies_json = names.dump();
  reg.started = started == TimePoint{} ? now : started;
  reg.interval_ms = interval.value_or(0);
  reg.last_seen = now;
  return StoreRegistration(reg);
}

StatusOr<Json> FlagMetrics::FeatureMetrics(const std::string& feature,
                                           const std::optional<std::string>& environment) {
  std::vector<store::FlagMetricsBucket> buckets;
  RETURN_IF_ERROR(
      store::WithTransaction(db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
        RETURN_IF_ERROR(store::FlagRepository::GetFeature(tx, feature).status());
        ASSIGN_OR_RETURN(buckets,
                         store::FlagMetricsRepository::ListForFeature(tx, feature, environment));
        return Status::Ok();
      }));
  Json items = Json::array();
  for (const auto& b : buckets) {
    items.push_back({{"appName", b.app_name},
                     {"environment", b.environment},
                     {"hour", FormatRfc3339(b.hour)},
                     {"yes", b.yes},
                     {"no", b.no},
                     {"variants", b.variants}});
  }
  return Json{{"name", feature}, {"items", std::move(items)}};
}

}  // namespace gov::flags
