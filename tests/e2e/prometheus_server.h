#pragma once

// A real Prometheus (Debian package `prometheus`, /usr/bin/prometheus) for end-to-end tests:
// started on 127.0.0.1 port 0 (the port it got is read back from its "Listening on" log line)
// with a temp config (scrape every 1 s) and storage dir,
// killed and reaped by the destructor (and by the kernel if the test process dies first:
// PR_SET_PDEATHSIG). Also a tiny exporter serving the text exposition format.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace gov::testing {

inline constexpr const char* kPrometheusBinary = "/usr/bin/prometheus";

// Serves GET /metrics with whatever text was last Set().
class TextExporter {
 public:
  TextExporter() {
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu_);
      res.set_content(text_, "text/plain; version=0.0.4");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TextExporter() {
    server_.stop();
    thread_.join();
  }
  void Set(std::string text) {
    std::lock_guard lock(mu_);
    text_ = std::move(text);
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::mutex mu_;
  std::string text_;
  int port_ = 0;
  std::thread thread_;
};

class PrometheusServer {
 public:
  // Starts Prometheus scraping `scrape_target` ("127.0.0.1:PORT") every second. Check ok().
  explicit PrometheusServer(const std::string& scrape_target) {
    std::filesystem::create_directories(dir_.path() / "data");
    {
      std::ofstream config(dir_.path() / "prometheus.yml");
      config << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
             << "scrape_configs:\n  - job_name: exporter\n    static_configs:\n"
             << "      - targets: ['" << scrape_target << "']\n";
    }
    std::vector<std::string> args = {kPrometheusBinary,
                                     "--config.file=" + (dir_.path() / "prometheus.yml").string(),
                                     "--storage.tsdb.path=" + (dir_.path() / "data").string(),
                                     "--web.listen-address=127.0.0.1:0", "--log.level=info"};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = (dir_.path() / "prometheus.log").string();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
      }
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }

  ~PrometheusServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  // Waits up to `timeout` for the port in the log and then /-/ready; false when Prometheus
  // exited or never got ready.
  bool WaitReady(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Logged at info level by the web listener once it is bound:
    //   msg="Listening on" address=127.0.0.1:38993
    static const std::regex kListening(R"(msg="Listening on" address=127\.0\.0\.1:([0-9]+))");
    std::unique_ptr<httplib::Client> client;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      if (port_ == 0) {
        std::smatch m;
        const std::string log = Log();
        if (std::regex_search(log, m, kListening)) {
          port_ = std::stoi(m[1].str());
          client = std::make_unique<httplib::Client>("127.0.0.1", port_);
          client->set_connection_timeout(std::chrono::milliseconds(200));
        }
      }
      if (client != nullptr) {
        auto res = client->Get("/-/ready");
        if (res && res->status == 200) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Log() const {
    std::ifstream in(dir_.path() / "prometheus.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  TempDir dir_{"gov_prom"};
  int port_ = 0;  // 0 until WaitReady() read it from the log
  pid_t pid_ = -1;
};

// An exporter serving `text` and a Prometheus scraping it, usable once `probe` (an instant
// query) has a result: the fixture every Prometheus end-to-end test starts from. Waiting is
// real time; the limits only stop a run whose Prometheus never starts or scrapes.
class ScrapedPrometheus {
 public:
  ScrapedPrometheus(const std::string& text, const std::string& probe) {
    exporter_.Set(text);
    server_ = std::make_unique<PrometheusServer>("127.0.0.1:" + std::to_string(exporter_.port()));
    if (!server_->WaitReady(std::chrono::seconds(30))) {
      problem_ = "prometheus did not become ready:\n" + server_->Log();
      return;
    }
    httplib::Client client(server_->url());
    client.set_read_timeout(std::chrono::seconds(2));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto res = client.Get("/api/v1/query", {{"query", probe}}, httplib::Headers{});
      if (res && res->status == 200 && res->body.find("\"result\":[{") != std::string::npos) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    problem_ = "prometheus never scraped the exporter:\n" + server_->Log();
  }
  // Why it is not usable; empty when it is.
  const std::string& problem() const { return problem_; }
  TextExporter& exporter() { return exporter_; }
  PrometheusServer& server() { return *server_; }
  std::string url() const { return server_->url(); }

 private:
  TextExporter exporter_;
  std::unique_ptr<PrometheusServer> server_;
  std::string problem_;
};

// A fixture whose suite shares one ScrapedPrometheus: an exporter of two pods'
// web_cpu_percent (160 and 120, so avg 140 and sum 280) and Prometheus scraping it.
class WebCpuPrometheusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prometheus_ = new ScrapedPrometheus(
        "# TYPE web_cpu_percent gauge\n"
        "web_cpu_percent{pod=\"a\"} 160\n"
        "web_cpu_percent{pod=\"b\"} 120\n",
        "avg(web_cpu_percent)");
  }
  static void TearDownTestSuite() {  // SIGKILLs and reaps Prometheus
    delete prometheus_;
    prometheus_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(prometheus_->problem(), ""); }

  static inline ScrapedPrometheus* prometheus_ = nullptr;
};

}  // namespace gov::testing
