#pragma once

// Server-sent event streams (https://html.spec.whatwg.org/multipage/server-sent-events.html)
// that push when an environment's flag revision changes.
//
// Cost: cpp-httplib serves a stream from one worker thread of its fixed pool for as long as
// the client stays connected, so FlagApiOptions::max_streams caps how many streams may be
// open at once (further requests get 503 with Retry-After) to keep workers for ordinary
// requests. An idle stream sleeps on a condition variable; it wakes every wait_slice to let
// the server notice shutdown and every keep_alive_interval to send a comment line, which is
// also how a closed connection is noticed and its slot released.

#include <httplib.h>

#include <functional>
#include <string>
#include <string_view>

#include "api/flag_api.h"

namespace gov::api {

// One SSE message: optional "event:" and "id:" lines, the data (split on newlines into
// "data:" lines), and the blank line that ends it.
std::string SseMessage(std::string_view event, std::string_view id, std::string_view data);

// Produces the events to send for `revision` of the stream's environment.
using SseEventsForRevision = std::function<std::string(int64_t revision)>;

// Turns `res` into an event stream for `environment`: sends initial(current revision) (may
// be empty) at once, then changed(revision) each time the revision moves on. Returns false,
// leaving `res` untouched, when max_streams streams are already open.
bool StartRevisionStream(FlagApi& api, std::string environment, SseEventsForRevision initial,
                         SseEventsForRevision changed, httplib::Response& res);

}  // namespace gov::api
