#include "api/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/thread_priority.h"

namespace gov::api {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;
// Each event loop is an io_context run by one thread, and a connection lives on one loop, so
// its handlers never run concurrently and need no strand.
using Strand = net::io_context::executor_type;

namespace {

constexpr int kListenBacklog = 4096;
constexpr SteadyTime kNever = SteadyTime::max();
// A stream's terminating chunk; queued last on a clean close.
const std::shared_ptr<const std::string> kLastChunk = std::make_shared<const std::string>(" ");
constexpr const char kEndOfChunks[] = "0\r\n\r\n";
constexpr const char kCrlf[] = "\r\n";

const char* Reason(int status) {
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  return reason.empty() ? "Unknown" : reason.data();
}

// The response head: status line and headers, ending with the blank line.
std::string SerializeHead(const Response& res, bool keep_alive, bool http10, bool chunked,
                          size_t content_length) {
  std::string out;
  out.reserve(256);
  out.append("HTTP/1.1 ").append(std::to_string(res.status)).append(" ");
  out.append(Reason(res.status)).append("\r\n");
  for (const auto& [k, v] : res.headers) out.append(k).append(": ").append(v).append("\r\n");
  if (!res.content_type.empty())
    out.append("Content-Type: ").append(res.content_type).append("\r\n");
  if (chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (res.status >= 200 && res.status != 204 && res.status != 304) {
    out.append("Content-Length: ").append(std::to_string(content_length)).append("\r\n");
  }
  if (!keep_alive)
    out.append("Connection: close\r\n");
  else if (http10)
    out.append("Connection: keep-alive\r\n");
  out.append("\r\n");
  return out;
}

std::string ChunkHeader(size_t n) {
  char buf[24];
  const int len = std::snprintf(buf, sizeof(buf), "%zx\r\n", n);
  return std::string(buf, static_cast<size_t>(len));
}

}  // namespace

class Session;

class HttpServer::Impl {
 public:
  Impl(Router& router, HttpServerOptions options)
      : router_(router),
        options_(std::move(options)),
        io_threads_(options_.io_threads > 0
                        ? options_.io_threads
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))),
        contexts_(MakeContexts(io_threads_)),
        acceptor_(*contexts_[0]),
        accept_retry_(acceptor_.get_executor()),
        blocking_(static_cast<size_t>(std::max(1, options_.blocking_threads))) {
    for (auto& c : contexts_) work_.push_back(net::make_work_guard(*c));
  }

  core::StatusOr<int> Bind();
  void Serve();
  bool Stop(std::chrono::milliseconds deadline);

  void Register(const std::shared_ptr<Session>& s);
  void Unregister(Session* s);

  Router& router() { return router_; }
  const HttpServerOptions& options() const { return options_; }
  net::thread_pool& blocking() { return blocking_; }
  HttpServerStats& stats() { return stats_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

 private:
  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket, const Strand& strand);
  void Reject(tcp::socket socket);

  Router& router_;
  HttpServerOptions options_;
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int n) {
    std::vector<std::unique_ptr<net::io_context>> out;
    out.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) out.push_back(std::make_unique<net::io_context>(1));
    return out;
  }

  int io_threads_;
  std::vector<std::unique_ptr<net::io_context>> contexts_;  // one per I/O thread
  size_t next_context_ = 0;                                 // round robin for new connections
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
  net::thread_pool blocking_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work_;
  HttpServerStats stats_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> serving_{false};

  std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;

  std::mutex serve_mu_;
  std::condition_variable serve_cv_;
  bool serve_done_ = false;
  std::vector<std::thread> threads_;
};

// One connection. Every member is touched only on the connection's strand, except the stream
// queue (stream_mu_), which StreamWriter::Write fills from any thread.
class Session : public std::enable_shared_from_this<Session>, public StreamWriter {
 public:
  Session(HttpServer::Impl* server, tcp::socket socket, Strand strand)
      : server_(server), strand_(std::move(strand)), socket_(std::move(socket)), timer_(strand_) {
    beast::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    socket_.set_option(tcp::no_delay(true), ec);
  }

  void Start() {
    server_->Register(shared_from_this());
    WaitForRequest();
  }

  const Strand& executor() const { return strand_; }

  // Called on the strand when the server stops.
  void Shutdown() {
    stopping_ = true;
    if (closed_) return;
    switch (state_) {
      case State::kIdle:
        return Close();
      case State::kStreaming:
        return EndStream();
      default:
        return;  // the response in progress carries Connection: close
    }
  }

  // StreamWriter
  bool Write(std::shared_ptr<const std::string> data) override {
    std::lock_guard<std::mutex> lock(stream_mu_);
    if (stream_closed_) return false;
    if (data->empty()) return true;
    if (queued_bytes_ + data->size() > server_->options().stream_buffer_bytes) {
      stream_closed_ = true;
      server_->stats().slow_streams_total.fetch_add(1, std::memory_order_relaxed);
      net::post(strand_, [self = shared_from_this()] { self->Close(); });
      return false;
    }
    queued_bytes_ += data->size();
    queue_.push_back(std::move(data));
    if (!flush_scheduled_) {
      flush_scheduled_ = true;
      net::post(strand_, [self = shared_from_this()] { self->FlushStream(); });
    }
    return true;
  }
  // Closes from a thread that runs no loop (the server has stopped).
  void ForceClose() { CloseNow(); }

  void Close() override {
    if (dead_.load(std::memory_order_acquire)) return;
    if (!strand_.running_in_this_thread()) {
      net::post(strand_, [self = shared_from_this()] { self->Close(); });
      return;
    }
    CloseNow();
  }
  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    dead_.store(true, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(stream_mu_);
      stream_closed_ = true;
      queue_.clear();
    }
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    timer_.cancel();
    if (state_ == State::kStreaming) {
      server_->stats().streams.fetch_sub(1, std::memory_order_relaxed);
      if (stream_ && stream_->on_close) stream_->on_close();
      stream_.reset();
    }
    state_ = State::kClosed;
    server_->Unregister(this);
  }
  bool closed() const override {
    std::lock_guard<std::mutex> lock(stream_mu_);
    return stream_closed_;
  }

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kStreaming, kClosed };

  // The one timer: when it fires at or after deadline_ the connection is closed. Moving the
  // deadline later costs nothing (the timer re-arms when it fires early); earlier re-arms.
  void SetDeadline(SteadyTime deadline) {
    deadline_ = deadline;
    if (deadline >= armed_until_) return;
    armed_until_ = deadline;
    timer_.expires_at(deadline);
    timer_.async_wait([self = shared_from_this(), deadline](beast::error_code ec) {
      self->OnTimer(ec, deadline);
    });
  }
  void SetTimeout(std::chrono::milliseconds d) {
    SetDeadline(std::chrono::steady_clock::now() + d);
  }
  void OnTimer(beast::error_code ec, SteadyTime armed) {
    if (ec || closed_ || armed != armed_until_) return;  // re-armed or cancelled
    armed_until_ = kNever;
    if (deadline_ == kNever) return;
    if (std::chrono::steady_clock::now() >= deadline_) {
      if (state_ != State::kIdle) {
        server_->stats().timeouts_total.fetch_add(1, std::memory_order_relaxed);
      }
      return Close();
    }
    SetDeadline(deadline_);
  }

  void WaitForRequest() {
    state_ = State::kIdle;
    if (stopping_ || server_->stopping()) return Close();
    if (buffer_.size() > 0) return ReadHeader();             // a pipelined request is already here
    if (buffer_.capacity() > 8192) buffer_.shrink_to_fit();  // idle connections hold no buffer
    SetTimeout(server_->options().keep_alive_timeout);
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return self->Close();
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    state_ = State::kReading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options().max_header_bytes));
    parser_->body_limit(server_->options().max_body_bytes);
    SetTimeout(server_->options().header_timeout);
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (closed_) return;
    if (ec) return ReadFailed(ec);
    const auto& msg = parser_->get();
    if (const auto len = parser_->content_length();
        len && *len > server_->options().max_body_bytes) {
      return RespondError(413);
    }
    if (beast::iequals(msg[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<const std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      SetTimeout(server_->options().read_timeout);
      return net::async_write(socket_, net::buffer(*cont),
                              [self = shared_from_this(), cont](beast::error_code wec, size_t) {
                                if (wec) return self->Close();
                                self->ReadBody();
                              });
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return Dispatch();
    SetTimeout(server_->options().read_timeout);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (self->closed_) return;
                       if (ec) return self->ReadFailed(ec);
                       self->Dispatch();
                     });
  }

  void ReadFailed(beast::error_code ec) {
    if (ec == http::error::header_limit) return RespondError(431);
    if (ec == http::error::body_limit) return RespondError(413);
    // A malformed request gets 400; a closed, reset or timed-out connection just closes.
    const bool malformed =
        ec.category() == beast::http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message;
    if (!malformed) return Close();
    RespondError(400);
  }

  // Answers an error the transport found, then closes the connection.
  void RespondError(int status) {
    request_ = Request();
    request_.remote_addr = remote_;
    if (parser_) {
      const auto& msg = parser_->get();
      request_.method = std::string(msg.method_string());
      request_.target = std::string(msg.target());
      request_.path = request_.target.substr(0, request_.target.find('?'));
    }
    response_ = Response();
    keep_alive_ = false;
    server_->router().HandleUnmatched(request_, response_, status, "");
    WriteResponse();
  }

  void Dispatch() {
    state_ = State::kHandling;
    SetDeadline(kNever);
    auto& msg = parser_->get();
    request_ = Request();
    request_.method = std::string(msg.method_string());
    request_.target = std::string(msg.target());
    const size_t q = request_.target.find('?');
    request_.path = UrlDecode(std::string_view(request_.target).substr(0, q), false);
    if (q != std::string::npos) request_.params = ParseQuery(request_.target.substr(q + 1));
    request_.headers.reserve(8);
    for (const auto& field : msg) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request_.body = std::move(msg.body());
    request_.remote_addr = remote_;
    head_ = msg.method() == http::verb::head;
    http10_ = msg.version() == 10;
    ++served_;
    const int max_count = server_->options().keep_alive_max_count;
    keep_alive_ = msg.keep_alive() && !stopping_ && !server_->stopping() &&
                  (max_count <= 0 || served_ < max_count);
    parser_.reset();
    response_ = Response();

    RouteMatch match = server_->router().Match(request_.method, request_.path);
    if (!match.route) {
      server_->router().HandleUnmatched(request_, response_, match.allow.empty() ? 404 : 405,
                                        match.allow);
      return WriteResponse();
    }
    request_.path_params = std::move(match.params);
    const Route* route = match.route;
    if (route->execution == Execution::kInline) {
      server_->router().Handle(*route, request_, response_);
      return WriteResponse();
    }
    net::post(server_->blocking(), [self = shared_from_this(), route] {
      self->server_->router().Handle(*route, self->request_, self->response_);
      net::post(self->strand_, [self] { self->WriteResponse(); });
    });
  }

  void WriteResponse() {
    if (closed_) return;
    if (stopping_ || server_->stopping()) keep_alive_ = false;
    if (response_.stream && response_.status >= 200 && response_.status < 300 && !head_) {
      return StartStream();
    }
    state_ = State::kWriting;
    head_text_ = SerializeHead(response_, keep_alive_, http10_, false, response_.body.size());
    std::array<net::const_buffer, 2> buffers{net::buffer(head_text_), net::buffer(response_.body)};
    if (head_) buffers[1] = net::const_buffer();
    SetTimeout(server_->options().read_timeout);
    net::async_write(socket_, buffers, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (self->closed_) return;
      if (ec || !self->keep_alive_) return self->Close();
      self->head_text_.clear();
      self->response_ = Response();
      self->request_ = Request();
      self->WaitForRequest();
    });
  }

  void StartStream() {
    state_ = State::kStreaming;
    stream_ = response_.stream;
    server_->stats().streams.fetch_add(1, std::memory_order_relaxed);
    SetDeadline(kNever);
    head_pending_ = true;
    Write(std::make_shared<const std::string>(SerializeHead(response_, true, http10_, true, 0)));
    response_ = Response();
    request_ = Request();
    buffer_.clear();
    buffer_.shrink_to_fit();
    WatchStreamReader();
    if (stream_->on_open) stream_->on_open(shared_from_this());
  }

  // A stream's client sends nothing more; a read completes only when it closes the
  // connection (or sends garbage), which ends the stream.
  void WatchStreamReader() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (self->closed_) return;
      if (ec) return self->Close();
      char scratch[512];
      beast::error_code rec;
      const size_t n = self->socket_.read_some(net::buffer(scratch), rec);
      if (rec || n == 0) return self->Close();
      self->WatchStreamReader();
    });
  }

  // Ends the stream cleanly: the terminating chunk, then close.
  void EndStream() {
    {
      std::lock_guard<std::mutex> lock(stream_mu_);
      if (stream_closed_) return;
      queue_.push_back(kLastChunk);
      stream_closed_ = true;
      if (flush_scheduled_) return;
      flush_scheduled_ = true;
    }
    FlushStream();
  }

  void FlushStream() {
    if (closed_) return;
    {
      std::lock_guard<std::mutex> lock(stream_mu_);
      writing_.clear();
      writing_.swap(queue_);
    }
    // Each chunk is its size line, the data (shared with every other stream) and CRLF.
    chunk_heads_.clear();
    chunk_heads_.reserve(writing_.size());  // buffers point into it: no reallocation
    buffers_.clear();
    size_t bytes = 0;
    bool last = false;
    for (const auto& data : writing_) {
      if (data == kLastChunk) {
        buffers_.push_back(net::buffer(kEndOfChunks, 5));
        last = true;
        break;
      }
      bytes += data->size();
      if (head_pending_) {  // the response head goes first, unframed
        head_pending_ = false;
        buffers_.push_back(net::buffer(*data));
        continue;
      }
      chunk_heads_.push_back(ChunkHeader(data->size()));
      buffers_.push_back(net::buffer(chunk_heads_.back()));
      buffers_.push_back(net::buffer(*data));
      buffers_.push_back(net::buffer(kCrlf, 2));
    }
    if (buffers_.empty()) {
      std::lock_guard<std::mutex> lock(stream_mu_);
      flush_scheduled_ = false;
      return;
    }
    // A reader that stops reading fills the socket buffer; the write then times out.
    SetTimeout(server_->options().read_timeout);
    net::async_write(socket_, buffers_,
                     [self = shared_from_this(), bytes, last](beast::error_code ec, size_t) {
                       if (self->closed_) return;
                       if (ec || last) return self->Close();
                       self->SetDeadline(kNever);
                       bool more = false;
                       {
                         std::lock_guard<std::mutex> lock(self->stream_mu_);
                         self->queued_bytes_ -= std::min(self->queued_bytes_, bytes);
                         more = !self->queue_.empty();
                         if (!more) self->flush_scheduled_ = false;
                       }
                       if (more) self->FlushStream();
                     });
  }

  HttpServer::Impl* server_;  // outlives every session's use of it (see Impl::Stop)
  Strand strand_;             // the socket's loop: every handler of the session runs here
  tcp::socket socket_;
  net::steady_timer timer_;
  SteadyTime deadline_ = kNever;
  SteadyTime armed_until_ = kNever;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  State state_ = State::kIdle;
  bool closed_ = false;
  std::atomic<bool> dead_{false};  // closed_, readable from any thread
  bool stopping_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
  bool http10_ = false;
  int served_ = 0;
  Request request_;
  Response response_;
  std::string head_text_;

  // Streaming.
  std::shared_ptr<StreamStart> stream_;
  mutable std::mutex stream_mu_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  size_t queued_bytes_ = 0;
  bool flush_scheduled_ = false;
  bool stream_closed_ = false;
  bool head_pending_ = false;
  std::deque<std::shared_ptr<const std::string>> writing_;
  std::vector<std::string> chunk_heads_;
  std::vector<net::const_buffer> buffers_;
};

core::StatusOr<int> HttpServer::Impl::Bind() {
  beast::error_code ec;
  const auto address =
      net::ip::make_address(options_.host == "localhost" ? "127.0.0.1" : options_.host, ec);
  if (ec)
    return core::InvalidArgument("cannot parse listen host " + options_.host, "server.listen");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(kListenBacklog, ec);
  if (ec) {
    return core::Unavailable("cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + ": " + ec.message());
  }
  return static_cast<int>(acceptor_.local_endpoint().port());
}

void HttpServer::Impl::Accept() {
  Strand strand = contexts_[next_context_++ % contexts_.size()]->get_executor();
  acceptor_.async_accept(strand, [this, strand](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket), strand);
  });
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket, const Strand& strand) {
  if (stopping()) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    // Out of file descriptors (or a transient error): wait a little instead of spinning.
    spdlog::warn("accept failed: {}", ec.message());
    accept_retry_.expires_after(std::chrono::milliseconds(50));
    accept_retry_.async_wait([this](beast::error_code wec) {
      if (!wec) Accept();
    });
    return;
  }
  stats_.accepted_total.fetch_add(1, std::memory_order_relaxed);
  if (stats_.connections.load(std::memory_order_relaxed) >= options_.max_connections) {
    Reject(std::move(socket));
  } else {
    // The connection's handlers all run on its own loop, starting with this one.
    auto session = std::make_shared<Session>(this, std::move(socket), strand);
    net::post(strand, [session] { session->Start(); });
  }
  Accept();
}

// Over the connection limit: a 503 at once, without reading the request, then close.
void HttpServer::Impl::Reject(tcp::socket socket) {
  stats_.rejected_total.fetch_add(1, std::memory_order_relaxed);
  Request req;
  req.method = "GET";
  req.path = "*";
  Response res;
  router_.HandleUnmatched(req, res, 503, "");
  auto text = std::make_shared<std::string>(
      SerializeHead(res, false, false, false, res.body.size()) + res.body);
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  net::async_write(*sock, net::buffer(*text), [sock, text](beast::error_code, size_t) {
    beast::error_code ec;
    sock->shutdown(tcp::socket::shutdown_send, ec);
    sock->close(ec);
  });
}

void HttpServer::Impl::Register(const std::shared_ptr<Session>& s) {
  stats_.connections.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(sessions_mu_);
  sessions_.emplace(s.get(), s);
}

void HttpServer::Impl::Unregister(Session* s) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  if (sessions_.erase(s) > 0) stats_.connections.fetch_sub(1, std::memory_order_relaxed);
  if (sessions_.empty()) sessions_cv_.notify_all();
}

void HttpServer::Impl::Serve() {
  serving_ = true;
  Accept();
  threads_.reserve(contexts_.size() - 1);
  for (size_t i = 1; i < contexts_.size(); ++i) {
    threads_.push_back(core::StartThread("gov-http", [this, i] { contexts_[i]->run(); }));
  }
  contexts_[0]->run();
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard<std::mutex> lock(serve_mu_);
  serve_done_ = true;
  serve_cv_.notify_all();
}

bool HttpServer::Impl::Stop(std::chrono::milliseconds deadline) {
  if (stopping_.exchange(true)) return true;
  const auto until = std::chrono::steady_clock::now() + deadline;
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    accept_retry_.cancel();
  });
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) {
    net::post(s->executor(), [s] { s->Shutdown(); });
  }
  open.clear();
  bool drained = true;
  if (serving_) {
    std::unique_lock<std::mutex> lock(sessions_mu_);
    drained = sessions_cv_.wait_until(lock, until, [this] { return sessions_.empty(); });
  }
  blocking_.join();
  work_.clear();
  for (auto& c : contexts_) c->stop();
  if (serving_) {
    std::unique_lock<std::mutex> lock(serve_mu_);
    serve_cv_.wait(lock, [this] { return serve_done_; });
  }
  // No loop runs now. Close what is still open (its stream owners hear on_close), then run
  // the handlers that closing completed, so no session outlives the server.
  {
    std::unique_lock<std::mutex> lock(sessions_mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->ForceClose();
  open.clear();
  for (auto& c : contexts_) {
    c->restart();
    c->poll();
  }
  return drained;
}

HttpServer::HttpServer(Router& router, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(router, std::move(options))) {}

HttpServer::~HttpServer() {
  try {
    Stop(std::chrono::milliseconds(0));
  } catch (const std::exception& e) {
    spdlog::error("http server: stopping failed: {}", e.what());
  }
}

core::StatusOr<int> HttpServer::Bind() { return impl_->Bind(); }
void HttpServer::Serve() { impl_->Serve(); }
bool HttpServer::Stop(std::chrono::milliseconds deadline) { return impl_->Stop(deadline); }
const HttpServerStats& HttpServer::stats() const { return impl_->stats(); }

}  // namespace gov::api
