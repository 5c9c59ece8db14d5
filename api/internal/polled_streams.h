#pragma once

// Server-sent event streams of what the store holds, for live views such as the console's:
// a target's decisions (GET /api/v1/targets/{name}/decisions/stream) and a release plan
// (GET /api/v1/release-plans/{name}/stream).
//
// Decisions are made and plans moved by whichever replica leads, so a stream follows the
// store, not the local loop: one thread reads the newest items of every key (a target, a plan)
// that has a stream open, once per poll interval (one read per watched key, whatever the
// number of streams), and sends each stream what it has not had, oldest first. An item is
// an ordered id (`seq`) and its JSON. A stream opens with the key's `last` newest items, so a
// client that read the history first misses nothing (it drops the ids it already has). An
// item sent before whose JSON changed since (a decision's actuation is recorded after the hook
// answers; a plan's guardrail readings change) is sent again, with the same id: the client
// replaces it. Reads never run on a connection's thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/http.h"
#include "core/clock.h"
#include "core/status.h"

namespace gov::api {

class PolledStreams {
 public:
  // One item as the stream sends it: its order (the SSE id) and its JSON.
  struct Item {
    int64_t seq = 0;
    std::string json;
  };
  // The key's `limit` newest items, newest first.
  using Fetch = std::function<core::StatusOr<std::vector<Item>>(const std::string& key, int limit)>;

  static constexpr int kMaxLast = 100;

  // How the rounds run: by the hub's own thread (every `poll_interval`, and at once when a
  // stream opens), or only by the owner calling PollOnce (tests).
  enum class Rounds { kOwnThread, kCallerOnly };

  // Sends a keep-alive comment every `keep_alive_interval` (both intervals measured on
  // `clock`; the thread sleeps in real time, at most a poll interval).
  // Each item goes out as `event: <event>`.
  PolledStreams(std::string event, Fetch fetch, int max_streams,
                std::chrono::milliseconds poll_interval,
                std::chrono::milliseconds keep_alive_interval, const core::Clock& clock,
                Rounds rounds = Rounds::kOwnThread);
  ~PolledStreams();
  PolledStreams(const PolledStreams&) = delete;
  PolledStreams& operator=(const PolledStreams&) = delete;

  // Turns `res` into a stream of `key`'s items, opening with its `last` (0..kMaxLast) newest.
  // Returns false, leaving `res` untouched, when max_streams streams are open.
  bool Start(std::string key, int last, Response& res);

  // One round: reads the newest items of every watched key and sends each stream the
  // ones it has not had; a keep-alive comment to every stream when one is due. The thread
  // calls it; tests on a FakeClock call it directly.
  void PollOnce();

  int open_streams() const;

 private:
  struct Subscriber {
    std::shared_ptr<StreamWriter> writer;
    int last = 0;      // items to open with
    int64_t seq = -1;  // the newest item sent; -1 before the opening
  };

  void Open(const std::string& key, int last, const std::shared_ptr<StreamWriter>& writer);
  void Closed(const std::string& key, StreamWriter* writer);
  void Run();

  const std::string event_;
  Fetch fetch_;
  const int max_streams_;
  const std::chrono::milliseconds poll_interval_;
  const std::chrono::milliseconds keep_alive_interval_;
  const core::Clock& clock_;
  std::shared_ptr<std::atomic<int>> open_ = std::make_shared<std::atomic<int>>(0);

  std::mutex mu_;
  struct Watched {
    std::map<StreamWriter*, Subscriber> subscribers;
    // The items read in the last round: seq -> their JSON, to notice a changed one.
    std::map<int64_t, std::string> last_read;
  };
  std::map<std::string, Watched, std::less<>> keys_;
  core::TimePoint next_keep_alive_;  // guarded by mu_

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;  // guarded by run_mu_
  bool wake_ = false;      // a stream opened: poll now; guarded by run_mu_
  std::thread thread_;
};

}  // namespace gov::api
