#include "controller/target_service.h"

#include <map>
#include <set>
#include <vector>

#include "controller/metric_ingest.h"
#include "controller/metric_source.h"
#include "store/audit_repository.h"

namespace gov::controller {

namespace {

constexpr const char* kResourcePrefix = "targets/";
constexpr int kConfigSyncAttempts = 3;

std::string CanonicalJson(const TargetSpec& spec) { return TargetSpecToJson(spec).dump(); }

core::Status ConfigOwned(const std::string& name) {
  return core::Conflict("target " + name +
                        " is defined in the config file (source \"config\"); change it there and "
                        "restart Governor");
}

core::Status AuditChange(store::AuditLog& audit, store::Transaction& tx, core::TimePoint now,
                         const store::AuditActor& actor, const std::string& action,
                         const std::string& name, std::optional<std::string> before,
                         std::optional<std::string> after) {
  return audit.Record(tx, actor, now, action, kResourcePrefix + name, std::move(before),
                      std::move(after));
}

}  // namespace

core::StatusOr<TargetSpec> ValidateTarget(const core::Json& json, const std::string& path,
                                          const HookValidator& validate_hook) {
  ASSIGN_OR_RETURN(TargetSpec spec, ParseTargetSpec(json, path));
  const std::string hook_path = core::JoinFieldPath(path, "hook");
  if (spec.hook.is_null()) {
    if (spec.mode == TargetMode::kActive) {
      return core::InvalidArgument(
          "is required in active mode: the decisions must reach the platform (use {\"pull\": "
          "{}} for platforms that poll GET /api/v1/targets/{name}/scale, or mode dryRun to "
          "only record decisions)",
          hook_path);
    }
  } else if (validate_hook) {
    RETURN_IF_ERROR(validate_hook(spec.hook, hook_path));
  }
  return spec;
}

std::vector<core::Status> ValidateConfigTargets(const core::Json& targets,
                                                const HookValidator& validate_hook,
                                                std::vector<TargetSpec>& specs) {
  std::vector<core::Status> problems;
  if (targets.is_null()) return problems;
  if (!targets.is_array()) {
    problems.push_back(core::InvalidArgument("expected a list of targets", "targets"));
    return problems;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::string path = core::IndexFieldPath("targets", i);
    auto spec = ValidateTarget(targets[i], path, validate_hook);
    if (!spec.ok()) problems.push_back(spec.status());
    // An invalid target's name still takes its place, so a repeat is reported as well.
    const core::Json& t = targets[i];
    std::string name;
    if (spec.ok()) {
      name = spec->name;
    } else if (t.is_object() && t.contains("name") && t["name"].is_string()) {
      name = t["name"].get<std::string>();
    }
    if (!name.empty() && !names.insert(name).second) {
      problems.push_back(core::InvalidArgument("duplicate target name " + name,
                                               core::JoinFieldPath(path, "name")));
    } else if (spec.ok()) {
      specs.push_back(std::move(spec).value());
    }
  }
  return problems;
}

TargetRepositories SqlTargetRepositories() {
  static store::SqlTargetStore targets;
  static store::SqlAuditLog audit;
  return TargetRepositories{targets, audit};
}

TargetService::TargetService(store::Database& db, const core::Clock& clock, PushMetricStore& push,
                             HookValidator validate_hook, TargetRepositories repositories)
    : db_(db),
      clock_(clock),
      push_(push),
      validate_hook_(std::move(validate_hook)),
      repos_(repositories) {}

core::Status TargetService::SyncConfigTargets(const core::Json& targets) {
  std::vector<TargetSpec> specs;
  // Checks the hooks again, though `serve` checked them when it loaded the file: a server can
  // be given a ServerConfig that LoadServerConfig never read (the in-process test servers).
  std::vector<core::Status> problems = ValidateConfigTargets(targets, validate_hook_, specs);
  if (!problems.empty()) return problems.front();
  // Several processes may start at once on one database: a lost insert race retries.
  core::Status s;
  for (int attempt = 0; attempt < kConfigSyncAttempts; ++attempt) {
    s = SyncConfigTargetsOnce(specs);
    if (s.code() != core::StatusCode::kAlreadyExists && s.code() != core::StatusCode::kConflict)
      return s;
  }
  return s;
}

core::Status TargetService::SyncConfigTargetsOnce(const std::vector<TargetSpec>& specs) {
  const store::AuditActor actor{"config", ""};
  const core::TimePoint now = clock_.Now();
  return store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto existing, repos_.targets.ListAll(tx));
        std::map<std::string, store::TargetRecord> by_name;
        for (auto& t : existing) by_name.emplace(t.name, std::move(t));
        bool changed = false;
        for (const TargetSpec& spec : specs) {
          const std::string json = CanonicalJson(spec);
          auto it = by_name.find(spec.name);
          if (it == by_name.end()) {
            store::TargetRecord t{spec.name, json, store::kTargetSourceConfig, 1, now, now};
            RETURN_IF_ERROR(repos_.targets.Insert(tx, t));
            RETURN_IF_ERROR(AuditChange(repos_.audit, tx, now, actor, "target.create", spec.name,
                                        std::nullopt, json));
            changed = true;
          } else if (it->second.spec_json != json ||
                     it->second.source != store::kTargetSourceConfig) {
            RETURN_IF_ERROR(repos_.targets
                                .Update(tx, spec.name, json, store::kTargetSourceConfig,
                                        it->second.version, now)
                                .status());
            RETURN_IF_ERROR(AuditChange(repos_.audit, tx, now, actor, "target.update", spec.name,
                                        it->second.spec_json, json));
            changed = true;
          }
          by_name.erase(spec.name);
        }
        for (const auto& [name, t] : by_name) {
          if (t.source != store::kTargetSourceConfig) continue;
          RETURN_IF_ERROR(repos_.targets.Delete(tx, name, t.version));
          RETURN_IF_ERROR(AuditChange(repos_.audit, tx, now, actor, "target.delete", name,
                                      t.spec_json, std::nullopt));
          changed = true;
        }
        if (!changed) return core::Status::Ok();
        return db_.Notify(tx, kTargetsChannel, "config");
      });
}

core::StatusOr<TargetDetails> TargetService::Details(store::Transaction& tx,
                                                     store::TargetRecord record) {
  TargetDetails out;
  ASSIGN_OR_RETURN(out.state, repos_.targets.FindState(tx, record.name));
  ASSIGN_OR_RETURN(out.last_decision, repos_.targets.LatestDecision(tx, record.name));
  out.record = std::move(record);
  return out;
}

core::StatusOr<TargetDetails> TargetService::Create(const store::AuditActor& actor,
                                                    const core::Json& body) {
  ASSIGN_OR_RETURN(TargetSpec spec, ValidateTarget(body, "", validate_hook_));
  const core::TimePoint now = clock_.Now();
  store::TargetRecord record{spec.name, CanonicalJson(spec), store::kTargetSourceApi, 1, now, now};
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(repos_.targets.Insert(tx, record));
        RETURN_IF_ERROR(AuditChange(repos_.audit, tx, now, actor, "target.create", spec.name,
                                    std::nullopt, record.spec_json));
        return db_.Notify(tx, kTargetsChannel, spec.name);
      }));
  return TargetDetails{record, std::nullopt, std::nullopt};
}

core::StatusOr<TargetDetails> TargetService::Replace(const store::AuditActor& actor,
                                                     const std::string& name,
                                                     const core::Json& body,
                                                     std::optional<int64_t> expected_version) {
  core::Json named = body;
  if (named.is_object()) {
    if (!named.contains("name")) named["name"] = name;
    if (named["name"] != core::Json(name)) {
      return core::InvalidArgument("must match the target in the URL (" + name + ")", "name");
    }
  }
  // Validated outside the transaction (it may read a hook's files), but reported inside it:
  // an unknown target's answer is 404 and a config target's 409, whatever the body says.
  core::StatusOr<TargetSpec> spec = ValidateTarget(named, "", validate_hook_);
  const core::TimePoint now = clock_.Now();
  TargetDetails out;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto before, repos_.targets.Get(tx, name));
        if (before.source == store::kTargetSourceConfig) return ConfigOwned(name);
        RETURN_IF_ERROR(spec.status());
        ASSIGN_OR_RETURN(auto after, repos_.targets.Update(
                                         tx, name, CanonicalJson(*spec), store::kTargetSourceApi,
                                         expected_version.value_or(before.version), now));
        RETURN_IF_ERROR(AuditChange(repos_.audit, tx, now, actor, "target.update", name,
                                    before.spec_json, after.spec_json));
        ASSIGN_OR_RETURN(out, Details(tx, std::move(after)));
        return db_.Notify(tx, kTargetsChannel, name);
      }));
  return out;
}

core::Status TargetService::Delete(const store::AuditActor& actor, const std::string& name,
                                   std::optional<int64_t> expected_version) {
  const core::TimePoint now = clock_.Now();
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto before, repos_.targets.Get(tx, name));
        if (before.source == store::kTargetSourceConfig) return ConfigOwned(name);
        RETURN_IF_ERROR(repos_.targets.Delete(tx, name, expected_version.value_or(before.version)));
        RETURN_IF_ERROR(AuditChange(repos_.audit, tx, now, actor, "target.delete", name,
                                    before.spec_json, std::nullopt));
        return db_.Notify(tx, kTargetsChannel, name);
      }));
  push_.Erase(name);
  return core::Status::Ok();
}

core::StatusOr<TargetDetails> TargetService::Get(const std::string& name) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  ASSIGN_OR_RETURN(auto record, repos_.targets.Get(*tx, name));
  return Details(*tx, std::move(record));
}

core::StatusOr<store::Page<TargetDetails>> TargetService::List(const store::PageRequest& page) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  ASSIGN_OR_RETURN(auto records, repos_.targets.List(*tx, page));
  store::Page<TargetDetails> out;
  out.next_cursor = records.next_cursor;
  for (auto& record : records.items) {
    ASSIGN_OR_RETURN(auto details, Details(*tx, std::move(record)));
    out.items.push_back(std::move(details));
  }
  return out;
}

core::StatusOr<store::Page<store::DecisionRecord>> TargetService::Decisions(
    const std::string& name, const store::PageRequest& page) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  RETURN_IF_ERROR(repos_.targets.Get(*tx, name).status());
  return repos_.targets.ListDecisions(*tx, name, page);
}

core::StatusOr<size_t> TargetService::PushMetrics(const std::string& name, const core::Json& body) {
  TargetSpec spec;
  {
    ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
    ASSIGN_OR_RETURN(auto record, repos_.targets.Get(*tx, name));
    ASSIGN_OR_RETURN(spec, ParseTargetSpec(ParseStoredJson(record.spec_json), ""));
  }
  const core::TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(std::vector<PushedSample> samples, ParsePushedSamples(spec, body, now));
  push_.Record(name, samples, PushWindow(spec), now);
  return samples.size();
}

core::StatusOr<ScaleView> TargetService::Scale(const std::string& name) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  ASSIGN_OR_RETURN(auto record, repos_.targets.Get(*tx, name));
  ASSIGN_OR_RETURN(auto state, repos_.targets.FindState(*tx, name));
  ASSIGN_OR_RETURN(TargetSpec spec, ParseTargetSpec(ParseStoredJson(record.spec_json), ""));
  if (spec.mode == TargetMode::kDryRun) {
    return core::Conflict("target " + name +
                          " is in dryRun mode: its decisions are recorded, not served for scaling");
  }
  if (!state) {
    return core::Unavailable("target " + name + " has no decision yet; retry after its first sync");
  }
  ScaleView view;
  view.target = name;
  view.desired_replicas = state->desired_replicas.value_or(state->replicas);
  view.state = std::move(*state);
  view.mode = spec.mode;
  return view;
}

}  // namespace gov::controller
