#include "controller/target_service.h"

#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "controller/metric_source.h"
#include "controller/target_state.h"
#include "core/time_format.h"
#include "store/audit_repository.h"

namespace gov::controller {

namespace {

constexpr const char* kResourcePrefix = "targets/";
constexpr size_t kMaxInstanceLength = 256;
constexpr int kConfigSyncAttempts = 3;

std::string CanonicalJson(const TargetSpec& spec) { return TargetSpecToJson(spec).dump(); }

core::Status ConfigOwned(const std::string& name) {
  return core::Conflict("target " + name +
                        " is defined in the config file (source \"config\"); change it there and "
                        "restart Governor");
}

core::Status AuditChange(store::Transaction& tx, core::TimePoint now, const ChangeContext& ctx,
                         const std::string& action, const std::string& name,
                         std::optional<std::string> before, std::optional<std::string> after) {
  return store::AuditRepository::Append(tx, {0, now, ctx.actor, action, kResourcePrefix + name,
                                             std::move(before), std::move(after), ctx.request_id})
      .status();
}

core::Json ParseStored(const std::string& text) {
  auto json = core::ParseJson(text);
  return json.ok() ? std::move(json).value() : core::Json(nullptr);
}

std::optional<core::TimePoint> ReadPushTime(core::FieldReader& r, core::TimePoint now) {
  const core::Json* t = r.Get("timestamp");
  if (t == nullptr) return now;
  std::optional<core::TimePoint> at;
  if (t->is_number()) {
    const double s = t->get<double>();
    if (std::isfinite(s) && s >= 0 && s <= 9e9) at = core::FromUnixSeconds(s);
  } else if (t->is_string()) {
    at = core::ParseRfc3339(t->get<std::string>());
  }
  if (!at) {
    r.Fail("timestamp", "expected Unix seconds or an RFC 3339 date-time");
    return std::nullopt;
  }
  if (*at > now + kMaxPushClockSkew) {
    r.Fail("timestamp", "is more than 60 s in the future (check the pusher's clock)");
    return std::nullopt;
  }
  return at;
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

TargetService::TargetService(store::Database& db, const core::Clock& clock, PushMetricStore& push,
                             HookValidator validate_hook)
    : db_(db), clock_(clock), push_(push), validate_hook_(std::move(validate_hook)) {}

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
  const ChangeContext ctx{"config", ""};
  const core::TimePoint now = clock_.Now();
  return store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto existing, store::TargetRepository::ListAll(tx));
        std::map<std::string, store::TargetRecord> by_name;
        for (auto& t : existing) by_name.emplace(t.name, std::move(t));
        bool changed = false;
        for (const TargetSpec& spec : specs) {
          const std::string json = CanonicalJson(spec);
          auto it = by_name.find(spec.name);
          if (it == by_name.end()) {
            store::TargetRecord t{spec.name, json, store::kTargetSourceConfig, 1, now, now};
            RETURN_IF_ERROR(store::TargetRepository::Insert(tx, t));
            RETURN_IF_ERROR(
                AuditChange(tx, now, ctx, "target.create", spec.name, std::nullopt, json));
            changed = true;
          } else if (it->second.spec_json != json ||
                     it->second.source != store::kTargetSourceConfig) {
            RETURN_IF_ERROR(store::TargetRepository::Update(tx, spec.name, json,
                                                            store::kTargetSourceConfig,
                                                            it->second.version, now)
                                .status());
            RETURN_IF_ERROR(
                AuditChange(tx, now, ctx, "target.update", spec.name, it->second.spec_json, json));
            changed = true;
          }
          by_name.erase(spec.name);
        }
        for (const auto& [name, t] : by_name) {
          if (t.source != store::kTargetSourceConfig) continue;
          RETURN_IF_ERROR(store::TargetRepository::Delete(tx, name, t.version));
          RETURN_IF_ERROR(
              AuditChange(tx, now, ctx, "target.delete", name, t.spec_json, std::nullopt));
          changed = true;
        }
        if (!changed) return core::Status::Ok();
        return db_.Notify(tx, kTargetsChannel, "config");
      });
}

core::StatusOr<TargetDetails> TargetService::Details(store::Transaction& tx,
                                                     store::TargetRecord record) {
  TargetDetails out;
  ASSIGN_OR_RETURN(out.state, store::TargetStateRepository::Find(tx, record.name));
  ASSIGN_OR_RETURN(out.last_decision, store::DecisionRepository::Latest(tx, record.name));
  out.record = std::move(record);
  return out;
}

core::StatusOr<TargetDetails> TargetService::Create(const ChangeContext& ctx,
                                                    const core::Json& body) {
  ASSIGN_OR_RETURN(TargetSpec spec, ValidateTarget(body, "", validate_hook_));
  const core::TimePoint now = clock_.Now();
  store::TargetRecord record{spec.name, CanonicalJson(spec), store::kTargetSourceApi, 1, now, now};
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(store::TargetRepository::Insert(tx, record));
        RETURN_IF_ERROR(
            AuditChange(tx, now, ctx, "target.create", spec.name, std::nullopt, record.spec_json));
        return db_.Notify(tx, kTargetsChannel, spec.name);
      }));
  return TargetDetails{record, std::nullopt, std::nullopt};
}

core::StatusOr<TargetDetails> TargetService::Replace(const ChangeContext& ctx,
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
        ASSIGN_OR_RETURN(auto before, store::TargetRepository::Get(tx, name));
        if (before.source == store::kTargetSourceConfig) return ConfigOwned(name);
        RETURN_IF_ERROR(spec.status());
        ASSIGN_OR_RETURN(auto after, store::TargetRepository::Update(
                                         tx, name, CanonicalJson(*spec), store::kTargetSourceApi,
                                         expected_version.value_or(before.version), now));
        RETURN_IF_ERROR(
            AuditChange(tx, now, ctx, "target.update", name, before.spec_json, after.spec_json));
        ASSIGN_OR_RETURN(out, Details(tx, std::move(after)));
        return db_.Notify(tx, kTargetsChannel, name);
      }));
  return out;
}

core::Status TargetService::Delete(const ChangeContext& ctx, const std::string& name,
                                   std::optional<int64_t> expected_version) {
  const core::TimePoint now = clock_.Now();
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto before, store::TargetRepository::Get(tx, name));
        if (before.source == store::kTargetSourceConfig) return ConfigOwned(name);
        RETURN_IF_ERROR(
            store::TargetRepository::Delete(tx, name, expected_version.value_or(before.version)));
        RETURN_IF_ERROR(
            AuditChange(tx, now, ctx, "target.delete", name, before.spec_json, std::nullopt));
        return db_.Notify(tx, kTargetsChannel, name);
      }));
  push_.Erase(name);
  return core::Status::Ok();
}

core::StatusOr<TargetDetails> TargetService::Get(const std::string& name) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  ASSIGN_OR_RETURN(auto record, store::TargetRepository::Get(*tx, name));
  return Details(*tx, std::move(record));
}

core::StatusOr<store::Page<TargetDetails>> TargetService::List(const store::PageRequest& page) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  ASSIGN_OR_RETURN(auto records, store::TargetRepository::List(*tx, page));
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
  RETURN_IF_ERROR(store::TargetRepository::Get(*tx, name).status());
  return store::DecisionRepository::List(*tx, name, page);
}

core::StatusOr<size_t> TargetService::PushMetrics(const std::string& name, const core::Json& body) {
  TargetSpec spec;
  {
    ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
    ASSIGN_OR_RETURN(auto record, store::TargetRepository::Get(*tx, name));
    ASSIGN_OR_RETURN(spec, ParseTargetSpec(ParseStored(record.spec_json), ""));
  }
  std::map<std::string, const MetricSpec*, std::less<>> metrics;
  for (const MetricSpec& m : spec.metrics) metrics[m.name] = &m;

  core::FieldReader r(body, "");
  r.RejectUnknown({"samples"});
  if (r.ok() && !r.Has("samples")) r.Fail("samples", "is required: [{\"metric\", \"value\"}]");
  const core::Json* samples = r.OptionalArray("samples");
  RETURN_IF_ERROR(r.status());
  if (samples->empty() || samples->size() > kMaxSamplesPerPush) {
    return core::InvalidArgument(
        "must hold 1 to " + std::to_string(kMaxSamplesPerPush) + " samples", "samples");
  }
  const core::TimePoint now = clock_.Now();
  std::vector<PushedSample> parsed;
  parsed.reserve(samples->size());
  for (size_t i = 0; i < samples->size(); ++i) {
    core::FieldReader s((*samples)[i], core::IndexFieldPath("samples", i));
    s.RejectUnknown({"metric", "value", "timestamp", "instance"});
    PushedSample sample;
    sample.metric = s.RequiredString("metric");
    if (s.ok()) {
      auto m = metrics.find(sample.metric);
      if (m == metrics.end()) {
        s.Fail("metric", "target " + name + " has no metric \"" + sample.metric + "\"");
      } else if (m->second->source.prometheus) {
        s.Fail("metric", "\"" + sample.metric + "\" is read from Prometheus, not pushed");
      }
    }
    if (s.ok()) {
      const core::Json* value = s.Get("value");
      if (value == nullptr || !value->is_number() || !std::isfinite(value->get<double>()) ||
          value->get<double>() < 0) {
        s.Fail("value", "must be a finite number >= 0");
      } else {
        sample.value = value->get<double>();
      }
    }
    if (s.ok()) {
      if (auto at = ReadPushTime(s, now)) sample.timestamp = *at;
    }
    if (s.ok()) {
      sample.instance = s.OptionalString("instance").value_or("");
      if (s.ok() && sample.instance.size() > kMaxInstanceLength) {
        s.Fail("instance", "must be at most 256 characters");
      }
    }
    RETURN_IF_ERROR(s.status());
    parsed.push_back(std::move(sample));
  }
  push_.Record(name, parsed, PushWindow(spec), now);
  return parsed.size();
}

core::StatusOr<ScaleView> TargetService::Scale(const std::string& name) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  ASSIGN_OR_RETURN(auto record, store::TargetRepository::Get(*tx, name));
  ASSIGN_OR_RETURN(auto state, store::TargetStateRepository::Find(*tx, name));
  ASSIGN_OR_RETURN(TargetSpec spec, ParseTargetSpec(ParseStored(record.spec_json), ""));
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

core::Json TargetDetailsToJson(const TargetDetails& d) {
  core::Json status = {{"replicas", nullptr},     {"desiredReplicas", nullptr},
                       {"lastSyncAt", nullptr},   {"epoch", nullptr},
                       {"lastDecision", nullptr}, {"conditions", core::Json::array()}};
  if (d.state) {
    status["replicas"] = d.state->replicas;
    status["desiredReplicas"] =
        d.state->desired_replicas ? core::Json(*d.state->desired_replicas) : core::Json(nullptr);
    status["lastSyncAt"] = core::FormatRfc3339(d.state->last_sync_at);
    status["epoch"] = d.state->epoch;
  }
  if (d.last_decision) {
    core::Json record = DecisionRecordToJson(*d.last_decision);
    status["conditions"] = ConditionsFromRecord(record);
    status["lastDecision"] = std::move(record);
  }
  return {{"name", d.record.name},
          {"source", d.record.source},
          {"version", d.record.version},
          {"createdAt", core::FormatRfc3339(d.record.created_at)},
          {"updatedAt", core::FormatRfc3339(d.record.updated_at)},
          {"spec", ParseStored(d.record.spec_json)},
          {"status", std::move(status)}};
}

core::Json DecisionRecordToJson(const store::DecisionRecord& d) {
  core::Json out = ParseStored(d.record_json);
  if (!out.is_object()) out = core::Json::object();
  out["id"] = d.id;
  out["epoch"] = d.epoch;
  out["actuation"]["status"] = d.actuation;
  out["actuation"]["error"] = d.error ? core::Json(*d.error) : core::Json(nullptr);
  return out;
}

core::Json ScaleViewToJson(const ScaleView& v) {
  return {{"target", v.target},
          {"desiredReplicas", v.desired_replicas},
          {"currentReplicas", v.state.replicas},
          {"decisionId", v.state.last_decision_id},
          {"decidedAt", core::FormatRfc3339(v.state.last_sync_at)},
          {"mode", std::string(TargetModeName(v.mode))}};
}

}  // namespace gov::controller
