#include "experiments/experiment_service.h"

#include <algorithm>

#include "experiments/internal/stored_experiments.h"
#include "flags/features_json.h"

namespace gov::experiments {

namespace {

constexpr const char* kExperimentPrefix = "experiments/";
constexpr const char* kMetricPrefix = "metrics/";

std::string StatusName(ExperimentStatus s) {
  return std::string(kExperimentStatusNames[static_cast<size_t>(s)]);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

store::ExperimentRecord ToRecord(const Experiment& e) {
  store::ExperimentRecord r;
  r.key = e.key;
  r.environment = e.environment;
  r.feature = e.feature;
  r.status = StatusName(e.status);
  r.spec_json = ExperimentToJson(e).dump();
  for (const ExperimentMetric& m : e.metrics) r.metrics.push_back(m.metric);
  r.version = e.version;
  r.created_at = e.created_at;
  r.updated_at = e.updated_at;
  r.started_at = e.started_at;
  r.stopped_at = e.stopped_at;
  return r;
}

store::MetricRecord ToRecord(const MetricDefinition& m) {
  return {m.name, MetricDefinitionToJson(m).dump(), m.version, m.created_at, m.updated_at};
}

// `body` with member `field` set to `value` when absent; kInvalidArgument when it differs.
core::StatusOr<core::Json> WithPathName(const core::Json& body, const std::string& field,
                                        const std::string& value, const std::string& what) {
  core::Json out = body;
  if (!out.is_object()) return out;  // the parser reports it
  if (!out.contains(field) || out[field].is_null()) out[field] = value;
  if (out[field] != core::Json(value)) {
    return core::InvalidArgument("must match the " + what + " in the URL (" + value + ")", field);
  }
  return out;
}

core::Status CheckVersion(const std::string& what, int64_t current,
                          std::optional<int64_t> expected) {
  if (expected && *expected != current) {
    return core::Conflict(what + " is at version " + std::to_string(current) + ", not " +
                          std::to_string(*expected));
  }
  return core::Status::Ok();
}

core::Status WrongStatus(const Experiment& e, const std::string& wanted) {
  return core::Conflict("experiment " + e.key + " is " + StatusName(e.status) + "; " + wanted);
}

// The first field a non-draft experiment may not change that `next` changes; "" when none.
std::string FrozenFieldChanged(const Experiment& current, const Experiment& next) {
  if (next.environment != current.environment) return "environment";
  if (next.feature != current.feature) return "feature";
  if (next.control_variant != current.control_variant) return "controlVariant";
  if (next.randomization_unit != current.randomization_unit) return "randomizationUnit";
  if (next.metrics != current.metrics) return "metrics";
  return "";
}

// A reference the store refused (a metric or environment deleted meanwhile) is a conflict with
// a concurrent change.
core::Status RaceAsConflict(core::Status s) {
  if (s.code() == core::StatusCode::kFailedPrecondition) return core::Conflict(s.message());
  return s;
}

}  // namespace

ExperimentRepositories SqlExperimentRepositories() {
  static store::SqlExperimentStore experiments;
  static store::SqlMetricStore metrics;
  static store::SqlEnvironmentStore environments;
  static store::SqlAuditLog audit;
  return ExperimentRepositories{experiments, metrics, environments, audit};
}

ExperimentService::ExperimentService(store::Database& db, flags::FlagService& flags,
                                     RunningExperiments& running, const core::Clock& clock,
                                     ExperimentRepositories repositories)
    : db_(db), flags_(flags), running_(running), clock_(clock), repos_(repositories) {
  open_status_ = PublishRunning();
}

core::Status ExperimentService::PublishRunning() {
  std::lock_guard<std::mutex> lock(publish_mu_);
  std::vector<RunningExperiment> out;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto records,
                         repos_.experiments.ListByStatus(tx, store::kExperimentStatusRunning));
        for (const store::ExperimentRecord& r : records) {
          ASSIGN_OR_RETURN(Experiment e, internal::FromRecord(r));
          out.push_back({e.key, e.environment, e.feature, e.randomization_unit, e.control_variant,
                         e.arms, e.started_at.value_or(core::TimePoint{}), std::nullopt});
        }
        return core::Status::Ok();
      }));
  running_.Publish(std::move(out));
  return core::Status::Ok();
}

// ---- Metric definitions ---------------------------------------------------------------------

core::StatusOr<MetricDefinition> ExperimentService::CreateMetric(const store::AuditActor& actor,
                                                                 const core::Json& body) {
  ASSIGN_OR_RETURN(MetricDefinition m, ParseMetricDefinition(body));
  const core::TimePoint now = clock_.Now();
  m.version = 1;
  m.created_at = m.updated_at = now;
  const store::MetricRecord record = ToRecord(m);
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(repos_.metrics.Insert(tx, record));
        return repos_.audit.Record(tx, actor, now, "metric.create", kMetricPrefix + m.name,
                                   std::nullopt, record.spec_json);
      }));
  return m;
}

core::StatusOr<MetricDefinition> ExperimentService::GetMetric(const std::string& name) {
  std::optional<store::MetricRecord> found;
  RETURN_IF_ERROR(store::WithTransaction(db_, store::TxMode::kReadOnly,
                                         [&](store::Transaction& tx) -> core::Status {
                                           ASSIGN_OR_RETURN(found, repos_.metrics.Find(tx, name));
                                           return core::Status::Ok();
                                         }));
  if (!found) return core::NotFound("metric " + name + " not found");
  return internal::FromRecord(*found);
}

core::StatusOr<store::Page<MetricDefinition>> ExperimentService::ListMetrics(
    const store::PageRequest& page) {
  store::Page<store::MetricRecord> records;
  RETURN_IF_ERROR(store::WithTransaction(db_, store::TxMode::kReadOnly,
                                         [&](store::Transaction& tx) -> core::Status {
                                           ASSIGN_OR_RETURN(records, repos_.metrics.List(tx, page));
                                           return core::Status::Ok();
                                         }));
  store::Page<MetricDefinition> out;
  out.next_cursor = records.next_cursor;
  for (const store::MetricRecord& r : records.items) {
    ASSIGN_OR_RETURN(MetricDefinition m, internal::FromRecord(r));
    out.items.push_back(std::move(m));
  }
  return out;
}

core::StatusOr<MetricDefinition> ExperimentService::ReplaceMetric(
    const store::AuditActor& actor, const std::string& name, const core::Json& body,
    std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(core::Json named, WithPathName(body, "name", name, "metric"));
  ASSIGN_OR_RETURN(MetricDefinition next, ParseMetricDefinition(named));
  const core::TimePoint now = clock_.Now();
  MetricDefinition out;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto found, repos_.metrics.Find(tx, name));
        if (!found) return core::NotFound("metric " + name + " not found");
        RETURN_IF_ERROR(CheckVersion("metric " + name, found->version, expected_version));
        ASSIGN_OR_RETURN(MetricDefinition before, internal::FromRecord(*found));
        // Past a draft, an experiment's data is collected under the definition: only the
        // description may change.
        MetricDefinition same = next;
        same.description = before.description;
        same.version = before.version;
        same.created_at = before.created_at;
        same.updated_at = before.updated_at;
        if (!(same == before)) {
          ASSIGN_OR_RETURN(auto users, repos_.experiments.ListUsingMetric(tx, name));
          std::vector<std::string> live;
          for (const std::string& key : users) {
            ASSIGN_OR_RETURN(auto e, repos_.experiments.Find(tx, key));
            if (e && e->status != StatusName(ExperimentStatus::kDraft)) live.push_back(key);
          }
          if (!live.empty()) {
            return core::Conflict("metric " + name + " is used by experiments past draft (" +
                                  Join(live) + "); only its description can change");
          }
        }
        next.created_at = before.created_at;
        ASSIGN_OR_RETURN(
            store::MetricRecord stored,
            repos_.metrics.Update(tx, name, ToRecord(next).spec_json, found->version, now));
        ASSIGN_OR_RETURN(out, internal::FromRecord(stored));
        return repos_.audit.Record(tx, actor, now, "metric.update", kMetricPrefix + name,
                                   found->spec_json, stored.spec_json);
      }));
  return out;
}

core::Status ExperimentService::DeleteMetric(const store::AuditActor& actor,
                                             const std::string& name,
                                             std::optional<int64_t> expected_version) {
  const core::TimePoint now = clock_.Now();
  return RaceAsConflict(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto found, repos_.metrics.Find(tx, name));
        if (!found) return core::NotFound("metric " + name + " not found");
        RETURN_IF_ERROR(CheckVersion("metric " + name, found->version, expected_version));
        ASSIGN_OR_RETURN(auto users, repos_.experiments.ListUsingMetric(tx, name));
        if (!users.empty()) {
          return core::Conflict("metric " + name + " is used by experiments " + Join(users) +
                                "; remove it from them first");
        }
        RETURN_IF_ERROR(repos_.metrics.Delete(tx, name, found->version));
        return repos_.audit.Record(tx, actor, now, "metric.delete", kMetricPrefix + name,
                                   found->spec_json, std::nullopt);
      }));
}

// ---- Experiments ----------------------------------------------------------------------------

namespace {

// Makes `name` the only variant the feature assigns in `state` (the experiment's environment):
// its feature-level variants, or else every strategy's, weight 1000. kConflict when the
// feature no longer assigns it.
core::Status ShipVariant(const Experiment& experiment, const std::string& name,
                         flags::EnvironmentState& state) {
  auto gone = [&] {
    return core::Conflict("variant " + name + " is no longer a variant of feature " +
                          experiment.feature + " in " + experiment.environment);
  };
  auto find = [&name](const std::vector<flags::Variant>& vs) -> std::optional<flags::Variant> {
    for (const flags::Variant& v : vs) {
      if (v.name == name) return v;
    }
    return std::nullopt;
  };
  // Feature-level variants: the variant as the feature defines it (payload, stickiness,
  // overrides), now alone.
  if (!state.variants.empty()) {
    std::optional<flags::Variant> shipped = find(state.variants);
    if (!shipped) return gone();
    shipped->weight = 1000;
    state.variants = {*shipped};
    return core::Status::Ok();
  }
  // Strategy variants: every strategy that assigns variants now assigns only this one.
  bool found = false;
  for (flags::Strategy& strategy : state.strategies) {
    if (strategy.variants.empty()) continue;
    std::optional<flags::Variant> shipped = find(strategy.variants);
    if (!shipped) {
      if (strategy.disabled) continue;
      return gone();
    }
    shipped->weight = 1000;
    strategy.variants = {*shipped};
    found = true;
  }
  return found ? core::Status::Ok() : gone();
}

// The variants a feature assigns in one environment: its feature-level variants, or else those
// of its strategies (Unleash: a matching strategy's variants take precedence), which must then
// name the same variants on every strategy that has some. Fewer than two is an error.
core::StatusOr<std::vector<flags::Variant>> AssignedVariants(const Experiment& e,
                                                             const flags::EnvironmentState* env) {
  std::vector<flags::Variant> variants;
  if (env != nullptr && !env->variants.empty()) {
    variants = env->variants;
  } else if (env != nullptr) {
    auto names = [](const std::vector<flags::Variant>& vs) {
      std::vector<std::string> out;
      for (const flags::Variant& v : vs) out.push_back(v.name);
      std::sort(out.begin(), out.end());
      return out;
    };
    for (const flags::Strategy& strategy : env->strategies) {
      if (strategy.disabled || strategy.variants.empty()) continue;
      if (variants.empty()) {
        variants = strategy.variants;
      } else if (names(variants) != names(strategy.variants)) {
        return core::InvalidArgument("the strategies of feature " + e.feature + " in " +
                                         e.environment +
                                         " assign different variants; an experiment's arms "
                                         "must be the same on every strategy",
                                     "feature");
      }
    }
  }
  if (variants.size() < 2) {
    return core::InvalidArgument("feature " + e.feature + " has " +
                                     std::to_string(variants.size()) + " variant(s) in " +
                                     e.environment + "; an experiment needs at least two",
                                 "feature");
  }
  return variants;
}

}  // namespace

core::StatusOr<std::vector<flags::Variant>> ExperimentService::FeatureVariants(
    const Experiment& e) {
  core::StatusOr<flags::AdminFeature> feature = flags_.GetFeature(e.feature);
  if (feature.status().code() == core::StatusCode::kNotFound) {
    return core::InvalidArgument("feature " + e.feature + " does not exist", "feature");
  }
  if (!feature.ok()) return feature.status();
  auto it = feature->environments.find(e.environment);
  return AssignedVariants(e, it == feature->environments.end() ? nullptr : &it->second);
}

core::Status ExperimentService::CheckReferences(store::Transaction& tx, const Experiment& e) {
  ASSIGN_OR_RETURN(bool env_exists, repos_.environments.Exists(tx, e.environment));
  if (!env_exists) {
    return core::InvalidArgument("environment " + e.environment + " does not exist", "environment");
  }
  ASSIGN_OR_RETURN(std::vector<flags::Variant> variants, FeatureVariants(e));
  const bool control_found =
      std::any_of(variants.begin(), variants.end(),
                  [&](const flags::Variant& v) { return v.name == e.control_variant; });
  if (!control_found) {
    std::vector<std::string> names;
    for (const flags::Variant& v : variants) names.push_back(v.name);
    return core::InvalidArgument("is not a variant of feature " + e.feature + " in " +
                                     e.environment + " (" + Join(names) + ")",
                                 "controlVariant");
  }
  for (size_t i = 0; i < e.metrics.size(); ++i) {
    ASSIGN_OR_RETURN(auto metric, repos_.metrics.Find(tx, e.metrics[i].metric));
    if (!metric) {
      return core::InvalidArgument(
          "metric " + e.metrics[i].metric + " does not exist",
          core::JoinFieldPath(core::IndexFieldPath("metrics", i), "metric"));
    }
  }
  return core::Status::Ok();
}

core::StatusOr<Experiment> ExperimentService::CreateExperiment(const store::AuditActor& actor,
                                                               const core::Json& body) {
  ASSIGN_OR_RETURN(Experiment e, ParseExperiment(body));
  // The references are read in their own transaction: the feature through FlagService, which
  // opens its own, and a second connection must not be taken while holding the writer.
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly,
      [&](store::Transaction& tx) -> core::Status { return CheckReferences(tx, e); }));
  const core::TimePoint now = clock_.Now();
  e.version = 1;
  e.created_at = e.updated_at = now;
  const store::ExperimentRecord record = ToRecord(e);
  RETURN_IF_ERROR(RaceAsConflict(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(repos_.experiments.Insert(tx, record));
        return repos_.audit.Record(tx, actor, now, "experiment.create", kExperimentPrefix + e.key,
                                   std::nullopt, record.spec_json);
      })));
  return e;
}

core::StatusOr<Experiment> ExperimentService::GetExperiment(const std::string& key) {
  std::optional<store::ExperimentRecord> found;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(found, repos_.experiments.Find(tx, key));
        return core::Status::Ok();
      }));
  if (!found) return core::NotFound("experiment " + key + " not found");
  return internal::FromRecord(*found);
}

core::StatusOr<store::Page<Experiment>> ExperimentService::ListExperiments(
    const store::PageRequest& page) {
  store::Page<store::ExperimentRecord> records;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(records, repos_.experiments.List(tx, page));
        return core::Status::Ok();
      }));
  store::Page<Experiment> out;
  out.next_cursor = records.next_cursor;
  for (const store::ExperimentRecord& r : records.items) {
    ASSIGN_OR_RETURN(Experiment e, internal::FromRecord(r));
    out.items.push_back(std::move(e));
  }
  return out;
}

core::StatusOr<Experiment> ExperimentService::WriteIn(
    store::Transaction& tx, const store::AuditActor& actor, const std::string& action,
    const Experiment& before, const Experiment& next, bool running_changed) {
  const core::TimePoint now = clock_.Now();
  // `before` is what the change was decided on: any change since is a conflict.
  ASSIGN_OR_RETURN(store::ExperimentRecord stored,
                   repos_.experiments.Update(tx, ToRecord(next), before.version, now));
  ASSIGN_OR_RETURN(Experiment out, internal::FromRecord(stored));
  RETURN_IF_ERROR(repos_.audit.Record(tx, actor, now, action, kExperimentPrefix + next.key,
                                      ExperimentToJson(before).dump(),
                                      ExperimentToJson(out).dump()));
  if (running_changed) RETURN_IF_ERROR(db_.Notify(tx, kExperimentsChannel, next.key));
  return out;
}

core::StatusOr<Experiment> ExperimentService::Write(const store::AuditActor& actor,
                                                    const std::string& action,
                                                    const Experiment& before,
                                                    const Experiment& next, bool running_changed,
                                                    const std::optional<std::string>& ship) {
  Experiment out;
  if (ship) {
    RETURN_IF_ERROR(RaceAsConflict(
        flags_
            .EditEnvironmentWithin(
                actor, before.feature, before.environment, "flag.variants",
                [&](store::Transaction& tx, flags::EnvironmentState& state) -> core::Status {
                  RETURN_IF_ERROR(ShipVariant(before, *ship, state));
                  ASSIGN_OR_RETURN(out, WriteIn(tx, actor, action, before, next, running_changed));
                  return core::Status::Ok();
                })
            .status()));
  } else {
    RETURN_IF_ERROR(RaceAsConflict(store::WithTransaction(
        db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
          ASSIGN_OR_RETURN(out, WriteIn(tx, actor, action, before, next, running_changed));
          return core::Status::Ok();
        })));
  }
  // The change is committed. Should re-reading fail, the previous index stays published until
  // the next publication (the kExperimentsChannel listener, or the next change).
  if (running_changed) (void)PublishRunning();
  return out;
}

core::StatusOr<Experiment> ExperimentService::ReplaceExperiment(
    const store::AuditActor& actor, const std::string& key, const core::Json& body,
    std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(core::Json keyed, WithPathName(body, "key", key, "experiment"));
  ASSIGN_OR_RETURN(Experiment parsed, ParseExperiment(keyed));
  ASSIGN_OR_RETURN(Experiment current, GetExperiment(key));
  RETURN_IF_ERROR(CheckVersion("experiment " + key, current.version, expected_version));
  Experiment next = current;
  if (current.status == ExperimentStatus::kDraft) {
    RETURN_IF_ERROR(store::WithTransaction(
        db_, store::TxMode::kReadOnly,
        [&](store::Transaction& tx) -> core::Status { return CheckReferences(tx, parsed); }));
    next.environment = parsed.environment;
    next.feature = parsed.feature;
    next.control_variant = parsed.control_variant;
    next.randomization_unit = parsed.randomization_unit;
    next.metrics = parsed.metrics;
  } else if (std::string field = FrozenFieldChanged(current, parsed); !field.empty()) {
    return core::Status(core::StatusCode::kConflict,
                        "cannot change while experiment " + key + " is " +
                            StatusName(current.status) + "; only name, hypothesis and analysis can",
                        field);
  }
  next.name = parsed.name;
  next.hypothesis = parsed.hypothesis;
  next.analysis = parsed.analysis;
  return Write(actor, "experiment.update", current, next, false);
}

core::Status ExperimentService::DeleteExperiment(const store::AuditActor& actor,
                                                 const std::string& key,
                                                 std::optional<int64_t> expected_version) {
  const core::TimePoint now = clock_.Now();
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto found, repos_.experiments.Find(tx, key));
        if (!found) return core::NotFound("experiment " + key + " not found");
        RETURN_IF_ERROR(CheckVersion("experiment " + key, found->version, expected_version));
        if (found->status == store::kExperimentStatusRunning) {
          return core::Conflict("experiment " + key + " is running; stop it first");
        }
        RETURN_IF_ERROR(repos_.experiments.Delete(tx, key, found->version));
        RETURN_IF_ERROR(repos_.audit.Record(tx, actor, now, "experiment.delete",
                                            kExperimentPrefix + key, found->spec_json,
                                            std::nullopt));
        return db_.Notify(tx, kExperimentsChannel, key);
      }));
  (void)PublishRunning();  // as in Write: the deletion is committed
  return core::Status::Ok();
}

core::StatusOr<Experiment> ExperimentService::Start(const store::AuditActor& actor,
                                                    const std::string& key,
                                                    std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(Experiment current, GetExperiment(key));
  RETURN_IF_ERROR(CheckVersion("experiment " + key, current.version, expected_version));
  if (current.status != ExperimentStatus::kDraft) {
    return WrongStatus(current, "only a draft can start");
  }
  // The world may have changed since the draft was written: check it again. What was a bad
  // field in the draft's body is now a conflict with the world.
  std::vector<store::ExperimentRecord> same_feature;
  core::Status refs = store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(CheckReferences(tx, current));
        ASSIGN_OR_RETURN(same_feature, repos_.experiments.ListForFeature(tx, current.environment,
                                                                         current.feature));
        return core::Status::Ok();
      });
  if (refs.code() == core::StatusCode::kInvalidArgument) {
    return core::Status(core::StatusCode::kConflict, "cannot start: " + refs.message(),
                        refs.field());
  }
  RETURN_IF_ERROR(refs);
  for (const store::ExperimentRecord& other : same_feature) {
    if (other.key != key && other.status == store::kExperimentStatusRunning) {
      return core::Conflict("experiment " + other.key + " is already running on feature " +
                            current.feature + " in " + current.environment);
    }
  }
  ASSIGN_OR_RETURN(std::vector<flags::Variant> variants, FeatureVariants(current));
  Experiment next = current;
  next.status = ExperimentStatus::kRunning;
  next.arms.clear();
  for (const flags::Variant& v : variants) {
    next.arms.push_back({v.name, static_cast<int>(v.weight)});
  }
  next.started_at = clock_.Now();
  return Write(actor, "experiment.start", current, next, true);
}

core::StatusOr<Experiment> ExperimentService::Stop(const store::AuditActor& actor,
                                                   const std::string& key,
                                                   std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(Experiment current, GetExperiment(key));
  RETURN_IF_ERROR(CheckVersion("experiment " + key, current.version, expected_version));
  if (current.status != ExperimentStatus::kRunning) {
    return WrongStatus(current, "only a running experiment can stop");
  }
  Experiment next = current;
  next.status = ExperimentStatus::kStopped;
  next.stopped_at = clock_.Now();
  return Write(actor, "experiment.stop", current, next, true);
}

core::StatusOr<Experiment> ExperimentService::Conclude(const store::AuditActor& actor,
                                                       const std::string& key,
                                                       const core::Json& body,
                                                       std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(ConcludeRequest request, ParseConcludeRequest(body));
  ASSIGN_OR_RETURN(Experiment current, GetExperiment(key));
  RETURN_IF_ERROR(CheckVersion("experiment " + key, current.version, expected_version));
  if (current.status != ExperimentStatus::kRunning &&
      current.status != ExperimentStatus::kStopped) {
    return WrongStatus(current, "only a running or stopped experiment can be concluded");
  }
  const core::TimePoint now = clock_.Now();
  if (request.decision == Decision::kShip) {
    const std::string& name = *request.variant;
    const bool is_arm = std::any_of(current.arms.begin(), current.arms.end(),
                                    [&](const Arm& a) { return a.variant == name; });
    if (!is_arm) {
      std::vector<std::string> arms;
      for (const Arm& a : current.arms) arms.push_back(a.variant);
      return core::InvalidArgument("is not one of the experiment's arms (" + Join(arms) + ")",
                                   "variant");
    }
  }
  Experiment next = current;
  next.status = ExperimentStatus::kConcluded;
  if (!next.stopped_at) next.stopped_at = now;
  next.conclusion = Conclusion{request.decision, request.variant, request.reason, actor.name, now};
  return Write(actor, "experiment.conclude", current, next,
               current.status == ExperimentStatus::kRunning,
               request.decision == Decision::kShip ? request.variant : std::nullopt);
}

}  // namespace gov::experiments
