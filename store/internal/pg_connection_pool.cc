#include "store/internal/pg_connection_pool.h"

#include <chrono>
#include <utility>

namespace gov::store::internal {
namespace {

constexpr std::chrono::seconds kCheckoutTimeout{30};

}  // namespace

core::StatusOr<std::unique_ptr<PooledConnection>> ConnectionPool::Checkout() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (closed_) return core::Unavailable("database is closed");
    if (!idle_.empty()) {
      std::unique_ptr<PooledConnection> pc = std::move(idle_.back());
      idle_.pop_back();
      if (pc->usable()) return pc;
      --open_;
      lock.unlock();
      pc.reset();
      lock.lock();
      continue;
    }
    if (open_ < size_) {
      ++open_;
      lock.unlock();
      auto conn = endpoint_->Connect("governor-pool");
      if (!conn.ok()) {
        lock.lock();
        --open_;
        cv_.notify_one();
        return conn.status();
      }
      auto pc = std::make_unique<PooledConnection>();
      pc->conn = std::move(conn).value();
      return pc;
    }
    if (!cv_.wait_for(lock, kCheckoutTimeout,
                      [&] { return closed_ || !idle_.empty() || open_ < size_; })) {
      return core::Unavailable("timed out waiting for a pooled PostgreSQL connection");
    }
  }
}

void ConnectionPool::Return(std::unique_ptr<PooledConnection> pc) {
  {
    std::lock_guard lock(mu_);
    if (!closed_ && pc->usable()) {
      idle_.push_back(std::move(pc));
    } else {
      --open_;
    }
  }
  cv_.notify_one();
}

void ConnectionPool::Close() {
  std::vector<std::unique_ptr<PooledConnection>> idle;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    open_ -= static_cast<int>(idle_.size());
    idle.swap(idle_);
  }
  cv_.notify_all();
}

}  // namespace gov::store::internal
