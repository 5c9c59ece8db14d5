#include "rollouts/templates.h"

#include <string>
#include <variant>

#include "rollouts/plan_json.h"

namespace gov::rollouts {

namespace {

Milestone Step(int rollout, std::optional<std::chrono::seconds> advance_after) {
  Milestone m;
  m.rollout = rollout;
  m.advance_after = advance_after;
  return m;
}

Guardrail Trigger(std::string name, double above, std::chrono::seconds for_duration) {
  PrometheusGuardrail p;
  p.comparison = Comparison::kAbove;
  p.threshold = above;
  p.for_duration = for_duration;
  return {std::move(name), std::move(p)};
}

}  // namespace

ReleasePlanSpec StandardTemplate() {
  using std::chrono::hours;
  using std::chrono::minutes;
  ReleasePlanSpec t;
  t.name = std::string(kStandardTemplateName);
  t.milestones = {Step(1, minutes(10)), Step(10, hours(1)), Step(50, hours(1)),
                  Step(100, std::nullopt)};
  t.guardrails = {Trigger("p99", 1.0, minutes(5)), Trigger("errors", 0.05, minutes(2)),
                  Trigger("cpu", 0.9, minutes(10))};
  t.on_breach = OnBreach::kRollback;
  return t;
}

std::vector<ReleasePlanSpec> BuiltInTemplates() { return {StandardTemplate()}; }

std::optional<ReleasePlanSpec> FindBuiltInTemplate(std::string_view name) {
  for (ReleasePlanSpec& t : BuiltInTemplates()) {
    if (t.name == name) return std::move(t);
  }
  return std::nullopt;
}

core::StatusOr<std::optional<std::string>> RequestedTemplate(const core::Json& body) {
  core::FieldReader r(body, "");
  std::optional<std::string> name = r.OptionalString("template");
  RETURN_IF_ERROR(r.status());
  return name;
}

core::StatusOr<ReleasePlanSpec> PlanFromTemplate(const ReleasePlanSpec& tmpl,
                                                 const core::Json& body, core::TimePoint now) {
  static constexpr std::string_view kOverrides[] = {"stickiness", "constraints", "segments",
                                                    "milestones", "onBreach",    "notify"};
  core::FieldReader r(body, "");
  std::vector<std::string_view> allowed = {"template",    "name",    "feature",
                                           "environment", "queries", "prometheusUrl"};
  allowed.insert(allowed.end(), std::begin(kOverrides), std::end(kOverrides));
  r.RejectUnknown(allowed);
  const core::Json* queries = r.OptionalObject("queries");
  const std::optional<std::string> url = r.OptionalString("prometheusUrl");
  RETURN_IF_ERROR(r.status());

  core::Json plan = PlanTemplateToJson(tmpl);
  for (const char* key : {"name", "feature", "environment"}) {
    plan[key] = body.contains(key) ? body[key] : core::Json();
  }
  for (std::string_view key : kOverrides) {
    const std::string k(key);
    if (body.contains(k) && !body[k].is_null()) plan[k] = body[k];
  }
  if (queries) {
    for (const auto& [key, value] : queries->items()) {
      const std::string field = core::JoinFieldPath("queries", key);
      bool found = false;
      for (size_t i = 0; i < tmpl.guardrails.size(); ++i) {
        if (tmpl.guardrails[i].name != key ||
            !std::holds_alternative<PrometheusGuardrail>(tmpl.guardrails[i].check)) {
          continue;
        }
        found = true;
        if (!value.is_string() || value.get<std::string>().empty()) {
          return core::InvalidArgument("expected a non-empty PromQL query", field);
        }
        plan["guardrails"][i]["prometheus"]["query"] = value;
      }
      if (!found) {
        return core::InvalidArgument(
            "template " + tmpl.name + " has no Prometheus guardrail named " + key, field);
      }
    }
  }
  for (size_t i = 0; i < tmpl.guardrails.size(); ++i) {
    const auto* p = std::get_if<PrometheusGuardrail>(&tmpl.guardrails[i].check);
    if (!p) continue;
    if (url) plan["guardrails"][i]["prometheus"]["url"] = *url;
    if (plan["guardrails"][i]["prometheus"]["query"].get<std::string>().empty()) {
      return core::InvalidArgument("is required: template " + tmpl.name +
                                       " leaves the query of guardrail " + tmpl.guardrails[i].name +
                                       " to fill in",
                                   core::JoinFieldPath("queries", tmpl.guardrails[i].name));
    }
  }
  core::StatusOr<ReleasePlanSpec> spec = ParseReleasePlan(plan, now);
  if (!spec.ok() && url && spec.status().field().find(".prometheus.url") != std::string::npos) {
    return core::InvalidArgument(spec.status().message(), "prometheusUrl");
  }
  return spec;
}

}  // namespace gov::rollouts
