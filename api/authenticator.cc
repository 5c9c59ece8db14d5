#include "api/authenticator.h"

#include <mutex>

#include "core/crypto.h"

namespace gov::api {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool StartsWithBearer(std::string_view s) {
  if (s.size() < 7) return false;
  static constexpr std::string_view kBearer = "bearer ";
  for (size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != kBearer[i]) return false;
  }
  return true;
}

}  // namespace

std::string ExtractSecret(std::string_view authorization, std::string_view api_key) {
  authorization = Trim(authorization);
  if (!authorization.empty()) {
    if (StartsWithBearer(authorization)) return std::string(Trim(authorization.substr(7)));
    return std::string(authorization);
  }
  return std::string(Trim(api_key));
}

core::Status Authenticator::Reload(store::Database& db, store::TokenStore& token_store) {
  ASSIGN_OR_RETURN(auto tx, db.Begin(store::TxMode::kReadOnly));
  ASSIGN_OR_RETURN(auto tokens, token_store.ListActive(*tx));
  RETURN_IF_ERROR(tx->Commit());
  std::unordered_map<std::string, Entry> fresh;
  for (const auto& t : tokens) {
    fresh[t.secret_hash] =
        Entry{t.secret_hash, Principal{t.id, t.name, t.type, t.environment}, t.expires_at};
  }
  std::unique_lock lock(mu_);
  by_hash_.swap(fresh);
  return core::Status::Ok();
}

void Authenticator::Put(const store::TokenRecord& t) {
  std::unique_lock lock(mu_);
  if (t.revoked_at) {
    by_hash_.erase(t.secret_hash);
    return;
  }
  by_hash_[t.secret_hash] =
      Entry{t.secret_hash, Principal{t.id, t.name, t.type, t.environment}, t.expires_at};
}

void Authenticator::Remove(const std::string& secret_hash) {
  std::unique_lock lock(mu_);
  by_hash_.erase(secret_hash);
}

core::StatusOr<Principal> Authenticator::Authenticate(std::string_view secret) const {
  if (secret.empty()) {
    return core::Unauthenticated("missing token: send Authorization: Bearer <token>");
  }
  // The lookup key is a hash of the secret, so the map's timing reveals nothing about
  // the secret itself; the final comparison is constant-time all the same.
  const std::string hash = core::Sha256Hex(secret);
  std::shared_lock lock(mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end() || !core::ConstantTimeEquals(it->second.secret_hash, hash)) {
    return core::Unauthenticated("unknown or revoked token");
  }
  if (it->second.expires_at && clock_.Now() >= *it->second.expires_at) {
    return core::Unauthenticated("token expired");
  }
  return it->second.principal;
}

}  // namespace gov::api
