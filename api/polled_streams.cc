#include "api/internal/polled_streams.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "api/internal/sse.h"
#include "core/thread_priority.h"

namespace gov::api {

PolledStreams::PolledStreams(std::string event, Fetch fetch, int max_streams,
                             std::chrono::milliseconds poll_interval,
                             std::chrono::milliseconds keep_alive_interval,
                             const core::Clock& clock, Rounds rounds)
    : event_(std::move(event)),
      fetch_(std::move(fetch)),
      max_streams_(max_streams),
      poll_interval_(poll_interval),
      keep_alive_interval_(keep_alive_interval),
      clock_(clock),
      next_keep_alive_(clock.Now() + keep_alive_interval) {
  if (rounds == Rounds::kOwnThread) thread_ = core::StartThread("gov-polled", [this] { Run(); });
}

PolledStreams::~PolledStreams() {
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    stopping_ = true;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::shared_ptr<StreamWriter>> writers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, watched] : keys_) {
      for (auto& [ptr, sub] : watched.subscribers) writers.push_back(sub.writer);
    }
    keys_.clear();
  }
  for (auto& w : writers) w->Close();
}

int PolledStreams::open_streams() const { return open_->load(std::memory_order_relaxed); }

bool PolledStreams::Start(std::string key, int last, Response& res) {
  auto name = std::make_shared<const std::string>(std::move(key));
  last = std::clamp(last, 0, kMaxLast);
  return StartEventStream(
      open_, max_streams_, res,
      [this, name, last](const std::shared_ptr<StreamWriter>& writer) {
        Open(*name, last, writer);
      },
      [this, name](StreamWriter* writer) { Closed(*name, writer); });
}

void PolledStreams::Open(const std::string& key, int last,
                         const std::shared_ptr<StreamWriter>& writer) {
  writer->Write(std::make_shared<const std::string>("retry: 5000\n: connected\n\n"));
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys_[key].subscribers[writer.get()] = Subscriber{writer, last, -1};
  }
  // The opening is read on the streams' thread, never on the connection's.
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    wake_ = true;
  }
  run_cv_.notify_all();
}

void PolledStreams::Closed(const std::string& key, StreamWriter* writer) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  it->second.subscribers.erase(writer);
  if (it->second.subscribers.empty()) keys_.erase(it);
}

void PolledStreams::PollOnce() {
  // What to read: each watched key, with as many items as its largest opening needs.
  std::vector<std::pair<std::string, int>> reads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, watched] : keys_) {
      int limit = 20;
      for (const auto& [ptr, sub] : watched.subscribers) {
        if (sub.seq < 0) limit = std::max(limit, sub.last);
      }
      reads.emplace_back(key, limit);
    }
  }
  for (const auto& [key, limit] : reads) {
    auto items = fetch_(key, limit);  // newest first
    if (!items.ok()) continue;        // a key deleted, or the store away: try again later
    // Each item's message is built once and shared by every stream that gets it.
    std::vector<std::shared_ptr<const std::string>> messages(items->size());
    auto message = [&](size_t i) {
      if (!messages[i]) {
        const Item& item = (*items)[i];
        messages[i] = std::make_shared<const std::string>(
            SseMessage(event_, std::to_string(item.seq), item.json));
      }
      return messages[i];
    };
    const int64_t newest = items->empty() ? 0 : items->front().seq;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = keys_.find(key);
    if (it == keys_.end()) continue;
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
      keys_.erase(it);
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
  for (auto& [key, watched] : keys_) {
    for (auto& [ptr, sub] : watched.subscribers) sub.writer->Write(kKeepAlive);
  }
}

void PolledStreams::Run() {
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
