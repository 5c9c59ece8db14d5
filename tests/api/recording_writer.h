#pragma once

// A StreamWriter that records what a stream hub writes to one stream, for tests of the hubs
// (server-sent events) without a transport.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/http.h"

namespace gov::api::testing {

class RecordingWriter final : public StreamWriter {
 public:
  bool Write(std::shared_ptr<const std::string> data) override {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    writes_.push_back(*data);
    return true;
  }
  void Close() override {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  bool closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::vector<std::string> writes() const {
    std::lock_guard lock(mu_);
    return writes_;
  }
  // How many keep-alive comments were written.
  int KeepAlives() const {
    int n = 0;
    for (const std::string& w : writes()) n += w == ": keep-alive\n\n";
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> writes_;
  bool closed_ = false;
};

}  // namespace gov::api::testing
