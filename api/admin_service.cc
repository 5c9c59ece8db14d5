#include "api/admin_service.h"

#include <re2/re2.h>

#include "core/crypto.h"
#include "core/time_format.h"

namespace gov::api {

namespace {

constexpr const char* kTokensChannel = "gov_tokens";

std::string NewId() { return RandomHex(12); }

// Unleash-style secret: "<type>:<environment>.<random>", e.g. "client:development.9f2c…".
std::string NewSecret(store::TokenType type, const std::optional<std::string>& env) {
  return std::string(store::TokenTypeName(type)) + ":" + env.value_or("*") + "." + RandomHex(28);
}

}  // namespace

void WriteTokenJson(JsonWriter& w, const store::TokenRecord& t) {
  auto time_or_null = [&w](const std::optional<TimePoint>& v) {
    if (v) {
      w.String(FormatRfc3339(*v));
    } else {
      w.Null();
    }
  };
  w.BeginObject();
  w.Key("id").String(t.id);
  w.Key("name").String(t.name);
  w.Key("type").String(store::TokenTypeName(t.type));
  w.Key("environment").String(t.environment ? *t.environment : "*");
  w.Key("createdAt").String(FormatRfc3339(t.created_at));
  w.Key("expiresAt");
  time_or_null(t.expires_at);
  w.Key("revokedAt");
  time_or_null(t.revoked_at);
  w.Key("version").Int(t.version);
  w.EndObject();
}

Json TokenToJson(const store::TokenRecord& t) {
  std::string s;
  JsonWriter w(s);
  WriteTokenJson(w, t);
  return Json::parse(s);
}

Json AuditEntryToJson(const store::AuditEntry& e) {
  auto parse = [](const std::optional<std::string>& s) -> Json {
    if (!s) return nullptr;
    auto j = ParseJson(*s);
    return j.ok() ? *j : Json(*s);
  };
  return Json{{"seq", e.seq},
              {"at", FormatRfc3339(e.at)},
              {"actor", e.actor},
              {"action", e.action},
              {"resource", e.resource},
              {"before", parse(e.before_json)},
              {"after", parse(e.after_json)},
              {"requestId", e.request_id}};
}

StatusOr<CreatedToken> AdminService::CreateToken(const AuditContext& ctx, const Json& body) {
  FieldReader r(body, "");
  r.RejectUnknown({"type", "name", "environment", "expiresAt"});
  const std::string type_name = r.RequiredString("type");
  const std::string name = r.RequiredString("name");
  auto environment = r.OptionalString("environment");
  auto expires = r.OptionalString("expiresAt");
  RETURN_IF_ERROR(r.status());
  auto type = store::ParseTokenType(type_name);
  if (!type) return InvalidArgument("expected admin, client or frontend", "type");
  if (name.empty() || name.size() > 200) {
    return InvalidArgument("must be 1 to 200 characters", "name");
  }
  store::TokenRecord t;
  t.id = NewId();
  t.name = name;
  t.type = *type;
  t.created_at = clock_.Now();
  if (*type == store::TokenType::kAdmin) {
    if (environment && *environment != "*") {
      return InvalidArgument("admin tokens cover every environment; omit it or use \"*\"",
                             "environment");
    }
  } else {
    if (environment && *environment == "*") {
      return InvalidArgument("client and frontend tokens belong to one environment",
                             "environment");
    }
    t.environment = environment.value_or("development");
  }
  if (expires) {
    auto when = ParseRfc3339(*expires);
    if (!when) return InvalidArgument("expected an RFC 3339 date-time", "expiresAt");
    if (*when <= t.created_at) return InvalidArgument("must be in the future", "expiresAt");
    t.expires_at = *when;
  }
  const std::string secret = NewSecret(t.type, t.environment);
  t.secret_hash = Sha256Hex(secret);

  RETURN_IF_ERROR(store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> Status {
    if (t.environment) {
      ASSIGN_OR_RETURN(bool exists, store::EnvironmentRepository::Exists(tx, *t.environment));
      if (!exists) return InvalidArgument("no such environment", "environment");
    }
    RETURN_IF_ERROR(store::TokenRepository::Insert(tx, t));
    RETURN_IF_ERROR(store::AuditRepository::Append(
                        tx, {0, t.created_at, ctx.actor, "token.create", "tokens/" + t.id,
                             std::nullopt, TokenToJson(t).dump(), ctx.request_id})
                        .status());
    return db_.Notify(tx, kTokensChannel, t.id);
  }));
  auth_.Put(t);
  return CreatedToken{t, secret};
}

StatusOr<store::Page<store::TokenRecord>> AdminService::ListTokens(const store::PageRequest& page) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  return store::TokenRepository::List(*tx, page);
}

StatusOr<store::TokenRecord> AdminService::RevokeToken(const AuditContext& ctx,
                                                       const std::string& id,
                                                       std::optional<int64_t> expected_version) {
  store::TokenRecord revoked;
  RETURN_IF_ERROR(store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(auto before, store::TokenRepository::Get(tx, id));
    if (before.revoked_at) return NotFound("token " + id + " is already revoked");
    ASSIGN_OR_RETURN(revoked, store::TokenRepository::Revoke(
                                  tx, id, expected_version.value_or(before.version), clock_.Now()));
    RETURN_IF_ERROR(store::AuditRepository::Append(
                        tx, {0, clock_.Now(), ctx.actor, "token.revoke", "tokens/" + id,
                             TokenToJson(before).dump(), TokenToJson(revoked).dump(),
                             ctx.request_id})
                        .status());
    return db_.Notify(tx, kTokensChannel, id);
  }));
  auth_.Remove(revoked.secret_hash);
  return revoked;
}

StatusOr<std::vector<store::EnvironmentRecord>> AdminService::ListEnvironments() {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  return store::EnvironmentRepository::List(*tx);
}

StatusOr<store::EnvironmentRecord> AdminService::CreateEnvironment(const AuditContext& ctx,
                                                                   const Json& body) {
  FieldReader r(body, "");
  r.RejectUnknown({"name"});
  const std::string name = r.RequiredString("name");
  RETURN_IF_ERROR(r.status());
  static const re2::RE2 kName("[a-z0-9][a-z0-9_-]{0,62}");
  if (!re2::RE2::FullMatch(name, kName)) {
    return InvalidArgument("expected 1-63 characters of a-z, 0-9, '_' or '-'", "name");
  }
  store::EnvironmentRecord env{name, clock_.Now(), 1};
  RETURN_IF_ERROR(store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> Status {
    Status s = store::EnvironmentRepository::Insert(tx, env);
    if (s.code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("environment " + name + " already exists");
    }
    RETURN_IF_ERROR(s);
    const Json after{{"name", name}, {"createdAt", FormatRfc3339(env.created_at)}};
    return store::AuditRepository::Append(tx, {0, env.created_at, ctx.actor,
                                               "environment.create", "environments/" + name,
                                               std::nullopt, after.dump(), ctx.request_id})
        .status();
  }));
  return env;
}

StatusOr<store::Page<store::AuditEntry>> AdminService::ListAudit(const store::PageRequest& page,
                                                                 const std::string& prefix) {
  ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kReadOnly));
  return store::AuditRepository::List(*tx, page, prefix);
}

StatusOr<std::string> AdminService::EnsureAdminToken(const std::string& configured_secret) {
  std::string generated;
  store::TokenRecord created;
  bool inserted = false;
  RETURN_IF_ERROR(store::WithTransaction(db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> Status {
    std::string secret = configured_secret;
    std::string name = "configured-admin";
    if (secret.empty()) {
      ASSIGN_OR_RETURN(int64_t admins, store::TokenRepository::CountActiveAdmins(tx));
      if (admins > 0) return Status::Ok();
      secret = NewSecret(store::TokenType::kAdmin, std::nullopt);
      generated = secret;
      name = "bootstrap-admin";
    } else {
      ASSIGN_OR_RETURN(auto existing, store::TokenRepository::FindBySecretHash(tx, Sha256Hex(secret)));
      if (existing && !existing->revoked_at) return Status::Ok();
      if (existing) return FailedPrecondition("the configured admin token was revoked; configure a new one");
    }
    created.id = NewId();
    created.name = name;
    created.type = store::TokenType::kAdmin;
    created.secret_hash = Sha256Hex(secret);
    created.created_at = clock_.Now();
    RETURN_IF_ERROR(store::TokenRepository::Insert(tx, created));
    inserted = true;
    return store::AuditRepository::Append(tx, {0, created.created_at, "governor", "token.create",
                                               "tokens/" + created.id, std::nullopt,
                                               TokenToJson(created).dump(), ""})
        .status();
  }));
  if (inserted) auth_.Put(created);
  return generated;
}

}  // namespace gov::api
