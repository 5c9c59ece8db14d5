// The Prometheus instant-query client: response parsing against the documented shapes of the
// HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries and
// #expression-query-result-formats), and retries/timeouts against a local httplib server.

#include "integrations/prometheus_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/testing/refused_port.h"

namespace gov::integrations {
namespace {

struct ParseCase {
  std::string name;
  int http_status;
  std::string body;
  std::optional<double> value;  // expected value, or nullopt for an error
  core::StatusCode code = core::StatusCode::kOk;
  std::string message_part;  // for errors: a substring of the message
};

TEST(PrometheusParseTest, Table) {
  const std::vector<ParseCase> cases = {
      {"vector with one series", 200,
       R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"web"},"value":[1700000000.5,"83.5"]}]}})",
       83.5, core::StatusCode::kOk, ""},
      {"scalar", 200,
       R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"2"]}})", 2.0,
       core::StatusCode::kOk, ""},
      {"empty vector", 200, R"({"status":"success","data":{"resultType":"vector","result":[]}})",
       std::nullopt, core::StatusCode::kFailedPrecondition, "returned no series"},
      {"two series", 200,
       R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"a"},"value":[1,"1"]},{"metric":{"instance":"b"},"value":[1,"2"]}]}})",
       std::nullopt, core::StatusCode::kFailedPrecondition,
       "returned 2 series ({instance=\"a\"}, {instance=\"b\"}); aggregate them to one"},
      {"matrix", 200,
       R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}})",
       std::nullopt, core::StatusCode::kFailedPrecondition, "returned a matrix result"},
      {"NaN", 200,
       R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}})",
       std::nullopt, core::StatusCode::kFailedPrecondition, "is NaN, not a finite number"},
      {"+Inf", 200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}})",
       std::nullopt, core::StatusCode::kFailedPrecondition, "is +Inf"},
      {"bad_data", 400,
       R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \")\""})",
       std::nullopt, core::StatusCode::kFailedPrecondition,
       "prometheus: bad_data: 1:5: parse error"},
      {"execution timeout", 503,
       R"({"status":"error","errorType":"timeout","error":"query timed out"})", std::nullopt,
       core::StatusCode::kUnavailable, "prometheus: timeout: query timed out (HTTP 503)"},
      {"proxy error page", 502, "<html>Bad Gateway</html>", std::nullopt,
       core::StatusCode::kUnavailable,
       "HTTP 502 with a body that is not the query API's JSON: <html>Bad Gateway</html>"},
  };
  for (const ParseCase& c : cases) {
    auto v = ParsePrometheusQueryResponse(c.http_status, c.body);
    if (c.value) {
      ASSERT_TRUE(v.ok()) << c.name << ": " << v.status().ToString();
      EXPECT_DOUBLE_EQ(v->value, *c.value) << c.name;
    } else {
      ASSERT_FALSE(v.ok()) << c.name;
      EXPECT_EQ(v.status().code(), c.code) << c.name << ": " << v.status().ToString();
      EXPECT_NE(v.status().message().find(c.message_part), std::string::npos)
          << c.name << ": " << v.status().message();
    }
  }
  auto v = ParsePrometheusQueryResponse(
      200, R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.25,"1"]}})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->evaluated_at, core::FromUnixSeconds(1700000000.25));
}

// A local server answering /prefix/api/v1/query with a scripted sequence of statuses.
class ScriptedPrometheus {
 public:
  explicit ScriptedPrometheus(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    server_.Get("/prefix/api/v1/query", [this](const httplib::Request& req,
                                               httplib::Response& res) {
      const size_t n = calls_++;
      last_query_ = req.get_param_value("query");
      last_time_ = req.get_param_value("time");
      const int status = n < statuses_.size() ? statuses_[n] : 200;
      if (status == 200) {
        res.set_content(R"({"status":"success","data":{"resultType":"scalar","result":[1,"7"]}})",
                        "application/json");
      } else {
        res.status = status;
        res.set_content(R"({"status":"error","errorType":"unavailable","error":"busy"})",
                        "application/json");
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ScriptedPrometheus() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/prefix/"; }
  size_t calls() const { return calls_; }
  std::string last_query_, last_time_;

 private:
  std::vector<int> statuses_;
  std::atomic<size_t> calls_{0};
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(PrometheusHttpClientTest, RetriesServerErrorsWithBackoffThenSucceeds) {
  ScriptedPrometheus prom({503, 500});
  std::vector<core::Duration> sleeps;
  PrometheusHttpClient client({.max_attempts = 3,
                               .backoff = std::chrono::milliseconds(200),
                               .sleep = [&](core::Duration d) { sleeps.push_back(d); }});
  auto v = client.Query(prom.url(), "sum(up{job=\"web\"})", std::chrono::seconds(2),
                        core::FromUnixSeconds(1700000000.5));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_DOUBLE_EQ(v->value, 7);
  EXPECT_EQ(prom.calls(), 3u);
  EXPECT_EQ(prom.last_query_, "sum(up{job=\"web\"})");
  EXPECT_EQ(prom.last_time_, "1700000000.500");
  EXPECT_EQ(sleeps, (std::vector<core::Duration>{std::chrono::milliseconds(200),
                                                 std::chrono::milliseconds(400)}));
}

TEST(PrometheusHttpClientTest, GivesUpAfterMaxAttemptsWithTheLastError) {
  ScriptedPrometheus prom({503, 503, 503, 503});
  PrometheusHttpClient client({.max_attempts = 2, .sleep = [](core::Duration) {}});
  auto v = client.Query(prom.url(), "up", std::chrono::seconds(2), core::FromUnixSeconds(1));
  EXPECT_EQ(v.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(v.status().message(), "prometheus: unavailable: busy (HTTP 503)");
  EXPECT_EQ(prom.calls(), 2u);
}

TEST(PrometheusHttpClientTest, ConnectionErrorsNameTheServerAndTheAttempts) {
  gov::testing::RefusedPort refused;
  const int port = refused.port();
  PrometheusHttpClient client({.max_attempts = 2, .sleep = [](core::Duration) {}});
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto v = client.Query(url, "up", std::chrono::seconds(1), core::FromUnixSeconds(1));
  EXPECT_EQ(v.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(v.status().message().rfind("prometheus at " + url + ": ", 0), 0u)
      << v.status().message();
  EXPECT_NE(v.status().message().find(": cannot connect (attempt 2 of 2)"), std::string::npos)
      << v.status().message();
}

// The server holds a valid answer until the client has given up (or 30 s pass, so a client that
// ignores its timeout cannot hang the test). With the 200 ms timeout applied the client reports
// a timeout; without it, it would return the late answer as a value. No bound on elapsed time:
// a sanitized run on a loaded machine may be slow, but only a real bug changes the outcome.
TEST(PrometheusHttpClientTest, ATimeoutIsAnError) {
  httplib::Server slow;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  slow.Get("/api/v1/query", [&](const httplib::Request&, httplib::Response& res) {
    {
      std::unique_lock lock(mu);
      cv.wait_for(lock, std::chrono::seconds(30), [&] { return release; });
    }
    res.set_content(R"({"status":"success","data":{"resultType":"scalar","result":[1,"7"]}})",
                    "application/json");
  });
  const int port = slow.bind_to_any_port("127.0.0.1");
  std::thread t([&] { slow.listen_after_bind(); });
  PrometheusHttpClient client({.max_attempts = 1, .sleep = [](core::Duration) {}});
  auto v = client.Query("http://127.0.0.1:" + std::to_string(port), "up",
                        std::chrono::milliseconds(200), core::FromUnixSeconds(1));
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(v.status().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(v.status().message().find("no answer within the timeout"), std::string::npos)
      << v.status().message();
  slow.stop();
  t.join();
}

}  // namespace
}  // namespace gov::integrations
