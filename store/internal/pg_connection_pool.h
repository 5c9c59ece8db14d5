#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "store/internal/pg_endpoint.h"

namespace gov::store::internal {

// A pooled connection and the statements prepared on it (SQL text -> statement name).
struct PooledConnection {
  std::unique_ptr<pqxx::connection> conn;
  std::unordered_map<std::string, std::string> statements;
  bool broken = false;

  bool usable() const { return !broken && conn->is_open(); }
};

// At most `size` connections, opened on demand; broken ones are dropped on return or checkout
// and replaced by a fresh connection on a later checkout. Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(std::shared_ptr<const Endpoint> endpoint, int size)
      : endpoint_(std::move(endpoint)), size_(size) {}

  const Endpoint& endpoint() const { return *endpoint_; }
  bool closed() const { return closed_.load(); }

  // An idle or new connection; waits up to 30 seconds when all are in use.
  core::StatusOr<std::unique_ptr<PooledConnection>> Checkout();

  // Gives a connection back; drops it if broken or if the pool is closed.
  void Return(std::unique_ptr<PooledConnection> pc);

  // Drops the idle connections; later checkouts fail with kUnavailable.
  void Close();

 private:
  std::shared_ptr<const Endpoint> endpoint_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PooledConnection>> idle_;
  int open_ = 0;
  std::atomic<bool> closed_{false};
};

}  // namespace gov::store::internal
