#include "api/sse.h"

#include <chrono>

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

namespace {

struct StreamState {
  FlagApi* api;
  std::string environment;
  SseEventsForRevision initial;
  SseEventsForRevision changed;
  int64_t revision = 0;
  bool started = false;
  std::chrono::steady_clock::time_point last_write;
};

bool Write(httplib::DataSink& sink, const std::string& text) {
  return text.empty() || sink.write(text.data(), text.size());
}

}  // namespace

bool StartRevisionStream(FlagApi& api, std::string environment, SseEventsForRevision initial,
                         SseEventsForRevision changed, httplib::Response& res) {
  if (!api.AcquireStream()) return false;
  auto state = std::make_shared<StreamState>();
  state->api = &api;
  state->environment = std::move(environment);
  state->initial = std::move(initial);
  state->changed = std::move(changed);
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");  // tell reverse proxies not to buffer
  // cpp-httplib calls the provider again as long as it returns true and the server is not
  // shutting down; each call waits at most one wait_slice.
  res.set_chunked_content_provider(
      "text/event-stream",
      [state](size_t, httplib::DataSink& sink) {
        FlagApi& api = *state->api;
        const auto now = std::chrono::steady_clock::now();
        if (!state->started) {
          state->started = true;
          state->last_write = now;
          auto view = api.View(state->environment);
          state->revision = view ? view->snapshot->revision : 0;
          // A retry hint and an opening comment flush the headers to the client at once.
          return Write(sink, "retry: 5000\n: connected\n\n") &&
                 Write(sink, state->initial ? state->initial(state->revision) : "");
        }
        const int64_t revision =
            api.WaitForRevision(state->environment, state->revision, api.options().wait_slice);
        if (revision != state->revision) {
          state->revision = revision;
          state->last_write = std::chrono::steady_clock::now();
          return Write(sink, state->changed(revision));
        }
        if (std::chrono::steady_clock::now() - state->last_write >=
            api.options().keep_alive_interval) {
          state->last_write = std::chrono::steady_clock::now();
          return Write(sink, ": keep-alive\n\n");
        }
        return true;
      },
      [state](bool) { state->api->ReleaseStream(); });
  return true;
}

}  // namespace gov::api
