#pragma once

// Server-sent event streams of a target's decisions (GET /api/v1/targets/{name}/decisions/
// stream), for live views such as the console's target page.
//
// Decisions are made by whichever replica leads, so a stream follows the store, not the
// local control loop: one thread reads the newest decisions of every target that has a stream
// open, once per poll interval (one query per watched target, whatever the number of streams),
// and sends each stream what it has not had, oldest first. A stream opens with the target's
// `last` newest decisions, so a client that read the history first misses nothing (it drops
// the ids it already has). A decision sent before whose record changed since (its actuation
// is recorded after the hook answers) is sent again, with the same id: the client replaces it.
// Reads never run on a connection's thread.

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

class DecisionStreams {
 public:
  // One decision as the stream sends it: its insertion order and its JSON.
  struct Item {
    int64_t seq = 0;
    std::string json;
  };
  // The target's `limit` newest decisions, newest first.
  using Fetch =
      std::function<core::StatusOr<std::vector<Item>>(const std::string& target, int limit)>;

  static constexpr int kMaxLast = 100;

  // How the rounds run: by the hub's own thread (every `poll_interval`, and at once when a
  // stream opens), or only by the owner calling PollOnce (tests).
  enum class Rounds { kOwnThread, kCallerOnly };

  // Sends a keep-alive comment every `keep_alive_interval` (both intervals measured on
  // `clock`; the thread sleeps in real time, at most a poll interval).
  DecisionStreams(Fetch fetch, int max_streams, std::chrono::milliseconds poll_interval,
                  std::chrono::milliseconds keep_alive_interval, const core::Clock& clock,
                  Rounds rounds = Rounds::kOwnThread);
  ~DecisionStreams();
  DecisionStreams(const DecisionStreams&) = delete;
  DecisionStreams& operator=(const DecisionStreams&) = delete;

  // Turns `res` into a stream of `target`'s decisions, opening with its `last` (0..kMaxLast)
  // newest. Returns false, leaving `res` untouched, when max_streams streams are open.
  bool Start(std::string target, int last, Response& res);

  // One round: reads the newest decisions of every watched target and sends each stream the
  // ones it has not had; a keep-alive comment to every stream when one is due. The thread
  // calls it; tests on a FakeClock call it directly.
  void PollOnce();

  int open_streams() const;

 private:
  struct Subscriber {
    std::shared_ptr<StreamWriter> writer;
    int last = 0;      // decisions to open with
    int64_t seq = -1;  // the newest decision sent; -1 before the opening
  };

  void Open(const std::string& target, int last, const std::shared_ptr<StreamWriter>& writer);
  void Closed(const std::string& target, StreamWriter* writer);
  void Run();

  Fetch fetch_;
  const int max_streams_;
  const std::chrono::milliseconds poll_interval_;
  const std::chrono::milliseconds keep_alive_interval_;
  const core::Clock& clock_;
  std::shared_ptr<std::atomic<int>> open_ = std::make_shared<std::atomic<int>>(0);

  std::mutex mu_;
  struct Watched {
    std::map<StreamWriter*, Subscriber> subscribers;
    // The decisions read in the last round: seq -> their JSON, to notice a changed record.
    std::map<int64_t, std::string> last_read;
  };
  std::map<std::string, Watched, std::less<>> targets_;
  core::TimePoint next_keep_alive_;  // guarded by mu_

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;  // guarded by run_mu_
  bool wake_ = false;      // a stream opened: poll now; guarded by run_mu_
  std::thread thread_;
};

}  // namespace gov::api
