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

// Reads a server-sent event stream on its own thread, keeping every message as received (for
// WaitFor) and the `data:` (parsed as JSON) of each event named `event` (none when empty).
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
                  messages_.push_back(event);
                  const size_t data_at = event.find("data: ");
                  if (prefix != "event: \n" && event.rfind(prefix, 0) == 0 &&
                      data_at != std::string::npos) {
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
  // The first message after the last one WaitFor returned that contains `needle` (waiting up
  // to 20 s); "" when none came.
  std::string WaitFor(const std::string& needle) {
    std::unique_lock lock(mu_);
    std::string found;
    cv_.wait_for(lock, std::chrono::seconds(20), [&] {
      for (size_t i = next_; i < messages_.size(); ++i) {
        if (messages_[i].find(needle) != std::string::npos) {
          found = messages_[i];
          next_ = i + 1;
          return true;
        }
      }
      return false;
    });
    return found;
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
  std::vector<std::string> messages_;
  size_t next_ = 0;  // messages before it were searched by an earlier WaitFor
  int status_ = 0;
  std::string type_;
  bool stop_ = false;
  httplib::Client client_;
  std::thread thread_;
};

}  // namespace gov::api::testing
