#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"
#include "store/page.h"

namespace gov::store {

// kViewer: every environment like kAdmin, but read-only (the router lets it call admin routes
// with GET only).
enum class TokenType { kAdmin, kClient, kFrontend, kViewer };
std::string_view TokenTypeName(TokenType t);
std::optional<TokenType> ParseTokenType(std::string_view s);

// An API token. Only the SHA-256 of the secret is ever stored.
struct TokenRecord {
  std::string id;
  std::string name;
  TokenType type = TokenType::kClient;
  std::optional<std::string> environment;  // unset for admin and viewer tokens (all environments)
  std::string secret_hash;
  core::TimePoint created_at;
  std::optional<core::TimePoint> expires_at;
  std::optional<core::TimePoint> revoked_at;
  int64_t version = 1;
};

// Tokens, in one transaction at a time.
class TokenRepository {
 public:
  // Inserts `token` (version 1). kAlreadyExists for a duplicate id or secret hash.
  static core::Status Insert(Transaction& tx, const TokenRecord& token);
  // kNotFound when absent.
  static core::StatusOr<TokenRecord> Get(Transaction& tx, const std::string& id);
  static core::StatusOr<std::optional<TokenRecord>> FindBySecretHash(Transaction& tx,
                                                                     const std::string& hash);
  // Tokens by creation time, oldest first, revoked ones included.
  static core::StatusOr<Page<TokenRecord>> List(Transaction& tx, const PageRequest& page);
  // All tokens that are not revoked (for the in-memory auth cache).
  static core::StatusOr<std::vector<TokenRecord>> ListActive(Transaction& tx);
  // Marks the token revoked if its version is still `expected_version`; kConflict when the
  // token changed since it was read, kNotFound when absent. Returns the updated record.
  static core::StatusOr<TokenRecord> Revoke(Transaction& tx, const std::string& id,
                                            int64_t expected_version, core::TimePoint now);
  // Number of active admin tokens.
  static core::StatusOr<int64_t> CountActiveAdmins(Transaction& tx);
};

// Tokens as the services take them by constructor (tests substitute their own);
// SqlTokenStore is TokenRepository's SQL over the caller's transaction.
class TokenStore {
 public:
  virtual ~TokenStore() = default;
  // As the TokenRepository functions of the same names.
  virtual core::Status Insert(Transaction& tx, const TokenRecord& token) = 0;
  virtual core::StatusOr<TokenRecord> Get(Transaction& tx, const std::string& id) = 0;
  virtual core::StatusOr<std::optional<TokenRecord>> FindBySecretHash(Transaction& tx,
                                                                      const std::string& hash) = 0;
  virtual core::StatusOr<Page<TokenRecord>> List(Transaction& tx, const PageRequest& page) = 0;
  virtual core::StatusOr<std::vector<TokenRecord>> ListActive(Transaction& tx) = 0;
  virtual core::StatusOr<TokenRecord> Revoke(Transaction& tx, const std::string& id,
                                             int64_t expected_version, core::TimePoint now) = 0;
  virtual core::StatusOr<int64_t> CountActiveAdmins(Transaction& tx) = 0;
};

class SqlTokenStore final : public TokenStore {
 public:
  core::Status Insert(Transaction& tx, const TokenRecord& token) override;
  core::StatusOr<TokenRecord> Get(Transaction& tx, const std::string& id) override;
  core::StatusOr<std::optional<TokenRecord>> FindBySecretHash(Transaction& tx,
                                                              const std::string& hash) override;
  core::StatusOr<Page<TokenRecord>> List(Transaction& tx, const PageRequest& page) override;
  core::StatusOr<std::vector<TokenRecord>> ListActive(Transaction& tx) override;
  core::StatusOr<TokenRecord> Revoke(Transaction& tx, const std::string& id,
                                     int64_t expected_version, core::TimePoint now) override;
  core::StatusOr<int64_t> CountActiveAdmins(Transaction& tx) override;
};

}  // namespace gov::store
