// FlagService: import and export in the Unleash client-API format, and the --flags-file import.

#include <fstream>
#include <sstream>

#include "flags/features_json.h"
#include "flags/flag_service.h"
#include "flags/internal/flag_service_store.h"
#include "flags/internal/flag_writes.h"

namespace gov::flags {

core::StatusOr<core::Json> FlagService::Export(const std::string& environment) {
  std::optional<ClientFeatures> features;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(RequireEnvironment(repos_, tx, environment));
        ASSIGN_OR_RETURN(features, LoadClientFeatures(repos_, tx, environment));
        return core::Status::Ok();
      }));
  return ToJson(*features);
}

core::StatusOr<ImportResult> FlagService::Import(const store::AuditActor& author,
                                                 const std::string& environment,
                                                 const core::Json& body) {
  return ImportInto(author, environment, body);
}

core::StatusOr<ImportResult> FlagService::ImportEverywhere(const store::AuditActor& author,
                                                           const core::Json& body) {
  return ImportInto(author, std::nullopt, body);
}

core::StatusOr<ImportResult> FlagService::ImportInto(const store::AuditActor& author,
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
      RETURN_IF_ERROR(RequireEnvironment(repos_, tx, *environment));
      result.environments = {*environment};
    } else {
      ASSIGN_OR_RETURN(auto all, repos_.environments.List(tx));
      for (const auto& env : all) result.environments.push_back(env.name);
    }
    const core::TimePoint now = clock_.Now();
    for (const Segment& s : file.segments) {
      const std::string name = s.name.value_or("segment-" + std::to_string(s.id));
      const std::string definition = ToJson(s).dump();
      auto existing = repos_.flags.GetSegment(tx, s.id);
      if (existing.status().code() == core::StatusCode::kNotFound) {
        RETURN_IF_ERROR(
            repos_.flags.InsertSegment(tx, {s.id, name, definition, 1, now, now}).status());
      } else {
        RETURN_IF_ERROR(existing.status());
        ASSIGN_OR_RETURN(AdminSegment current, DecodeSegment(*existing));
        if (current.segment == s || (current.segment.name == name && !s.name &&
                                     current.segment.constraints == s.constraints)) {
          continue;
        }
        RETURN_IF_ERROR(
            repos_.flags.UpdateSegment(tx, s.id, name, definition, std::nullopt, now).status());
      }
      result.changed_segments.push_back(s.id);
      touched.all = true;
    }
    for (const Feature& f : file.features) {
      auto loaded = LoadAdminFeature(repos_, tx, f.name);
      if (!loaded.ok() && loaded.status().code() != core::StatusCode::kNotFound)
        return loaded.status();
      const AdminFeature* before = loaded.ok() ? &*loaded : nullptr;
      AdminFeature next = before ? *before : AdminFeature{};
      AdminFeature imported = FromClientFeature(f, "");
      next.definition = imported.definition;
      for (const auto& env : result.environments) {
        next.environments[env] = imported.environments.at("");
      }
      RETURN_IF_ERROR(CheckStrategyGuard(tx, f.name, before, next));
      ASSIGN_OR_RETURN(bool changed, WriteFeature(repos_, tx, next, before, now,
                                                  touched.environments, touched.all));
      if (changed) result.changed_features.push_back(f.name);
    }
    if (result.changed_features.empty() && result.changed_segments.empty())
      return core::Status::Ok();
    const core::Json summary{{"environments", result.environments},
                             {"features", result.changed_features},
                             {"segments", result.changed_segments}};
    return repos_.audit.Record(tx, author, now, "flags.import",
                               "environments/" + (environment ? *environment : std::string("*")),
                               std::nullopt, summary.dump());
  }));
  return result;
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
