// What the load generators gov_fleet (fleet.cc) and gov_sse_fleet (sse_fleet.cc) share: their
// common options, the server's CPU and memory from /proc, this process's CPU and descriptor
// limit, percentiles, progress notes, resolving the server, a Beast body that stores nothing,
// and the threads that run the clients.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace gov::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using std::chrono::nanoseconds;
using ErrorCode = boost::system::error_code;
using Json = nlohmann::ordered_json;

// ---- Options ----

// CLI11 check of a --header value.
inline std::string CheckHeader(const std::string& header) {
  return header.find(':') == std::string::npos ? std::string("not 'Name: value'") : "";
}

// The options both tools take: the server and what to ask it, and how the clients run.
struct CommonOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 80;
  std::string path = "/";
  std::vector<std::string> headers;  // 'Name: value'
  int connections = 100;
  double connect_rate = 1000;  // connections opened per second
  int threads = 1;
  int server_pid = 0;

  std::string HostPort() const { return host + ":" + std::to_string(port); }
  std::string Url() const { return "http://" + HostPort() + path; }

  // GET `path` with Host, then `fields` (each line ending in CRLF), then the --header lines.
  std::string GetRequest(const std::string& fields) const {
    std::string text = "GET " + path + " HTTP/1.1\r\nHost: " + HostPort() + "\r\n" + fields;
    for (const auto& header : headers) text += header + "\r\n";
    return text + "\r\n";
  }
};

// Adds --host, --port, --path (described by path_help) and --header.
inline void AddServerOptions(CLI::App& app, CommonOptions& o, const std::string& path_help) {
  app.add_option("--host", o.host, "Server host")->capture_default_str();
  app.add_option("--port", o.port, "Server port")->required();
  app.add_option("--path", o.path, path_help)->capture_default_str();
  app.add_option("--header", o.headers, "A request header 'Name: value' (repeatable)")
      ->check(CheckHeader);
}

// ---- Time ----

inline double Seconds(TimePoint from, TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

inline nanoseconds Ms(double v) {
  return std::chrono::duration_cast<nanoseconds>(std::chrono::duration<double, std::milli>(v));
}

// Prints to stderr what the tool is doing, `since` the start.
inline void Note(TimePoint since, const std::string& text) {
  std::fprintf(stderr, "[%6.1f s] %s\n", Seconds(since, Clock::now()), text.c_str());
}

// Waits until done() or `deadline`, polling every 50 ms.
template <typename Done>
void WaitUntil(TimePoint deadline, Done done) {
  while (!done() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// ---- Figures ----

// Nearest-rank percentile (p in [0, 100]) of sorted nanoseconds, in milliseconds.
inline double PercentileMs(const std::vector<int64_t>& sorted_ns, double p) {
  if (sorted_ns.empty()) return 0;
  const double rank = std::ceil(p / 100 * static_cast<double>(sorted_ns.size()));
  const size_t index = std::clamp<size_t>(static_cast<size_t>(rank), 1, sorted_ns.size()) - 1;
  return static_cast<double>(sorted_ns[index]) / 1e6;
}

inline double Round3(double v) { return std::round(v * 1000) / 1000; }

// ---- Processes and descriptors ----

// CPU time (user + system) and resident memory of a process and its descendants, so that
// nginx's workers count with the master whose pid is given.
struct ProcessSample {
  double cpu_seconds = 0;
  int64_t rss_kb = 0;
  int processes = 0;
  TimePoint at;
};

// The fields of /proc/PID/stat after the command name: [1] is the ppid, [11] and [12] utime and
// stime in clock ticks (proc(5) numbers them 4, 14 and 15).
inline std::optional<std::vector<std::string>> StatFields(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const size_t name_end = line.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(name_end + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  if (fields.size() < 13) return std::nullopt;
  return fields;
}

inline int64_t VmRssKb(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

// Sums CPU time and VmRSS over `root` and its descendants; processes = 0 if `root` is gone.
inline ProcessSample SampleProcessTree(int root) {
  ProcessSample sample;
  sample.at = Clock::now();
  std::map<int, std::vector<int>> children;
  std::map<int, std::vector<std::string>> stats;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto fields = StatFields(name);
    if (!fields) continue;
    const int pid = std::stoi(name);
    children[std::stoi((*fields)[1])].push_back(pid);
    stats[pid] = std::move(*fields);
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::vector<int> pending = {root};
  while (!pending.empty()) {
    const int pid = pending.back();
    pending.pop_back();
    auto found = stats.find(pid);
    if (found == stats.end()) continue;
    ++sample.processes;
    sample.cpu_seconds += (std::stod(found->second[11]) + std::stod(found->second[12])) / ticks;
    sample.rss_kb += VmRssKb(std::to_string(pid));
    for (int child : children[pid]) pending.push_back(child);
  }
  return sample;
}

// The server's tree if --server-pid was given (pid != 0); otherwise only the time.
inline ProcessSample SampleServer(int pid) {
  if (pid) return SampleProcessTree(pid);
  ProcessSample none;
  none.at = Clock::now();
  return none;
}

// The server's sample before the run, or nullopt (with a message) if pid is given and gone.
inline std::optional<ProcessSample> SampleServerBefore(const char* tool, int pid) {
  ProcessSample before = SampleServer(pid);
  if (pid && before.processes == 0) {
    std::fprintf(stderr, "%s: no process %d\n", tool, pid);
    return std::nullopt;
  }
  return before;
}

// This process's CPU time (all threads), seconds.
inline double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the descriptors now allowed.
inline rlim_t RaiseFileLimit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

// Raises the descriptor limit for `count` connections (named `what`, e.g. "streams"); false,
// with a message, if the hard limit is too low.
inline bool RaiseFileLimitFor(const char* tool, int count, const char* what) {
  const rlim_t files = RaiseFileLimit();
  if (static_cast<rlim_t>(count) + 64 <= files) return true;
  std::fprintf(stderr,
               "%s: %d %s need about %d open files, and this process may open %llu (the hard "
               "RLIMIT_NOFILE): split the %s over several processes or raise the hard limit\n",
               tool, count, what, count + 64, static_cast<unsigned long long>(files), what);
  return false;
}

// ---- Network ----

// The server's first address; nullopt, with a message, if `host` does not resolve.
inline std::optional<tcp::endpoint> Resolve(const char* tool, const std::string& host,
                                            uint16_t port) {
  asio::io_context io;
  ErrorCode ec;
  auto found = tcp::resolver(io).resolve(host, std::to_string(port), ec);
  if (ec || found.empty()) {
    std::fprintf(stderr, "%s: cannot resolve %s: %s\n", tool, host.c_str(), ec.message().c_str());
    return std::nullopt;
  }
  return found.begin()->endpoint();
}

// Sorts a failed read or write of a response into the tool's Kind (an enum with kClosed,
// kProtocol and kReset): kClosed if the server closed the connection before the response was
// complete, kProtocol if the response does not parse, kReset otherwise (ECONNRESET, EPIPE, ...).
template <typename Kind>
Kind ClassifyError(const ErrorCode& ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::eof) {
    return Kind::kClosed;
  }
  if (ec.category() == ErrorCode(http::error::end_of_stream).category()) return Kind::kProtocol;
  return Kind::kReset;
}

// A Beast body that stores nothing: each piece of a response body, as the parser decodes it
// (chunked or not), goes to the message body's Sink::OnBody(std::string_view).
template <typename Sink>
struct SinkBody {
  using value_type = Sink;

  class reader {  // NOLINT(readability-identifier-naming): the name Beast looks for
   public:
    template <bool kIsRequest, class Fields>
    reader(http::header<kIsRequest, Fields>&, value_type& sink) : sink_(sink) {}
    void init(const boost::optional<uint64_t>&, ErrorCode& ec) { ec = {}; }
    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, ErrorCode& ec) {
      ec = {};
      size_t n = 0;
      for (const auto buffer : beast::buffers_range_ref(buffers)) {
        sink_.OnBody(std::string_view(static_cast<const char*>(buffer.data()), buffer.size()));
        n += buffer.size();
      }
      return n;
    }
    void finish(ErrorCode& ec) { ec = {}; }

   private:
    value_type& sink_;
  };
};

// ---- Threads ----

// One thread with its io_context (Shard::io) and the clients it runs (each with Start()).
template <typename Shard, typename Client>
struct ShardThread {
  std::unique_ptr<Shard> shard;
  std::vector<std::unique_ptr<Client>> clients;
  std::thread thread;
};

// Starts each shard's thread: it starts the shard's clients, then runs their handlers until
// StopThreads.
template <typename Run>
void StartThreads(std::vector<Run>& shards) {
  for (Run& run : shards) {
    run.thread = std::thread([&run] {
      auto guard = asio::make_work_guard(run.shard->io);
      for (auto& client : run.clients) client->Start();
      run.shard->io.run();
    });
  }
}

template <typename Run>
void StopThreads(std::vector<Run>& shards) {
  for (Run& run : shards) run.shard->io.stop();
  for (Run& run : shards) run.thread.join();
}

// ---- Running ----

// Runs the tool, reporting an exception as `tool: what` and exit status 1.
template <typename Run>
int RunReporting(const char* tool, Run run) {
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", tool, e.what());
    return 1;
  }
}

}  // namespace gov::bench
