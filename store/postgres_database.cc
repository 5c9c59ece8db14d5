#include "store/internal/postgres_database.h"

#include <atomic>
#include <charconv>
#include <pqxx/pqxx>
#include <utility>
#include <vector>

#include "store/internal/pg_connection_pool.h"
#include "store/internal/pg_endpoint.h"
#include "store/internal/pg_leader_session.h"
#include "store/internal/pg_listener.h"

namespace gov::store {
namespace {

using internal::ConnectionPool;
using internal::CurrentExceptionToStatus;
using internal::Endpoint;
using internal::LeaderSession;
using internal::Listener;
using internal::PooledConnection;

// Built-in type OIDs (src/include/catalog/pg_type.dat); stable across PostgreSQL versions.
constexpr pqxx::oid kBoolOid = 16;
constexpr pqxx::oid kInt8Oid = 20;
constexpr pqxx::oid kInt2Oid = 21;
constexpr pqxx::oid kInt4Oid = 23;
constexpr pqxx::oid kFloat4Oid = 700;
constexpr pqxx::oid kFloat8Oid = 701;
constexpr pqxx::oid kNumericOid = 1700;

SqlValue ParseColumn(const pqxx::field& f, pqxx::oid type) {
  if (f.is_null()) return nullptr;
  const char* begin = f.c_str();
  const char* end = begin + f.size();
  switch (type) {
    case kBoolOid:
      return int64_t{*begin == 't' ? 1 : 0};
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      int64_t v = 0;
      if (std::from_chars(begin, end, v).ptr == end) return v;
      break;
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      double v = 0;
      if (std::from_chars(begin, end, v).ptr == end) return v;
      break;
    }
    default:
      break;
  }
  return std::string(begin, end);
}

// Text form of a parameter; doubles use the shortest representation that round-trips.
std::string ParamText(const SqlValue& v) {
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *p);
    return std::string(buf, end);
  }
  if (auto p = std::get_if<std::string>(&v)) return *p;
  return {};
}

// True when `sql` holds more than one statement, which the extended protocol rejects.
bool MayHoldSeveralStatements(std::string_view sql) {
  const size_t semi = sql.find(';');
  return semi != std::string_view::npos &&
         sql.find_first_not_of(" \t\r\n;", semi) != std::string_view::npos;
}

class PgTransaction final : public Transaction {
 public:
  PgTransaction(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<PooledConnection> pc,
                std::unique_ptr<pqxx::transaction_base> txn)
      : pool_(std::move(pool)), pc_(std::move(pc)), txn_(std::move(txn)) {}
  ~PgTransaction() override { Finish(); }

  core::StatusOr<ResultSet> Exec(std::string_view sql,
                                 const std::vector<SqlValue>& params) override {
    if (!txn_) return core::FailedPrecondition("transaction already finished");
    if (pool_->closed()) return core::Unavailable("database is closed");
    if (!error_.ok()) {
      return core::FailedPrecondition("transaction aborted by an earlier error: " +
                                      error_.message());
    }
    try {
      pqxx::result r;
      if (params.empty() && MayHoldSeveralStatements(sql)) {
        r = txn_->exec(std::string(sql));
      } else {
        std::vector<std::string> texts;
        std::vector<const char*> values;
        texts.reserve(params.size());
        for (const SqlValue& p : params) texts.push_back(ParamText(p));
        for (size_t i = 0; i < params.size(); ++i) {
          values.push_back(std::holds_alternative<std::nullptr_t>(params[i]) ? nullptr
                                                                             : texts[i].c_str());
        }
        r = txn_->exec_prepared(StatementName(sql), pqxx::prepare::make_dynamic_params(values));
      }
      ResultSet out;
      out.affected_rows = static_cast<int64_t>(r.affected_rows());
      const auto columns = r.columns();
      std::vector<pqxx::oid> types;
      for (pqxx::row::size_type c = 0; c < columns; ++c) types.push_back(r.column_type(c));
      out.rows.reserve(r.size());
      for (const pqxx::row& row : r) {
        std::vector<SqlValue> values;
        values.reserve(columns);
        for (pqxx::row::size_type c = 0; c < columns; ++c) {
          values.push_back(ParseColumn(row[c], types[c]));
        }
        out.rows.emplace_back(std::move(values));
      }
      return out;
    } catch (...) {
      error_ = CurrentExceptionToStatus("PostgreSQL statement failed", pool_->endpoint());
      if (!pc_->conn->is_open()) pc_->broken = true;
      return error_;
    }
  }

  core::Status Commit() override {
    if (!txn_) return core::FailedPrecondition("transaction already finished");
    if (!error_.ok()) {
      Finish();
      return core::FailedPrecondition("transaction rolled back after an earlier error: " +
                                      error_.message());
    }
    core::Status status;
    try {
      txn_->commit();
      committed_ = true;
    } catch (...) {
      status = CurrentExceptionToStatus("PostgreSQL commit failed", pool_->endpoint());
      if (!pc_->conn->is_open()) pc_->broken = true;
    }
    Finish();
    return status;
  }

 private:
  // Name of the prepared statement for `sql` on this connection, preparing it on first use.
  const std::string& StatementName(std::string_view sql) {
    std::string key(sql);
    auto it = pc_->statements.find(key);
    if (it != pc_->statements.end()) return it->second;
    std::string name = "gov_s" + std::to_string(pc_->statements.size());
    pc_->conn->prepare(name, key);
    return pc_->statements.emplace(std::move(key), std::move(name)).first->second;
  }

  // Rolls back unless committed and gives the connection back to the pool.
  void Finish() {
    if (txn_ && !committed_) {
      try {
        txn_->abort();
      } catch (...) {
        pc_->broken = true;
      }
    }
    txn_.reset();
    if (pc_) pool_->Return(std::move(pc_));
  }

  std::shared_ptr<ConnectionPool> pool_;
  std::unique_ptr<PooledConnection> pc_;
  std::unique_ptr<pqxx::transaction_base> txn_;
  bool committed_ = false;
  core::Status error_;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(const std::shared_ptr<const Endpoint>& endpoint, int pool_size)
      : pool_(std::make_shared<ConnectionPool>(endpoint, pool_size)),
        listener_(endpoint),
        leader_(endpoint) {}
  ~PostgresDatabase() override { Close(); }

  Backend backend() const override { return Backend::kPostgres; }

  core::StatusOr<std::unique_ptr<Transaction>> Begin(TxMode mode) override {
    // A pooled connection may have died while idle; that shows up at BEGIN, where nothing has
    // happened yet, so one retry on a fresh connection is safe.
    for (int attempt = 0;; ++attempt) {
      ASSIGN_OR_RETURN(std::unique_ptr<PooledConnection> pc, pool_->Checkout());
      try {
        std::unique_ptr<pqxx::transaction_base> txn;
        if (mode == TxMode::kReadOnly) {
          txn = std::make_unique<pqxx::read_transaction>(*pc->conn);
        } else {
          txn = std::make_unique<pqxx::work>(*pc->conn);
        }
        return std::unique_ptr<Transaction>(
            std::make_unique<PgTransaction>(pool_, std::move(pc), std::move(txn)));
      } catch (...) {
        core::Status status =
            CurrentExceptionToStatus("PostgreSQL BEGIN failed", pool_->endpoint());
        if (!pc->conn->is_open()) pc->broken = true;
        pool_->Return(std::move(pc));
        if (status.code() != core::StatusCode::kUnavailable || attempt > 0) return status;
      }
    }
  }

  core::Status Ping() override {
    ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, Begin(TxMode::kReadOnly));
    ASSIGN_OR_RETURN(ResultSet rs, tx->Exec("SELECT 1"));
    if (rs.rows.size() != 1 || rs.rows[0].Int(0) != 1)
      return core::Internal("SELECT 1 returned junk");
    return tx->Commit();
  }

  void Close() override {
    if (closed_.exchange(true)) return;
    listener_.Stop();
    leader_.Close();
    pool_->Close();
  }

  core::Status Notify(Transaction& tx, std::string_view channel,
                      std::string_view payload) override {
    if (closed_) return core::Unavailable("database is closed");
    return tx.Exec("SELECT pg_notify($1, $2)", {std::string(channel), std::string(payload)})
        .status();
  }

  core::Status Listen(std::string_view channel, Listener::Handler handler) override {
    if (closed_) return core::Unavailable("database is closed");
    return listener_.Listen(channel, std::move(handler));
  }

  core::StatusOr<bool> TryAcquireLeaderLock(int64_t key) override {
    if (closed_) return core::Unavailable("database is closed");
    return leader_.TryAcquire(key);
  }

  core::Status ReleaseLeaderLock(int64_t key) override {
    if (closed_) return core::Unavailable("database is closed");
    return leader_.Release(key);
  }

 private:
  std::shared_ptr<ConnectionPool> pool_;
  Listener listener_;
  LeaderSession leader_;
  std::atomic<bool> closed_{false};
};

}  // namespace

core::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& url,
                                                               int pool_size) {
  if (pool_size < 1) return core::InvalidArgument("pool size must be at least 1", "pool_size");
  auto db = std::make_unique<PostgresDatabase>(std::make_shared<const Endpoint>(url), pool_size);
  RETURN_IF_ERROR(db->Ping());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace gov::store
