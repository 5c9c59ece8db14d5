// gov_fleet: a fleet of keep-alive HTTP/1.1 clients sending GET on a fixed schedule (an
// open-loop load generator), for measuring a server with many connections beside nginx.
//
// Connection k sends its j-th request at t0 + phase_k + j * interval, the N phases spread
// evenly over one interval (their order shuffled by --seed), so the fleet asks for
// N / interval requests per second whatever the server does. Latency is measured from a
// request's intended send time, not from when it was written: a request that waits for its
// busy connection (HTTP/1.1 without pipelining sends one at a time), for a reconnect or for a
// slow server counts the wait. This is the correction for coordinated omission that wrk2
// makes (Gil Tene, "How NOT to Measure Latency"). A request not answered --timeout-ms after
// its intended time is a timeout: its connection is closed and the next request opens another.
//
// A "{n}" in --path becomes a number of its own in every request ("<connection>-<request>"), so
// that, for instance, every request is a user the server has not seen
// (--path '/api/frontend?userId=run7-{n}').
//
// --idle instead opens N connections with one request each, leaves them idle for --duration-s
// while the server's CPU is sampled, then sends one more request on each to show they are
// still open.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/load_common.h"

namespace gov::bench {
namespace {

struct Options : CommonOptions {
  double interval_ms = 1000;
  double duration_s = 10;
  double warmup_s = 0;
  double timeout_ms = 5000;
  uint64_t seed = 1;
  bool idle = false;
};

// ---- The fleet ----

constexpr std::string_view kPlaceholder = "{n}";

// How a request ended. kOk is a 2xx or 304 answer; kStatus any other; kConnect: the connection
// it needed could not be opened; kReset: ECONNRESET or EPIPE; kClosed: the server closed the
// connection before the response was complete; kTimeout: no complete response --timeout-ms
// after the intended send time; kProtocol: a response that does not parse.
enum class Outcome { kOk, kStatus, kConnect, kReset, kClosed, kTimeout, kProtocol };
constexpr int kOutcomes = 7;
constexpr std::array<const char*, kOutcomes> kOutcomeNames = {
    "ok", "status", "connect", "reset", "closed", "timeout", "protocol"};

// The requests of one measured window (fleet) or round (idle: the opening request, the probe).
struct Results {
  std::vector<int64_t> latency_ns;  // of kOk requests, from the intended send time
  std::array<int64_t, kOutcomes> outcomes{};
  std::map<int, int64_t> failed_statuses;

  int64_t Requests() const { return std::accumulate(outcomes.begin(), outcomes.end(), int64_t{0}); }
  int64_t Errors() const { return Requests() - outcomes[0]; }
  void Merge(const Results& other) {
    latency_ns.insert(latency_ns.end(), other.latency_ns.begin(), other.latency_ns.end());
    for (int i = 0; i < kOutcomes; ++i) outcomes[i] += other.outcomes[i];
    for (const auto& [status, count] : other.failed_statuses) failed_statuses[status] += count;
  }
};

struct ConnectionCounts {
  int64_t opened = 0;
  int64_t connect_failures = 0;
  int64_t idle_closes = 0;    // closed by the server while no request was outstanding
  int64_t server_closes = 0;  // a response without keep-alive
  void Merge(const ConnectionCounts& o) {
    opened += o.opened;
    connect_failures += o.connect_failures;
    idle_closes += o.idle_closes;
    server_closes += o.server_closes;
  }
};

// When things happen; read-only once the shards run.
struct Plan {
  bool idle = false;
  TimePoint start;  // connection k opens at start + k / connect_rate
  double connect_rate = 1;
  TimePoint first;  // fleet: request j of connection k at first + phase_k + j * interval
  nanoseconds interval{};
  TimePoint measure_begin;  // fleet: requests intended in [measure_begin, measure_end) count
  TimePoint measure_end;
  nanoseconds timeout{};

  TimePoint ConnectAt(int k) const {
    return start +
           std::chrono::duration_cast<nanoseconds>(std::chrono::duration<double>(k / connect_rate));
  }
};

// Shared by all threads; only atomics change.
struct Progress {
  std::atomic<int> open{0};
  std::atomic<int> finished{0};                    // fleet: connections with nothing left to send
  std::array<std::atomic<int64_t>, 2> resolved{};  // requests resolved per bucket
};

// A response body is never stored.
struct Discard {
  void OnBody(std::string_view) {}
};

// One thread's connections share an io_context and write their results here.
struct Shard {
  Shard(const Plan& plan, const tcp::endpoint& endpoint, const std::string& request,
        Progress& progress)
      : plan(plan), endpoint(endpoint), request(request), progress(progress) {}

  const Plan& plan;
  const tcp::endpoint& endpoint;
  const std::string& request;
  Progress& progress;
  asio::io_context io{1};
  std::array<Results, 2> results;
  ConnectionCounts counts;
};

// One keep-alive connection and its schedule of requests. Every handler runs on the shard's
// thread. `epoch_` changes whenever the socket is closed, so that handlers of operations on an
// earlier socket do nothing.
class Connection {
 public:
  Connection(Shard& shard, int index, nanoseconds phase)
      : shard_(shard),
        index_(index),
        phase_(phase),
        socket_(shard.io),
        wake_(shard.io),
        deadline_(shard.io) {
    buffer_.reserve(4096);
  }

  // Opens the connection at its time in the ramp (idle mode: with its first request).
  void Start() {
    wake_.expires_at(shard_.plan.ConnectAt(index_));
    wake_.async_wait([this](ErrorCode ec) {
      if (ec) return;
      if (shard_.plan.idle) {
        StartRequest();
      } else {
        Connect();
      }
    });
  }

  // Idle mode: one more request on the same connection, the fleet's spread over `start` plus
  // the ramp's length as the openings were.
  void Probe(TimePoint start) {
    probe_at_ = start + (shard_.plan.ConnectAt(index_) - shard_.plan.start);
    if (!busy_ && state_ != State::kConnecting) ScheduleNext();
  }

 private:
  enum class State { kClosed, kConnecting, kOpen };

  std::optional<TimePoint> Intended(int64_t j) const {
    const Plan& plan = shard_.plan;
    if (plan.idle) {
      if (j == 0) return plan.ConnectAt(index_);
      if (j == 1) return probe_at_;
      return std::nullopt;
    }
    const TimePoint at = plan.first + phase_ + j * plan.interval;
    if (at >= plan.measure_end) return std::nullopt;
    return at;
  }

  // Where request j's result goes: -1 (warm-up, not counted), 0 or 1.
  int Bucket(int64_t j, TimePoint intended) const {
    if (shard_.plan.idle) return static_cast<int>(j);
    return intended >= shard_.plan.measure_begin ? 0 : -1;
  }

  void Record(int64_t j, TimePoint intended, Outcome outcome, int status = 0) {
    const int bucket = Bucket(j, intended);
    if (bucket < 0) return;
    Results& results = shard_.results[bucket];
    ++results.outcomes[static_cast<int>(outcome)];
    if (outcome == Outcome::kOk) {
      results.latency_ns.push_back((Clock::now() - intended).count());
    } else if (outcome == Outcome::kStatus) {
      ++results.failed_statuses[status];
    }
    shard_.progress.resolved[bucket].fetch_add(1, std::memory_order_relaxed);
  }

  // With no request outstanding: waits for the next request's intended time, first recording
  // as timeouts the requests that are already too late to send.
  void ScheduleNext() {
    const TimePoint now = Clock::now();
    std::optional<TimePoint> at;
    while ((at = Intended(next_)) && *at + shard_.plan.timeout <= now) {
      Record(next_++, *at, Outcome::kTimeout);
    }
    if (!at) {
      if (!shard_.plan.idle && !finished_) {
        finished_ = true;
        shard_.progress.finished.fetch_add(1, std::memory_order_relaxed);
      }
      WatchIdle();
      return;
    }
    if (*at <= now) {
      StartRequest();
      return;
    }
    WatchIdle();
    wake_.expires_at(*at);
    wake_.async_wait([this](ErrorCode ec) {
      if (!ec) StartRequest();
    });
  }

  void StartRequest() {
    in_flight_ = next_++;
    in_flight_intended_ = *Intended(in_flight_);
    busy_ = true;
    deadline_.expires_at(in_flight_intended_ + shard_.plan.timeout);
    deadline_.async_wait([this, j = in_flight_](ErrorCode ec) {
      if (ec || !busy_ || in_flight_ != j) return;
      if (state_ == State::kConnecting) {
        ErrorCode ignored;
        socket_.close(ignored);  // OnConnect reports the failure
      } else {
        Fail(Outcome::kTimeout);
      }
    });
    if (state_ == State::kOpen) {
      if (watching_) {
        ErrorCode ignored;
        socket_.cancel(ignored);
      }
      Send();
    } else if (shard_.plan.idle && in_flight_ > 0) {
      Finish(Outcome::kClosed);  // idle mode checks the connection it opened: no reconnecting
    } else {
      Connect();
    }
  }

  void Connect() {
    state_ = State::kConnecting;
    const uint64_t epoch = ++epoch_;
    if (!busy_) {
      deadline_.expires_after(shard_.plan.timeout);
      deadline_.async_wait([this, epoch](ErrorCode ec) {
        if (ec || epoch != epoch_ || state_ != State::kConnecting) return;
        ErrorCode ignored;
        socket_.close(ignored);
      });
    }
    socket_.async_connect(shard_.endpoint, [this, epoch](ErrorCode ec) {
      if (epoch != epoch_) return;
      if (!busy_) deadline_.cancel();
      if (ec) {
        ++shard_.counts.connect_failures;
        ErrorCode ignored;
        socket_.close(ignored);
        state_ = State::kClosed;
        if (busy_) {
          Finish(Outcome::kConnect);
        } else {
          ScheduleNext();
        }
        return;
      }
      ++shard_.counts.opened;
      shard_.progress.open.fetch_add(1, std::memory_order_relaxed);
      state_ = State::kOpen;
      socket_.set_option(tcp::no_delay(true), ec);
      if (busy_) {
        Send();
      } else {
        ScheduleNext();
      }
    });
  }

  // The request in flight, with each "{n}" replaced by its own number.
  const std::string& RequestText() {
    const std::string& request = shard_.request;
    if (request.find(kPlaceholder) == std::string::npos) return request;
    const std::string n = std::to_string(index_) + "-" + std::to_string(in_flight_);
    request_text_.clear();
    size_t from = 0;
    for (size_t at; (at = request.find(kPlaceholder, from)) != std::string::npos;
         from = at + kPlaceholder.size()) {
      request_text_.append(request, from, at - from).append(n);
    }
    request_text_.append(request, from);
    return request_text_;
  }

  void Send() {
    parser_.emplace();
    asio::async_write(
        socket_, asio::buffer(RequestText()), [this, epoch = epoch_](ErrorCode ec, size_t) {
          if (epoch != epoch_) return;
          if (ec) {
            Fail(ClassifyError<Outcome>(ec));
            return;
          }
          http::async_read(socket_, buffer_, *parser_, [this, epoch](ErrorCode ec, size_t) {
            if (epoch == epoch_) OnResponse(ec);
          });
        });
  }

  void OnResponse(ErrorCode ec) {
    if (ec) {
      Fail(ClassifyError<Outcome>(ec));
      return;
    }
    const int status = static_cast<int>(parser_->get().result_int());
    const bool keep_alive = parser_->get().keep_alive();
    parser_.reset();
    if (!keep_alive) {
      ++shard_.counts.server_closes;
      Close();
    }
    const bool ok = (status >= 200 && status < 300) || status == 304;
    Finish(ok ? Outcome::kOk : Outcome::kStatus, status);
  }

  void Fail(Outcome outcome) {
    Close();
    Finish(outcome);
  }

  // Records the request in flight and goes on to the next one.
  void Finish(Outcome outcome, int status = 0) {
    busy_ = false;
    deadline_.cancel();
    Record(in_flight_, in_flight_intended_, outcome, status);
    ScheduleNext();
  }

  // While no request is outstanding, a readable socket means the server closed it (or sent
  // bytes nobody asked for): close our end too, and the next request opens a new connection.
  void WatchIdle() {
    if (state_ != State::kOpen || watching_) return;
    watching_ = true;
    socket_.async_wait(tcp::socket::wait_read, [this, epoch = epoch_](ErrorCode ec) {
      if (epoch != epoch_) return;
      watching_ = false;
      if (ec || busy_) return;
      ++shard_.counts.idle_closes;
      Close();
    });
  }

  void Close() {
    if (state_ == State::kOpen) shard_.progress.open.fetch_sub(1, std::memory_order_relaxed);
    ++epoch_;
    ErrorCode ignored;
    socket_.close(ignored);
    state_ = State::kClosed;
    watching_ = false;
    parser_.reset();
    buffer_.clear();
  }

  Shard& shard_;
  const int index_;
  const nanoseconds phase_;
  tcp::socket socket_;
  asio::steady_timer wake_;      // the next request's intended time (or the ramp's)
  asio::steady_timer deadline_;  // the request's (or the ramp connect's) timeout
  beast::flat_buffer buffer_;
  std::string request_text_;  // the request in flight when --path has a "{n}"
  std::optional<http::response_parser<SinkBody<Discard>>> parser_;
  State state_ = State::kClosed;
  uint64_t epoch_ = 0;
  bool watching_ = false;
  bool busy_ = false;  // a request is in flight (possibly waiting for its connection)
  bool finished_ = false;
  int64_t next_ = 0;  // the next request to send
  int64_t in_flight_ = 0;
  TimePoint in_flight_intended_;
  std::optional<TimePoint> probe_at_;
};

// ---- The run ----

// Percentiles in milliseconds; null without samples.
Json LatencyJson(std::vector<int64_t>& latency_ns) {
  if (latency_ns.empty()) return nullptr;
  std::sort(latency_ns.begin(), latency_ns.end());
  return {{"p50", Round3(PercentileMs(latency_ns, 50))},
          {"p90", Round3(PercentileMs(latency_ns, 90))},
          {"p99", Round3(PercentileMs(latency_ns, 99))},
          {"p999", Round3(PercentileMs(latency_ns, 99.9))},
          {"max", Round3(PercentileMs(latency_ns, 100))}};
}

Json ResultsJson(Results& results) {
  Json errors = Json::object();
  for (int i = 1; i < kOutcomes; ++i) errors[kOutcomeNames[i]] = results.outcomes[i];
  Json statuses = Json::object();
  for (const auto& [status, count] : results.failed_statuses) {
    statuses[std::to_string(status)] = count;
  }
  return {{"requests", results.Requests()}, {"ok", results.outcomes[0]},
          {"errors", results.Errors()},     {"error_kinds", errors},
          {"failed_statuses", statuses},    {"latency_ms", LatencyJson(results.latency_ns)}};
}

void PrintResults(const char* label, const Json& r) {
  std::printf("%-10s %lld: %lld ok, %lld errors", label, r["requests"].get<long long>(),
              r["ok"].get<long long>(), r["errors"].get<long long>());
  if (r["errors"].get<int64_t>() > 0) {
    std::string kinds;
    for (const auto& [kind, count] : r["error_kinds"].items()) {
      if (count.get<int64_t>() > 0)
        kinds += " " + kind + " " + std::to_string(count.get<int64_t>());
    }
    for (const auto& [status, count] : r["failed_statuses"].items()) {
      kinds += "; HTTP " + status + ": " + std::to_string(count.get<int64_t>());
    }
    std::printf(" (%s)", kinds.c_str() + 1);
  }
  const Json& l = r["latency_ms"];
  if (l.is_null()) {
    std::printf("\n%-10s none (no ok responses)\n", "latency");
    return;
  }
  std::printf(
      "\n%-10s p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms (from the intended send "
      "time, ok responses)\n",
      "latency", l["p50"].get<double>(), l["p90"].get<double>(), l["p99"].get<double>(),
      l["p999"].get<double>(), l["max"].get<double>());
}

// Server CPU (% of one core) over [begin, end] and its RSS at both ends.
Json ServerJson(const Options& options, const ProcessSample& before, const ProcessSample& begin,
                const ProcessSample& end) {
  if (options.server_pid == 0) return nullptr;
  const double seconds = Seconds(begin.at, end.at);
  return {{"pid", options.server_pid},
          {"processes", end.processes},
          {"cpu_percent", Round3(100 * (end.cpu_seconds - begin.cpu_seconds) / seconds)},
          {"rss_kb_before", before.rss_kb},
          {"rss_kb_begin", begin.rss_kb},
          {"rss_kb_end", end.rss_kb}};
}

void PrintServer(const Json& server, const char* window) {
  if (server.is_null()) return;
  std::printf(
      "server     pid %d (%d processes): CPU %.1f%% of one core %s; RSS %.1f MB before "
      "connecting, %.1f MB at the start of the window, %.1f MB at its end\n",
      server["pid"].get<int>(), server["processes"].get<int>(), server["cpu_percent"].get<double>(),
      window, server["rss_kb_before"].get<double>() / 1024,
      server["rss_kb_begin"].get<double>() / 1024, server["rss_kb_end"].get<double>() / 1024);
}

int Run(const Options& o) {
  if (!RaiseFileLimitFor("gov_fleet", o.connections, "connections")) return 1;
  const std::optional<tcp::endpoint> endpoint = Resolve("gov_fleet", o.host, o.port);
  if (!endpoint) return 1;
  const std::string request = o.GetRequest("User-Agent: gov_fleet\r\n");

  // Connection k's phase is order[k] / N of an interval: evenly spread, in shuffled order so
  // that the ramp's order does not become the schedule's.
  std::vector<int> order(o.connections);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 random(o.seed);
  std::shuffle(order.begin(), order.end(), random);

  Plan plan;
  plan.idle = o.idle;
  plan.connect_rate = o.connect_rate;
  plan.interval = Ms(o.interval_ms);
  plan.timeout = Ms(o.timeout_ms);
  const nanoseconds ramp = Ms(1000.0 * o.connections / o.connect_rate);
  const std::optional<ProcessSample> before = SampleServerBefore("gov_fleet", o.server_pid);
  if (!before) return 1;
  plan.start = Clock::now() + std::chrono::milliseconds(50);
  plan.first = plan.start + ramp + std::chrono::seconds(1);
  plan.measure_begin = plan.first + Ms(1000 * o.warmup_s);
  plan.measure_end = plan.measure_begin + Ms(1000 * o.duration_s);
  if (o.idle) plan.measure_begin = plan.measure_end = plan.first;

  Progress progress;
  using Thread = ShardThread<Shard, Connection>;
  std::vector<Thread> shards(o.threads);
  for (Thread& run : shards) {
    run.shard = std::make_unique<Shard>(plan, *endpoint, request, progress);
  }
  for (int k = 0; k < o.connections; ++k) {
    Thread& run = shards[k % o.threads];
    run.clients.push_back(
        std::make_unique<Connection>(*run.shard, k, plan.interval * order[k] / o.connections));
  }
  StartThreads(shards);
  const TimePoint t0 = plan.start;
  Note(t0, "opening " + std::to_string(o.connections) + " connections to " + o.HostPort() + " at " +
               std::to_string(std::lround(o.connect_rate)) + "/s");

  Json out = {{"tool", "gov_fleet"},
              {"mode", o.idle ? "idle" : "fleet"},
              {"url", o.Url()},
              {"connections", o.connections}};
  ConnectionCounts counts;
  std::array<Results, 2> results;
  auto collect = [&] {
    for (Thread& run : shards) {
      counts.Merge(run.shard->counts);
      results[0].Merge(run.shard->results[0]);
      results[1].Merge(run.shard->results[1]);
    }
  };

  if (!o.idle) {
    std::this_thread::sleep_until(plan.first);
    Note(t0, std::to_string(progress.open.load()) + " connections open; warm-up");
    std::this_thread::sleep_until(plan.measure_begin);
    const ProcessSample begin = SampleServer(o.server_pid);
    const double client_begin = SelfCpuSeconds();
    Note(t0, "measuring for " + std::to_string(std::lround(o.duration_s)) + " s");
    std::this_thread::sleep_until(plan.measure_end);
    const ProcessSample end = SampleServer(o.server_pid);
    const double client_cpu = SelfCpuSeconds() - client_begin;
    Note(t0, "draining");
    WaitUntil(plan.measure_end + plan.timeout + std::chrono::milliseconds(100),
              [&] { return progress.finished.load() == o.connections; });
    StopThreads(shards);
    collect();
    const double target_rps = o.connections * 1000.0 / o.interval_ms;
    const int64_t answered = results[0].outcomes[static_cast<int>(Outcome::kOk)] +
                             results[0].outcomes[static_cast<int>(Outcome::kStatus)];
    out["interval_ms"] = o.interval_ms;
    out["warmup_s"] = o.warmup_s;
    out["duration_s"] = o.duration_s;
    out["target_rps"] = Round3(target_rps);
    out["achieved_rps"] = Round3(answered / o.duration_s);
    out.update(ResultsJson(results[0]));
    out["connections_opened"] = counts.opened;
    out["connect_failures"] = counts.connect_failures;
    out["idle_closes"] = counts.idle_closes;
    out["server_closes"] = counts.server_closes;
    out["server"] = ServerJson(o, *before, begin, end);
    out["client_cpu_percent"] = Round3(100 * client_cpu / Seconds(begin.at, end.at));

    std::printf(
        "gov_fleet: %d connections, GET %s every %g ms each (target %.1f req/s); %g s measured "
        "after %g s of warm-up\n",
        o.connections, out["url"].get<std::string>().c_str(), o.interval_ms, target_rps,
        o.duration_s, o.warmup_s);
    PrintResults("requests", out);
    std::printf("rate       %.1f req/s answered (target %.1f)\n", out["achieved_rps"].get<double>(),
                target_rps);
    std::printf(
        "conns      %lld opened, %lld connect failures, %lld closed by the server while idle, "
        "%lld after a response\n",
        static_cast<long long>(counts.opened), static_cast<long long>(counts.connect_failures),
        static_cast<long long>(counts.idle_closes), static_cast<long long>(counts.server_closes));
    PrintServer(out["server"], "over the window");
  } else {
    WaitUntil(plan.first + plan.timeout,
              [&] { return progress.resolved[0].load() == o.connections; });
    Note(t0, std::to_string(progress.open.load()) + " connections open after one request each;" +
                 " idle for " + std::to_string(std::lround(o.duration_s)) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const ProcessSample begin = SampleServer(o.server_pid);
    const double client_begin = SelfCpuSeconds();
    std::this_thread::sleep_for(Ms(1000 * o.duration_s));
    const ProcessSample end = SampleServer(o.server_pid);
    const double client_cpu = SelfCpuSeconds() - client_begin;
    const int open_after_idle = progress.open.load();
    Note(t0, std::to_string(open_after_idle) + " still open; one more request on each");
    const TimePoint probe_start = Clock::now() + std::chrono::milliseconds(50);
    for (Thread& run : shards) {
      asio::post(run.shard->io, [&run, probe_start] {
        for (auto& connection : run.clients) connection->Probe(probe_start);
      });
    }
    WaitUntil(probe_start + ramp + plan.timeout + std::chrono::milliseconds(100),
              [&] { return progress.resolved[1].load() == o.connections; });
    StopThreads(shards);
    collect();
    out["idle_s"] = o.duration_s;
    out["open"] = ResultsJson(results[0]);
    out["open_after_idle"] = open_after_idle;
    out["idle_closes"] = counts.idle_closes;
    out["probe"] = ResultsJson(results[1]);
    out["connect_failures"] = counts.connect_failures;
    out["server"] = ServerJson(o, *before, begin, end);
    out["client_cpu_percent"] = Round3(100 * client_cpu / Seconds(begin.at, end.at));

    std::printf("gov_fleet --idle: %d connections to %s, idle for %g s\n", o.connections,
                out["url"].get<std::string>().c_str(), o.duration_s);
    PrintResults("opening", out["open"]);
    std::printf("idle       %d open after the idle time; %lld closed by the server meanwhile\n",
                open_after_idle, static_cast<long long>(counts.idle_closes));
    PrintResults("probe", out["probe"]);
    PrintServer(out["server"], "while idle");
  }
  std::printf("client     CPU %.1f%% of one core over the window\n",
              out["client_cpu_percent"].get<double>());
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace gov::bench

int main(int argc, char** argv) {
  gov::bench::Options o;
  CLI::App app{
      "A fleet of keep-alive HTTP/1.1 clients, each sending GET every --interval-ms on a fixed "
      "schedule (open loop); latency is measured from each request's intended send time. Prints "
      "a report and, last, a one-line JSON summary."};
  gov::bench::AddServerOptions(
      app, o,
      "Request target, e.g. /api/frontend; each \"{n}\" in it becomes a number of its own in "
      "every request");
  app.add_option("-c,--connections", o.connections, "Connections")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--interval-ms", o.interval_ms, "Each connection sends a request this often")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("-d,--duration-s", o.duration_s,
                 "Measured seconds (--idle: seconds the connections stay idle)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup-s", o.warmup_s, "Seconds of requests before the measured window")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--connect-rate", o.connect_rate, "Connections opened per second in the ramp")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout-ms", o.timeout_ms,
                 "A request not answered this long after its intended send time is a timeout")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", o.seed, "Shuffles the order of the connections' phases")
      ->capture_default_str();
  app.add_option("-t,--threads", o.threads, "Threads, each with its share of the connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--server-pid", o.server_pid,
                 "Report this process's CPU (with its children's, e.g. nginx's workers) over "
                 "the window, and its RSS");
  app.add_flag("--idle", o.idle,
               "Open the connections with one request each, leave them idle for --duration-s, "
               "then send one more request on each");
  CLI11_PARSE(app, argc, argv);
  if (o.threads > o.connections) o.threads = o.connections;
  return gov::bench::RunReporting("gov_fleet", [&o] { return gov::bench::Run(o); });
}
