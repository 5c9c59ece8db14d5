#include "experiments/experiment_json.h"

#include <set>

#include "core/json_fields.h"
#include "core/name_table.h"
#include "core/time_format.h"
#include "flags/flag_service_model.h"

namespace gov::experiments {

namespace {

using core::OneOf;
using core::OptTime;
using core::ReadEnum;
using core::ReadTime;

constexpr size_t kMaxNameLength = 100;
constexpr size_t kMaxEventLength = 200;
constexpr size_t kMaxTextLength = 10'000;

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, Enum value) {
  return names[static_cast<size_t>(value)];
}

// Optional text of at most `max` characters ("" when absent).
std::string ReadText(core::FieldReader& r, std::string_view key, size_t max) {
  std::string text = r.OptionalString(key).value_or("");
  if (text.size() > max) r.Fail(key, "at most " + std::to_string(max) + " characters");
  return text;
}

// A required, non-empty string.
std::string ReadNonEmpty(core::FieldReader& r, std::string_view key) {
  std::string text = r.RequiredString(key);
  if (r.ok() && text.empty()) r.Fail(key, "must not be empty");
  return text;
}

// A required resource name (metric name, experiment key).
std::string ReadName(core::FieldReader& r, std::string_view key) {
  std::string name = r.RequiredString(key);
  if (r.ok()) {
    core::Status s = ValidateResourceName(name, r.FieldPath(key));
    if (!s.ok()) r.Fail(key, s.message());
  }
  return name;
}

// An optional positive number of seconds; nullopt when absent or null.
std::optional<int64_t> ReadPositiveSeconds(core::FieldReader& r, std::string_view key) {
  std::optional<int64_t> seconds = r.OptionalInt(key);
  if (seconds && *seconds <= 0) r.Fail(key, "must be > 0");
  return seconds;
}

core::Json AggregateToJson(const EventAggregate& a) {
  return {{"event", a.event}, {"aggregation", NameOf(kAggregationNames, a.aggregation)}};
}

// The analysis settings; defaults for what is absent. `sequential` absent means the default
// tuning parameter, null means fixed-horizon tests.
core::StatusOr<AnalysisSettings> ParseAnalysis(const core::Json& json, const std::string& path) {
  core::FieldReader r(json, path);
  r.RejectUnknown({"engine", "difference", "alpha", "sequential", "prior", "cupedLookbackSeconds",
                   "correction"});
  AnalysisSettings a;
  a.engine = ReadEnum<Engine>(r, "engine", kEngineNames, Engine::kFrequentist);
  a.difference = ReadEnum<Difference>(r, "difference", kDifferenceNames, Difference::kRelative);
  if (std::optional<double> alpha = r.OptionalNumber("alpha")) {
    if (*alpha <= 0 || *alpha >= 1) r.Fail("alpha", "must be > 0 and < 1");
    a.alpha = *alpha;
  }
  a.correction = ReadEnum<Correction>(r, "correction", kCorrectionNames, Correction::kHolm);
  a.cuped_lookback_seconds = ReadPositiveSeconds(r, "cupedLookbackSeconds");
  RETURN_IF_ERROR(r.status());

  if (json.contains("sequential") && json["sequential"].is_null()) {
    a.sequential_tuning_parameter = std::nullopt;
  } else if (const core::Json* seq = r.OptionalObject("sequential")) {
    core::FieldReader s(*seq, r.FieldPath("sequential"));
    s.RejectUnknown({"tuningParameter"});
    if (std::optional<double> n = s.OptionalNumber("tuningParameter")) {
      if (*n <= 0) s.Fail("tuningParameter", "must be > 0");
      a.sequential_tuning_parameter = *n;
    }
    RETURN_IF_ERROR(s.status());
  }
  RETURN_IF_ERROR(r.status());

  if (const core::Json* prior = r.OptionalObject("prior")) {
    core::FieldReader p(*prior, r.FieldPath("prior"));
    p.RejectUnknown({"mean", "variance"});
    const double mean = p.RequiredNumber("mean");
    const double variance = p.RequiredNumber("variance");
    if (p.ok() && variance <= 0) p.Fail("variance", "must be > 0");
    RETURN_IF_ERROR(p.status());
    if (a.engine != Engine::kBayesian) {
      return core::InvalidArgument("only the bayesian engine takes a prior", r.FieldPath("prior"));
    }
    a.prior_mean = mean;
    a.prior_variance = variance;
  }
  RETURN_IF_ERROR(r.status());
  return a;
}

core::Json AnalysisToJson(const AnalysisSettings& a) {
  core::Json out = {{"engine", NameOf(kEngineNames, a.engine)},
                    {"difference", NameOf(kDifferenceNames, a.difference)},
                    {"alpha", a.alpha},
                    {"sequential", nullptr},
                    {"prior", nullptr},
                    {"cupedLookbackSeconds", nullptr},
                    {"correction", NameOf(kCorrectionNames, a.correction)}};
  if (a.sequential_tuning_parameter) {
    out["sequential"] = {{"tuningParameter", *a.sequential_tuning_parameter}};
  }
  if (a.prior_mean && a.prior_variance) {
    out["prior"] = {{"mean", *a.prior_mean}, {"variance", *a.prior_variance}};
  }
  if (a.cuped_lookback_seconds) out["cupedLookbackSeconds"] = *a.cuped_lookback_seconds;
  return out;
}

// userId, sessionId, remoteAddress or properties.<name>.
core::Status ValidateRandomizationUnit(const std::string& unit, const std::string& field) {
  if (unit == "userId" || unit == "sessionId" || unit == "remoteAddress") {
    return core::Status::Ok();
  }
  constexpr std::string_view kProperties = "properties.";
  if (unit.rfind(kProperties, 0) == 0 &&
      ValidateResourceName(std::string_view(unit).substr(kProperties.size()), field).ok()) {
    return core::Status::Ok();
  }
  return core::InvalidArgument(
      "expected a context field: userId, sessionId, remoteAddress or properties.<name>", field);
}

core::StatusOr<std::vector<ExperimentMetric>> ParseExperimentMetrics(core::FieldReader& r) {
  const core::Json* list = r.OptionalArray("metrics");
  RETURN_IF_ERROR(r.status());
  if (!list || list->empty()) {
    return core::InvalidArgument("needs at least one metric", r.FieldPath("metrics"));
  }
  std::vector<ExperimentMetric> out;
  std::set<std::string> seen;
  bool has_goal = false;
  for (size_t i = 0; i < list->size(); ++i) {
    core::FieldReader m((*list)[i], core::IndexFieldPath(r.FieldPath("metrics"), i));
    m.RejectUnknown({"metric", "role"});
    ExperimentMetric em;
    em.metric = ReadName(m, "metric");
    em.role = ReadEnum<MetricRole>(m, "role", kMetricRoleNames, std::nullopt);
    RETURN_IF_ERROR(m.status());
    if (!seen.insert(em.metric).second) {
      return core::InvalidArgument("metric " + em.metric + " is listed twice",
                                   m.FieldPath("metric"));
    }
    has_goal = has_goal || em.role == MetricRole::kGoal;
    out.push_back(std::move(em));
  }
  if (!has_goal) {
    return core::InvalidArgument("needs a metric with role \"goal\"", r.FieldPath("metrics"));
  }
  return out;
}

// What a client writes; `full` also reads what the server owns.
core::StatusOr<Experiment> ParseExperimentImpl(const core::Json& json, bool full) {
  core::FieldReader r(json, "");
  r.RejectUnknown({"key", "name", "hypothesis", "environment", "feature", "controlVariant",
                   "randomizationUnit", "metrics", "analysis", "status", "arms", "startedAt",
                   "stoppedAt", "conclusion", "version", "createdAt", "updatedAt"});
  RETURN_IF_ERROR(r.status());
  Experiment e;
  e.key = ReadName(r, "key");
  e.name = ReadText(r, "name", 200);
  if (r.ok() && e.name.empty()) e.name = e.key;
  e.hypothesis = ReadText(r, "hypothesis", kMaxTextLength);
  e.environment = ReadNonEmpty(r, "environment");
  e.feature = r.RequiredString("feature");
  if (r.ok()) RETURN_IF_ERROR(flags::ValidateFeatureName(e.feature, "feature"));
  e.control_variant = ReadNonEmpty(r, "controlVariant");
  e.randomization_unit = r.OptionalString("randomizationUnit").value_or("userId");
  RETURN_IF_ERROR(r.status());
  RETURN_IF_ERROR(ValidateRandomizationUnit(e.randomization_unit, "randomizationUnit"));
  ASSIGN_OR_RETURN(e.metrics, ParseExperimentMetrics(r));
  if (const core::Json* analysis = r.OptionalObject("analysis")) {
    ASSIGN_OR_RETURN(e.analysis, ParseAnalysis(*analysis, "analysis"));
  }
  RETURN_IF_ERROR(r.status());
  if (!full) return e;

  e.status = ReadEnum<ExperimentStatus>(r, "status", kExperimentStatusNames, std::nullopt);
  e.started_at = ReadTime(r, "startedAt");
  e.stopped_at = ReadTime(r, "stoppedAt");
  e.version = r.RequiredInt("version");
  e.created_at = ReadTime(r, "createdAt").value_or(core::TimePoint{});
  e.updated_at = ReadTime(r, "updatedAt").value_or(core::TimePoint{});
  RETURN_IF_ERROR(r.status());
  if (const core::Json* arms = r.OptionalArray("arms")) {
    for (size_t i = 0; i < arms->size(); ++i) {
      core::FieldReader a((*arms)[i], core::IndexFieldPath("arms", i));
      a.RejectUnknown({"variant", "weight"});
      Arm arm;
      arm.variant = ReadNonEmpty(a, "variant");
      arm.weight = static_cast<int>(a.RequiredInt("weight"));
      RETURN_IF_ERROR(a.status());
      e.arms.push_back(std::move(arm));
    }
  }
  if (const core::Json* conclusion = r.OptionalObject("conclusion")) {
    core::FieldReader c(*conclusion, "conclusion");
    c.RejectUnknown({"decision", "variant", "reason", "actor", "at"});
    Conclusion out;
    out.decision = ReadEnum<Decision>(c, "decision", kDecisionNames, std::nullopt);
    out.variant = c.OptionalString("variant");
    out.reason = ReadText(c, "reason", kMaxTextLength);
    out.actor = c.OptionalString("actor").value_or("");
    out.at = ReadTime(c, "at").value_or(core::TimePoint{});
    RETURN_IF_ERROR(c.status());
    e.conclusion = std::move(out);
  }
  RETURN_IF_ERROR(r.status());
  return e;
}

}  // namespace

core::Status ValidateResourceName(std::string_view name, std::string_view field) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return core::InvalidArgument("must be 1 to 100 characters", std::string(field));
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) {
      return core::InvalidArgument("may contain only letters, digits, '_', '.' and '-'",
                                   std::string(field));
    }
  }
  if (name == "." || name == "..") {
    return core::InvalidArgument("must not be \".\" or \"..\"", std::string(field));
  }
  return core::Status::Ok();
}

core::StatusOr<MetricDefinition> ParseMetricDefinition(const core::Json& json) {
  core::FieldReader r(json, "");
  r.RejectUnknown({"name", "description", "type", "numerator", "denominator", "direction",
                   "conversionWindowSeconds", "version", "createdAt", "updatedAt"});
  RETURN_IF_ERROR(r.status());
  MetricDefinition m;
  m.name = ReadName(r, "name");
  m.description = ReadText(r, "description", kMaxTextLength);
  m.type = ReadEnum<MetricType>(r, "type", kMetricTypeNames, std::nullopt);
  m.direction = ReadEnum<Direction>(r, "direction", kDirectionNames, Direction::kHigherIsBetter);
  m.conversion_window_seconds = ReadPositiveSeconds(r, "conversionWindowSeconds");
  RETURN_IF_ERROR(r.status());

  // {"event", "aggregation"?} at `key`; nullopt when absent.
  auto aggregate = [&](std::string_view key) -> core::StatusOr<std::optional<EventAggregate>> {
    const core::Json* json_at = r.OptionalObject(key);
    RETURN_IF_ERROR(r.status());
    if (!json_at) return std::optional<EventAggregate>();
    core::FieldReader sub(*json_at, r.FieldPath(key));
    sub.RejectUnknown({"event", "aggregation"});
    EventAggregate out;
    out.event = ReadNonEmpty(sub, "event");
    if (sub.ok() && out.event.size() > kMaxEventLength) {
      sub.Fail("event", "at most " + std::to_string(kMaxEventLength) + " characters");
    }
    out.aggregation =
        ReadEnum<Aggregation>(sub, "aggregation", kAggregationNames, Aggregation::kSum);
    RETURN_IF_ERROR(sub.status());
    return std::optional<EventAggregate>(std::move(out));
  };
  ASSIGN_OR_RETURN(std::optional<EventAggregate> numerator, aggregate("numerator"));
  if (!numerator) return core::InvalidArgument("is required", "numerator");
  m.numerator = std::move(*numerator);
  ASSIGN_OR_RETURN(m.denominator, aggregate("denominator"));
  if (m.type == MetricType::kRatio && !m.denominator) {
    return core::InvalidArgument("is required for a ratio metric", "denominator");
  }
  if (m.type != MetricType::kRatio && m.denominator) {
    return core::InvalidArgument("only a ratio metric has a denominator", "denominator");
  }
  return m;
}

core::Json MetricDefinitionToJson(const MetricDefinition& m) {
  return {{"name", m.name},
          {"description", m.description},
          {"type", NameOf(kMetricTypeNames, m.type)},
          {"numerator", AggregateToJson(m.numerator)},
          {"denominator", m.denominator ? AggregateToJson(*m.denominator) : core::Json()},
          {"direction", NameOf(kDirectionNames, m.direction)},
          {"conversionWindowSeconds",
           m.conversion_window_seconds ? core::Json(*m.conversion_window_seconds) : core::Json()},
          {"version", m.version},
          {"createdAt", core::FormatRfc3339(m.created_at)},
          {"updatedAt", core::FormatRfc3339(m.updated_at)}};
}

core::StatusOr<Experiment> ParseExperiment(const core::Json& json) {
  return ParseExperimentImpl(json, false);
}

core::StatusOr<Experiment> ExperimentFromJson(const core::Json& json) {
  return ParseExperimentImpl(json, true);
}

core::Json ExperimentToJson(const Experiment& e) {
  core::Json metrics = core::Json::array();
  for (const ExperimentMetric& m : e.metrics) {
    metrics.push_back({{"metric", m.metric}, {"role", NameOf(kMetricRoleNames, m.role)}});
  }
  core::Json arms = core::Json::array();
  for (const Arm& a : e.arms) arms.push_back({{"variant", a.variant}, {"weight", a.weight}});
  core::Json conclusion;
  if (e.conclusion) {
    const Conclusion& c = *e.conclusion;
    conclusion = {{"decision", NameOf(kDecisionNames, c.decision)},
                  {"variant", c.variant ? core::Json(*c.variant) : core::Json()},
                  {"reason", c.reason},
                  {"actor", c.actor},
                  {"at", core::FormatRfc3339(c.at)}};
  }
  return {{"key", e.key},
          {"name", e.name},
          {"hypothesis", e.hypothesis},
          {"environment", e.environment},
          {"feature", e.feature},
          {"controlVariant", e.control_variant},
          {"randomizationUnit", e.randomization_unit},
          {"metrics", std::move(metrics)},
          {"analysis", AnalysisToJson(e.analysis)},
          {"status", NameOf(kExperimentStatusNames, e.status)},
          {"arms", std::move(arms)},
          {"startedAt", OptTime(e.started_at)},
          {"stoppedAt", OptTime(e.stopped_at)},
          {"conclusion", std::move(conclusion)},
          {"version", e.version},
          {"createdAt", core::FormatRfc3339(e.created_at)},
          {"updatedAt", core::FormatRfc3339(e.updated_at)}};
}

core::StatusOr<ConcludeRequest> ParseConcludeRequest(const core::Json& json) {
  core::FieldReader r(json, "");
  r.RejectUnknown({"decision", "variant", "reason"});
  ConcludeRequest out;
  out.decision = ReadEnum<Decision>(r, "decision", kDecisionNames, std::nullopt);
  out.variant = r.OptionalString("variant");
  out.reason = ReadText(r, "reason", kMaxTextLength);
  RETURN_IF_ERROR(r.status());
  if (out.decision == Decision::kShip && (!out.variant || out.variant->empty())) {
    return core::InvalidArgument("is required to ship: the variant that becomes the feature's",
                                 "variant");
  }
  if (out.decision != Decision::kShip && out.variant) {
    return core::InvalidArgument("only a ship decision names a variant", "variant");
  }
  return out;
}

}  // namespace gov::experiments
