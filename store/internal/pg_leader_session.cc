#include "store/internal/pg_leader_session.h"

#include <utility>

namespace gov::store::internal {
namespace {

// pg_locks shows a bigint advisory key as classid = high 32 bits, objid = low 32 bits,
// objsubid = 1 (PostgreSQL manual, "pg_locks" view).
bool HeldBySession(pqxx::nontransaction& tx, int64_t key) {
  const uint64_t bits = static_cast<uint64_t>(key);
  const int64_t high = static_cast<int64_t>(bits >> 32);
  const int64_t low = static_cast<int64_t>(bits & 0xffffffffu);
  return tx
      .exec_params(
          "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
          " AND pid = pg_backend_pid() AND classid = $1::bigint::oid"
          " AND objid = $2::bigint::oid AND objsubid = 1)",
          high, low)[0][0]
      .as<bool>();
}

}  // namespace

core::StatusOr<bool> LeaderSession::TryAcquire(int64_t key) {
  std::lock_guard lock(mu_);
  if (closed_) return core::Unavailable("database is closed");
  for (int attempt = 0;; ++attempt) {
    if (!conn_) {
      held_.clear();
      auto conn = endpoint_->Connect("governor-leader");
      if (!conn.ok()) return conn.status();
      conn_ = std::move(conn).value();
    }
    try {
      pqxx::nontransaction tx(*conn_);
      if (held_.count(key) > 0) {
        if (HeldBySession(tx, key)) return true;
        held_.erase(key);
      }
      const bool acquired = tx.exec_params("SELECT pg_try_advisory_lock($1)", key)[0][0].as<bool>();
      if (acquired) held_.insert(key);
      return acquired;
    } catch (...) {
      core::Status status = CurrentExceptionToStatus("leader lock", *endpoint_);
      if (conn_->is_open() && status.code() != core::StatusCode::kUnavailable) return status;
      conn_.reset();
      if (attempt > 0) return status;
    }
  }
}

core::Status LeaderSession::Release(int64_t key) {
  std::lock_guard lock(mu_);
  if (held_.erase(key) == 0 || !conn_) return core::Status::Ok();
  try {
    pqxx::nontransaction tx(*conn_);
    tx.exec_params("SELECT pg_advisory_unlock($1)", key);
  } catch (...) {
    // The session is unusable; closing it releases whatever it still holds on the server.
    held_.clear();
    conn_.reset();
  }
  return core::Status::Ok();
}

void LeaderSession::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  held_.clear();
  conn_.reset();
}

}  // namespace gov::store::internal
