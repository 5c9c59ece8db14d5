#include "store/internal/pg_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "core/thread_priority.h"

namespace gov::store::internal {
namespace {

constexpr std::chrono::milliseconds kMinReconnectBackoff{100};
constexpr std::chrono::milliseconds kMaxReconnectBackoff{5000};

}  // namespace

class Listener::Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection& conn, std::shared_ptr<Subscription> sub)
      : pqxx::notification_receiver(conn, sub->channel), sub_(std::move(sub)) {}
  void operator()(const std::string& payload, int /*backend_pid*/) override {
    try {
      sub_->handler(sub_->channel, payload);
    } catch (...) {
      // A throwing handler must not take the listener down.
    }
  }

 private:
  std::shared_ptr<Subscription> sub_;
};

Listener::Listener(std::shared_ptr<const Endpoint> endpoint) : endpoint_(std::move(endpoint)) {}

Listener::~Listener() { Stop(); }

core::Status Listener::Listen(std::string_view channel, Handler handler) {
  if (std::this_thread::get_id() == thread_id_.load()) {
    return core::FailedPrecondition("Listen must not be called from a notification handler");
  }
  auto sub = std::make_shared<Subscription>(Subscription{std::string(channel), std::move(handler)});
  std::future<core::Status> done;
  {
    std::lock_guard lock(mu_);
    if (stop_) return core::Unavailable("database is closed");
    if (wake_read_ < 0) {
      int fds[2];
      if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return core::Internal("pipe2 failed");
      wake_read_ = fds[0];
      wake_write_ = fds[1];
      thread_ = core::StartThread("gov-pg-listen", [this] { Run(); });
    }
    requests_.push_back(Request{std::move(sub), {}});
    done = requests_.back().done.get_future();
  }
  cv_.notify_all();  // ends a reconnect backoff early
  Wake();
  return done.get();
}

void Listener::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  Wake();
  if (thread_.joinable()) thread_.join();
  if (wake_read_ >= 0) {
    close(wake_read_);
    close(wake_write_);
    wake_read_ = wake_write_ = -1;
  }
}

void Listener::Wake() {
  if (wake_write_ >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t n = write(wake_write_, &byte, 1);
  }
}

void Listener::Run() {
  thread_id_ = std::this_thread::get_id();
  std::chrono::milliseconds backoff = kMinReconnectBackoff;
  for (;;) {
    std::vector<Request> requests;
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
      requests.swap(requests_);
    }
    if (!conn_ && (!subs_.empty() || !requests.empty())) {
      core::Status status = Reconnect();
      if (!status.ok()) {
        for (Request& r : requests) r.done.set_value(status);
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, backoff, [&] { return stop_ || !requests_.empty(); });
        backoff = std::min(backoff * 2, kMaxReconnectBackoff);
        continue;
      }
      backoff = kMinReconnectBackoff;
    }
    for (Request& r : requests) {
      core::Status status = Subscribe(r.sub);
      if (status.code() == core::StatusCode::kUnavailable) {
        DropConnection();
        status = Reconnect();
        if (status.ok()) status = Subscribe(r.sub);
      }
      if (status.ok()) subs_.push_back(r.sub);
      r.done.set_value(status);
    }
    DispatchAndWait();
  }
  std::lock_guard lock(mu_);
  for (Request& r : requests_) r.done.set_value(core::Unavailable("database is closed"));
  requests_.clear();
  DropConnection();
}

void Listener::DispatchAndWait() {
  pollfd fds[2] = {{wake_read_, POLLIN, 0}, {-1, POLLIN, 0}};
  try {
    if (conn_) {
      conn_->get_notifs();
      fds[1].fd = conn_->sock();
    }
  } catch (...) {
    DropConnection();
    return;
  }
  if (conn_ && !conn_->is_open()) {
    DropConnection();
    return;
  }
  poll(fds, fds[1].fd >= 0 ? 2 : 1, -1);
  char buf[64];
  while (read(wake_read_, buf, sizeof buf) > 0) {
  }
}

core::Status Listener::Subscribe(const std::shared_ptr<Subscription>& sub) {
  if (!conn_) return core::Unavailable("listener connection is down");
  try {
    receivers_.push_back(std::make_unique<Receiver>(*conn_, sub));
    // libpqxx swallows a broken connection while issuing LISTEN; check it really happened.
    if (!conn_->is_open()) return core::Unavailable("listener connection lost during LISTEN");
    return core::Status::Ok();
  } catch (...) {
    core::Status status = CurrentExceptionToStatus("LISTEN " + sub->channel, *endpoint_);
    if (!conn_->is_open()) status = core::Unavailable(status.message());
    return status;
  }
}

core::Status Listener::Reconnect() {
  DropConnection();
  auto conn = endpoint_->Connect("governor-listener");
  if (!conn.ok()) return conn.status();
  conn_ = std::move(conn).value();
  for (const auto& sub : subs_) {
    core::Status status = Subscribe(sub);
    if (!status.ok()) {
      DropConnection();
      return status;
    }
  }
  return core::Status::Ok();
}

void Listener::DropConnection() {
  receivers_.clear();
  conn_.reset();
}

}  // namespace gov::store::internal
