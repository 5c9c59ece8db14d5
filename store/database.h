#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace gov::store {

// One SQL parameter or column value. Booleans are stored as integers 0/1 on both backends.
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

// One result row. Accessors convert between the backend's text and numeric forms.
class Row {
 public:
  explicit Row(std::vector<SqlValue> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(values_.at(i)); }
  int64_t Int(size_t i) const;
  double Double(size_t i) const;
  std::string Text(size_t i) const;
  std::optional<int64_t> OptInt(size_t i) const;
  std::optional<std::string> OptText(size_t i) const;
  const SqlValue& Value(size_t i) const { return values_.at(i); }

 private:
  std::vector<SqlValue> values_;
};

struct ResultSet {
  std::vector<Row> rows;
  int64_t affected_rows = 0;  // for INSERT/UPDATE/DELETE
};

enum class Backend { kSqlite, kPostgres };

// A unit of work. SQL uses PostgreSQL-style placeholders ($1, $2, ...) on both backends and
// sticks to the dialect both accept (ON CONFLICT, RETURNING, TEXT/BIGINT/DOUBLE PRECISION).
// Not thread-safe: one transaction belongs to one thread. Destroying an uncommitted
// transaction rolls it back.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // Runs one statement. Unique violations map to kAlreadyExists, other constraint violations
  // (foreign key, check, not null) to kFailedPrecondition, connectivity loss to kUnavailable,
  // other failures to kInternal with the database's message. On PostgreSQL a failed statement
  // aborts the transaction: later statements and Commit fail, and everything rolls back.
  virtual core::StatusOr<ResultSet> Exec(std::string_view sql,
                                         const std::vector<SqlValue>& params = {}) = 0;
  virtual core::Status Commit() = 0;
};

enum class TxMode { kReadOnly, kReadWrite };

// A connection to one database (a pool, for backends that support concurrency).
// Thread-safe.
class Database {
 public:
  virtual ~Database() = default;
  virtual Backend backend() const = 0;
  // Starts a transaction. ReadWrite transactions are serialized on SQLite (one writer).
  virtual core::StatusOr<std::unique_ptr<Transaction>> Begin(TxMode mode) = 0;
  // Cheap liveness probe ("SELECT 1").
  virtual core::Status Ping() = 0;
  // Closes every connection; later calls fail with kUnavailable.
  virtual void Close() = 0;

  // Cross-process change notification (PostgreSQL NOTIFY). `Notify` inside `tx` is delivered
  // on commit. On SQLite, notifications are delivered only within this process.
  virtual core::Status Notify(Transaction& tx, std::string_view channel,
                              std::string_view payload) = 0;
  // Calls `handler(channel, payload)` from a background thread for every notification on
  // `channel`. Returns once listening is established.
  virtual core::Status Listen(
      std::string_view channel,
      std::function<void(const std::string&, const std::string&)> handler) = 0;

  // Session-level leader lock (PostgreSQL advisory lock on a dedicated connection).
  // Returns true when this process holds the lock after the call. On SQLite, always true.
  virtual core::StatusOr<bool> TryAcquireLeaderLock(int64_t key) = 0;
  virtual core::Status ReleaseLeaderLock(int64_t key) = 0;
};

// Runs `fn` inside a transaction and commits it; rolls back when `fn` returns an error.
core::Status WithTransaction(Database& db, TxMode mode,
                             const std::function<core::Status(Transaction&)>& fn);

// Opens a database from a URL: "sqlite:///abs/path.db", "sqlite://relative.db",
// "postgres://..." or "postgresql://...". Does not migrate.
core::StatusOr<std::unique_ptr<Database>> OpenDatabase(const std::string& url, int pool_size = 4);

}  // namespace gov::store
