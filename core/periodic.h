#pragma once

// A background thread that calls a function every interval until stopped: the loop of the
// runners that act on a schedule (scheduled flag changes, release plans, the outbox). Waiting
// is real time; what the function does with the time is its own (it reads an injected clock).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace gov::core {

class PeriodicThread {
 public:
  PeriodicThread() = default;
  ~PeriodicThread() { Stop(); }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // Calls `tick` at once and then every `interval` (measured from the end of the previous
  // call) on a new thread. Call once.
  void Start(std::chrono::milliseconds interval, std::function<void()> tick) {
    thread_ = std::thread([this, interval, tick = std::move(tick)] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopping_) {
        lock.unlock();
        tick();
        lock.lock();
        cv_.wait_for(lock, interval, [this] { return stopping_; });
      }
    });
  }
  // Stops and joins the thread (a call in progress finishes first). Safe to call more than
  // once, and without Start.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gov::core
