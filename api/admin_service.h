#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/authenticator.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/json_writer.h"
#include "store/audit_repository.h"
#include "store/database.h"
#include "store/environment_repository.h"
#include "store/token_repository.h"

namespace gov::api {

struct CreatedToken {
  store::TokenRecord token;
  std::string secret;  // shown once, never stored
};

// Token JSON as the API shows it (never the secret or its hash).
void WriteTokenJson(core::JsonWriter& w, const store::TokenRecord& t);
core::Json TokenToJson(const store::TokenRecord& t);
core::Json AuditEntryToJson(const store::AuditEntry& e);

// The repositories AdminService reads and writes, in its own transactions. Built by the
// composition root (app::GovernorServer); tests substitute their own.
struct AdminRepositories {
  store::TokenStore& tokens;
  store::EnvironmentStore& environments;
  store::AuditLog& audit;
};
// The SQL implementations (stateless, shared by every service), for tests and tools that build
// an AdminService on a database of their own.
AdminRepositories SqlAdminRepositories();

// Tokens, environments and the audit log. Every mutation writes its audit entry in the
// same transaction as the change. Thread-safe.
class AdminService {
 public:
  AdminService(store::Database& db, Authenticator& auth, const core::Clock& clock,
               AdminRepositories repositories = SqlAdminRepositories())
      : db_(db), auth_(auth), clock_(clock), repos_(repositories) {}

  // Body of POST /api/v1/tokens: {"type", "name", "environment"?, "expiresAt"?}.
  core::StatusOr<CreatedToken> CreateToken(const store::AuditActor& actor, const core::Json& body);
  core::StatusOr<store::Page<store::TokenRecord>> ListTokens(const store::PageRequest& page);
  // Revokes with immediate effect. `expected_version` (from If-Match) guards against races.
  core::StatusOr<store::TokenRecord> RevokeToken(const store::AuditActor& actor,
                                                 const std::string& id,
                                                 std::optional<int64_t> expected_version);

  core::StatusOr<std::vector<store::EnvironmentRecord>> ListEnvironments();
  // Body of POST /api/v1/environments: {"name"}.
  core::StatusOr<store::EnvironmentRecord> CreateEnvironment(const store::AuditActor& actor,
                                                             const core::Json& body);

  core::StatusOr<store::Page<store::AuditEntry>> ListAudit(const store::PageRequest& page,
                                                           const std::string& resource_prefix);

  // Makes sure an admin can log in. With `configured_secret`, that secret becomes an admin
  // token (idempotently). Otherwise, when no active admin token exists, one is generated and
  // its secret returned (print it once). Returns "" when nothing new was generated.
  core::StatusOr<std::string> EnsureAdminToken(const std::string& configured_secret);

 private:
  store::Database& db_;
  Authenticator& auth_;
  const core::Clock& clock_;
  const AdminRepositories repos_;
};

}  // namespace gov::api
