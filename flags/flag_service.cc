#include "flags/flag_service.h"

#include <fstream>
#include <sstream>

#include "flags/features_json.h"
#include "flags/flag_service_store.h"
#include "store/audit_repository.h"
#include "store/environment_repository.h"
#include "store/flag_repository.h"

namespace gov::flags {

namespace {

core::Status Audit(store::Transaction& tx, const ChangeAuthor& author, core::TimePoint now,
                   const std::string& action, const std::string& resource,
                   std::optional<std::string> before, std::optional<std::string> after) {
  return store::AuditRepository::Append(
             tx, {0, now, author.actor, action, resource, std::move(before), std::move(after),
                  author.request_id})
      .status();
}

std::optional<std::string> FeatureAuditJson(const AdminFeature* f) {
  if (f == nullptr) return std::nullopt;
  return AdminFeatureToJson(*f).dump();
}

core::Status RequireEnvironment(store::Transaction& tx, const std::string& environment) {
  ASSIGN_OR_RETURN(bool exists, store::EnvironmentRepository::Exists(tx, environment));
  if (!exists) return core::NotFound("environment " + environment + " not found");
  return core::Status::Ok();
}

// Every segment the strategies reference exists; `path` is where the strategies list sits.
core::Status CheckSegments(store::Transaction& tx, const std::vector<Strategy>& strategies,
                           const std::string& path) {
  for (size_t j = 0; j < strategies.size(); ++j) {
    const auto& ids = strategies[j].segments;
    for (size_t k = 0; k < ids.size(); ++k) {
      auto segment = store::FlagRepository::GetSegment(tx, ids[k]);
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
core::Status CheckReferences(store::Transaction& tx, const AdminFeature& f) {
  for (const auto& [env, state] : f.environments) {
    const std::string path = core::JoinFieldPath("environments", env);
    ASSIGN_OR_RETURN(bool exists, store::EnvironmentRepository::Exists(tx, env));
    if (!exists) return core::InvalidArgument("no such environment", path);
    RETURN_IF_ERROR(CheckSegments(tx, state.strategies, core::JoinFieldPath(path, "strategies")));
  }
  const auto& deps = f.definition.dependencies;
  for (size_t i = 0; i < deps.size(); ++i) {
    auto parent = store::FlagRepository::GetFeature(tx, deps[i].feature);
    if (parent.status().code() == core::StatusCode::kNotFound) {
      return core::InvalidArgument(
          "unknown feature \"" + deps[i].feature + "\"",
          core::JoinFieldPath(core::IndexFieldPath("dependencies", i), "feature"));
    }
    RETURN_IF_ERROR(parent.status());
  }
  return core::Status::Ok();
}

// Writes `next` over `before` (nullptr: a new feature). Returns whether anything changed,
// and adds the environments whose client view changed to `touched`.
core::StatusOr<bool> WriteFeature(store::Transaction& tx, const AdminFeature& next,
                                  const AdminFeature* before, core::TimePoint now,
                                  std::set<std::string>& touched, bool& all) {
  const std::string& name = next.definition.name;
  const std::string definition = DefinitionToJson(next.definition).dump();
  auto state_of = [](const AdminFeature& f, const std::string& env) {
    auto it = f.environments.find(env);
    return it == f.environments.end() ? EnvironmentState{} : it->second;
  };
  if (before == nullptr) {
    RETURN_IF_ERROR(store::FlagRepository::InsertFeature(
        tx, {name, next.definition.project, definition, 1, now, now}));
    for (const auto& [env, state] : next.environments) {
      RETURN_IF_ERROR(
          store::FlagRepository::PutFeatureEnvironment(tx, EncodeState(name, env, state)));
    }
    all = true;
    return true;
  }
  const bool definition_changed = DefinitionToJson(before->definition).dump() != definition;
  std::set<std::string> environments;
  for (const auto& [env, state] : before->environments) environments.insert(env);
  for (const auto& [env, state] : next.environments) environments.insert(env);
  std::vector<std::string> changed;
  for (const auto& env : environments) {
    if (!(state_of(*before, env) == state_of(next, env))) changed.push_back(env);
  }
  if (!definition_changed && changed.empty()) return false;
  RETURN_IF_ERROR(store::FlagRepository::UpdateFeature(tx, name, next.definition.project,
                                                       definition, before->version, now)
                      .status());
  for (const auto& env : changed) {
    RETURN_IF_ERROR(store::FlagRepository::PutFeatureEnvironment(
        tx, EncodeState(name, env, state_of(next, env))));
  }
  if (definition_changed) all = true;
  touched.insert(changed.begin(), changed.end());
  return true;
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
          ASSIGN_OR_RETURN(auto all, store::EnvironmentRepository::List(tx));
          for (const auto& env : all) environments.insert(env.name);
        }
        for (const auto& env : environments) {
          RETURN_IF_ERROR(store::FlagRepository::BumpRevision(tx, env).status());
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
                                           ASSIGN_OR_RETURN(out, LoadAdminFeatures(tx));
                                           return core::Status::Ok();
                                         }));
  return out;
}

core::StatusOr<AdminFeature> FlagService::GetFeature(const std::string& name) {
  std::optional<AdminFeature> out;
  RETURN_IF_ERROR(store::WithTransaction(db_, store::TxMode::kReadOnly,
                                         [&](store::Transaction& tx) -> core::Status {
                                           ASSIGN_OR_RETURN(out, LoadAdminFeature(tx, name));
                                           return core::Status::Ok();
                                         }));
  return std::move(*out);
}

core::StatusOr<AdminFeature> FlagService::CreateFeature(const ChangeAuthor& author,
                                                        const core::Json& body) {
  ASSIGN_OR_RETURN(AdminFeature next, ParseAdminFeature(body));
  const std::string name = next.definition.name;
  std::optional<AdminFeature> created;
  RETURN_IF_ERROR(Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    RETURN_IF_ERROR(CheckReferences(tx, next));
    const core::TimePoint now = clock_.Now();
    RETURN_IF_ERROR(
        WriteFeature(tx, next, nullptr, now, touched.environments, touched.all).status());
    ASSIGN_OR_RETURN(created, LoadAdminFeature(tx, name));
    return Audit(tx, author, now, "flag.create", "flags/" + name, std::nullopt,
                 FeatureAuditJson(&*created));
  }));
  return std::move(*created);
}

core::StatusOr<AdminFeature> FlagService::Update(
    const ChangeAuthor& author, const std::string& name, std::optional<int64_t> expected_version,
    const std::string& action,
    const std::function<core::Status(store::Transaction&, AdminFeature&)>& edit) {
  std::optional<AdminFeature> after;
  RETURN_IF_ERROR(Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    ASSIGN_OR_RETURN(AdminFeature before, LoadAdminFeature(tx, name));
    if (expected_version && *expected_version != before.version) {
      return core::Conflict("feature " + name + " is at version " + std::to_string(before.version) +
                            ", not " + std::to_string(*expected_version));
    }
    AdminFeature next = before;
    RETURN_IF_ERROR(edit(tx, next));
    const core::TimePoint now = clock_.Now();
    ASSIGN_OR_RETURN(bool changed,
                     WriteFeature(tx, next, &before, now, touched.environments, touched.all));
    ASSIGN_OR_RETURN(after, LoadAdminFeature(tx, name));
    if (!changed) return core::Status::Ok();
    return Audit(tx, author, now, action, "flags/" + name, FeatureAuditJson(&before),
                 FeatureAuditJson(&*after));
  }));
  return std::move(*after);
}

core::StatusOr<AdminFeature> FlagService::ReplaceFeature(const ChangeAuthor& author,
                                                         const std::string& name,
                                                         const core::Json& body,
                                                         std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(AdminFeature replacement, ParseReplacement(body, name));
  return Update(author, name, expected_version, "flag.update",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(CheckReferences(tx, replacement));
                  next.definition = replacement.definition;
                  next.environments = replacement.environments;
                  return core::Status::Ok();
                });
}

core::StatusOr<AdminFeature> FlagService::PatchFeature(const ChangeAuthor& author,
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
                  RETURN_IF_ERROR(CheckReferences(tx, patched));
                  next.definition = patched.definition;
                  next.environments = patched.environments;
                  return core::Status::Ok();
                });
}

core::Status FlagService::DeleteFeature(const ChangeAuthor& author, const std::string& name,
                                        std::optional<int64_t> expected_version) {
  return Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    ASSIGN_OR_RETURN(auto features, LoadAdminFeatures(tx));
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
    RETURN_IF_ERROR(store::FlagRepository::DeleteFeature(tx, name, expected_version));
    touched.all = true;
    return Audit(tx, author, clock_.Now(), "flag.delete", "flags/" + name, FeatureAuditJson(before),
                 std::nullopt);
  });
}

core::StatusOr<AdminFeature> FlagService::SetEnabled(const ChangeAuthor& author,
                                                     const std::string& name,
                                                     const std::string& environment, bool enabled,
                                                     std::optional<int64_t> expected_version) {
  return Update(author, name, expected_version, enabled ? "flag.enable" : "flag.disable",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(RequireEnvironment(tx, environment));
                  next.environments[environment].enabled = enabled;
                  return core::Status::Ok();
                });
}

core::StatusOr<AdminFeature> FlagService::SetStrategies(const ChangeAuthor& author,
                                                        const std::string& name,
                                                        const std::string& environment,
                                                        const core::Json& body,
                                                        std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(auto strategies, ParseStrategiesBody(body));
  return Update(author, name, expected_version, "flag.strategies",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(RequireEnvironment(tx, environment));
                  RETURN_IF_ERROR(CheckSegments(tx, strategies, "strategies"));
                  next.environments[environment].strategies = strategies;
                  return core::Status::Ok();
                });
}

core::StatusOr<AdminFeature> FlagService::SetVariants(const ChangeAuthor& author,
                                                      const std::string& name,
                                                      const std::string& environment,
                                                      const core::Json& body,
                                                      std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(auto variants, ParseVariantsBody(body));
  return Update(author, name, expected_version, "flag.variants",
                [&](store::Transaction& tx, AdminFeature& next) -> core::Status {
                  RETURN_IF_ERROR(RequireEnvironment(tx, environment));
                  next.environments[environment].variants = variants;
                  return core::Status::Ok();
                });
}

core::StatusOr<core::Json> FlagService::Export(const std::string& environment) {
  std::optional<ClientFeatures> features;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(RequireEnvironment(tx, environment));
        ASSIGN_OR_RETURN(features, LoadClientFeatures(tx, environment));
        return core::Status::Ok();
      }));
  return ToJson(*features);
}

core::StatusOr<ImportResult> FlagService::Import(const ChangeAuthor& author,
                                                 const std::string& environment,
                                                 const core::Json& body) {
  return ImportInto(author, environment, body);
}

core::StatusOr<ImportResult> FlagService::ImportEverywhere(const ChangeAuthor& author,
                                                           const core::Json& body) {
  return ImportInto(author, std::nullopt, body);
}

core::StatusOr<ImportResult> FlagService::ImportInto(const ChangeAuthor& author,
                                                     std::optional<std::string> environment,
                                                     const core::Json& body) {
  ASSIGN_OR_RETURN(ClientFeatures file, ParseClientFeatures(body, {.strict = true}));
  for (size_t i = 0; i < file.features.size(); ++i) {
    RETURN_IF_ERROR(ValidateFeatureName(
        file.features[i].name, core::JoinFieldPath(core::IndexFieldPath("features", i), "name")));
  }
  ImportResult result;
  RETURN_IF_ERROR(Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    result = {};
    if (environment) {
      RETURN_IF_ERROR(RequireEnvironment(tx, *environment));
      result.environments = {*environment};
    } else {
      ASSIGN_OR_RETURN(auto all, store::EnvironmentRepository::List(tx));
      for (const auto& env : all) result.environments.push_back(env.name);
    }
    const core::TimePoint now = clock_.Now();
    for (const Segment& s : file.segments) {
      const std::string name = s.name.value_or("segment-" + std::to_string(s.id));
      const std::string definition = ToJson(s).dump();
      auto existing = store::FlagRepository::GetSegment(tx, s.id);
      if (existing.status().code() == core::StatusCode::kNotFound) {
        RETURN_IF_ERROR(
            store::FlagRepository::InsertSegment(tx, {s.id, name, definition, 1, now, now})
                .status());
      } else {
        RETURN_IF_ERROR(existing.status());
        ASSIGN_OR_RETURN(AdminSegment current, DecodeSegment(*existing));
        if (current.segment == s || (current.segment.name == name && !s.name &&
                                     current.segment.constraints == s.constraints)) {
          continue;
        }
        RETURN_IF_ERROR(
            store::FlagRepository::UpdateSegment(tx, s.id, name, definition, std::nullopt, now)
                .status());
      }
      result.changed_segments.push_back(s.id);
      touched.all = true;
    }
    for (const Feature& f : file.features) {
      auto loaded = LoadAdminFeature(tx, f.name);
      if (!loaded.ok() && loaded.status().code() != core::StatusCode::kNotFound)
        return loaded.status();
      const AdminFeature* before = loaded.ok() ? &*loaded : nullptr;
      AdminFeature next = before ? *before : AdminFeature{};
      AdminFeature imported = FromClientFeature(f, "");
      next.definition = imported.definition;
      for (const auto& env : result.environments) {
        next.environments[env] = imported.environments.at("");
      }
      ASSIGN_OR_RETURN(bool changed,
                       WriteFeature(tx, next, before, now, touched.environments, touched.all));
      if (changed) result.changed_features.push_back(f.name);
    }
    if (result.changed_features.empty() && result.changed_segments.empty())
      return core::Status::Ok();
    const core::Json summary{{"environments", result.environments},
                             {"features", result.changed_features},
                             {"segments", result.changed_segments}};
    return Audit(tx, author, now, "flags.import",
                 "environments/" + (environment ? *environment : std::string("*")), std::nullopt,
                 summary.dump());
  }));
  return result;
}

core::StatusOr<std::vector<AdminSegment>> FlagService::ListSegments() {
  std::vector<AdminSegment> out;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto records, store::FlagRepository::ListSegments(tx));
        for (const auto& r : records) {
          ASSIGN_OR_RETURN(auto segment, DecodeSegment(r));
          out.push_back(std::move(segment));
        }
        return core::Status::Ok();
      }));
  return out;
}

core::StatusOr<AdminSegment> FlagService::GetSegment(int64_t id) {
  std::optional<AdminSegment> out;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto record, store::FlagRepository::GetSegment(tx, id));
        ASSIGN_OR_RETURN(out, DecodeSegment(record));
        return core::Status::Ok();
      }));
  return std::move(*out);
}

core::StatusOr<AdminSegment> FlagService::CreateSegment(const ChangeAuthor& author,
                                                        const core::Json& body) {
  ASSIGN_OR_RETURN(Segment segment, ParseSegmentBody(body, 0));
  std::optional<AdminSegment> created;
  RETURN_IF_ERROR(Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    const core::TimePoint now = clock_.Now();
    ASSIGN_OR_RETURN(int64_t id, store::FlagRepository::InsertSegment(
                                     tx, {0, *segment.name, ToJson(segment).dump(), 1, now, now}));
    ASSIGN_OR_RETURN(auto record, store::FlagRepository::GetSegment(tx, id));
    ASSIGN_OR_RETURN(created, DecodeSegment(record));
    touched.all = true;
    return Audit(tx, author, now, "segment.create", "segments/" + std::to_string(id), std::nullopt,
                 AdminSegmentToJson(*created).dump());
  }));
  return std::move(*created);
}

core::StatusOr<AdminSegment> FlagService::ReplaceSegment(const ChangeAuthor& author, int64_t id,
                                                         const core::Json& body,
                                                         std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(Segment segment, ParseSegmentBody(body, id));
  std::optional<AdminSegment> after;
  RETURN_IF_ERROR(Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    ASSIGN_OR_RETURN(auto before_record, store::FlagRepository::GetSegment(tx, id));
    ASSIGN_OR_RETURN(AdminSegment before, DecodeSegment(before_record));
    const core::TimePoint now = clock_.Now();
    ASSIGN_OR_RETURN(auto record,
                     store::FlagRepository::UpdateSegment(
                         tx, id, *segment.name, ToJson(segment).dump(), expected_version, now));
    ASSIGN_OR_RETURN(after, DecodeSegment(record));
    touched.all = true;
    return Audit(tx, author, now, "segment.update", "segments/" + std::to_string(id),
                 AdminSegmentToJson(before).dump(), AdminSegmentToJson(*after).dump());
  }));
  return std::move(*after);
}

core::Status FlagService::DeleteSegment(const ChangeAuthor& author, int64_t id,
                                        std::optional<int64_t> expected_version) {
  return Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    ASSIGN_OR_RETURN(auto record, store::FlagRepository::GetSegment(tx, id));
    ASSIGN_OR_RETURN(AdminSegment before, DecodeSegment(record));
    ASSIGN_OR_RETURN(auto states, store::FlagRepository::ListAllEnvironmentStates(tx));
    std::string users;
    for (const auto& s : states) {
      ASSIGN_OR_RETURN(EnvironmentState state, DecodeState(s));
      for (const auto& strategy : state.strategies) {
        if (std::find(strategy.segments.begin(), strategy.segments.end(), id) !=
            strategy.segments.end()) {
          users += (users.empty() ? "" : ", ") + s.feature + " (" + s.environment + ")";
          break;
        }
      }
    }
    if (!users.empty()) {
      return core::Conflict("segment " + std::to_string(id) + " is in use by: " + users);
    }
    RETURN_IF_ERROR(store::FlagRepository::DeleteSegment(tx, id, expected_version));
    touched.all = true;
    return Audit(tx, author, clock_.Now(), "segment.delete", "segments/" + std::to_string(id),
                 AdminSegmentToJson(before).dump(), std::nullopt);
  });
}

core::Status ImportFlagsFile(FlagService& service, const std::string& path) {
  auto fail = [&path](const core::Status& s) {
    const std::string where = s.field().empty() ? "" : s.field() + ": ";
    return core::Status(s.code(), "flags file " + path + ": " + where + s.message(), s.field());
  };
  std::ifstream in(path);
  if (!in) return fail(core::InvalidArgument("cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  auto json = core::ParseJson(text.str());
  if (!json.ok()) return fail(json.status());
  auto imported = service.ImportEverywhere({"flags-file", ""}, *json);
  if (!imported.ok()) return fail(imported.status());
  return core::Status::Ok();
}

}  // namespace gov::flags
