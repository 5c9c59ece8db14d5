#include "api/internal/decision_streams.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "api/internal/sse.h"

namespace gov::api {

DecisionStreams::DecisionStreams(Fetch fetch, int max_streams,
                                 std::chrono::milliseconds poll_interval,
                                 std::chrono::milliseconds keep_alive_interval,
                                 const core::Clock& clock, Rounds rounds)
    : fetch_(std::move(fetch)),
      max_streams_(max_streams),
      poll_interval_(poll_interval),
      keep_alive_interval_(keep_alive_interval),
      clock_(clock),
      next_keep_alive_(clock.Now() + keep_alive_interval) {
  if (rounds == Rounds::kOwnThread) thread_ = std::thread([this] { Run(); });
}

DecisionStreams::~DecisionStreams() {
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    stopping_ = true;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::shared_ptr<StreamWriter>> writers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [target, watched] : targets_) {
      for (auto& [ptr, sub] : watched.subscribers) writers.push_back(sub.writer);
    }
    targets_.clear();
  }
  for (auto& w : writers) w->Close();
}

int DecisionStreams::open_streams() const { return open_->load(std::memory_order_relaxed); }

bool DecisionStreams::Start(std::string target, int last, Response& res) {
  int n = open_->load(std::memory_order_relaxed);
  do {
    if (n >= max_streams_) return false;
  } while (!open_->compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  // The slot is given back when the last copy of the callbacks is gone (also when the
  // connection closed before the stream opened).
  std::shared_ptr<void> slot(
      nullptr, [open = open_](void*) { open->fetch_sub(1, std::memory_order_relaxed); });
  res.status = 200;
  res.content_type = "text/event-stream";
  res.SetHeader("Cache-Control", "no-cache");
  res.SetHeader("X-Accel-Buffering", "no");
  auto start = std::make_shared<StreamStart>();
  auto name = std::make_shared<const std::string>(std::move(target));
  auto opened = std::make_shared<StreamWriter*>(nullptr);
  last = std::clamp(last, 0, kMaxLast);
  start->on_open = [this, name, last, slot, opened](const std::shared_ptr<StreamWriter>& writer) {
    *opened = writer.get();
    Open(*name, last, writer);
  };
  start->on_close = [this, name, slot, opened] {
    if (*opened) Closed(*name, *opened);
  };
  res.stream = std::move(start);
  return true;
}

void DecisionStreams::Open(const std::string& target, int last,
                           const std::shared_ptr<StreamWriter>& writer) {
  writer->Write(std::make_shared<const std::string>("retry: 5000\n: connected\n\n"));
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets_[target].subscribers[writer.get()] = Subscriber{writer, last, -1};
  }
  // The opening is read on the streams' thread, never on the connection's.
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    wake_ = true;
  }
  run_cv_.notify_all();
}

void DecisionStreams::Closed(const std::string& target, StreamWriter* writer) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = targets_.find(target);
  if (it == targets_.end()) return;
  it->second.subscribers.erase(writer);
  if (it->second.subscribers.empty()) targets_.erase(it);
}

void DecisionStreams::PollOnce() {
  // What to read: each watched target, with as many decisions as its largest opening needs.
  std::vector<std::pair<std::string, int>> reads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [target, watched] : targets_) {
      int limit = 20;
      for (const auto& [ptr, sub] : watched.subscribers) {
        if (sub.seq < 0) limit = std::max(limit, sub.last);
      }
      reads.emplace_back(target, limit);
    }
  }
  for (const auto& [target, limit] : reads) {
    auto items = fetch_(target, limit);  // newest first
    if (!items.ok()) continue;           // a target deleted, or the store away: try again later
    // Each decision's message is built once and shared by every stream that gets it.
    std::vector<std::shared_ptr<const std::string>> messages(items->size());
    auto message = [&](size_t i) {
      if (!messages[i]) {
        const Item& item = (*items)[i];
        messages[i] = std::make_shared<const std::string>(
            SseMessage("decision", std::to_string(item.seq), item.json));
      }
      return messages[i];
    };
    const int64_t newest = items->empty() ? 0 : items->front().seq;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = targets_.find(target);
    if (it == targets_.end()) continue;
    Watched& watched = it->second;
    // Decisions read last round whose record has changed since (their actuation came in).
    std::vector<bool> changed(items->size(), false);
    for (size_t i = 0; i < items->size(); ++i) {
      auto before = watched.last_read.find((*items)[i].seq);
      changed[i] = before != watched.last_read.end() && before->second != (*items)[i].json;
    }
    for (auto sub = watched.subscribers.begin(); sub != watched.subscribers.end();) {
      Subscriber& s = sub->second;
      // Oldest first: from the opening's `last`, or everything newer than what it had and
      // the changed ones it had.
      size_t count = 0;
      if (s.seq < 0) {
        count = std::min<size_t>(static_cast<size_t>(s.last), items->size());
      } else {
        count = items->size();
      }
      bool open = true;
      for (size_t i = count; i-- > 0 && open;) {
        if (s.seq >= 0 && (*items)[i].seq <= s.seq && !changed[i]) continue;
        open = s.writer->Write(message(i)) || !s.writer->closed();
      }
      s.seq = std::max<int64_t>(s.seq, newest);
      if (!open) {
        sub = watched.subscribers.erase(sub);
        continue;
      }
      ++sub;
    }
    if (watched.subscribers.empty()) {
      targets_.erase(it);
      continue;
    }
    watched.last_read.clear();
    for (const Item& item : *items) watched.last_read.emplace(item.seq, item.json);
  }
  // Keep-alive comments, so proxies keep the connections and dead peers are noticed.
  std::lock_guard<std::mutex> lock(mu_);
  if (clock_.Now() < next_keep_alive_) return;
  next_keep_alive_ = clock_.Now() + keep_alive_interval_;
  static const auto kKeepAlive = std::make_shared<const std::string>(": keep-alive\n\n");
  for (auto& [target, watched] : targets_) {
    for (auto& [ptr, sub] : watched.subscribers) sub.writer->Write(kKeepAlive);
  }
}

void DecisionStreams::Run() {
  std::unique_lock<std::mutex> lock(run_mu_);
  while (!stopping_) {
    run_cv_.wait_for(lock, poll_interval_, [this] { return stopping_ || wake_; });
    if (stopping_) break;
    wake_ = false;
    lock.unlock();
    PollOnce();
    lock.lock();
  }
}

}  // namespace gov::api
