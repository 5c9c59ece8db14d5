// gov_sse_fleet: N server-sent-event subscribers on one stream, and how long a change takes to
// reach all of them.
//
// Opens N streams (GET --path with Accept: text/event-stream) at --connect-rate per second and
// waits for each stream's first event (Governor's /api/client/streaming sends
// "unleash-connected"). Then it makes --changes changes, --change-gap-ms apart, each by running
// a shell command (--trigger) or sending an HTTP request (--trigger-path); a repeated option is
// used in turn, e.g. a flag's /off then /on. For each change and each stream open when it was
// made, the delivery latency runs from the start of the trigger to the stream's next event
// (comments, such as keep-alives, are not events). An event is credited to the latest change
// made before it arrived, so a stream with no event between two changes has missed the first
// (a server may merge changes that come close together: keep --change-gap-ms well above the
// delivery times).
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/load_common.h"

namespace gov::bench {
namespace {

struct Options : CommonOptions {
  double timeout_ms = 10000;
  double duration_s = 0;
  int changes = 1;
  double change_gap_ms = 2000;
  double within_ms = 1000;
  std::string initial_event;
  std::string change_event;
  std::vector<std::string> trigger_commands;
  std::string trigger_method = "POST";
  std::vector<std::string> trigger_paths;
  std::vector<std::string> trigger_headers;
  std::string trigger_body;
};

// ---- Event stream parsing ----

// Splits an event stream into events as the WHATWG HTML standard's "event stream
// interpretation" does: lines end with CRLF, LF or CR; "event:" sets the type, "data:" adds
// data, a line starting with ":" is a comment, and a blank line dispatches the event if it has
// data (the type defaults to "message"). Only what the benchmark needs is kept: the type, not
// the data, and only the first kKeptBytes of a line.
class SseParser {
 public:
  // Parses the next bytes of the stream: on_event(type) for each event, on_comment() for each
  // comment line.
  template <typename OnEvent, typename OnComment>
  void Feed(std::string_view bytes, OnEvent&& on_event, OnComment&& on_comment) {
    size_t i = 0;
    while (i < bytes.size()) {
      if (after_cr_) {
        after_cr_ = false;
        if (bytes[i] == '\n') {
          ++i;
          continue;
        }
      }
      const size_t end = bytes.find_first_of("\r\n", i);
      const std::string_view piece = bytes.substr(i, end == std::string_view::npos ? end : end - i);
      if (line_.size() < kKeptBytes) line_.append(piece.substr(0, kKeptBytes - line_.size()));
      if (end == std::string_view::npos) return;
      after_cr_ = bytes[end] == '\r';
      i = end + 1;
      Line(on_event, on_comment);
      line_.clear();
    }
  }

 private:
  static constexpr size_t kKeptBytes = 256;

  template <typename OnEvent, typename OnComment>
  void Line(OnEvent& on_event, OnComment& on_comment) {
    if (line_.empty()) {
      if (has_data_) on_event(std::string_view(type_.empty() ? "message" : type_));
      type_.clear();
      has_data_ = false;
      return;
    }
    if (line_[0] == ':') {
      on_comment();
      return;
    }
    const size_t colon = line_.find(':');
    const std::string_view field = std::string_view(line_).substr(0, colon);
    std::string_view value;
    if (colon != std::string::npos) {
      value = std::string_view(line_).substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    }
    if (field == "event") {
      type_ = value;
    } else if (field == "data") {
      has_data_ = true;
    }
  }

  std::string line_;
  bool after_cr_ = false;
  std::string type_;
  bool has_data_ = false;
};

class Stream;

// A stream's response body: its bytes go to the Stream, set once the parser is made.
struct ToStream {
  Stream* stream = nullptr;
  void OnBody(std::string_view bytes);
};

// ---- The streams ----

// How a stream ended, before its first event (a failure) or after it (a drop). kConnect: it
// could not be opened; kStatus: an answer other than 200; kReset: ECONNRESET or EPIPE;
// kClosed: the server closed the connection; kEnded: the server ended the response body;
// kTimeout: no first event within --timeout-ms of opening; kProtocol: a response that does not
// parse.
enum class End { kConnect, kStatus, kReset, kClosed, kEnded, kTimeout, kProtocol };
constexpr int kEnds = 7;
constexpr std::array<const char*, kEnds> kEndNames = {"connect", "status",  "reset",   "closed",
                                                      "ended",   "timeout", "protocol"};

// The changes: written by the main thread, read by the streams' threads. started[c] is written
// before `current` becomes c.
struct Changes {
  explicit Changes(int count) : started(count) {}
  std::atomic<int> current{-1};
  std::vector<TimePoint> started;
};

struct Progress {
  std::atomic<int> settled{0};  // streams that got their first event or failed
  std::atomic<int> open{0};     // streams that got their first event and are still open
};

struct Counts {
  std::array<int64_t, kEnds> failures{};  // before the first event
  std::array<int64_t, kEnds> drops{};     // after it
  std::map<int, int64_t> statuses;
  int64_t events = 0;
  int64_t comments = 0;
  int64_t unexpected_initial = 0;  // a first event other than --initial-event
  int64_t early_events = 0;        // events after the first one, before any change
  int64_t other_events = 0;        // events after a change other than --change-event
  int64_t extra_events = 0;        // more than one event for a change
  uint64_t body_bytes = 0;
  void Merge(const Counts& o) {
    for (int i = 0; i < kEnds; ++i) {
      failures[i] += o.failures[i];
      drops[i] += o.drops[i];
    }
    for (const auto& [status, count] : o.statuses) statuses[status] += count;
    events += o.events;
    comments += o.comments;
    unexpected_initial += o.unexpected_initial;
    early_events += o.early_events;
    other_events += o.other_events;
    extra_events += o.extra_events;
    body_bytes += o.body_bytes;
  }
};

struct Shard {
  Shard(const Options& options, const tcp::endpoint& endpoint, const std::string& request,
        TimePoint start, Changes& changes, Progress& progress)
      : options(options),
        endpoint(endpoint),
        request(request),
        start(start),
        changes(changes),
        progress(progress) {}

  const Options& options;
  const tcp::endpoint& endpoint;
  const std::string& request;
  const TimePoint start;  // stream k opens at start + k / connect_rate
  Changes& changes;
  Progress& progress;
  asio::io_context io{1};
  Counts counts;
};

// One subscriber. Its handlers run on its shard's thread; the main thread reads its record
// after the threads have stopped.
class Stream {
 public:
  Stream(Shard& shard, int index)
      : shard_(shard),
        index_(index),
        socket_(shard.io),
        timer_(shard.io),
        delivery_ns_(shard.changes.started.size(), -1) {}

  void Start() {
    timer_.expires_at(shard_.start + Ms(1000.0 * index_ / shard_.options.connect_rate));
    timer_.async_wait([this](ErrorCode ec) {
      if (!ec) Connect();
    });
  }

  const std::optional<TimePoint>& first_event_at() const { return first_event_at_; }
  // Per change: nanoseconds from its trigger to this stream's next event, or -1.
  const std::vector<int64_t>& delivery_ns() const { return delivery_ns_; }

  void OnBody(std::string_view bytes) {
    shard_.counts.body_bytes += bytes.size();
    sse_.Feed(
        bytes, [this](std::string_view type) { OnEvent(type); },
        [this] { ++shard_.counts.comments; });
  }

 private:
  void Connect() {
    timer_.expires_after(Ms(shard_.options.timeout_ms));
    timer_.async_wait([this](ErrorCode ec) {
      if (!ec && !first_event_at_ && !ended_) Close(End::kTimeout);
    });
    socket_.async_connect(shard_.endpoint, [this](ErrorCode ec) {
      if (ended_) return;
      if (ec) {
        Close(End::kConnect);
        return;
      }
      socket_.set_option(tcp::no_delay(true), ec);
      asio::async_write(socket_, asio::buffer(shard_.request), [this](ErrorCode ec, size_t) {
        if (ended_) return;
        if (ec) {
          Close(ClassifyError<End>(ec));
          return;
        }
        parser_.emplace();
        // No limit. (Beast 1.74's boost::none here fails every body with a Content-Length.)
        parser_->body_limit(std::numeric_limits<uint64_t>::max());
        parser_->get().body().stream = this;
        http::async_read_header(socket_, buffer_, *parser_,
                                [this](ErrorCode ec, size_t) { OnHeader(ec); });
      });
    });
  }

  void OnHeader(ErrorCode ec) {
    if (ended_) return;
    if (ec) {
      Close(ClassifyError<End>(ec));
      return;
    }
    const int status = static_cast<int>(parser_->get().result_int());
    if (status != 200) {
      ++shard_.counts.statuses[status];
      Close(End::kStatus);
      return;
    }
    Read();
  }

  void Read() {
    http::async_read_some(socket_, buffer_, *parser_, [this](ErrorCode ec, size_t) {
      if (ended_) return;
      if (ec) {
        Close(ClassifyError<End>(ec));
      } else if (parser_->is_done()) {
        Close(End::kEnded);
      } else {
        Read();
      }
    });
  }

  void OnEvent(std::string_view type) {
    Counts& counts = shard_.counts;
    ++counts.events;
    const Options& options = shard_.options;
    if (!first_event_at_) {
      first_event_at_ = Clock::now();
      if (!options.initial_event.empty() && type != options.initial_event) {
        ++counts.unexpected_initial;
      }
      timer_.cancel();
      shard_.progress.settled.fetch_add(1, std::memory_order_relaxed);
      shard_.progress.open.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const int change = shard_.changes.current.load(std::memory_order_acquire);
    if (change < 0) {
      ++counts.early_events;
    } else if (!options.change_event.empty() && type != options.change_event) {
      ++counts.other_events;
    } else if (delivery_ns_[change] >= 0) {
      ++counts.extra_events;
    } else {
      delivery_ns_[change] = (Clock::now() - shard_.changes.started[change]).count();
    }
  }

  void Close(End how) {
    ended_ = true;
    if (first_event_at_) {
      ++shard_.counts.drops[static_cast<int>(how)];
      shard_.progress.open.fetch_sub(1, std::memory_order_relaxed);
    } else {
      ++shard_.counts.failures[static_cast<int>(how)];
      shard_.progress.settled.fetch_add(1, std::memory_order_relaxed);
    }
    timer_.cancel();
    ErrorCode ignored;
    socket_.close(ignored);
  }

  Shard& shard_;
  const int index_;
  tcp::socket socket_;
  asio::steady_timer timer_;  // the ramp's time, then the first event's deadline
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<SinkBody<ToStream>>> parser_;
  SseParser sse_;
  bool ended_ = false;
  std::optional<TimePoint> first_event_at_;
  std::vector<int64_t> delivery_ns_;
};

void ToStream::OnBody(std::string_view bytes) { stream->OnBody(bytes); }

// ---- Triggers ----

struct TriggerResult {
  bool ok = false;
  std::string detail;  // exit status or HTTP status
  double ms = 0;       // how long the trigger took
};

// Runs `command` with sh -c and GOV_CHANGE set to the change's number.
TriggerResult RunCommand(const std::string& command, int change) {
  setenv("GOV_CHANGE", std::to_string(change).c_str(), 1);
  const TimePoint begin = Clock::now();
  const int status = std::system(command.c_str());
  TriggerResult result;
  result.ms = Seconds(begin, Clock::now()) * 1000;
  result.ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  result.detail = status == -1 ? "could not run" : "exit " + std::to_string(WEXITSTATUS(status));
  return result;
}

// Sends the trigger request on a new connection to the stream's server.
TriggerResult SendRequest(const Options& o, const tcp::endpoint& endpoint,
                          const std::string& path) {
  const TimePoint begin = Clock::now();
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  request.method_string(o.trigger_method);
  request.target(path);
  request.version(11);
  request.set(http::field::host, o.HostPort());
  for (const auto& header : o.trigger_headers) {
    const size_t colon = header.find(':');
    const size_t value = header.find_first_not_of(' ', colon + 1);
    request.insert(header.substr(0, colon), value == std::string::npos ? "" : header.substr(value));
  }
  if (!o.trigger_body.empty()) request.body() = o.trigger_body;
  request.keep_alive(false);
  request.prepare_payload();
  http::response<http::string_body> response;
  TriggerResult result;
  auto fail = [&result](const ErrorCode& ec) { result.detail = ec.message(); };
  stream.expires_after(Ms(o.timeout_ms));
  stream.async_connect(endpoint, [&](ErrorCode ec) {
    if (ec) return fail(ec);
    http::async_write(stream, request, [&](ErrorCode ec, size_t) {
      if (ec) return fail(ec);
      http::async_read(stream, buffer, response, [&](ErrorCode ec, size_t) {
        if (ec) return fail(ec);
        result.ok = response.result_int() / 100 == 2;
        result.detail = "HTTP " + std::to_string(response.result_int());
      });
    });
  });
  io.run();
  result.ms = Seconds(begin, Clock::now()) * 1000;
  return result;
}

// ---- The run ----

Json EndsJson(const std::array<int64_t, kEnds>& ends) {
  Json out = Json::object();
  for (int i = 0; i < kEnds; ++i) out[kEndNames[i]] = ends[i];
  return out;
}

std::string EndsText(const std::array<int64_t, kEnds>& ends) {
  std::string text;
  for (int i = 0; i < kEnds; ++i) {
    if (ends[i] > 0)
      text += std::string(text.empty() ? "" : ", ") + kEndNames[i] + " " + std::to_string(ends[i]);
  }
  return text.empty() ? "" : " (" + text + ")";
}

// Delivery figures over a set of (stream, change) pairs that should have had an event.
Json DeliveryJson(std::vector<int64_t>& latency_ns, int64_t expected, double within_ms) {
  std::sort(latency_ns.begin(), latency_ns.end());
  const auto within = std::upper_bound(latency_ns.begin(), latency_ns.end(),
                                       static_cast<int64_t>(within_ms * 1e6)) -
                      latency_ns.begin();
  return {{"expected", expected},
          {"delivered", latency_ns.size()},
          {"never", expected - static_cast<int64_t>(latency_ns.size())},
          {"within_fraction", expected ? Round3(static_cast<double>(within) / expected) : 0.0},
          {"p50_ms", Round3(PercentileMs(latency_ns, 50))},
          {"p99_ms", Round3(PercentileMs(latency_ns, 99))},
          {"max_ms", Round3(PercentileMs(latency_ns, 100))}};
}

int Run(const Options& o) {
  if (!RaiseFileLimitFor("gov_sse_fleet", o.connections, "streams")) return 1;
  if (o.changes > 0 && o.trigger_commands.empty() && o.trigger_paths.empty()) {
    std::fprintf(stderr, "gov_sse_fleet: --changes needs --trigger or --trigger-path\n");
    return 1;
  }
  const std::optional<tcp::endpoint> endpoint = Resolve("gov_sse_fleet", o.host, o.port);
  if (!endpoint) return 1;
  const std::string request = o.GetRequest(
      "Accept: text/event-stream\r\nCache-Control: no-cache\r\nUser-Agent: gov_sse_fleet\r\n");
  const std::optional<ProcessSample> before = SampleServerBefore("gov_sse_fleet", o.server_pid);
  if (!before) return 1;

  Changes changes(o.changes);
  Progress progress;
  const TimePoint start = Clock::now() + std::chrono::milliseconds(50);
  using Thread = ShardThread<Shard, Stream>;
  std::vector<Thread> shards(o.threads);
  for (Thread& run : shards) {
    run.shard = std::make_unique<Shard>(o, *endpoint, request, start, changes, progress);
  }
  for (int k = 0; k < o.connections; ++k) {
    Thread& run = shards[k % o.threads];
    run.clients.push_back(std::make_unique<Stream>(*run.shard, k));
  }
  StartThreads(shards);
  Note(start, "opening " + std::to_string(o.connections) + " streams to " + o.HostPort() + o.path);

  const TimePoint ramp_end = start + Ms(1000.0 * o.connections / o.connect_rate);
  WaitUntil(ramp_end + Ms(o.timeout_ms) + std::chrono::milliseconds(100),
            [&] { return progress.settled.load() == o.connections; });
  const double connect_s = Seconds(start, Clock::now());
  const int connected = progress.open.load();
  Note(start, std::to_string(connected) + " streams open");
  const ProcessSample begin = SampleServer(o.server_pid);
  const double client_begin = SelfCpuSeconds();

  std::vector<TriggerResult> triggers;
  for (int c = 0; c < o.changes; ++c) {
    std::this_thread::sleep_until(begin.at + (c + 1) * Ms(o.change_gap_ms));
    changes.started[c] = Clock::now();
    changes.current.store(c, std::memory_order_release);
    triggers.push_back(o.trigger_commands.empty()
                           ? SendRequest(o, *endpoint, o.trigger_paths[c % o.trigger_paths.size()])
                           : RunCommand(o.trigger_commands[c % o.trigger_commands.size()], c));
    Note(start, "change " + std::to_string(c + 1) + ": " + triggers.back().detail + " in " +
                    std::to_string(std::lround(triggers.back().ms)) + " ms");
  }
  const TimePoint end_at = std::max(begin.at + (o.changes + 1) * Ms(o.change_gap_ms),
                                    begin.at + Ms(1000 * o.duration_s));
  std::this_thread::sleep_until(end_at);
  const ProcessSample end = SampleServer(o.server_pid);
  const double client_cpu = SelfCpuSeconds() - client_begin;
  StopThreads(shards);

  // A (stream, change) pair counts if the stream had its first event before the change.
  Counts counts;
  std::vector<int64_t> all;
  int64_t expected_all = 0;
  std::vector<std::vector<int64_t>> per_change(o.changes);
  std::vector<int64_t> expected(o.changes, 0);
  int64_t streams_missing = 0;
  for (Thread& run : shards) {
    counts.Merge(run.shard->counts);
    for (const auto& stream : run.clients) {
      if (!stream->first_event_at()) continue;
      bool missed = false;
      for (int c = 0; c < o.changes; ++c) {
        if (*stream->first_event_at() >= changes.started[c]) continue;
        ++expected[c];
        const int64_t ns = stream->delivery_ns()[c];
        if (ns >= 0) {
          per_change[c].push_back(ns);
        } else {
          missed = true;
        }
      }
      streams_missing += missed;
    }
  }
  for (int c = 0; c < o.changes; ++c) {
    all.insert(all.end(), per_change[c].begin(), per_change[c].end());
    expected_all += expected[c];
  }

  Json out = {{"tool", "gov_sse_fleet"},
              {"url", o.Url()},
              {"streams", o.connections},
              {"connected", connected},
              {"connect_s", Round3(connect_s)},
              {"failed", EndsJson(counts.failures)},
              {"unexpected_initial", counts.unexpected_initial},
              {"changes", o.changes},
              {"change_gap_ms", o.change_gap_ms},
              {"within_ms", o.within_ms}};
  Json triggers_json = Json::array();
  for (const auto& t : triggers) {
    triggers_json.push_back({{"ok", t.ok}, {"detail", t.detail}, {"ms", Round3(t.ms)}});
  }
  Json delivery = DeliveryJson(all, expected_all, o.within_ms);
  delivery["streams_missing_a_change"] = streams_missing;
  out["delivery"] = delivery;
  Json per_change_json = Json::array();
  for (int c = 0; c < o.changes; ++c) {
    per_change_json.push_back(DeliveryJson(per_change[c], expected[c], o.within_ms));
  }
  out["per_change"] = per_change_json;
  out["triggers"] = triggers_json;
  int64_t dropped = 0;
  for (int64_t n : counts.drops) dropped += n;
  out["dropped"] = dropped;
  out["drops"] = EndsJson(counts.drops);
  out["events"] = counts.events;
  out["comments"] = counts.comments;
  out["early_events"] = counts.early_events;
  out["other_events"] = counts.other_events;
  out["extra_events"] = counts.extra_events;
  out["body_bytes"] = counts.body_bytes;
  const double window_s = Seconds(begin.at, end.at);
  if (o.server_pid) {
    out["server"] = {
        {"pid", o.server_pid},
        {"processes", end.processes},
        {"cpu_percent", Round3(100 * (end.cpu_seconds - begin.cpu_seconds) / window_s)},
        {"rss_kb_before", before->rss_kb},
        {"rss_kb_connected", begin.rss_kb},
        {"rss_kb_end", end.rss_kb}};
  }
  out["client_cpu_percent"] = Round3(100 * client_cpu / window_s);

  int64_t failed = 0;
  for (int64_t n : counts.failures) failed += n;
  std::printf("gov_sse_fleet: %d streams to %s, opened at %g/s\n", o.connections,
              out["url"].get<std::string>().c_str(), o.connect_rate);
  std::printf("streams    %d got a first event in %.1f s; %lld failed before it%s", connected,
              connect_s, static_cast<long long>(failed), EndsText(counts.failures).c_str());
  for (const auto& [status, count] : counts.statuses) {
    std::printf(" (HTTP %d: %lld)", status, static_cast<long long>(count));
  }
  if (counts.unexpected_initial > 0) {
    std::printf("; %lld first events were not %s",
                static_cast<long long>(counts.unexpected_initial), o.initial_event.c_str());
  }
  std::printf("\n");
  if (o.changes > 0) {
    int failed_triggers = 0;
    for (const auto& t : triggers) failed_triggers += !t.ok;
    std::printf("changes    %d, %g ms apart; %d triggers failed\n", o.changes, o.change_gap_ms,
                failed_triggers);
    auto print = [&o](const char* label, const Json& d) {
      std::printf(
          "%-10s %lld of %lld delivered, %.2f%% within %g ms; p50 %.3f  p99 %.3f  max %.3f ms; "
          "never %lld\n",
          label, d["delivered"].get<long long>(), d["expected"].get<long long>(),
          100 * d["within_fraction"].get<double>(), o.within_ms, d["p50_ms"].get<double>(),
          d["p99_ms"].get<double>(), d["max_ms"].get<double>(), d["never"].get<long long>());
    };
    print("delivery", delivery);
    for (int c = 0; c < o.changes; ++c) {
      print(("change " + std::to_string(c + 1)).c_str(), per_change_json[c]);
    }
    std::printf("           streams that missed a change: %lld\n",
                static_cast<long long>(streams_missing));
  }
  std::printf("dropped    %lld%s\n", static_cast<long long>(dropped),
              EndsText(counts.drops).c_str());
  std::printf(
      "events     %lld (%lld before any change, %lld of another type, %lld extra), %lld "
      "comments, %.1f MB of body\n",
      static_cast<long long>(counts.events), static_cast<long long>(counts.early_events),
      static_cast<long long>(counts.other_events), static_cast<long long>(counts.extra_events),
      static_cast<long long>(counts.comments), counts.body_bytes / 1048576.0);
  if (o.server_pid) {
    const Json& s = out["server"];
    std::printf(
        "server     pid %d (%d processes): RSS %.1f MB before, %.1f MB with the streams open "
        "(%.1f kB per stream), %.1f MB at the end; CPU %.1f%% of one core over the %.1f s "
        "after connecting\n",
        o.server_pid, end.processes, before->rss_kb / 1024.0, begin.rss_kb / 1024.0,
        connected ? static_cast<double>(begin.rss_kb - before->rss_kb) / connected : 0.0,
        end.rss_kb / 1024.0, s["cpu_percent"].get<double>(), window_s);
  }
  std::printf("client     CPU %.1f%% of one core over the same window\n",
              out["client_cpu_percent"].get<double>());
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace gov::bench

int main(int argc, char** argv) {
  gov::bench::Options o;
  CLI::App app{
      "Server-sent-event subscribers: opens --connections streams, then makes --changes changes "
      "and measures how long each takes to reach each stream. Prints a report and, last, a "
      "one-line JSON summary."};
  gov::bench::AddServerOptions(app, o, "Stream target, e.g. /api/client/streaming");
  app.add_option("-c,--connections", o.connections, "Streams")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--connect-rate", o.connect_rate, "Streams opened per second")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout-ms", o.timeout_ms,
                 "A stream without its first event this long after opening has failed; also "
                 "the HTTP trigger's timeout")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("-d,--duration-s", o.duration_s,
                 "Keep the streams open at least this long after they are all open (the "
                 "changes take (changes + 1) * change gap)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--changes", o.changes, "Changes to make once the streams are open")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--change-gap-ms", o.change_gap_ms, "Time between changes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--within-ms", o.within_ms, "Report the share delivered within this time")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--initial-event", o.initial_event,
                 "Count first events of another type (e.g. unleash-connected)");
  app.add_option("--change-event", o.change_event,
                 "Only this event type delivers a change (default: any event)");
  app.add_option("--trigger", o.trigger_commands,
                 "Shell command making a change, run with GOV_CHANGE=<number> (repeatable: "
                 "used in turn); used instead of --trigger-path");
  app.add_option("--trigger-method", o.trigger_method, "HTTP trigger's method")
      ->capture_default_str();
  app.add_option("--trigger-path", o.trigger_paths,
                 "HTTP trigger's target on the same server (repeatable: used in turn, e.g. "
                 ".../off then .../on)");
  app.add_option("--trigger-header", o.trigger_headers, "HTTP trigger's header (repeatable)")
      ->check(gov::bench::CheckHeader);
  app.add_option("--trigger-body", o.trigger_body, "HTTP trigger's body");
  app.add_option("-t,--threads", o.threads, "Threads, each with its share of the streams")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--server-pid", o.server_pid,
                 "Report this process's RSS (with its children's) before and after the streams "
                 "open, and its CPU after");
  CLI11_PARSE(app, argc, argv);
  if (o.threads > o.connections) o.threads = o.connections;
  return gov::bench::RunReporting("gov_sse_fleet", [&o] { return gov::bench::Run(o); });
}
