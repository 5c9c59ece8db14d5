#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/json_util.h"

namespace gov::api::testing {

// Reads a server-sent event stream on its own thread, keeping the `data:` (parsed as JSON) of
// each event named `event`.
class SseReader {
 public:
  SseReader(int port, httplib::Headers headers, std::string path, std::string event)
      : client_("127.0.0.1", port),
        thread_([this, headers = std::move(headers), path = std::move(path),
                 prefix = "event: " + event + "\n"] {
          client_.set_read_timeout(30, 0);
          auto res = client_.Get(
              path.c_str(), headers,
              [this](const httplib::Response& r) {
                std::lock_guard lock(mu_);
                status_ = r.status;
                type_ = r.get_header_value("Content-Type");
                cv_.notify_all();
                return r.status == 200;
              },
              [this, &prefix](const char* data, size_t size) {
                std::lock_guard lock(mu_);
                buffer_.append(data, size);
                for (size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
                  const std::string event = buffer_.substr(0, end);
                  buffer_.erase(0, end + 2);
                  const size_t data_at = event.find("data: ");
                  if (event.rfind(prefix, 0) == 0 && data_at != std::string::npos) {
                    events_.push_back(core::ParseJson(event.substr(data_at + 6)).value());
                  }
                }
                cv_.notify_all();
                return !stop_;
              });
        }) {}
  ~SseReader() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    client_.stop();  // ends the read the idle stream is blocked in
    thread_.join();
  }
  // Waits (up to 20 s) for `n` events; returns those received.
  std::vector<core::Json> Await(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [&] { return events_.size() >= n; });
    return events_;
  }
  std::pair<int, std::string> Head() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [&] { return status_ != 0; });
    return {status_, type_};
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;
  std::vector<core::Json> events_;
  int status_ = 0;
  std::string type_;
  bool stop_ = false;
  httplib::Client client_;
  std::thread thread_;
};

}  // namespace gov::api::testing
