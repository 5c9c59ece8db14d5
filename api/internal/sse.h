#pragma once

// Server-sent event streams (https://html.spec.whatwg.org/multipage/server-sent-events.html)
// that push when an environment's flags change.
//
// Cost: a stream is an async writer on its connection, not a thread. On every publish the
// hub builds each kind of stream's events once and hands the same bytes to every stream of
// the environment; a stream whose client reads too slowly overflows its bounded buffer and is
// closed by the transport (the client reconnects and starts afresh). An idle stream costs a
// socket and its queue; a comment line every keep_alive_interval keeps proxies from closing
// it and lets either side notice a dead peer.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "api/http.h"
#include "core/clock.h"

namespace gov::api {

struct EnvironmentView;

// One SSE message: optional "event:" and "id:" lines, the data (split on newlines into
// "data:" lines), and the blank line that ends it.
std::string SseMessage(std::string_view event, std::string_view id, std::string_view data);

// Turns `res` into a text/event-stream response when `open` counts fewer than `max_streams`
// streams; returns false, leaving `res` untouched, when not. The slot taken is given back when
// the last copy of the stream's callbacks is gone, so a response that never became a stream
// (its connection closed first) frees it too. Both callbacks run on the stream's connection,
// one after the other: `on_open` when the transport opens the stream, `on_close` once when it
// ends, only if it had opened.
bool StartEventStream(const std::shared_ptr<std::atomic<int>>& open, int max_streams, Response& res,
                      std::function<void(const std::shared_ptr<StreamWriter>&)> on_open,
                      std::function<void(StreamWriter*)> on_close);

// What one kind of stream (Unleash streaming, OFREP change events) sends.
struct SseKind {
  // The opening events for the environment's current view (nullptr: nothing published).
  std::function<std::string(const EnvironmentView* view)> opening;
  // The events that move a stream from `before` to `after`; `before` is nullptr when the
  // stream missed a revision (then the events must carry the full state). "" sends nothing.
  std::function<std::string(const EnvironmentView* before, const EnvironmentView& after)> change;
};

// Every open stream, by environment. Thread-safe.
class StreamHub {
 public:
  // `view` returns an environment's current view (nullptr when none).
  using ViewFn = std::function<std::shared_ptr<const EnvironmentView>(std::string_view)>;

  // Keep-alive comments go out every `keep_alive_interval` as `clock` measures it.
  StreamHub(ViewFn view, int max_streams, std::chrono::milliseconds keep_alive_interval,
            const core::Clock& clock);
  ~StreamHub();
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;

  // Turns `res` into a stream of `kind` for `environment`. Returns false, leaving `res`
  // untouched, when max_streams streams are already open.
  bool Start(const std::shared_ptr<const SseKind>& kind, std::string environment, Response& res);
  // Sends every stream of `environment` the events for its new view. Called after each
  // publish, in revision order.
  void Publish(const std::string& environment, const std::shared_ptr<const EnvironmentView>& view);

  // Sends every open stream a keep-alive comment when keep_alive_interval has passed on the
  // clock since the last round (or since construction). Returns whether it sent. The hub's
  // thread calls it; tests on a FakeClock call it directly.
  bool KeepAliveIfDue();

  int open_streams() const;
  int max_streams() const { return max_streams_; }

 private:
  struct Subscriber {
    std::shared_ptr<StreamWriter> writer;
    std::shared_ptr<const SseKind> kind;
    int64_t revision = -1;  // the revision the stream has
  };
  struct Environment {
    std::unordered_map<StreamWriter*, Subscriber> subscribers;
    std::shared_ptr<const EnvironmentView> last;  // the view the last fan-out sent
    // Each kind's opening events for a view (the view they were built from, the text).
    std::unordered_map<const SseKind*, std::pair<std::shared_ptr<const EnvironmentView>,
                                                 std::shared_ptr<const std::string>>>
        openings;
  };

  void Open(const std::shared_ptr<const SseKind>& kind, const std::string& environment,
            const std::shared_ptr<StreamWriter>& writer);
  void Closed(const std::string& environment, StreamWriter* writer);
  void KeepAlive();

  ViewFn view_;
  const int max_streams_;
  const std::chrono::milliseconds keep_alive_interval_;
  const core::Clock& clock_;
  // Slots, taken by Start and given back when the stream's response is gone.
  std::shared_ptr<std::atomic<int>> open_ = std::make_shared<std::atomic<int>>(0);

  mutable std::mutex mu_;
  std::map<std::string, Environment, std::less<>> environments_;

  std::mutex keep_alive_mu_;
  std::condition_variable keep_alive_cv_;
  bool stopping_ = false;
  core::TimePoint next_keep_alive_;  // guarded by keep_alive_mu_
  std::thread keep_alive_thread_;
};

}  // namespace gov::api
