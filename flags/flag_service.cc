#include "flags/flag_service.h"

#include "flags/internal/flag_service_store.h"
#include "flags/internal/flag_writes.h"

namespace gov::flags {

namespace {

std::optional<std::string> FeatureAuditJson(const AdminFeature* f) {
  if (f == nullptr) return std::nullopt;
  return AdminFeatureToJson(*f).dump();
}

// Every segment the strategies reference exists; `path` is where the strategies list sits.
core::Status CheckSegments(const FlagRepositories& repos, store::Transaction& tx,
                           const std::vector<Strategy>& strategies, const std::string& path) {
  for (size_t j = 0; j < strategies.size(); ++j) {
    const auto& ids = strategies[j].segments;
    for (size_t k = 0; k < ids.size(); ++k) {
      auto segment = repos.flags.GetSegment(tx, ids[k]);
      if (segment.status().code() == core::StatusCode::kNotFound) {
        return core::InvalidArgument(
            "unknown segment id " + std::to_string(ids[k]),
            core::IndexFieldPath(core::JoinFieldPath(core::IndexFieldPath(path, j), "segments"),
                                 k));
      }
      RETURN_IF_ERROR(segment.status());
    }
  }
  return core::Status::Ok();
}

// Environments, segments and parent features that `f` names all exist.
core::Status CheckReferences(const FlagRepositories& repos, store::Transaction& tx,
                             const AdminFeature& f) {
  for (const auto& [env, state] : f.environments) {
    const std::string path = core::JoinFieldPath("environments", env);
    ASSIGN_OR_RETURN(bool exists, repos.environments.Exists(tx, env));
    if (!exists) return core::InvalidArgument("no such environment", path);
    RETURN_IF_ERROR(
        CheckSegments(repos, tx, state.strategies, core::JoinFieldPath(path, "strategies")));
  }
  const auto& deps = f.definition.dependencies;
  for (size_t i = 0; i < deps.size(); ++i) {
    auto parent = repos.flags.GetFeature(tx, deps[i].feature);
    if (parent.status().code() == core::StatusCode::kNotFound) {
      return core::InvalidArgument(
          "unknown feature \"" + deps[i].feature + "\"",
          core::JoinFieldPath(core::IndexFieldPath("dependencies", i), "feature"));
    }
    RETURN_IF_ERROR(parent.status());
  }
  return core::Status::Ok();
}

core::StatusOr<AdminFeature> ParseReplacement(const core::Json& body, const std::string& name) {
  core::Json named = body;
  if (named.is_object() && (!named.contains("name") || named["name"].is_null())) {
    named["name"] = name;
  }
  ASSIGN_OR_RETURN(AdminFeature parsed, ParseAdminFeature(named));
  if (parsed.definition.name != name) {
    return core::InvalidArgument("must match the feature name in the path (\"" + name + "\")",
                                 "name");
  }
  return parsed;
}

}  // namespace

core::Status FlagService::Apply(const Change& change) {
  std::set<std::string> environments;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        Touched touched;
        RETURN_IF_ERROR(change(tx, touched));
        environments = std::move(touched.environments);
        if (touched.all) {
          ASSIGN_OR_RETURN(auto all, repos_.environments.List(tx));
          for (const auto& env : all) environments.insert(env.name);
        }
        for (const auto& env : environments) {
          RETURN_IF_ERROR(repos_.flags.BumpRevision(tx, env).status());
          RETURN_IF_ERROR(db_.Notify(tx, kFlagsChannel, env));
        }
        return core::Status::Ok();
      }));
  // The change is committed; a failed reload here is repaired by the periodic check.
  for (const auto& env : environments) (void)publisher_.Reload(env);
  return core::Status::Ok();
}

core::StatusOr<std::vector<AdminFeature>> FlagService::ListFeatures() {
  std::vector<AdminFeature> out;
  RETURN_IF_ERROR(store::WithTransaction(db_, store::TxMode::kReadOnly,
                                         [&](store::Transaction& tx) -> core::Status {
                                           ASSIGN_OR_RETURN(out, LoadAdminFeatures(repos_, tx));
                                           return core::Status::Ok();
                                         }));
  return out;
}

core::StatusOr<store::Page<AdminFeature>> FlagService::ListFeatures(const FeatureListQuery& query) {
  store::Page<AdminFeature> out;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(out, LoadAdminFeaturePage(repos_, tx, query));
        return core::Status::Ok();
      }));
  return out;
}

core::StatusOr<AdminFeature> FlagService::GetFeature(const std::string& name) {
  std::optional<AdminFeature> out;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(out, LoadAdminFeature(repos_, tx, name));
        return core::Status::Ok();
      }));
  return std::move(*out);
}

core::StatusOr<AdminFeature> FlagService::CreateFeature(const store::AuditActor& author,
                                                        const core::Json& body) {
  ASSIGN_OR_RETURN(AdminFeature next, ParseAdminFeature(body));
  const std::string name = next.definition.name;
  std::optional<AdminFeature> created;
  RETURN_IF_ERROR(Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    RETURN_IF_ERROR(CheckReferences(repos_, tx, next));
    const core::TimePoint now = clock_.Now();
    RETURN_IF_ERROR(
        WriteFeature(repos_, tx, next, nullptr, now, touched.environments, touched.all).status());
    ASSIGN_OR_RETURN(created, LoadAdminFeature(repos_, tx, name));
    return repos_.audit.Record(tx, author, now, "flag.create", "flags/" + name, std::nullopt,
                               FeatureAuditJson(&*created));
  }));
  return std::move(*created);
}

core::StatusOr<AdminFeature> FlagService::Update(
    const store::AuditActor& author, const std::string& name,
    std::optional<int64_t> expected_version, const std::string& action,
    const std::function<core::Status(store::Transaction&, AdminFeature&)>& edit, bool guarded) {
  std::optional<AdminFeature> after;
  RETURN_IF_ERROR(Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    ASSIGN_OR_RETURN(AdminFeature before, LoadAdminFeature(repos_, tx, name));
    if (expected_version && *expected_version != before.version) {
      return core::Conflict("feature " + name + " is at version " + std::to_string(before.version) +
                            ", not " + std::to_string(*expected_version));
    }
    AdminFeature next = before;
    RETURN_IF_ERROR(edit(tx, next));
    if (guarded) RETURN_IF_ERROR(CheckStrategyGuard(tx, name, &before, next));
    const core::TimePoint now = clock_.Now();
    ASSIGN_OR_RETURN(bool changed, WriteFeature(repos_, tx, next, &before, now,
                                                touched.environments, touched.all));
    ASSIGN_OR_RETURN(after, LoadAdminFeature(repos_, tx, name));
    if (!changed) return core::Status::Ok();
    return repos_.audit.Record(tx, author, now, action, "flags/" + name, FeatureAuditJson(&before),
                               FeatureAuditJson(&*after));
  }));
  return std::move(*after);
}

core::StatusOr<AdminFeature> FlagService::ReplaceFeature(const store::AuditActor& author,
                                                         const std::string& name,
                                                         const core::Json& body,
                                                         std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(AdminFeature replacement, ParseReplacement(body, name));
  return Update(author, name, expected_version, "flag.update",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(CheckReferences(repos_, tx, replacement));
                  next.definition = replacement.definition;
                  next.environments = replacement.environments;
                  return core::Status::Ok();
                });
}

core::StatusOr<AdminFeature> FlagService::PatchFeature(const store::AuditActor& author,
                                                       const std::string& name,
                                                       const core::Json& patch,
                                                       std::optional<int64_t> expected_version) {
  if (!patch.is_object())
    return core::InvalidArgument("expected a JSON merge patch object", "body");
  return Update(author, name, expected_version, "flag.update",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  core::Json merged = AdminFeatureToJson(next);
                  for (const char* key : {"version", "createdAt", "updatedAt"}) merged.erase(key);
                  merged.merge_patch(patch);
                  ASSIGN_OR_RETURN(AdminFeature patched, ParseReplacement(merged, name));
                  RETURN_IF_ERROR(CheckReferences(repos_, tx, patched));
                  next.definition = patched.definition;
                  next.environments = patched.environments;
                  return core::Status::Ok();
                });
}

core::Status FlagService::DeleteFeature(const store::AuditActor& author, const std::string& name,
                                        std::optional<int64_t> expected_version) {
  return Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    ASSIGN_OR_RETURN(auto features, LoadAdminFeatures(repos_, tx));
    const AdminFeature* before = nullptr;
    std::string children;
    for (const auto& f : features) {
      if (f.definition.name == name) before = &f;
      for (const auto& d : f.definition.dependencies) {
        if (d.feature == name) children += (children.empty() ? "" : ", ") + f.definition.name;
      }
    }
    if (before == nullptr) return core::NotFound("feature " + name + " not found");
    if (!children.empty()) {
      return core::Conflict("feature " + name + " is a dependency of: " + children);
    }
    // Deleting removes every environment's strategies: the guard sees them go.
    AdminFeature gone = *before;
    gone.environments.clear();
    RETURN_IF_ERROR(CheckStrategyGuard(tx, name, before, gone));
    RETURN_IF_ERROR(repos_.flags.DeleteFeature(tx, name, expected_version));
    touched.all = true;
    return repos_.audit.Record(tx, author, clock_.Now(), "flag.delete", "flags/" + name,
                               FeatureAuditJson(before), std::nullopt);
  });
}

core::StatusOr<AdminFeature> FlagService::SetEnabled(const store::AuditActor& author,
                                                     const std::string& name,
                                                     const std::string& environment, bool enabled,
                                                     std::optional<int64_t> expected_version) {
  return Update(author, name, expected_version, enabled ? "flag.enable" : "flag.disable",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(RequireEnvironment(repos_, tx, environment));
                  next.environments[environment].enabled = enabled;
                  return core::Status::Ok();
                });
}

core::StatusOr<AdminFeature> FlagService::SetEnabledWithin(const store::AuditActor& author,
                                                           const std::string& name,
                                                           const std::string& environment,
                                                           bool enabled, const AlsoWrite& also) {
  return Update(author, name, std::nullopt, enabled ? "flag.enable" : "flag.disable",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(RequireEnvironment(repos_, tx, environment));
                  RETURN_IF_ERROR(also(tx));
                  next.environments[environment].enabled = enabled;
                  return core::Status::Ok();
                });
}

core::StatusOr<AdminFeature> FlagService::EditStrategiesWithin(const store::AuditActor& author,
                                                               const std::string& name,
                                                               const std::string& environment,
                                                               const StrategiesEdit& edit) {
  return Update(
      author, name, std::nullopt, "flag.strategies",
      [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
        RETURN_IF_ERROR(RequireEnvironment(repos_, tx, environment));
        std::vector<Strategy> strategies = next.environments[environment].strategies;
        RETURN_IF_ERROR(edit(tx, strategies));
        RETURN_IF_ERROR(CheckSegments(repos_, tx, strategies, "strategies"));
        next.environments[environment].strategies = std::move(strategies);
        return core::Status::Ok();
      },
      /*guarded=*/false);
}

core::StatusOr<AdminFeature> FlagService::EditEnvironmentWithin(const store::AuditActor& author,
                                                                const std::string& name,
                                                                const std::string& environment,
                                                                const std::string& action,
                                                                const EnvironmentEdit& edit) {
  return Update(author, name, std::nullopt, action,
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(RequireEnvironment(repos_, tx, environment));
                  EnvironmentState& state = next.environments[environment];
                  RETURN_IF_ERROR(edit(tx, state));
                  return CheckSegments(repos_, tx, state.strategies, "strategies");
                });
}

core::Status FlagService::CheckStrategyGuard(store::Transaction& tx, const std::string& name,
                                             const AdminFeature* before,
                                             const AdminFeature& after) {
  StrategyGuard* guard = guard_.load();
  if (guard == nullptr) return core::Status::Ok();
  static const std::vector<Strategy> kNone;
  std::set<std::string> environments;
  if (before != nullptr) {
    for (const auto& [env, state] : before->environments) environments.insert(env);
  }
  for (const auto& [env, state] : after.environments) environments.insert(env);
  for (const auto& env : environments) {
    const std::vector<Strategy>* old_strategies = &kNone;
    if (before != nullptr) {
      auto it = before->environments.find(env);
      if (it != before->environments.end()) old_strategies = &it->second.strategies;
    }
    auto it = after.environments.find(env);
    const std::vector<Strategy>& new_strategies =
        it == after.environments.end() ? kNone : it->second.strategies;
    if (*old_strategies == new_strategies) continue;
    RETURN_IF_ERROR(guard->CheckStrategies(tx, name, env, *old_strategies, new_strategies));
  }
  return core::Status::Ok();
}

core::StatusOr<AdminFeature> FlagService::SetStrategies(const store::AuditActor& author,
                                                        const std::string& name,
                                                        const std::string& environment,
                                                        const core::Json& body,
                                                        std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(auto strategies, ParseStrategiesBody(body));
  return Update(author, name, expected_version, "flag.strategies",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(RequireEnvironment(repos_, tx, environment));
                  RETURN_IF_ERROR(CheckSegments(repos_, tx, strategies, "strategies"));
                  next.environments[environment].strategies = strategies;
                  return core::Status::Ok();
                });
}

core::StatusOr<AdminFeature> FlagService::SetVariants(const store::AuditActor& author,
                                                      const std::string& name,
                                                      const std::string& environment,
                                                      const core::Json& body,
                                                      std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(auto variants, ParseVariantsBody(body));
  return Update(author, name, expected_version, "flag.variants",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(RequireEnvironment(repos_, tx, environment));
                  next.environments[environment].variants = variants;
                  return core::Status::Ok();
                });
}

}  // namespace gov::flags
