#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <set>

#include "core/status.h"
#include "store/internal/pg_endpoint.h"

namespace gov::store::internal {

// Session-level advisory locks on one dedicated connection. A lock held by a session that has
// since died is reported lost: the held check asks pg_locks about the current backend, so a
// replaced connection never claims a lock it does not hold. Thread-safe.
class LeaderSession {
 public:
  explicit LeaderSession(std::shared_ptr<const Endpoint> endpoint)
      : endpoint_(std::move(endpoint)) {}

  // Whether this session holds advisory lock `key` after the call; reconnects once when the
  // session's connection is lost.
  core::StatusOr<bool> TryAcquire(int64_t key);

  // Releases `key` if held; a failure drops the session, which releases it on the server.
  core::Status Release(int64_t key);

  // Drops the session; later TryAcquire calls fail with kUnavailable.
  void Close();

 private:
  std::shared_ptr<const Endpoint> endpoint_;
  std::mutex mu_;
  std::unique_ptr<pqxx::connection> conn_;
  std::set<int64_t> held_;
  bool closed_ = false;
};

}  // namespace gov::store::internal
