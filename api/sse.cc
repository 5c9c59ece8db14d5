#include "api/internal/sse.h"

#include <algorithm>

#include "api/internal/flag_api.h"
#include "core/thread_priority.h"

namespace gov::api {

std::string SseMessage(std::string_view event, std::string_view id, std::string_view data) {
  std::string out;
  out.reserve(data.size() + 64);
  if (!event.empty()) out.append("event: ").append(event).append("\n");
  if (!id.empty()) out.append("id: ").append(id).append("\n");
  size_t pos = 0;
  while (true) {
    const size_t nl = data.find('\n', pos);
    out.append("data: ").append(data.substr(pos, nl - pos)).append("\n");
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  out += '\n';
  return out;
}

StreamHub::StreamHub(ViewFn view, int max_streams, std::chrono::milliseconds keep_alive_interval,
                     const core::Clock& clock)
    : view_(std::move(view)),
      max_streams_(max_streams),
      keep_alive_interval_(keep_alive_interval),
      clock_(clock),
      next_keep_alive_(clock.Now() + keep_alive_interval) {
  keep_alive_thread_ = core::StartThread("gov-keepalive", [this] { KeepAlive(); });
}

StreamHub::~StreamHub() {
  {
    std::lock_guard<std::mutex> lock(keep_alive_mu_);
    stopping_ = true;
  }
  keep_alive_cv_.notify_all();
  keep_alive_thread_.join();
  std::vector<std::shared_ptr<StreamWriter>> writers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [name, env] : environments_) {
      for (auto& [ptr, sub] : env.subscribers) writers.push_back(sub.writer);
    }
    environments_.clear();
  }
  for (auto& w : writers) w->Close();
}

int StreamHub::open_streams() const { return open_->load(std::memory_order_relaxed); }

bool StartEventStream(const std::shared_ptr<std::atomic<int>>& open, int max_streams, Response& res,
                      std::function<void(const std::shared_ptr<StreamWriter>&)> on_open,
                      std::function<void(StreamWriter*)> on_close) {
  int n = open->load(std::memory_order_relaxed);
  do {
    if (n >= max_streams) return false;
  } while (!open->compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  std::shared_ptr<void> slot(nullptr,
                             [open](void*) { open->fetch_sub(1, std::memory_order_relaxed); });
  res.status = 200;
  res.content_type = "text/event-stream";
  res.SetHeader("Cache-Control", "no-cache");
  res.SetHeader("X-Accel-Buffering", "no");  // tell reverse proxies not to buffer
  auto start = std::make_shared<StreamStart>();
  auto opened = std::make_shared<StreamWriter*>(nullptr);
  start->on_open = [on_open = std::move(on_open), slot,
                    opened](const std::shared_ptr<StreamWriter>& writer) {
    *opened = writer.get();
    on_open(writer);
  };
  start->on_close = [on_close = std::move(on_close), slot, opened] {
    if (*opened) on_close(*opened);
  };
  res.stream = std::move(start);
  return true;
}

bool StreamHub::Start(const std::shared_ptr<const SseKind>& kind, std::string environment,
                      Response& res) {
  auto env = std::make_shared<const std::string>(std::move(environment));
  return StartEventStream(
      open_, max_streams_, res,
      [this, kind, env](const std::shared_ptr<StreamWriter>& writer) { Open(kind, *env, writer); },
      [this, env](StreamWriter* writer) { Closed(*env, writer); });
}

void StreamHub::Open(const std::shared_ptr<const SseKind>& kind, const std::string& environment,
                     const std::shared_ptr<StreamWriter>& writer) {
  // A retry hint and an opening comment reach the client at once, whatever follows.
  writer->Write(std::make_shared<const std::string>("retry: 5000\n: connected\n\n"));
  std::lock_guard<std::mutex> lock(mu_);
  Environment& env = environments_[environment];
  // The opening events and the registration happen under the lock that publishes take, so no
  // revision falls between them.
  std::shared_ptr<const EnvironmentView> view = env.last ? env.last : view_(environment);
  if (!env.last) env.last = view;
  if (kind->opening) {
    // Built once per kind and view, and shared by every stream that opens on that view.
    auto& [opened_on, text] = env.openings[kind.get()];
    if (!text || opened_on != view) {
      opened_on = view;
      text = std::make_shared<const std::string>(kind->opening(view.get()));
    }
    if (!text->empty()) writer->Write(text);
  }
  if (writer->closed()) return;
  const int64_t revision = view ? view->snapshot->revision : 0;
  env.subscribers[writer.get()] = Subscriber{writer, kind, revision};
}

void StreamHub::Closed(const std::string& environment, StreamWriter* writer) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = environments_.find(environment);
  if (it == environments_.end()) return;
  it->second.subscribers.erase(writer);
}

void StreamHub::Publish(const std::string& environment,
                        const std::shared_ptr<const EnvironmentView>& view) {
  if (!view) return;
  const int64_t revision = view->snapshot->revision;
  std::lock_guard<std::mutex> lock(mu_);
  Environment& env = environments_[environment];
  std::shared_ptr<const EnvironmentView> before = env.last;
  if (before && before->snapshot->revision >= revision) return;  // already sent
  env.last = view;
  const int64_t before_revision = before ? before->snapshot->revision : -1;
  // Each kind's events are built once: the change from `before`, and the full state for
  // streams that missed a revision.
  struct Built {
    std::shared_ptr<const std::string> change;
    std::shared_ptr<const std::string> full;
  };
  std::unordered_map<const SseKind*, Built> built;
  for (auto it = env.subscribers.begin(); it != env.subscribers.end();) {
    Subscriber& sub = it->second;
    if (sub.revision >= revision) {
      ++it;
      continue;
    }
    Built& b = built[sub.kind.get()];
    std::shared_ptr<const std::string>* text = nullptr;
    if (sub.revision == before_revision && before) {
      if (!b.change)
        b.change = std::make_shared<const std::string>(sub.kind->change(before.get(), *view));
      text = &b.change;
    } else {
      if (!b.full) b.full = std::make_shared<const std::string>(sub.kind->change(nullptr, *view));
      text = &b.full;
    }
    sub.revision = revision;
    if (!sub.writer->Write(*text) && sub.writer->closed()) {
      it = env.subscribers.erase(it);
      continue;
    }
    ++it;
  }
}

// The deadline is kept on the injected clock; the thread sleeps in real time, never longer
// than one interval, and asks the clock whether a round is due each time it wakes.
void StreamHub::KeepAlive() {
  std::unique_lock<std::mutex> lock(keep_alive_mu_);
  while (!stopping_) {
    const core::Duration left = next_keep_alive_ - clock_.Now();
    const core::Duration wait =
        std::clamp<core::Duration>(left, std::chrono::milliseconds(1), keep_alive_interval_);
    if (keep_alive_cv_.wait_for(lock, wait, [this] { return stopping_; })) break;
    lock.unlock();
    KeepAliveIfDue();
    lock.lock();
  }
}

bool StreamHub::KeepAliveIfDue() {
  static const auto comment = std::make_shared<const std::string>(": keep-alive\n\n");
  {
    std::lock_guard<std::mutex> lock(keep_alive_mu_);
    const core::TimePoint now = clock_.Now();
    if (now < next_keep_alive_) return false;
    next_keep_alive_ = now + keep_alive_interval_;
  }
  std::vector<std::shared_ptr<StreamWriter>> writers;
  {
    std::lock_guard<std::mutex> hub_lock(mu_);
    for (auto& [name, env] : environments_) {
      for (auto& [ptr, sub] : env.subscribers) writers.push_back(sub.writer);
    }
  }
  for (auto& w : writers) w->Write(comment);
  return true;
}

}  // namespace gov::api
