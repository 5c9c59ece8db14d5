// The event-driven HTTP server under hostile and heavy use: thousands of idle keep-alive
// connections, slowloris, oversized headers, pipelining, the connection limit, a stream whose
// reader stops reading, shutdown with open streams, and a database stall during evaluation.

#include "api/http_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "tests/api/test_server.h"

namespace gov::api {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A raw TCP connection to 127.0.0.1:port, for what an HTTP client library will not send.
class RawConnection {
 public:
  explicit RawConnection(int port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads until `needle` has arrived, the peer closes, or `timeout` passes; returns all read.
  std::string ReadUntil(std::string_view needle, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(needle) == std::string::npos) {
      if (!ReadSome(until)) break;
    }
    return buffer_;
  }
  // True when the peer closed the connection before `timeout` (data read meanwhile is kept).
  bool WaitForClose(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (!ReadSome(until)) return closed_;
    }
  }
  const std::string& received() const { return buffer_; }

 private:
  // Reads what is there; false on close, error or the deadline.
  bool ReadSome(std::chrono::steady_clock::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

// A router with a few plain routes and one stream route, served by an HttpServer.
class Harness {
 public:
  explicit Harness(std::function<void(HttpServerOptions&)> tweak = nullptr)
      : auth_(clock_), limiter_(clock_, {}), metrics_("test") {
    router_ = std::make_unique<Router>(auth_, limiter_, metrics_, nullptr, false);
    router_->Add({"GET", "/hello/{name}", Access::kPublic, RateClass::kNone,
                  [](RequestContext& ctx, Response& res) {
                    res.SetContent("hello " + ctx.PathParam(0), "text/plain");
                  },
                  nullptr, Execution::kInline});
    router_->Add(
        {"POST", "/echo", Access::kPublic, RateClass::kNone,
         [](RequestContext& ctx, Response& res) { res.SetContent(ctx.req.body, "text/plain"); }});
    router_->Add({"GET", "/stream", Access::kPublic, RateClass::kNone,
                  [this](RequestContext&, Response& res) {
                    res.status = 200;
                    res.content_type = "text/event-stream";
                    auto start = std::make_shared<StreamStart>();
                    start->on_open = [this](const std::shared_ptr<StreamWriter>& w) {
                      std::lock_guard<std::mutex> lock(mu_);
                      writers_.push_back(w);
                      w->Write(std::make_shared<const std::string>(": open\n\n"));
                    };
                    start->on_close = [this] { closed_streams_.fetch_add(1); };
                    res.stream = std::move(start);
                  },
                  nullptr, Execution::kInline});
    HttpServerOptions options;
    options.io_threads = 2;
    options.blocking_threads = 2;
    if (tweak) tweak(options);
    server_ = std::make_unique<HttpServer>(*router_, options);
    port_ = *server_->Bind();
    thread_ = std::thread([this] { server_->Serve(); });
  }
  ~Harness() {
    server_->Stop(std::chrono::seconds(5));
    thread_.join();
  }

  int port() const { return port_; }
  HttpServer& server() { return *server_; }
  std::vector<std::shared_ptr<StreamWriter>> writers() {
    std::lock_guard<std::mutex> lock(mu_);
    return writers_;
  }
  // Waits until `n` streams are open (bounded by the test's own timeout).
  void WaitForStreams(size_t n) {
    for (int i = 0; i < 2000 && writers().size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(writers().size(), n);
  }
  int closed_streams() const { return closed_streams_.load(); }
  std::string Get(const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Get(path);
    return res ? std::to_string(res->status) + " " + res->body : "error";
  }

 private:
  core::FakeClock clock_;
  Authenticator auth_;
  RateLimiter limiter_;
  HttpMetrics metrics_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::shared_ptr<StreamWriter>> writers_;
  std::atomic<int> closed_streams_{0};
};

// Raises this process's open-file limit to allow `n` more descriptors; false when it cannot.
bool AllowDescriptors(rlim_t n) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur >= n) return true;
  limit.rlim_cur = std::min(limit.rlim_max, n);
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur >= n;
}

TEST(HttpServerTest, ThousandsOfIdleKeepAliveConnectionsStayOpenAndServed) {
  constexpr int kConnections = 3000;
  ASSERT_TRUE(AllowDescriptors(2 * kConnections + 256)) << "cannot raise RLIMIT_NOFILE";
  Harness h([](HttpServerOptions& o) { o.io_threads = 1; });
  std::vector<std::unique_ptr<RawConnection>> conns;
  conns.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) {
    conns.push_back(std::make_unique<RawConnection>(h.port()));
    ASSERT_TRUE(conns.back()->connected()) << i;
    ASSERT_TRUE(conns.back()->Send("GET /hello/a HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  for (auto& c : conns)
    ASSERT_THAT(c->ReadUntil("hello a", std::chrono::seconds(20)), HasSubstr("hello a"));
  // While they all sit idle, a new client is served at once (one I/O thread serves them all).
  EXPECT_EQ(h.Get("/hello/b"), "200 hello b");
  EXPECT_GE(h.server().stats().connections.load(), kConnections);
  // Each idle connection is still open and serves its next request.
  for (auto& c : conns) ASSERT_TRUE(c->Send("GET /hello/c HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (auto& c : conns)
    EXPECT_THAT(c->ReadUntil("hello c", std::chrono::seconds(20)), HasSubstr("hello c"));
}

TEST(HttpServerTest, SlowlorisIsCutOffAtTheHeaderTimeoutWhileOthersAreServed) {
  Harness h([](HttpServerOptions& o) { o.header_timeout = std::chrono::milliseconds(300); });
  RawConnection slow(h.port());
  ASSERT_TRUE(slow.Send("GET /hello/a HTTP/1.1\r\nHost: x\r\n"));
  // One header line at a time, never the blank line that ends the headers.
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    EXPECT_EQ(h.Get("/hello/b"), "200 hello b");
    if (!slow.Send("X-Slow-" + std::to_string(i) + ": 1\r\n")) break;
    closed = slow.WaitForClose(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(closed || slow.WaitForClose(std::chrono::seconds(10)));
  EXPECT_GE(h.server().stats().timeouts_total.load(), 1);
}

TEST(HttpServerTest, AnIdleKeepAliveConnectionIsClosedAfterItsTimeout) {
  Harness h([](HttpServerOptions& o) { o.keep_alive_timeout = std::chrono::milliseconds(200); });
  RawConnection c(h.port());
  ASSERT_TRUE(c.Send("GET /hello/a HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_THAT(c.ReadUntil("hello a", std::chrono::seconds(10)), HasSubstr("hello a"));
  EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(10)));
}

TEST(HttpServerTest, OversizedHeadersGet431AndTheConnectionCloses) {
  Harness h([](HttpServerOptions& o) { o.max_header_bytes = 4096; });
  RawConnection c(h.port());
  ASSERT_TRUE(
      c.Send("GET /hello/a HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n"));
  EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(10)));
  EXPECT_THAT(c.received(), StartsWith("HTTP/1.1 431 "));
  const std::string body = c.received().substr(c.received().find("\r\n\r\n") + 4);
  const core::Json err = core::Json::parse(body);
  EXPECT_EQ(err["error"]["field"], "headers");
  // Under the limit is fine.
  EXPECT_EQ(h.Get("/hello/b"), "200 hello b");
}

TEST(HttpServerTest, AnOversizedBodyGets413BeforeItIsRead) {
  Harness h([](HttpServerOptions& o) { o.max_body_bytes = 1024; });
  RawConnection c(h.port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"));
  EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(10)));
  EXPECT_THAT(c.received(), StartsWith("HTTP/1.1 413 "));
  EXPECT_THAT(c.received(), HasSubstr("\"field\":\"body\""));
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Harness h;
  RawConnection c(h.port());
  // Inline, blocking (the pool) and unmatched routes, all in one write.
  ASSERT_TRUE(
      c.Send("GET /hello/one HTTP/1.1\r\nHost: x\r\n\r\n"
             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo"
             "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /hello/four HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(10)));
  const std::string& all = c.received();
  const size_t one = all.find("hello one");
  const size_t two = all.find("\r\n\r\ntwo");
  const size_t three = all.find("HTTP/1.1 404");
  const size_t four = all.find("hello four");
  ASSERT_NE(one, std::string::npos) << all;
  ASSERT_NE(two, std::string::npos) << all;
  ASSERT_NE(three, std::string::npos) << all;
  ASSERT_NE(four, std::string::npos) << all;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  EXPECT_LT(three, four);
  EXPECT_THAT(all.substr(three), HasSubstr("Connection: close"));
}

TEST(HttpServerTest, ConnectionsBeyondTheLimitGet503AndAreClosed) {
  Harness h([](HttpServerOptions& o) { o.max_connections = 2; });
  RawConnection a(h.port()), b(h.port());
  ASSERT_TRUE(a.Send("GET /hello/a HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b.Send("GET /hello/b HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_THAT(a.ReadUntil("hello a", std::chrono::seconds(10)), HasSubstr("hello a"));
  ASSERT_THAT(b.ReadUntil("hello b", std::chrono::seconds(10)), HasSubstr("hello b"));
  RawConnection c(h.port());
  EXPECT_TRUE(c.WaitForClose(std::chrono::seconds(10)));
  EXPECT_THAT(c.received(), StartsWith("HTTP/1.1 503 "));
  EXPECT_THAT(c.received(), HasSubstr("Retry-After: 1"));
  EXPECT_EQ(h.server().stats().rejected_total.load(), 1);
}

TEST(HttpServerTest, AStreamWhoseReaderStopsReadingIsClosed) {
  Harness h([](HttpServerOptions& o) {
    o.stream_buffer_bytes = 256 * 1024;
    o.read_timeout = std::chrono::seconds(60);  // the buffer limit acts first
  });
  RawConnection reader(h.port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(reader.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  h.WaitForStreams(1);
  auto writer = h.writers()[0];
  // The reader never reads: the kernel's buffers fill, then the stream's own buffer.
  const auto chunk = std::make_shared<const std::string>(64 * 1024, 'x');
  bool refused = false;
  for (int i = 0; i < 20000 && !refused; ++i) refused = !writer->Write(chunk);
  EXPECT_TRUE(refused);
  EXPECT_TRUE(writer->closed());
  for (int i = 0; i < 2000 && h.closed_streams() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(h.closed_streams(), 1);
  EXPECT_EQ(h.server().stats().slow_streams_total.load(), 1);
  // Other clients are unaffected.
  EXPECT_EQ(h.Get("/hello/b"), "200 hello b");
}

TEST(HttpServerTest, ShutdownEndsOpenStreamsCleanlyAndFinishesInFlightRequests) {
  auto h = std::make_unique<Harness>();
  std::vector<std::unique_ptr<RawConnection>> streams;
  for (int i = 0; i < 3; ++i) {
    streams.push_back(std::make_unique<RawConnection>(h->port()));
    ASSERT_TRUE(streams.back()->Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  h->WaitForStreams(3);
  for (auto& s : streams)
    ASSERT_THAT(s->ReadUntil(": open", std::chrono::seconds(10)), HasSubstr(": open"));
  RawConnection idle(h->port());
  EXPECT_TRUE(h->server().Stop(std::chrono::seconds(10)));
  for (auto& s : streams) {
    EXPECT_TRUE(s->WaitForClose(std::chrono::seconds(10)));
    // The terminating chunk: the client sees a complete response, not a reset.
    EXPECT_THAT(s->received(), ::testing::EndsWith("0\r\n\r\n"));
  }
  EXPECT_TRUE(idle.WaitForClose(std::chrono::seconds(10)));
  EXPECT_EQ(h->closed_streams(), 3);
  h.reset();
}

// With the database locked, requests that write wait on the blocking pool; evaluation,
// health and metrics run on the event loop and are answered meanwhile.
TEST(HttpServerTest, ADatabaseStallDoesNotDelayEvaluation) {
  api::testing::TestServer ts([](ServerConfig& c) { c.workers = 2; });
  const std::string frontend = ts.CreateToken("frontend", "web")["secret"];
  const std::string db_path =
      ts.server().config().database_url.substr(std::string("sqlite://").size());

  sqlite3* lock = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &lock), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(lock, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);

  // More writers than the pool has threads: every pool thread waits on the lock.
  std::vector<std::future<int>> writers;
  for (int i = 0; i < 4; ++i) {
    writers.push_back(std::async(std::launch::async, [&ts, i] {
      auto res = ts.Client()->Post("/api/v1/tokens", api::testing::TestServer::Admin(),
                                   core::Json{{"type", "client"},
                                              {"name", "stalled-" + std::to_string(i)},
                                              {"environment", "development"}}
                                       .dump(),
                                   "application/json");
      return res ? res->status : -1;
    }));
  }
  // Give the writers time to reach the database (they cannot finish while the lock is held,
  // until the store's 5 s busy timeout).
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 0; i < 5; ++i) {
    auto eval = ts.Client()->Get("/api/frontend", api::testing::TestServer::Bearer(frontend));
    ASSERT_TRUE(eval);
    EXPECT_EQ(eval->status, 200);
    EXPECT_EQ(ts.Client()->Get("/healthz")->status, 200);
    EXPECT_EQ(ts.Client()->Get("/metrics")->status, 200);
  }
  // All of that was answered while every writer was still waiting.
  for (auto& w : writers) {
    EXPECT_EQ(w.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  }
  ASSERT_EQ(sqlite3_exec(lock, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(lock);
  for (auto& w : writers) {
    const int status = w.get();
    // A writer either got through once the lock was released, or gave up on the store's busy
    // timeout with an honest 503; never a success that was not stored.
    EXPECT_TRUE(status == 201 || status == 503) << status;
  }
}

}  // namespace
}  // namespace gov::api
