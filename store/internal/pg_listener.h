#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"
#include "store/internal/pg_endpoint.h"

namespace gov::store::internal {

// LISTEN on one dedicated connection, served by a background thread that polls the
// connection's socket and a wake-up pipe (so Listen and Stop take effect at once), and that
// reconnects with exponential backoff and re-LISTENs every channel when the connection is lost.
// Notifications sent while disconnected are lost (PostgreSQL does not queue them).
class Listener {
 public:
  using Handler = std::function<void(const std::string&, const std::string&)>;

  explicit Listener(std::shared_ptr<const Endpoint> endpoint);
  ~Listener();

  // Calls `handler(channel, payload)` from the listener thread for every notification on
  // `channel`; returns once the LISTEN is in place. Not from inside a handler.
  core::Status Listen(std::string_view channel, Handler handler);

  // Stops and joins the listener thread; later Listen calls fail with kUnavailable.
  void Stop();

 private:
  struct Subscription {
    std::string channel;
    Handler handler;
  };
  struct Request {
    std::shared_ptr<Subscription> sub;
    std::promise<core::Status> done;
  };
  class Receiver;

  void Wake();
  void Run();
  // Delivers notifications already buffered, then blocks until the socket or the pipe is readable.
  void DispatchAndWait();
  core::Status Subscribe(const std::shared_ptr<Subscription>& sub);
  core::Status Reconnect();
  void DropConnection();

  std::shared_ptr<const Endpoint> endpoint_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  int wake_read_ = -1;
  int wake_write_ = -1;
  // Owned by the listener thread.
  std::unique_ptr<pqxx::connection> conn_;
  std::vector<std::unique_ptr<Receiver>> receivers_;
  std::vector<std::shared_ptr<Subscription>> subs_;
};

}  // namespace gov::store::internal
