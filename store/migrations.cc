#include "store/migrations.h"

#include "core/clock.h"

namespace gov::store {

namespace {

constexpr int64_t kMigrationLockKey = 0x676f765f6d6967;  // "gov_mig"

std::string Dialect(const std::string& sql, Backend backend) {
  static const std::string kToken = "{{AUTOINC_PK}}";
  std::string out = sql;
  const std::string replacement = backend == Backend::kSqlite
                                      ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                      : "BIGSERIAL PRIMARY KEY";
  for (size_t pos; (pos = out.find(kToken)) != std::string::npos;) {
    out.replace(pos, kToken.size(), replacement);
  }
  return out;
}

Status EnsureMigrationsTable(Database& db) {
  return WithTransaction(db, TxMode::kReadWrite, [](Transaction& tx) {
    return tx
        .Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
              " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
        .status();
  });
}

StatusOr<int> ReadVersion(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return static_cast<int>(rs.rows.at(0).Int(0));
}

}  // namespace

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "foundation: environments, tokens, audit log",
       {
           "CREATE TABLE environments ("
           " name TEXT PRIMARY KEY,"
           " created_at BIGINT NOT NULL,"
           " version BIGINT NOT NULL DEFAULT 1)",
           "CREATE TABLE tokens ("
           " id TEXT PRIMARY KEY,"
           " name TEXT NOT NULL,"
           " type TEXT NOT NULL,"
           " environment TEXT REFERENCES environments(name),"
           " secret_hash TEXT NOT NULL UNIQUE,"
           " created_at BIGINT NOT NULL,"
           " expires_at BIGINT,"
           " revoked_at BIGINT,"
           " version BIGINT NOT NULL DEFAULT 1)",
           "CREATE INDEX tokens_created ON tokens (created_at, id)",
           "CREATE TABLE audit_log ("
           " seq {{AUTOINC_PK}},"
           " at BIGINT NOT NULL,"
           " actor TEXT NOT NULL,"
           " action TEXT NOT NULL,"
           " resource TEXT NOT NULL,"
           " before_json TEXT,"
           " after_json TEXT,"
           " request_id TEXT)",
           "CREATE INDEX audit_log_resource ON audit_log (resource, seq)",
           "INSERT INTO environments (name, created_at) VALUES ('development', 0), "
           "('production', 0)",
       }},
  };
  return kMigrations;
}

int LatestSchemaVersion() { return AllMigrations().back().version; }

StatusOr<int> CurrentSchemaVersion(Database& db) {
  RETURN_IF_ERROR(EnsureMigrationsTable(db));
  ASSIGN_OR_RETURN(auto tx, db.Begin(TxMode::kReadOnly));
  ASSIGN_OR_RETURN(int version, ReadVersion(*tx));
  RETURN_IF_ERROR(tx->Commit());
  return version;
}

Status Migrate(Database& db, const std::vector<Migration>& migrations) {
  RETURN_IF_ERROR(EnsureMigrationsTable(db));
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  for (const Migration& m : migrations) {
    bool newer_database = false;
    Status s = WithTransaction(db, TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      if (db.backend() == Backend::kPostgres) {
        RETURN_IF_ERROR(tx.Exec("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey}).status());
      }
      ASSIGN_OR_RETURN(int current, ReadVersion(tx));
      if (current > latest) {
        newer_database = true;
        return FailedPrecondition(
            "database schema version " + std::to_string(current) +
            " is newer than this Governor binary supports (" + std::to_string(latest) +
            "); upgrade Governor or point it at another database");
      }
      if (current >= m.version) return Status::Ok();
      for (const std::string& sql : m.statements) {
        Status st = tx.Exec(Dialect(sql, db.backend())).status();
        if (!st.ok()) {
          return Status(st.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                       ") failed: " + st.message());
        }
      }
      const auto now = static_cast<int64_t>(ToUnixSeconds(SystemClock::Instance().Now()));
      return tx
          .Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {int64_t{m.version}, m.name, now})
          .status();
    });
    if (!s.ok()) return s;
    if (newer_database) break;
  }
  if (migrations.empty()) {
    ASSIGN_OR_RETURN(int current, CurrentSchemaVersion(db));
    if (current > 0) {
      return FailedPrecondition("database schema version " + std::to_string(current) +
                                " is newer than this Governor binary supports (0)");
    }
  }
  return Status::Ok();
}

}  // namespace gov::store
