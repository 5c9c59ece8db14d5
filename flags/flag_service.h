#pragma once

// The write side of feature flags: the admin operations on features and segments, and
// import/export in the Unleash client-API format. Every change validates its input (errors
// name the field), writes an audit entry, bumps the revision of each environment it affects
// and NOTIFYs kFlagsChannel in the same transaction, then republishes those environments.
// Features live in flag_service.cc, segments in flag_service_segments.cc, import/export in
// flag_service_import.cc.

#include <atomic>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "flags/feature_list.h"
#include "flags/flag_service_model.h"
#include "flags/flag_service_repositories.h"
#include "flags/snapshot_publisher.h"
#include "store/audit_repository.h"
#include "store/database.h"

namespace gov::flags {

struct ImportResult {
  std::vector<std::string> environments;
  std::vector<std::string> changed_features;  // created or changed by the import
  std::vector<int64_t> changed_segments;
};

// Consulted inside the transaction of every direct change of a feature's strategies in an
// environment (SetStrategies, ReplaceFeature, PatchFeature, Import, and DeleteFeature, which
// removes them all): an error refuses the
// change and is returned (kConflict for a strategy another service manages). Implemented
// above this module (release plans), registered by the composition root.
class StrategyGuard {
 public:
  virtual ~StrategyGuard() = default;
  virtual core::Status CheckStrategies(store::Transaction& tx, const std::string& feature,
                                       const std::string& environment,
                                       const std::vector<Strategy>& before,
                                       const std::vector<Strategy>& after) = 0;
};

// Thread-safe.
class FlagService {
 public:
  FlagService(store::Database& db, SnapshotPublisher& publisher, const core::Clock& clock,
              FlagRepositories repositories = SqlFlagRepositories())
      : db_(db), publisher_(publisher), clock_(clock), repos_(repositories) {}

  core::StatusOr<std::vector<AdminFeature>> ListFeatures();
  // The features `query` selects, by name; only those are read in full.
  core::StatusOr<store::Page<AdminFeature>> ListFeatures(const FeatureListQuery& query);
  // kNotFound when absent.
  core::StatusOr<AdminFeature> GetFeature(const std::string& name);
  // Body as ParseAdminFeature reads it. kAlreadyExists for a taken name.
  core::StatusOr<AdminFeature> CreateFeature(const store::AuditActor& author,
                                             const core::Json& body);
  // Replaces the whole feature; environments the body leaves out become disabled with no
  // strategies. kConflict when `expected_version` is set and stale.
  core::StatusOr<AdminFeature> ReplaceFeature(const store::AuditActor& author,
                                              const std::string& name, const core::Json& body,
                                              std::optional<int64_t> expected_version);
  // Applies a JSON merge patch (RFC 7396) to the admin JSON of the feature, then replaces.
  core::StatusOr<AdminFeature> PatchFeature(const store::AuditActor& author,
                                            const std::string& name, const core::Json& patch,
                                            std::optional<int64_t> expected_version);
  // kConflict when other features depend on it (the message lists them).
  core::Status DeleteFeature(const store::AuditActor& author, const std::string& name,
                             std::optional<int64_t> expected_version);
  // Turns the feature on or off in `environment`.
  core::StatusOr<AdminFeature> SetEnabled(const store::AuditActor& author, const std::string& name,
                                          const std::string& environment, bool enabled,
                                          std::optional<int64_t> expected_version);
  // The caller's own writes, made in the transaction of a flag change (see SetEnabledWithin).
  using AlsoWrite = std::function<core::Status(store::Transaction&)>;
  // SetEnabled (same audit entry, revision bump and republish) with `also` run in the same
  // transaction, after the feature is read and before it is written: an error from `also`
  // rolls the whole change back and is returned. For services whose own state must change
  // exactly when the flag does (scheduled changes).
  core::StatusOr<AdminFeature> SetEnabledWithin(const store::AuditActor& author,
                                                const std::string& name,
                                                const std::string& environment, bool enabled,
                                                const AlsoWrite& also);
  // Edits the feature's strategies in `environment` in the transaction of the flag change:
  // `edit` gets the transaction and the current strategies, makes its own writes and changes
  // the list; an error from it rolls everything back and is returned. The same audit entry
  // ("flag.strategies"), revision bump and republish as SetStrategies, but the strategy guard
  // is not consulted: for the service that owns the guarded strategies (release plans).
  using StrategiesEdit =
      std::function<core::Status(store::Transaction&, std::vector<Strategy>& strategies)>;
  core::StatusOr<AdminFeature> EditStrategiesWithin(const store::AuditActor& author,
                                                    const std::string& name,
                                                    const std::string& environment,
                                                    const StrategiesEdit& edit);
  // Edits the feature's state in `environment` (on/off, strategies, variants) in the
  // transaction of the flag change: `edit` gets the transaction and the state, makes its own
  // writes and changes the state; an error from it rolls everything back and is returned.
  // Audited as `action`, with the revision bump and republish of any change; the strategies'
  // segments are checked and the strategy guard is consulted. For services whose own state
  // must change exactly when the flag does (shipping an experiment's variant).
  using EnvironmentEdit = std::function<core::Status(store::Transaction&, EnvironmentState&)>;
  core::StatusOr<AdminFeature> EditEnvironmentWithin(const store::AuditActor& author,
                                                     const std::string& name,
                                                     const std::string& environment,
                                                     const std::string& action,
                                                     const EnvironmentEdit& edit);
  // Body {"strategies": [...]}: the feature's strategies in `environment`.
  core::StatusOr<AdminFeature> SetStrategies(const store::AuditActor& author,
                                             const std::string& name,
                                             const std::string& environment, const core::Json& body,
                                             std::optional<int64_t> expected_version);
  // Body {"variants": [...]}: the feature's variants in `environment`.
  core::StatusOr<AdminFeature> SetVariants(const store::AuditActor& author, const std::string& name,
                                           const std::string& environment, const core::Json& body,
                                           std::optional<int64_t> expected_version);

  core::StatusOr<std::vector<AdminSegment>> ListSegments();
  core::StatusOr<AdminSegment> GetSegment(int64_t id);
  // Body {"name", "constraints"}; the id is assigned.
  core::StatusOr<AdminSegment> CreateSegment(const store::AuditActor& author,
                                             const core::Json& body);
  core::StatusOr<AdminSegment> ReplaceSegment(const store::AuditActor& author, int64_t id,
                                              const core::Json& body,
                                              std::optional<int64_t> expected_version);
  // kConflict when a strategy uses it; the message lists "feature (environment)" pairs.
  core::Status DeleteSegment(const store::AuditActor& author, int64_t id,
                             std::optional<int64_t> expected_version);

  // Imports {"version", "features", "segments"} (strictly parsed and validated; errors name
  // the field, e.g. "features[0].strategies[1].constraints[0].operator") into `environment`:
  // listed features take the file's definition and state there, listed segments (by id) its
  // constraints; everything else is kept. Unchanged items are not rewritten.
  // Registers the guard of direct strategy changes (null: none). Call before serving; the
  // guard must outlive the service.
  void SetStrategyGuard(StrategyGuard* guard) { guard_.store(guard); }

  core::StatusOr<ImportResult> Import(const store::AuditActor& author,
                                      const std::string& environment, const core::Json& body);
  // The same import into every existing environment, in one transaction.
  core::StatusOr<ImportResult> ImportEverywhere(const store::AuditActor& author,
                                                const core::Json& body);
  // `environment`'s flags in the client-API format (disabled strategies and sortOrder kept,
  // so the export imports back unchanged).
  core::StatusOr<core::Json> Export(const std::string& environment);

 private:
  // Environments a change touched; `all` for changes visible in every environment.
  struct Touched {
    std::set<std::string> environments;
    bool all = false;
  };
  using Change = std::function<core::Status(store::Transaction&, Touched&)>;
  // Runs `change`, bumps and notifies every touched environment, commits, republishes.
  core::Status Apply(const Change& change);
  core::StatusOr<AdminFeature> Update(
      const store::AuditActor& author, const std::string& name,
      std::optional<int64_t> expected_version, const std::string& action,
      const std::function<core::Status(store::Transaction&, AdminFeature&)>& edit,
      bool guarded = true);
  // The strategy guard's verdict on every environment whose strategies differ between
  // `before` and `after` of feature `name`.
  core::Status CheckStrategyGuard(store::Transaction& tx, const std::string& name,
                                  const AdminFeature* before, const AdminFeature& after);
  core::StatusOr<ImportResult> ImportInto(const store::AuditActor& author,
                                          std::optional<std::string> environment,
                                          const core::Json& body);

  store::Database& db_;
  SnapshotPublisher& publisher_;
  const core::Clock& clock_;
  const FlagRepositories repos_;
  std::atomic<StrategyGuard*> guard_{nullptr};
};

// Reads a JSON file in the import format and imports it into every environment. Error
// messages read "flags file PATH: FIELD: problem" (the field is also set), ready to print.
core::Status ImportFlagsFile(FlagService& service, const std::string& path);

}  // namespace gov::flags
