#include "store/token_repository.h"

namespace gov::store {

namespace {

constexpr const char* kColumns =
    "id, name, type, environment, secret_hash, created_at, expires_at, revoked_at, version";

SqlValue OptMillis(const std::optional<core::TimePoint>& t) {
  if (!t) return nullptr;
  return core::ToUnixMillis(*t);
}

std::optional<core::TimePoint> ReadOptMillis(const Row& row, size_t i) {
  if (row.IsNull(i)) return std::nullopt;
  return core::FromUnixMillis(row.Int(i));
}

TokenRecord FromRow(const Row& row) {
  TokenRecord t;
  t.id = row.Text(0);
  t.name = row.Text(1);
  t.type = ParseTokenType(row.Text(2)).value_or(TokenType::kClient);
  t.environment = row.OptText(3);
  t.secret_hash = row.Text(4);
  t.created_at = core::FromUnixMillis(row.Int(5));
  t.expires_at = ReadOptMillis(row, 6);
  t.revoked_at = ReadOptMillis(row, 7);
  t.version = row.Int(8);
  return t;
}

}  // namespace

std::string_view TokenTypeName(TokenType t) {
  switch (t) {
    case TokenType::kAdmin:
      return "admin";
    case TokenType::kClient:
      return "client";
    case TokenType::kFrontend:
      return "frontend";
    case TokenType::kViewer:
      return "viewer";
  }
  return "client";
}

std::optional<TokenType> ParseTokenType(std::string_view s) {
  if (s == "admin") return TokenType::kAdmin;
  if (s == "client") return TokenType::kClient;
  if (s == "frontend") return TokenType::kFrontend;
  if (s == "viewer") return TokenType::kViewer;
  return std::nullopt;
}

core::Status TokenRepository::Insert(Transaction& tx, const TokenRecord& t) {
  return tx
      .Exec(std::string("INSERT INTO tokens (") + kColumns +
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
            {t.id, t.name, std::string(TokenTypeName(t.type)),
             t.environment ? SqlValue(*t.environment) : SqlValue(nullptr), t.secret_hash,
             core::ToUnixMillis(t.created_at), OptMillis(t.expires_at), OptMillis(t.revoked_at)})
      .status();
}

core::StatusOr<TokenRecord> TokenRepository::Get(Transaction& tx, const std::string& id) {
  ASSIGN_OR_RETURN(auto rs,
                   tx.Exec(std::string("SELECT ") + kColumns + " FROM tokens WHERE id = $1", {id}));
  if (rs.rows.empty()) return core::NotFound("token " + id + " not found");
  return FromRow(rs.rows[0]);
}

core::StatusOr<std::optional<TokenRecord>> TokenRepository::FindBySecretHash(
    Transaction& tx, const std::string& hash) {
  ASSIGN_OR_RETURN(
      auto rs,
      tx.Exec(std::string("SELECT ") + kColumns + " FROM tokens WHERE secret_hash = $1", {hash}));
  if (rs.rows.empty()) return std::optional<TokenRecord>();
  return std::optional<TokenRecord>(FromRow(rs.rows[0]));
}

// The cursor is "<created_at_ms>:<id>" of the last item returned.
core::StatusOr<Page<TokenRecord>> TokenRepository::List(Transaction& tx, const PageRequest& page) {
  int64_t after_ms = -1;
  std::string after_id;
  if (!page.cursor.empty()) {
    const auto colon = page.cursor.find(':');
    if (colon == std::string::npos) return core::InvalidArgument("malformed cursor", "cursor");
    try {
      after_ms = std::stoll(page.cursor.substr(0, colon));
    } catch (...) {
      return core::InvalidArgument("malformed cursor", "cursor");
    }
    after_id = page.cursor.substr(colon + 1);
  }
  const int64_t limit = PageLimit(page);
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM tokens WHERE created_at > $1 OR "
                                        "(created_at = $1 AND id > $2) "
                                        "ORDER BY created_at, id LIMIT $3",
                                    {after_ms, after_id, limit + 1}));
  return MakePage(rs.rows, limit, FromRow, [](const TokenRecord& last) {
    return std::to_string(core::ToUnixMillis(last.created_at)) + ":" + last.id;
  });
}

core::StatusOr<std::vector<TokenRecord>> TokenRepository::ListActive(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                    " FROM tokens WHERE revoked_at IS NULL"));
  std::vector<TokenRecord> out;
  for (const auto& row : rs.rows) out.push_back(FromRow(row));
  return out;
}

core::StatusOr<TokenRecord> TokenRepository::Revoke(Transaction& tx, const std::string& id,
                                                    int64_t expected_version, core::TimePoint now) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("UPDATE tokens SET revoked_at = $1, version = version + 1 "
                                    "WHERE id = $2 AND version = $3",
                                    {core::ToUnixMillis(now), id, expected_version}));
  if (rs.affected_rows == 0) {
    ASSIGN_OR_RETURN(auto current, Get(tx, id));  // kNotFound when absent
    return core::Conflict("token " + id + " is at version " + std::to_string(current.version) +
                          ", not " + std::to_string(expected_version));
  }
  return Get(tx, id);
}

core::StatusOr<int64_t> TokenRepository::CountActiveAdmins(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT COUNT(*) FROM tokens WHERE type = 'admin' AND "
                                    "revoked_at IS NULL"));
  return rs.rows.at(0).Int(0);
}

core::Status SqlTokenStore::Insert(Transaction& tx, const TokenRecord& token) {
  return TokenRepository::Insert(tx, token);
}

core::StatusOr<TokenRecord> SqlTokenStore::Get(Transaction& tx, const std::string& id) {
  return TokenRepository::Get(tx, id);
}

core::StatusOr<std::optional<TokenRecord>> SqlTokenStore::FindBySecretHash(
    Transaction& tx, const std::string& hash) {
  return TokenRepository::FindBySecretHash(tx, hash);
}

core::StatusOr<Page<TokenRecord>> SqlTokenStore::List(Transaction& tx, const PageRequest& page) {
  return TokenRepository::List(tx, page);
}

core::StatusOr<std::vector<TokenRecord>> SqlTokenStore::ListActive(Transaction& tx) {
  return TokenRepository::ListActive(tx);
}

core::StatusOr<TokenRecord> SqlTokenStore::Revoke(Transaction& tx, const std::string& id,
                                                  int64_t expected_version, core::TimePoint now) {
  return TokenRepository::Revoke(tx, id, expected_version, now);
}

core::StatusOr<int64_t> SqlTokenStore::CountActiveAdmins(Transaction& tx) {
  return TokenRepository::CountActiveAdmins(tx);
}

}  // namespace gov::store
