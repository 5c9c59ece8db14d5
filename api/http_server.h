#pragma once

// Governor's HTTP/1.1 server: event-driven, on Boost.Beast and Boost.Asio.
//
// A few I/O threads (default: one per core) each run their own event loop; a new connection
// joins one loop (round robin) and stays on it, so its handlers never need a lock between
// them and the loops share nothing on the hot path. A connection is a socket,
// a timer and a small read buffer (released while the connection is idle), never a thread:
// an idle keep-alive connection uses no CPU. Routes marked Execution::kInline (evaluation,
// health, metrics) run on the I/O thread that read the request; every other route runs on a
// separate blocking pool and its response is written back from the event loop, so a slow or
// locked database never delays an evaluation. Server-sent-event streams are async writers
// with a bounded buffer: a reader that falls behind is disconnected.
//
// Protection: a connection limit (further connections get 503 and are closed), a header
// read timeout (slowloris), header and body size limits (431, 413), a keep-alive idle timeout,
// a write timeout, and pipelined requests answered in order.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "api/router.h"
#include "core/status.h"

namespace gov::api {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;        // 0 picks a free port
  int io_threads = 0;  // 0: one per core
  int blocking_threads = 16;
  int max_connections = 50000;
  std::chrono::milliseconds header_timeout{10000};      // first byte to end of headers
  std::chrono::milliseconds read_timeout{10000};        // reading a body; writing a response
  std::chrono::milliseconds keep_alive_timeout{60000};  // idle between requests
  size_t max_header_bytes = size_t{16} * 1024;
  size_t max_body_bytes = 1 << 20;
  int keep_alive_max_count = 0;          // requests per connection; 0 = unlimited
  size_t stream_buffer_bytes = 1 << 20;  // bytes a stream may have queued for a slow reader
};

// Counters the server keeps (read with relaxed ordering; for metrics and tests).
struct HttpServerStats {
  std::atomic<int64_t> connections{0};  // open now, streams included
  std::atomic<int64_t> streams{0};      // open streams now
  std::atomic<int64_t> accepted_total{0};
  std::atomic<int64_t> rejected_total{0};      // over max_connections
  std::atomic<int64_t> timeouts_total{0};      // header, body or write timeouts
  std::atomic<int64_t> slow_streams_total{0};  // streams closed for falling behind
};

class HttpServer {
 public:
  HttpServer(Router& router, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; returns the port (useful with port 0).
  core::StatusOr<int> Bind();
  // Runs the event loops on io_threads threads (this one included) until Stop().
  void Serve();
  // Stops accepting, closes idle connections, lets in-flight requests finish and ends open
  // streams cleanly (the terminating chunk), all within `deadline`; then stops the loops.
  // Returns false when connections were still open at the deadline. Safe from any thread,
  // more than once; Serve() returns after it.
  bool Stop(std::chrono::milliseconds deadline);

  const HttpServerStats& stats() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace gov::api
