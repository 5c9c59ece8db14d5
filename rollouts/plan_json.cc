#include "rollouts/plan_json.h"

#include <set>
#include <string>
#include <variant>

#include "core/json_fields.h"
#include "core/name_table.h"
#include "core/time_format.h"
#include "experiments/experiment_json.h"
#include "flags/features_json.h"
#include "flags/flag_service_model.h"

namespace gov::rollouts {

namespace {

using core::Opt;
using core::OptTime;
using core::ReadEnum;

constexpr size_t kMaxQueryLength = 10'000;

// What is being parsed: a client's plan (advanceAt checked against `now`), a stored plan, or
// a template (no feature and environment; queries may be empty).
struct Mode {
  enum Kind { kRequest, kStored, kTemplate } kind = kRequest;
  core::TimePoint now{};
};

std::string ReadNonEmpty(core::FieldReader& r, std::string_view key) {
  std::string text = r.RequiredString(key);
  if (r.ok() && text.empty()) r.Fail(key, "must not be empty");
  return text;
}

// An http:// or https:// URL.
std::string ReadUrl(core::FieldReader& r, std::string_view key, std::optional<std::string> def) {
  std::optional<std::string> url = r.OptionalString(key);
  if (!url) {
    if (!def && r.ok()) r.Fail(key, "is required");
    return def.value_or("");
  }
  if (r.ok() && url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
    r.Fail(key, "expected an http:// or https:// URL");
  }
  return *url;
}

core::StatusOr<Milestone> ParseMilestone(const core::Json& json, const std::string& path, bool last,
                                         const Mode& mode) {
  core::FieldReader r(json, path);
  r.RejectUnknown({"rollout", "advanceAfterSeconds", "advanceAt", "minExposures"});
  Milestone m;
  const int64_t rollout = r.RequiredInt("rollout");
  if (r.ok() && (rollout < 0 || rollout > 100)) r.Fail("rollout", "must be 0 to 100 (percent)");
  m.rollout = static_cast<int>(rollout);
  if (std::optional<int64_t> after = r.OptionalInt("advanceAfterSeconds")) {
    if (*after <= 0) r.Fail("advanceAfterSeconds", "must be > 0");
    m.advance_after = std::chrono::seconds(*after);
  }
  if (std::optional<std::string> at = r.OptionalString("advanceAt")) {
    m.advance_at = core::ParseRfc3339(*at);
    if (!m.advance_at) {
      r.Fail("advanceAt", "expected an RFC 3339 date-time");
    } else if (mode.kind == Mode::kRequest && *m.advance_at <= mode.now) {
      r.Fail("advanceAt", "must be in the future (now is " + core::FormatRfc3339(mode.now) + ")");
    }
  }
  if (std::optional<int64_t> min = r.OptionalInt("minExposures")) {
    if (*min < 0) r.Fail("minExposures", "must be >= 0");
    m.min_exposures = *min;
  }
  RETURN_IF_ERROR(r.status());
  if (m.advance_after && m.advance_at) {
    return core::InvalidArgument("set advanceAfterSeconds or advanceAt, not both",
                                 r.FieldPath("advanceAt"));
  }
  if (last) {
    for (const char* key : {"advanceAfterSeconds", "advanceAt", "minExposures"}) {
      if (r.Has(key)) {
        return core::InvalidArgument("the last milestone completes the plan and never advances",
                                     r.FieldPath(key));
      }
    }
  }
  return m;
}

core::StatusOr<PrometheusGuardrail> ParsePrometheus(const core::Json& json, const std::string& path,
                                                    const Mode& mode) {
  core::FieldReader r(json, path);
  r.RejectUnknown({"query", "url", "above", "below", "forSeconds", "evaluationIntervalSeconds"});
  PrometheusGuardrail p;
  if (mode.kind == Mode::kTemplate) {
    p.query = r.OptionalString("query").value_or("");
  } else {
    p.query = ReadNonEmpty(r, "query");
  }
  if (r.ok() && p.query.size() > kMaxQueryLength) {
    r.Fail("query", "at most " + std::to_string(kMaxQueryLength) + " characters");
  }
  p.url = ReadUrl(r, "url", std::string(kDefaultPrometheusUrl));
  const std::optional<double> above = r.OptionalNumber("above");
  const std::optional<double> below = r.OptionalNumber("below");
  if (std::optional<int64_t> s = r.OptionalInt("forSeconds")) {
    if (*s < 0) r.Fail("forSeconds", "must be >= 0");
    p.for_duration = std::chrono::seconds(*s);
  }
  if (std::optional<int64_t> s = r.OptionalInt("evaluationIntervalSeconds")) {
    if (*s < kMinEvaluationInterval.count()) {
      r.Fail("evaluationIntervalSeconds",
             "must be >= " + std::to_string(kMinEvaluationInterval.count()));
    }
    p.evaluation_interval = std::chrono::seconds(*s);
  }
  RETURN_IF_ERROR(r.status());
  if (above && below) {
    return core::InvalidArgument("set \"above\" or \"below\", not both", r.FieldPath("below"));
  }
  if (!above && !below) {
    return core::InvalidArgument("needs a threshold: \"above\" or \"below\"", r.FieldPath("above"));
  }
  p.comparison = above ? Comparison::kAbove : Comparison::kBelow;
  p.threshold = above ? *above : *below;
  return p;
}

core::StatusOr<MetricGuardrail> ParseMetric(const core::Json& json, const std::string& path) {
  core::FieldReader r(json, path);
  r.RejectUnknown({"metric", "maxRelativeDrop"});
  MetricGuardrail m;
  m.metric = r.RequiredString("metric");
  if (r.ok()) {
    core::Status s = experiments::ValidateResourceName(m.metric, r.FieldPath("metric"));
    if (!s.ok()) return s;
  }
  m.max_relative_drop = r.RequiredNumber("maxRelativeDrop");
  if (r.ok() && m.max_relative_drop < 0) r.Fail("maxRelativeDrop", "must be >= 0 (a fraction)");
  RETURN_IF_ERROR(r.status());
  return m;
}

core::StatusOr<std::vector<Guardrail>> ParseGuardrails(core::FieldReader& root, const Mode& mode) {
  std::vector<Guardrail> out;
  const core::Json* list = root.OptionalArray("guardrails");
  RETURN_IF_ERROR(root.status());
  if (!list) return out;
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = core::IndexFieldPath("guardrails", i);
    core::FieldReader r((*list)[i], path);
    r.RejectUnknown({"name", "prometheus", "metric"});
    Guardrail g;
    g.name = r.RequiredString("name");
    if (r.ok()) RETURN_IF_ERROR(experiments::ValidateResourceName(g.name, r.FieldPath("name")));
    const core::Json* prometheus = r.OptionalObject("prometheus");
    const core::Json* metric = r.OptionalObject("metric");
    RETURN_IF_ERROR(r.status());
    if (!names.insert(g.name).second) {
      return core::InvalidArgument("guardrail " + g.name + " is listed twice", r.FieldPath("name"));
    }
    if (prometheus && metric) {
      return core::InvalidArgument("set \"prometheus\" or \"metric\", not both",
                                   r.FieldPath("metric"));
    }
    if (prometheus) {
      ASSIGN_OR_RETURN(g.check, ParsePrometheus(*prometheus, r.FieldPath("prometheus"), mode));
    } else if (metric) {
      ASSIGN_OR_RETURN(g.check, ParseMetric(*metric, r.FieldPath("metric")));
    } else {
      return core::InvalidArgument("needs \"prometheus\" or \"metric\"", r.FieldPath("prometheus"));
    }
    out.push_back(std::move(g));
  }
  return out;
}

core::StatusOr<std::optional<WebhookTarget>> ParseNotify(core::FieldReader& root) {
  const core::Json* notify = root.OptionalObject("notify");
  RETURN_IF_ERROR(root.status());
  if (!notify) return std::optional<WebhookTarget>();
  core::FieldReader n(*notify, "notify");
  n.RejectUnknown({"webhook"});
  const core::Json* webhook = n.OptionalObject("webhook");
  RETURN_IF_ERROR(n.status());
  if (!webhook) return std::optional<WebhookTarget>();
  core::FieldReader w(*webhook, n.FieldPath("webhook"));
  w.RejectUnknown({"url", "secretEnv"});
  WebhookTarget out;
  out.url = ReadUrl(w, "url", std::nullopt);
  out.secret_env = w.OptionalString("secretEnv").value_or("");
  if (w.ok()) {
    for (size_t i = 0; i < out.secret_env.size(); ++i) {
      const char c = out.secret_env[i];
      const bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        w.Fail("secretEnv", "expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
        break;
      }
    }
  }
  RETURN_IF_ERROR(w.status());
  return std::optional<WebhookTarget>(std::move(out));
}

core::Status ParseTargeting(core::FieldReader& r, ReleasePlanSpec& spec) {
  const core::Json* constraints = r.OptionalArray("constraints");
  const core::Json* segments = r.OptionalArray("segments");
  RETURN_IF_ERROR(r.status());
  if (constraints) {
    // The flags model's own parser and checks, through a placeholder segment whose member
    // paths ("constraints[0].operator") are the plan's.
    const core::Json holder = {{"id", 0}, {"constraints", *constraints}};
    ASSIGN_OR_RETURN(flags::Segment parsed,
                     flags::ParseSegment(holder, "", flags::ParseOptions{.strict = true}));
    spec.constraints = std::move(parsed.constraints);
  }
  if (segments) {
    for (size_t i = 0; i < segments->size(); ++i) {
      const core::Json& id = (*segments)[i];
      if (!id.is_number_integer() || id.get<int64_t>() < 0) {
        return core::InvalidArgument("expected a segment id (an integer >= 0)",
                                     core::IndexFieldPath("segments", i));
      }
      spec.segments.push_back(id.get<int64_t>());
    }
  }
  return core::Status::Ok();
}

core::StatusOr<ReleasePlanSpec> Parse(const core::Json& json, const Mode& mode) {
  core::FieldReader r(json, "");
  if (mode.kind == Mode::kTemplate) {
    r.RejectUnknown({"name", "stickiness", "constraints", "segments", "milestones", "guardrails",
                     "onBreach", "notify"});
  } else {
    r.RejectUnknown({"name", "feature", "environment", "stickiness", "constraints", "segments",
                     "milestones", "guardrails", "onBreach", "notify"});
  }
  RETURN_IF_ERROR(r.status());
  ReleasePlanSpec spec;
  spec.name = r.RequiredString("name");
  if (r.ok()) RETURN_IF_ERROR(experiments::ValidateResourceName(spec.name, "name"));
  if (mode.kind != Mode::kTemplate) {
    spec.feature = r.RequiredString("feature");
    if (r.ok()) RETURN_IF_ERROR(flags::ValidateFeatureName(spec.feature, "feature"));
    spec.environment = ReadNonEmpty(r, "environment");
  }
  spec.stickiness = r.OptionalString("stickiness").value_or(std::string(kDefaultStickiness));
  if (r.ok() && spec.stickiness.empty()) r.Fail("stickiness", "must not be empty");
  spec.on_breach = ReadEnum<OnBreach>(r, "onBreach", kOnBreachNames, OnBreach::kRollback);
  RETURN_IF_ERROR(r.status());
  RETURN_IF_ERROR(ParseTargeting(r, spec));

  const core::Json* milestones = r.OptionalArray("milestones");
  RETURN_IF_ERROR(r.status());
  if (!milestones || milestones->empty()) {
    return core::InvalidArgument("needs at least one milestone", "milestones");
  }
  for (size_t i = 0; i < milestones->size(); ++i) {
    const std::string path = core::IndexFieldPath("milestones", i);
    ASSIGN_OR_RETURN(Milestone m,
                     ParseMilestone((*milestones)[i], path, i + 1 == milestones->size(), mode));
    if (i > 0 && m.rollout <= spec.milestones.back().rollout) {
      return core::InvalidArgument("must be greater than the previous milestone's (" +
                                       std::to_string(spec.milestones.back().rollout) + ")",
                                   core::JoinFieldPath(path, "rollout"));
    }
    spec.milestones.push_back(std::move(m));
  }
  ASSIGN_OR_RETURN(spec.guardrails, ParseGuardrails(r, mode));
  ASSIGN_OR_RETURN(spec.webhook, ParseNotify(r));
  return spec;
}

core::Json MilestoneToJson(const Milestone& m) {
  return {{"rollout", m.rollout},
          {"advanceAfterSeconds", m.advance_after ? core::Json(m.advance_after->count()) : nullptr},
          {"advanceAt", OptTime(m.advance_at)},
          {"minExposures", Opt(m.min_exposures)}};
}

core::Json GuardrailToJson(const Guardrail& g) {
  if (const auto* p = std::get_if<PrometheusGuardrail>(&g.check)) {
    core::Json prometheus = {{"query", p->query},
                             {"url", p->url},
                             {"forSeconds", p->for_duration.count()},
                             {"evaluationIntervalSeconds", p->evaluation_interval.count()}};
    prometheus[std::string(NameOf(kComparisonNames, p->comparison))] = p->threshold;
    return {{"name", g.name}, {"prometheus", std::move(prometheus)}};
  }
  const auto& m = std::get<MetricGuardrail>(g.check);
  return {{"name", g.name},
          {"metric", {{"metric", m.metric}, {"maxRelativeDrop", m.max_relative_drop}}}};
}

core::Json SpecToJson(const ReleasePlanSpec& spec, bool with_target) {
  flags::Segment segment;
  segment.id = 0;
  segment.constraints = spec.constraints;
  core::Json constraints = flags::ToJson(segment)["constraints"];
  core::Json milestones = core::Json::array();
  for (const Milestone& m : spec.milestones) milestones.push_back(MilestoneToJson(m));
  core::Json guardrails = core::Json::array();
  for (const Guardrail& g : spec.guardrails) guardrails.push_back(GuardrailToJson(g));
  core::Json notify;
  if (spec.webhook) {
    notify = {{"webhook", {{"url", spec.webhook->url}, {"secretEnv", spec.webhook->secret_env}}}};
  }
  core::Json out = {{"name", spec.name}};
  if (with_target) {
    out["feature"] = spec.feature;
    out["environment"] = spec.environment;
  }
  out["stickiness"] = spec.stickiness;
  out["constraints"] = std::move(constraints);
  out["segments"] = spec.segments;
  out["milestones"] = std::move(milestones);
  out["guardrails"] = std::move(guardrails);
  out["onBreach"] = NameOf(kOnBreachNames, spec.on_breach);
  out["notify"] = std::move(notify);
  return out;
}

}  // namespace

core::StatusOr<ReleasePlanSpec> ParseReleasePlan(const core::Json& json, core::TimePoint now) {
  return Parse(json, Mode{Mode::kRequest, now});
}

core::StatusOr<ReleasePlanSpec> ReleasePlanSpecFromJson(const core::Json& json) {
  return Parse(json, Mode{Mode::kStored, {}});
}

core::Json ReleasePlanSpecToJson(const ReleasePlanSpec& spec) { return SpecToJson(spec, true); }

core::StatusOr<ReleasePlanSpec> ParsePlanTemplate(const core::Json& json) {
  return Parse(json, Mode{Mode::kTemplate, {}});
}

core::Json PlanTemplateToJson(const ReleasePlanSpec& spec) { return SpecToJson(spec, false); }

}  // namespace gov::rollouts
