#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "store/database.h"
#include "store/token_repository.h"

namespace gov::api {

// Who is calling: the token that authenticated the request.
struct Principal {
  std::string token_id;
  std::string name;
  store::TokenType type = store::TokenType::kClient;
  std::optional<std::string> environment;  // unset for admin and viewer tokens
};

// The secret a request presents: "Authorization: Bearer <s>", "Authorization: <s>" (the
// Unleash SDK form) or "X-API-Key: <s>" (an OFREP form). Empty when none.
std::string ExtractSecret(std::string_view authorization, std::string_view api_key);

// Resolves secrets to principals from an in-memory copy of the active tokens, keyed by
// SHA-256 of the secret. Reads take a shared lock; writers replace single entries.
class Authenticator {
 public:
  explicit Authenticator(const core::Clock& clock) : clock_(clock) {}

  // Replaces the cache with every active token in the database, read through `token_store`.
  core::Status Reload(store::Database& db, store::TokenStore& token_store);
  // Adds or replaces one token (after a committed create).
  void Put(const store::TokenRecord& token);
  // Forgets a token (after a committed revoke): effective for the next request.
  void Remove(const std::string& secret_hash);

  // kUnauthenticated for a missing, unknown, revoked or expired secret.
  core::StatusOr<Principal> Authenticate(std::string_view secret) const;

 private:
  struct Entry {
    std::string secret_hash;
    Principal principal;
    std::optional<core::TimePoint> expires_at;
  };
  const core::Clock& clock_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> by_hash_;
};

}  // namespace gov::api
