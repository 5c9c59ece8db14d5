#pragma once

// Metric definitions and experiments: create, read, replace, delete, and an experiment's
// lifecycle draft -> running -> stopped -> concluded. Every change is validated (errors name
// the field), checked against the world (the environment, the feature and its variants, the
// metric definitions), written with its audit entry in one transaction, and versioned
// (optimistic concurrency: a stale expected version is kConflict). After every change of the
// set of running experiments (start, stop, conclude, delete) and at construction, the running
// experiments are published to a RunningExperiments.
//
// What may change when (PUT):
//   draft:                 everything but the key;
//   running, stopped,
//   concluded:             name, hypothesis and analysis only (they change how results are
//                          computed and shown, not which data is collected); a body that
//                          changes any other field is kConflict naming the field.
// A metric used by an experiment that is not a draft may change only its description; a
// metric used by any experiment cannot be deleted (kConflict naming the experiments). A
// running experiment cannot be deleted (stop it first).

#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "experiments/experiment_json.h"
#include "experiments/experiment_service_repositories.h"
#include "experiments/model.h"
#include "experiments/running_experiments.h"
#include "flags/flag_service.h"
#include "store/audit_repository.h"
#include "store/database.h"
#include "store/page.h"

namespace gov::experiments {

// Notification channel announcing that the set of running experiments may have changed (other
// replicas republish; see ExperimentService::PublishRunning).
inline constexpr const char* kExperimentsChannel = "gov_experiments";

// Thread-safe.
class ExperimentService {
 public:
  // Publishes the stored running experiments to `running` (open_status() says whether that
  // worked). Every reference must outlive the service.
  ExperimentService(store::Database& db, flags::FlagService& flags, RunningExperiments& running,
                    const core::Clock& clock,
                    ExperimentRepositories repositories = SqlExperimentRepositories());

  // The result of the publication at construction.
  const core::Status& open_status() const { return open_status_; }
  // Reads the running experiments from the store and publishes them. Serialized, so the last
  // publication reflects the latest committed state. A change is committed before it is
  // published: should that re-read fail, the previous index stays until the next publication
  // (the next change, or a kExperimentsChannel notification the server listens for).
  core::Status PublishRunning();

  // ---- Metric definitions (body as ParseMetricDefinition reads it) ----
  // kAlreadyExists when the name is taken.
  core::StatusOr<MetricDefinition> CreateMetric(const store::AuditActor& actor,
                                                const core::Json& body);
  // kNotFound when absent.
  core::StatusOr<MetricDefinition> GetMetric(const std::string& name);
  // By name; the cursor is the last name returned.
  core::StatusOr<store::Page<MetricDefinition>> ListMetrics(const store::PageRequest& page);
  // `name` in the body, when given, must match. kConflict when `expected_version` is stale, or
  // when more than the description changes while an experiment past draft uses the metric.
  core::StatusOr<MetricDefinition> ReplaceMetric(const store::AuditActor& actor,
                                                 const std::string& name, const core::Json& body,
                                                 std::optional<int64_t> expected_version);
  // kConflict when stale or used by an experiment (the message lists them).
  core::Status DeleteMetric(const store::AuditActor& actor, const std::string& name,
                            std::optional<int64_t> expected_version);

  // ---- Experiments (body as ParseExperiment reads it) ----
  // A draft. Invalid references are kInvalidArgument naming the field: "environment" (no such
  // environment), "feature" (no such feature, or fewer than two variants in the environment),
  // "controlVariant" (not one of them), "metrics[i].metric" (no such metric definition).
  // kAlreadyExists when the key is taken.
  core::StatusOr<Experiment> CreateExperiment(const store::AuditActor& actor,
                                              const core::Json& body);
  // kNotFound when absent.
  core::StatusOr<Experiment> GetExperiment(const std::string& key);
  // By key; the cursor is the last key returned.
  core::StatusOr<store::Page<Experiment>> ListExperiments(const store::PageRequest& page);
  // Replaces the experiment, within what its status allows (see the top of this file). `key`
  // in the body, when given, must match. kConflict when `expected_version` is stale.
  core::StatusOr<Experiment> ReplaceExperiment(const store::AuditActor& actor,
                                               const std::string& key, const core::Json& body,
                                               std::optional<int64_t> expected_version);
  // kConflict when stale or running.
  core::Status DeleteExperiment(const store::AuditActor& actor, const std::string& key,
                                std::optional<int64_t> expected_version);

  // draft -> running: checks the references again, records the feature's variants in the
  // environment as the arms (name and weight) and the start time. kConflict when not a draft,
  // or when another running experiment binds the feature in that environment.
  core::StatusOr<Experiment> Start(const store::AuditActor& actor, const std::string& key,
                                   std::optional<int64_t> expected_version);
  // running -> stopped, recording the stop time. kConflict when not running.
  core::StatusOr<Experiment> Stop(const store::AuditActor& actor, const std::string& key,
                                  std::optional<int64_t> expected_version);
  // running|stopped -> concluded with the decision (body as ParseConcludeRequest reads it);
  // a running experiment is stopped now. "ship" requires one of the arms ("variant") and
  // makes it the feature's only variant in the environment, weight 1000 (FlagService audits
  // that change), in the transaction that records the conclusion. kConflict when draft or
  // concluded, or when the variant is no longer one the feature assigns.
  core::StatusOr<Experiment> Conclude(const store::AuditActor& actor, const std::string& key,
                                      const core::Json& body,
                                      std::optional<int64_t> expected_version);

 private:
  // Validates `e`'s references against the store and the feature (see CreateExperiment).
  core::Status CheckReferences(store::Transaction& tx, const Experiment& e);
  // The feature's variants in the experiment's environment, or kInvalidArgument on "feature".
  core::StatusOr<std::vector<flags::Variant>> FeatureVariants(const Experiment& e);
  // Stores `next`, a change of `before` (conflict when the stored version is no longer
  // before's), with its audit entry; when `running_changed`, notifies kExperimentsChannel and
  // republishes the running experiments. With `ship`, the feature's change that makes that
  // variant the only one it assigns in the experiment's environment (ShipVariant) is made in
  // the same transaction (audited by the flag service), so the flag and the conclusion change
  // together or not at all.
  core::StatusOr<Experiment> Write(const store::AuditActor& actor, const std::string& action,
                                   const Experiment& before, const Experiment& next,
                                   bool running_changed,
                                   const std::optional<std::string>& ship = std::nullopt);
  // Stores `next` and its audit entry in `tx` (see Write); returns the stored experiment.
  core::StatusOr<Experiment> WriteIn(store::Transaction& tx, const store::AuditActor& actor,
                                     const std::string& action, const Experiment& before,
                                     const Experiment& next, bool running_changed);

  store::Database& db_;
  flags::FlagService& flags_;
  RunningExperiments& running_;
  const core::Clock& clock_;
  const ExperimentRepositories repos_;
  std::mutex publish_mu_;
  core::Status open_status_;
};

}  // namespace gov::experiments
