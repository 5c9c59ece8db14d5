#include "rollouts/release_plan_service.h"

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <utility>

#include "core/time_format.h"
#include "rollouts/plan_evidence.h"
#include "rollouts/plan_json.h"
#include "rollouts/planner.h"
#include "rollouts/runtime_json.h"
#include "rollouts/strategy.h"
#include "rollouts/templates.h"
#include "store/environment_repository.h"
#include "store/flag_repository.h"
#include "store/metric_repository.h"

namespace gov::rollouts {

namespace {

constexpr const char* kPlanResourcePrefix = "release-plans/";
constexpr const char* kTemplateResourcePrefix = "release-plan-templates/";

core::Status WithField(core::StatusCode code, std::string message, std::string field) {
  return core::Status(code, std::move(message), std::move(field));
}

std::string StateName(PlanState state) { return std::string(NameOf(kPlanStateNames, state)); }

// The guardrail statuses as the store keeps them (the runtime JSON's "guardrails").
std::string GuardrailsJson(const PlanRuntime& runtime) {
  PlanRuntime only;
  only.guardrails = runtime.guardrails;
  return PlanRuntimeToJson(only)["guardrails"].dump();
}

store::ReleasePlanStateUpdate StateUpdate(const ReleasePlanSpec& spec, const PlanRuntime& runtime) {
  store::ReleasePlanStateUpdate update;
  update.state = StateName(runtime.state);
  update.milestone = static_cast<int64_t>(runtime.milestone);
  update.milestone_started_at = runtime.milestone_started_at;
  update.rollout = CurrentRollout(spec, runtime);
  update.guardrails_json = GuardrailsJson(runtime);
  return update;
}

core::StatusOr<ReleasePlan> Decode(const store::ReleasePlanRecord& record,
                                   const std::vector<store::ReleasePlanHistoryRecord>& history) {
  ReleasePlan plan;
  ASSIGN_OR_RETURN(core::Json spec_json, core::ParseJson(record.spec_json));
  ASSIGN_OR_RETURN(plan.spec, ReleasePlanSpecFromJson(spec_json));
  ASSIGN_OR_RETURN(core::Json guardrails, core::ParseJson(record.guardrails_json));
  core::Json transitions = core::Json::array();
  for (const auto& h : history) {
    if (!h.cause_json) continue;
    ASSIGN_OR_RETURN(core::Json t, core::ParseJson(*h.cause_json));
    transitions.push_back(std::move(t));
  }
  core::Json runtime = {
      {"state", record.state},
      {"milestone", record.milestone},
      {"milestoneStartedAt", record.milestone_started_at
                                 ? core::Json(core::FormatRfc3339(*record.milestone_started_at))
                                 : core::Json()},
      {"guardrails", std::move(guardrails)},
      {"history", std::move(transitions)}};
  ASSIGN_OR_RETURN(plan.runtime, PlanRuntimeFromJson(runtime));
  plan.runtime.guardrails = AlignGuardrails(plan.spec, plan.runtime.guardrails);
  plan.version = record.version;
  plan.created_at = record.created_at;
  plan.updated_at = record.updated_at;
  plan.created_by = record.created_by;
  return plan;
}

std::string ConflictMessage(const store::ReleasePlanRecord& other) {
  return "release plan " + other.name + " (" + other.state + ") already drives feature " +
         other.feature + " in environment " + other.environment;
}

}  // namespace

std::string PlanActorName(const std::string& plan) {
  return std::string(kManagedStrategyIdPrefix) + plan;
}

core::Json ReleasePlanToJson(const ReleasePlan& plan) {
  return PlanViewToJson(plan.spec, plan.runtime);
}

struct ReleasePlanService::Impl {
  store::Database& db;
  flags::FlagService& flags;
  const core::Clock& clock;
  integrations::PrometheusQuerier* prometheus;
  ReleasePlanServiceOptions options;
  std::shared_ptr<store::ReleasePlanStore> plans;
  std::shared_ptr<store::Outbox> outbox;
  // The evidence windows last published (PublishWindows).
  struct Published {
    std::mutex mu;
    std::optional<std::vector<experiments::RunningExperiment>> windows;
  };
  std::shared_ptr<Published> published = std::make_shared<Published>();

  core::StatusOr<ReleasePlan> Load(store::Transaction& tx, const store::ReleasePlanRecord& r) {
    ASSIGN_OR_RETURN(auto history, plans->History(tx, r.name));
    return Decode(r, history);
  }

  void Gauge(const ReleasePlan& plan) {
    if (options.gauges == nullptr) return;
    options.gauges->Set(plan.spec.name, plan.runtime.state,
                        CurrentRollout(plan.spec, plan.runtime));
  }

  core::StatusOr<std::optional<ReleasePlanSpec>> FindTemplate(store::Transaction& tx,
                                                              const std::string& name) {
    if (auto builtin = FindBuiltInTemplate(name)) return builtin;
    ASSIGN_OR_RETURN(auto stored, plans->FindTemplate(tx, name));
    if (!stored) return std::optional<ReleasePlanSpec>();
    ASSIGN_OR_RETURN(core::Json json, core::ParseJson(stored->spec_json));
    ASSIGN_OR_RETURN(ReleasePlanSpec spec, ParsePlanTemplate(json));
    return std::optional<ReleasePlanSpec>(std::move(spec));
  }

  // What the store must confirm about a new plan (see Create).
  core::Status CheckReferences(store::Transaction& tx, const ReleasePlanSpec& spec) {
    auto feature = store::FlagRepository::GetFeature(tx, spec.feature);
    if (feature.status().code() == core::StatusCode::kNotFound) {
      return WithField(core::StatusCode::kNotFound, "feature " + spec.feature + " not found",
                       "feature");
    }
    RETURN_IF_ERROR(feature.status());
    ASSIGN_OR_RETURN(bool env_exists, store::EnvironmentRepository::Exists(tx, spec.environment));
    if (!env_exists) {
      return WithField(core::StatusCode::kNotFound,
                       "environment " + spec.environment + " not found", "environment");
    }
    for (size_t i = 0; i < spec.segments.size(); ++i) {
      auto segment = store::FlagRepository::GetSegment(tx, spec.segments[i]);
      if (segment.status().code() == core::StatusCode::kNotFound) {
        return core::InvalidArgument("unknown segment id " + std::to_string(spec.segments[i]),
                                     core::IndexFieldPath("segments", i));
      }
      RETURN_IF_ERROR(segment.status());
    }
    for (size_t i = 0; i < spec.guardrails.size(); ++i) {
      const auto* metric = std::get_if<MetricGuardrail>(&spec.guardrails[i].check);
      if (metric == nullptr) continue;
      ASSIGN_OR_RETURN(auto found, store::MetricRepository::Find(tx, metric->metric));
      if (!found) {
        return core::InvalidArgument(
            "unknown metric \"" + metric->metric + "\"",
            core::JoinFieldPath(
                core::JoinFieldPath(core::IndexFieldPath("guardrails", i), "metric"), "metric"));
      }
    }
    ASSIGN_OR_RETURN(auto active, plans->FindActive(tx, spec.environment, spec.feature));
    if (active && active->name != spec.name) {
      return WithField(core::StatusCode::kConflict, ConflictMessage(*active), "feature");
    }
    return core::Status::Ok();
  }

  // Applies `result`'s transition to `plan` (read at plan.version) as one transaction. Returns
  // false when the plan had moved (someone else made a transition): nothing was written.
  core::StatusOr<bool> Commit(const ReleasePlan& plan, const StepResult& result,
                              const std::string& request_id, core::TimePoint now) {
    const Transition& t = *result.transition;
    const ReleasePlanSpec& spec = plan.spec;
    const store::AuditActor actor{PlanActorName(spec.name), request_id};
    bool moved = false;
    auto writes = [&](store::Transaction& tx) -> core::Status {
      if (t.to.state == PlanState::kRunning && t.from.state != PlanState::kRunning &&
          t.from.state != PlanState::kPaused) {
        ASSIGN_OR_RETURN(auto active, plans->FindActive(tx, spec.environment, spec.feature));
        if (active && active->name != spec.name) return core::Conflict(ConflictMessage(*active));
      }
      ASSIGN_OR_RETURN(bool updated, plans->UpdateState(tx, spec.name, plan.version,
                                                        StateUpdate(spec, result.runtime), now));
      if (!updated) {
        moved = true;
        return core::Conflict("release plan " + spec.name + " changed concurrently");
      }
      const core::Json transition = TransitionToJson(t);
      store::ReleasePlanHistoryRecord entry;
      entry.plan = spec.name;
      entry.at = t.at;
      entry.from_state = StateName(t.from.state);
      entry.to_state = StateName(t.to.state);
      entry.from_milestone = static_cast<int64_t>(t.from.milestone);
      entry.to_milestone = static_cast<int64_t>(t.to.milestone);
      entry.cause_json = transition.dump();
      RETURN_IF_ERROR(plans->AppendHistory(tx, entry).status());
      const core::Json before = {{"state", StateName(t.from.state)},
                                 {"milestone", t.from.milestone},
                                 {"rollout", t.from.rollout}};
      const core::Json after = {{"state", StateName(t.to.state)},
                                {"milestone", t.to.milestone},
                                {"rollout", t.to.rollout},
                                {"event", NameOf(kPlanEventNames, t.event)},
                                {"cause", CauseToJson(t.cause)}};
      RETURN_IF_ERROR(store::AuditRepository::Record(
          tx, actor, now, "release-plan." + std::string(NameOf(kPlanEventNames, t.event)),
          kPlanResourcePrefix + spec.name, before.dump(), after.dump()));
      if (spec.webhook) {
        store::OutboxRow row;
        row.kind = store::kOutboxKindReleasePlanWebhook;
        row.url = spec.webhook->url;
        row.secret_env = spec.webhook->secret_env;
        row.payload_json = WebhookBody(spec, t).dump();
        row.created_at = now;
        row.next_attempt_at = now;
        RETURN_IF_ERROR(outbox->Enqueue(tx, row).status());
      }
      return core::Status::Ok();
    };
    core::Status status;
    if (t.from.rollout != t.to.rollout || t.from.state == PlanState::kDraft) {
      status = flags
                   .EditStrategiesWithin(
                       actor, spec.feature, spec.environment,
                       [&](store::Transaction& tx, std::vector<flags::Strategy>& strategies) {
                         RETURN_IF_ERROR(writes(tx));
                         strategies =
                             WithManagedStrategy(std::move(strategies), spec, t.to.rollout);
                         return core::Status::Ok();
                       })
                   .status();
    } else {
      status = store::WithTransaction(db, store::TxMode::kReadWrite, writes);
    }
    if (moved) return false;
    RETURN_IF_ERROR(status);
    ReleasePlan after = plan;
    after.runtime = result.runtime;
    Gauge(after);
    return true;
  }

  // Saves guardrail statuses that changed without a transition (version-guarded).
  core::StatusOr<bool> SaveGuardrails(const ReleasePlan& plan, const PlanRuntime& runtime,
                                      core::TimePoint now) {
    bool updated = false;
    RETURN_IF_ERROR(store::WithTransaction(
        db, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
          ASSIGN_OR_RETURN(updated, plans->UpdateState(tx, plan.spec.name, plan.version,
                                                       StateUpdate(plan.spec, runtime), now));
          return core::Status::Ok();
        }));
    return updated;
  }

  // (plan, guardrail) -> the observation of a Prometheus guardrail that was due.
  using PrometheusResults = std::map<std::pair<std::string, std::string>, PrometheusObservation>;

  PrometheusObservation QueryPrometheus(const PrometheusGuardrail& guardrail, core::TimePoint now) {
    PrometheusObservation o;
    o.at = now;
    if (prometheus == nullptr) {
      o.error = "no Prometheus client";
      return o;
    }
    auto value = prometheus->Query(guardrail.url, guardrail.query, options.prometheus_timeout, now);
    if (value.ok()) {
      o.value = value->value;
    } else {
      o.error = value.status().message();
    }
    return o;
  }

  // Runs the due Prometheus queries of the running plans concurrently (at most
  // kConcurrentQueries at a time), so one tick waits for the slowest query rather than their
  // sum.
  PrometheusResults QueryDuePrometheus(const std::vector<ReleasePlan>& plans, core::TimePoint now) {
    constexpr size_t kConcurrentQueries = 16;
    std::vector<std::pair<std::pair<std::string, std::string>, const PrometheusGuardrail*>> due;
    for (const ReleasePlan& plan : plans) {
      if (plan.runtime.state != PlanState::kRunning) continue;
      for (size_t i = 0; i < plan.spec.guardrails.size(); ++i) {
        const Guardrail& g = plan.spec.guardrails[i];
        const auto* p = std::get_if<PrometheusGuardrail>(&g.check);
        if (p == nullptr || NextEvaluationAt(*p, plan.runtime.guardrails[i]) > now) continue;
        due.push_back({{plan.spec.name, g.name}, p});
      }
    }
    PrometheusResults results;
    if (due.size() == 1) {
      results[due[0].first] = QueryPrometheus(*due[0].second, now);
      return results;
    }
    for (size_t begin = 0; begin < due.size(); begin += kConcurrentQueries) {
      const size_t end = std::min(due.size(), begin + kConcurrentQueries);
      std::vector<std::future<PrometheusObservation>> running;
      for (size_t k = begin; k < end; ++k) {
        const PrometheusGuardrail* guardrail = due[k].second;
        running.push_back(std::async(std::launch::async, [this, guardrail, now] {
          return QueryPrometheus(*guardrail, now);
        }));
      }
      for (size_t k = begin; k < end; ++k) results[due[k].first] = running[k - begin].get();
    }
    return results;
  }

  Observations Observe(const ReleasePlan& plan, core::TimePoint now,
                       const PrometheusResults& queried, TickResult& out) {
    Observations obs;
    obs.metric_test = options.metric_test;
    const auto& spec = plan.spec;
    const core::TimePoint since = plan.runtime.milestone_started_at.value_or(now);
    for (size_t i = 0; i < spec.guardrails.size(); ++i) {
      const Guardrail& g = spec.guardrails[i];
      if (std::holds_alternative<PrometheusGuardrail>(g.check)) {
        auto it = queried.find({spec.name, g.name});
        if (it != queried.end()) obs.prometheus[g.name] = it->second;
      } else if (const auto* m = std::get_if<MetricGuardrail>(&g.check)) {
        if (options.evidence == nullptr) continue;
        auto sample = options.evidence->Metric(spec, *m, since, now);
        if (!sample.ok()) {
          out.errors.push_back(
              core::Status(sample.status().code(), "release plan " + spec.name + ": guardrail " +
                                                       g.name + ": " + sample.status().message()));
        } else if (*sample) {
          obs.metrics[g.name] = **sample;
        }
      }
    }
    if (options.evidence != nullptr) {
      auto exposures = options.evidence->Exposures(spec, since, now);
      if (!exposures.ok()) {
        out.errors.push_back(core::Status(
            exposures.status().code(),
            "release plan " + spec.name + ": exposures: " + exposures.status().message()));
      } else {
        obs.exposures = *exposures;
      }
    }
    return obs;
  }
};

ReleasePlanService::ReleasePlanService(store::Database& db, flags::FlagService& flags,
                                       const core::Clock& clock,
                                       integrations::PrometheusQuerier* prometheus,
                                       ReleasePlanServiceOptions options,
                                       std::shared_ptr<store::ReleasePlanStore> plans,
                                       std::shared_ptr<store::Outbox> outbox)
    : impl_(std::make_shared<Impl>(
          Impl{db, flags, clock, prometheus, options,
               plans ? std::move(plans) : std::make_shared<store::SqlReleasePlanStore>(),
               outbox ? std::move(outbox) : std::make_shared<store::SqlOutbox>()})) {}

core::StatusOr<ReleasePlan> ReleasePlanService::Create(const store::AuditActor& author,
                                                       const core::Json& body) {
  const core::TimePoint now = impl_->clock.Now();
  ASSIGN_OR_RETURN(std::optional<std::string> template_name, RequestedTemplate(body));
  std::optional<ReleasePlan> created;
  RETURN_IF_ERROR(store::WithTransaction(
      impl_->db, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ReleasePlanSpec spec;
        if (template_name) {
          ASSIGN_OR_RETURN(auto tmpl, impl_->FindTemplate(tx, *template_name));
          if (!tmpl) {
            return WithField(core::StatusCode::kNotFound,
                             "release-plan template " + *template_name + " not found", "template");
          }
          ASSIGN_OR_RETURN(spec, PlanFromTemplate(*tmpl, body, now));
        } else {
          ASSIGN_OR_RETURN(spec, ParseReleasePlan(body, now));
        }
        RETURN_IF_ERROR(impl_->CheckReferences(tx, spec));
        const PlanRuntime runtime = NewRuntime(spec);
        const core::Json spec_json = ReleasePlanSpecToJson(spec);
        store::ReleasePlanRecord record;
        record.name = spec.name;
        record.feature = spec.feature;
        record.environment = spec.environment;
        record.spec_json = spec_json.dump();
        record.state = StateName(runtime.state);
        record.milestone = 0;
        record.rollout = CurrentRollout(spec, runtime);
        record.guardrails_json = GuardrailsJson(runtime);
        record.created_at = now;
        record.updated_at = now;
        record.created_by = author.name;
        core::Status inserted = impl_->plans->Insert(tx, record);
        if (inserted.code() == core::StatusCode::kAlreadyExists) {
          return WithField(core::StatusCode::kAlreadyExists,
                           "release plan " + spec.name + " already exists", "name");
        }
        RETURN_IF_ERROR(inserted);
        RETURN_IF_ERROR(store::AuditRepository::Record(tx, author, now, "release-plan.create",
                                                       kPlanResourcePrefix + spec.name,
                                                       std::nullopt, spec_json.dump()));
        created = ReleasePlan{spec, runtime, 1, now, now, author.name};
        return core::Status::Ok();
      }));
  impl_->Gauge(*created);
  return std::move(*created);
}

core::StatusOr<ReleasePlan> ReleasePlanService::Get(const std::string& name) {
  std::optional<ReleasePlan> out;
  RETURN_IF_ERROR(store::WithTransaction(
      impl_->db, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto record, impl_->plans->Find(tx, name));
        if (!record) return core::NotFound("release plan " + name + " not found");
        ASSIGN_OR_RETURN(out, impl_->Load(tx, *record));
        return core::Status::Ok();
      }));
  return std::move(*out);
}

core::StatusOr<store::Page<ReleasePlan>> ReleasePlanService::List(const store::PageRequest& page) {
  store::Page<ReleasePlan> out;
  RETURN_IF_ERROR(store::WithTransaction(
      impl_->db, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        out = {};
        ASSIGN_OR_RETURN(auto records, impl_->plans->List(tx, page));
        for (const auto& r : records.items) {
          ASSIGN_OR_RETURN(ReleasePlan plan, impl_->Load(tx, r));
          out.items.push_back(std::move(plan));
        }
        out.next_cursor = records.next_cursor;
        return core::Status::Ok();
      }));
  return out;
}

core::Status ReleasePlanService::Delete(const store::AuditActor& author, const std::string& name) {
  RETURN_IF_ERROR(store::WithTransaction(
      impl_->db, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto record, impl_->plans->Find(tx, name));
        if (!record) return core::NotFound("release plan " + name + " not found");
        if (record->state == store::kReleasePlanStateRunning ||
            record->state == store::kReleasePlanStatePaused) {
          return core::Conflict("release plan " + name + " is " + record->state +
                                "; roll it back or let it complete before deleting it");
        }
        RETURN_IF_ERROR(impl_->plans->Delete(tx, name, record->version));
        return store::AuditRepository::Record(tx, author, impl_->clock.Now(), "release-plan.delete",
                                              kPlanResourcePrefix + name, record->spec_json,
                                              std::nullopt);
      }));
  if (impl_->options.gauges != nullptr) impl_->options.gauges->Remove(name);
  return core::Status::Ok();
}

core::Status ReleasePlanService::CheckServable(const ReleasePlanSpec& spec) {
  ASSIGN_OR_RETURN(flags::AdminFeature feature, impl_->flags.GetFeature(spec.feature));
  const auto env = feature.environments.find(spec.environment);
  if (env == feature.environments.end() || !env->second.enabled) {
    return WithField(core::StatusCode::kFailedPrecondition,
                     "feature " + spec.feature + " is disabled in " + spec.environment +
                         ": the plan would serve 0%; enable it first",
                     "feature");
  }
  if (std::optional<std::string> why = ServesEveryUnitAlready(env->second.strategies)) {
    return WithField(core::StatusCode::kFailedPrecondition,
                     "in " + spec.environment + ", " + spec.feature + "'s " + *why, "feature");
  }
  return core::Status::Ok();
}

core::StatusOr<ReleasePlan> ReleasePlanService::Act(const store::AuditActor& author,
                                                    const std::string& name, Action action) {
  const core::TimePoint now = impl_->clock.Now();
  ASSIGN_OR_RETURN(ReleasePlan plan, Get(name));
  if (action == Action::kStart) RETURN_IF_ERROR(CheckServable(plan.spec));
  const std::pair<PlanState, size_t> asked_at{plan.runtime.state, plan.runtime.milestone};
  // The leader saves guardrail statuses as it evaluates them, which moves the plan's version
  // without moving the plan: then the action is applied again to the fresh read. Once the
  // plan itself moved (a transition of the leader's or another action), the caller decides.
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(StepResult result,
                     ApplyAction(plan.spec, plan.runtime, action, author.name, now));
    if (!result.transition) return plan;
    ASSIGN_OR_RETURN(bool applied, impl_->Commit(plan, result, author.request_id, now));
    if (applied) {
      // The runner republishes each interval too: a failure here only delays the windows.
      (void)PublishWindows();
      return Get(name);
    }
    ASSIGN_OR_RETURN(plan, Get(name));
    const std::pair<PlanState, size_t> now_at{plan.runtime.state, plan.runtime.milestone};
    if (now_at != asked_at || attempt == 4) {
      return core::Conflict("release plan " + name +
                            " changed while the action was applied; read it and retry");
    }
  }
}

core::StatusOr<std::pair<ReleasePlanSpec, bool>> ReleasePlanService::PutTemplate(
    const store::AuditActor& author, const core::Json& body) {
  ASSIGN_OR_RETURN(ReleasePlanSpec spec, ParsePlanTemplate(body));
  if (FindBuiltInTemplate(spec.name)) {
    return WithField(core::StatusCode::kConflict,
                     "template " + spec.name + " is built in and cannot be replaced", "name");
  }
  const core::TimePoint now = impl_->clock.Now();
  bool created = false;
  RETURN_IF_ERROR(store::WithTransaction(
      impl_->db, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        const std::string json = PlanTemplateToJson(spec).dump();
        ASSIGN_OR_RETURN(auto before, impl_->plans->FindTemplate(tx, spec.name));
        ASSIGN_OR_RETURN(created, impl_->plans->PutTemplate(tx, spec.name, json, now));
        std::optional<std::string> before_json;
        if (before) before_json = before->spec_json;
        return store::AuditRepository::Record(tx, author, now, "release-plan-template.put",
                                              kTemplateResourcePrefix + spec.name, before_json,
                                              json);
      }));
  return std::make_pair(std::move(spec), created);
}

core::StatusOr<std::vector<ReleasePlanSpec>> ReleasePlanService::ListTemplates() {
  std::vector<ReleasePlanSpec> out = BuiltInTemplates();
  RETURN_IF_ERROR(store::WithTransaction(
      impl_->db, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        store::PageRequest page{1000, ""};
        while (true) {
          ASSIGN_OR_RETURN(auto records, impl_->plans->ListTemplates(tx, page));
          for (const auto& r : records.items) {
            ASSIGN_OR_RETURN(core::Json json, core::ParseJson(r.spec_json));
            ASSIGN_OR_RETURN(ReleasePlanSpec spec, ParsePlanTemplate(json));
            out.push_back(std::move(spec));
          }
          if (records.next_cursor.empty()) break;
          page.cursor = records.next_cursor;
        }
        return core::Status::Ok();
      }));
  return out;
}

core::StatusOr<ReleasePlanSpec> ReleasePlanService::GetTemplate(const std::string& name) {
  std::optional<ReleasePlanSpec> out;
  RETURN_IF_ERROR(store::WithTransaction(impl_->db, store::TxMode::kReadOnly,
                                         [&](store::Transaction& tx) -> core::Status {
                                           ASSIGN_OR_RETURN(out, impl_->FindTemplate(tx, name));
                                           return core::Status::Ok();
                                         }));
  if (!out) return core::NotFound("release-plan template " + name + " not found");
  return std::move(*out);
}

core::Status ReleasePlanService::DeleteTemplate(const store::AuditActor& author,
                                                const std::string& name) {
  if (FindBuiltInTemplate(name)) {
    return WithField(core::StatusCode::kConflict,
                     "template " + name + " is built in and cannot be deleted", "name");
  }
  return store::WithTransaction(
      impl_->db, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto before, impl_->plans->FindTemplate(tx, name));
        if (!before) return core::NotFound("release-plan template " + name + " not found");
        RETURN_IF_ERROR(impl_->plans->DeleteTemplate(tx, name));
        return store::AuditRepository::Record(
            tx, author, impl_->clock.Now(), "release-plan-template.delete",
            kTemplateResourcePrefix + name, before->spec_json, std::nullopt);
      });
}

TickResult ReleasePlanService::Tick(core::TimePoint now) {
  TickResult out;
  std::vector<ReleasePlan> active;
  core::Status read = store::WithTransaction(
      impl_->db, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        active.clear();
        ASSIGN_OR_RETURN(auto records, impl_->plans->ListActive(tx));
        for (const auto& r : records) {
          auto plan = impl_->Load(tx, r);
          if (!plan.ok()) {
            out.errors.push_back(core::Status(
                plan.status().code(), "release plan " + r.name + ": " + plan.status().message()));
            continue;
          }
          active.push_back(std::move(*plan));
        }
        return core::Status::Ok();
      });
  if (!read.ok()) {
    out.errors.push_back(read);
    return out;
  }
  const Impl::PrometheusResults queried = impl_->QueryDuePrometheus(active, now);
  for (const ReleasePlan& plan : active) {
    impl_->Gauge(plan);
    if (plan.runtime.state != PlanState::kRunning) continue;
    const Observations obs = impl_->Observe(plan, now, queried, out);
    const StepResult result = Step(plan.spec, plan.runtime, obs, now);
    if (result.transition) {
      auto applied = impl_->Commit(plan, result, "", now);
      if (!applied.ok()) {
        out.errors.push_back(
            core::Status(applied.status().code(),
                         "release plan " + plan.spec.name + ": " + applied.status().message()));
      } else if (*applied) {
        out.transitions.emplace_back(plan.spec.name, *result.transition);
      } else {
        out.skipped.push_back(plan.spec.name);
      }
    } else if (result.runtime.guardrails != plan.runtime.guardrails) {
      auto saved = impl_->SaveGuardrails(plan, result.runtime, now);
      if (!saved.ok()) {
        out.errors.push_back(
            core::Status(saved.status().code(),
                         "release plan " + plan.spec.name + ": " + saved.status().message()));
      } else if (!*saved) {
        out.skipped.push_back(plan.spec.name);
      }
    }
  }
  if (!out.transitions.empty()) {
    if (core::Status s = PublishWindows(); !s.ok()) out.errors.push_back(s);
  }
  return out;
}

core::Status ReleasePlanService::RefreshGauges() {
  if (impl_->options.gauges == nullptr) return core::Status::Ok();
  store::PageRequest page{500, ""};
  while (true) {
    ASSIGN_OR_RETURN(auto plans, List(page));
    for (const auto& plan : plans.items) impl_->Gauge(plan);
    if (plans.next_cursor.empty()) break;
    page.cursor = plans.next_cursor;
  }
  return core::Status::Ok();
}

core::StatusOr<std::vector<experiments::RunningExperiment>> ReleasePlanService::EvidenceWindows() {
  std::vector<experiments::RunningExperiment> windows;
  RETURN_IF_ERROR(store::WithTransaction(
      impl_->db, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        windows.clear();
        ASSIGN_OR_RETURN(auto records, impl_->plans->ListActive(tx));
        for (const store::ReleasePlanRecord& r : records) {
          if (r.state != StateName(PlanState::kRunning) || !r.milestone_started_at) continue;
          ASSIGN_OR_RETURN(core::Json spec_json, core::ParseJson(r.spec_json));
          ASSIGN_OR_RETURN(ReleasePlanSpec spec, ReleasePlanSpecFromJson(spec_json));
          if (spec.stickiness == "random") continue;  // no unit to count
          experiments::RunningExperiment w;
          w.key = PlanExposureKey(r.name, *r.milestone_started_at);
          w.environment = r.environment;
          w.feature = r.feature;
          w.randomization_unit = spec.stickiness;
          w.control_variant = std::string(experiments::kRolloutArmRest);
          w.arms = {experiments::Arm{std::string(experiments::kRolloutArmRest),
                                     100 - static_cast<int>(r.rollout)},
                    experiments::Arm{std::string(experiments::kRolloutArmExposed),
                                     static_cast<int>(r.rollout)}};
          w.started_at = *r.milestone_started_at;
          w.rollout = experiments::RolloutArms{PlanActorName(r.name), static_cast<int>(r.rollout),
                                               r.feature};
          windows.push_back(std::move(w));
        }
        return core::Status::Ok();
      }));
  return windows;
}

core::Status ReleasePlanService::PublishWindows() {
  if (impl_->options.windows == nullptr) return core::Status::Ok();
  ASSIGN_OR_RETURN(auto windows, EvidenceWindows());
  std::lock_guard<std::mutex> lock(impl_->published->mu);
  if (impl_->published->windows == windows) return core::Status::Ok();
  impl_->published->windows = windows;
  impl_->options.windows->PublishRollouts(std::move(windows));
  return core::Status::Ok();
}

ReleasePlanStrategyGuard::ReleasePlanStrategyGuard(std::shared_ptr<store::ReleasePlanStore> plans)
    : plans_(plans ? std::move(plans) : std::make_shared<store::SqlReleasePlanStore>()) {}

core::Status ReleasePlanStrategyGuard::CheckStrategies(store::Transaction& tx,
                                                       const std::string& feature,
                                                       const std::string& environment,
                                                       const std::vector<flags::Strategy>& before,
                                                       const std::vector<flags::Strategy>& after) {
  ASSIGN_OR_RETURN(auto active, plans_->FindActive(tx, environment, feature));
  if (!active) return core::Status::Ok();
  const auto old_index = FindManagedStrategy(before, active->name);
  const auto new_index = FindManagedStrategy(after, active->name);
  const bool same = old_index.has_value() == new_index.has_value() &&
                    (!old_index || before[*old_index] == after[*new_index]);
  if (same) return core::Status::Ok();
  return core::Conflict("strategy " + ManagedStrategyId(active->name) + " of feature " + feature +
                        " in environment " + environment + " is managed by release plan " +
                        active->name + " (" + active->state + ")");
}

}  // namespace gov::rollouts
