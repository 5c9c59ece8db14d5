#include "api/admin_service.h"

#include <re2/re2.h>

#include "core/crypto.h"
#include "core/time_format.h"

namespace gov::api {

namespace {

constexpr const char* kTokensChannel = "gov_tokens";

std::string NewId() { return core::RandomHex(12); }

// Unleash-style secret: "<type>:<environment>.<random>", e.g. "client:development.9f2c…".
std::string NewSecret(store::TokenType type, const std::optional<std::string>& env) {
  return std::string(store::TokenTypeName(type)) + ":" + env.value_or("*") + "." +
         core::RandomHex(28);
}

}  // namespace

AdminRepositories SqlAdminRepositories() {
  static store::SqlTokenStore tokens;
  static store::SqlEnvironmentStore environments;
  static store::SqlAuditLog audit;
  return AdminRepositories{tokens, environments, audit};
}

void WriteTokenJson(core::JsonWriter& w, const store::TokenRecord& t) {
  auto time_or_null = [&w](const std::optional<core::TimePoint>& v) {
    if (v) {
      w.String(core::FormatRfc3339(*v));
    } else {
      w.Null();
    }
  };
  w.BeginObject();
  w.Key("id").String(t.id);
  w.Key("name").String(t.name);
  w.Key("type").String(store::TokenTypeName(t.type));
  w.Key("environment").String(t.environment ? *t.environment : "*");
  w.Key("createdAt").String(core::FormatRfc3339(t.created_at));
  w.Key("expiresAt");
  time_or_null(t.expires_at);
  w.Key("revokedAt");
  time_or_null(t.revoked_at);
  w.Key("version").Int(t.version);
  w.EndObject();
}

core::Json TokenToJson(const store::TokenRecord& t) {
  std::string s;
  core::JsonWriter w(s);
  WriteTokenJson(w, t);
  return core::Json::parse(s);
}

core::Json AuditEntryToJson(const store::AuditEntry& e) {
  auto parse = [](const std::optional<std::string>& s) -> core::Json {
    if (!s) return nullptr;
    auto j = core::ParseJson(*s);
    return j.ok() ? *j : core::Json(*s);
  };
  return core::Json{{"seq", e.seq},
                    {"at", core::FormatRfc3339(e.at)},
                    {"actor", e.actor},
                    {"action", e.action},
                    {"resource", e.resource},
                    {"before", parse(e.before_json)},
                    {"after", parse(e.after_json)},
                    {"requestId", e.request_id}};
}

core::StatusOr<CreatedToken> AdminService::CreateToken(const store::AuditActor& actor,
                                                       const core::Json& body) {
  core::FieldReader r(body, "");
  r.RejectUnknown({"type", "name", "environment", "expiresAt"});
  const std::string type_name = r.RequiredString("type");
  const std::string name = r.RequiredString("name");
  auto environment = r.OptionalString("environment");
  auto expires = r.OptionalString("expiresAt");
  RETURN_IF_ERROR(r.status());
  auto type = store::ParseTokenType(type_name);
  if (!type) return core::InvalidArgument("expected admin, client, frontend or viewer", "type");
  if (name.empty() || name.size() > 200) {
    return core::InvalidArgument("must be 1 to 200 characters", "name");
  }
  store::TokenRecord t;
  t.id = NewId();
  t.name = name;
  t.type = *type;
  t.created_at = clock_.Now();
  if (*type == store::TokenType::kAdmin || *type == store::TokenType::kViewer) {
    if (environment && *environment != "*") {
      return core::InvalidArgument(std::string(store::TokenTypeName(*type)) +
                                       " tokens cover every environment; omit it or use \"*\"",
                                   "environment");
    }
  } else {
    if (environment && *environment == "*") {
      return core::InvalidArgument("client and frontend tokens belong to one environment",
                                   "environment");
    }
    t.environment = environment.value_or("development");
  }
  if (expires) {
    auto when = core::ParseRfc3339(*expires);
    if (!when) return core::InvalidArgument("expected an RFC 3339 date-time", "expiresAt");
    if (*when <= t.created_at) return core::InvalidArgument("must be in the future", "expiresAt");
    t.expires_at = *when;
  }
  const std::string secret = NewSecret(t.type, t.environment);
  t.secret_hash = core::Sha256Hex(secret);

  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        if (t.environment) {
          ASSIGN_OR_RETURN(bool exists, repos_.environments.Exists(tx, *t.environment));
          if (!exists) return core::InvalidArgument("no such environment", "environment");
        }
        RETURN_IF_ERROR(repos_.tokens.Insert(tx, t));
        RETURN_IF_ERROR(repos_.audit.Record(tx, actor, t.created_at, "token.create",
                                            "tokens/" + t.id, std::nullopt, TokenToJson(t).dump()));
        return db_.Notify(tx, kTokensChannel, t.id);
      }));
  auth_.Put(t);
  return CreatedToken{t, secret};
}

core::StatusOr<store::Page<store::TokenRecord>> AdminService::ListTokens(
    const store::PageRequest& page) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  return repos_.tokens.List(*tx, page);
}

core::StatusOr<store::TokenRecord> AdminService::RevokeToken(
    const store::AuditActor& actor, const std::string& id,
    std::optional<int64_t> expected_version) {
  store::TokenRecord revoked;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto before, repos_.tokens.Get(tx, id));
        if (before.revoked_at) return core::NotFound("token " + id + " is already revoked");
        ASSIGN_OR_RETURN(
            revoked,
            repos_.tokens.Revoke(tx, id, expected_version.value_or(before.version), clock_.Now()));
        RETURN_IF_ERROR(repos_.audit.Record(tx, actor, clock_.Now(), "token.revoke", "tokens/" + id,
                                            TokenToJson(before).dump(),
                                            TokenToJson(revoked).dump()));
        return db_.Notify(tx, kTokensChannel, id);
      }));
  auth_.Remove(revoked.secret_hash);
  return revoked;
}

core::StatusOr<std::vector<store::EnvironmentRecord>> AdminService::ListEnvironments() {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  return repos_.environments.List(*tx);
}

core::StatusOr<store::EnvironmentRecord> AdminService::CreateEnvironment(
    const store::AuditActor& actor, const core::Json& body) {
  core::FieldReader r(body, "");
  r.RejectUnknown({"name"});
  const std::string name = r.RequiredString("name");
  RETURN_IF_ERROR(r.status());
  static const re2::RE2 kName("[a-z0-9][a-z0-9_-]{0,62}");
  if (!re2::RE2::FullMatch(name, kName)) {
    return core::InvalidArgument("expected 1-63 characters of a-z, 0-9, '_' or '-'", "name");
  }
  store::EnvironmentRecord env{name, clock_.Now(), 1};
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        core::Status s = repos_.environments.Insert(tx, env);
        if (s.code() == core::StatusCode::kAlreadyExists) {
          return core::AlreadyExists("environment " + name + " already exists");
        }
        RETURN_IF_ERROR(s);
        const core::Json after{{"name", name}, {"createdAt", core::FormatRfc3339(env.created_at)}};
        return repos_.audit.Record(tx, actor, env.created_at, "environment.create",
                                   "environments/" + name, std::nullopt, after.dump());
      }));
  return env;
}

core::StatusOr<store::Page<store::AuditEntry>> AdminService::ListAudit(
    const store::PageRequest& page, const std::string& prefix) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  return repos_.audit.List(*tx, page, prefix);
}

core::StatusOr<std::string> AdminService::EnsureAdminToken(const std::string& configured_secret) {
  std::string generated;
  store::TokenRecord created;
  bool inserted = false;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        std::string secret = configured_secret;
        std::string name = "configured-admin";
        if (secret.empty()) {
          ASSIGN_OR_RETURN(int64_t admins, repos_.tokens.CountActiveAdmins(tx));
          if (admins > 0) return core::Status::Ok();
          secret = NewSecret(store::TokenType::kAdmin, std::nullopt);
          generated = secret;
          name = "bootstrap-admin";
        } else {
          ASSIGN_OR_RETURN(auto existing,
                           repos_.tokens.FindBySecretHash(tx, core::Sha256Hex(secret)));
          if (existing && !existing->revoked_at) return core::Status::Ok();
          if (existing)
            return core::FailedPrecondition(
                "the configured admin token was revoked; configure a new one");
        }
        created.id = NewId();
        created.name = name;
        created.type = store::TokenType::kAdmin;
        created.secret_hash = core::Sha256Hex(secret);
        created.created_at = clock_.Now();
        RETURN_IF_ERROR(repos_.tokens.Insert(tx, created));
        inserted = true;
        return repos_.audit.Record(tx, {"governor", ""}, created.created_at, "token.create",
                                   "tokens/" + created.id, std::nullopt,
                                   TokenToJson(created).dump());
      }));
  if (inserted) auth_.Put(created);
  return generated;
}

}  // namespace gov::api
