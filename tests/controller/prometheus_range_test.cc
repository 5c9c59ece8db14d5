// The Prometheus range-query client: response parsing against the documented matrix shape of
// the HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries), the
// request's parameters and the split of a long range, against a local httplib server.

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "controller/load_history.h"
#include "controller/prometheus_source.h"

namespace gov::controller {
namespace {

TEST(PrometheusRangeParseTest, OneSeriesIsItsSamplesOldestFirstWithoutNonFiniteValues) {
  auto v = ParsePrometheusRangeResponse(
      200, R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":)"
           R"([[1700000000,"1.5"],[1700000060,"NaN"],[1700000120,"+Inf"],[1700000180,"3"]]}]}})");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].value, 1.5);
  EXPECT_EQ((*v)[0].evaluated_at, core::FromUnixSeconds(1700000000));
  EXPECT_EQ((*v)[1].value, 3);
  EXPECT_EQ((*v)[1].evaluated_at, core::FromUnixSeconds(1700000180));
}

TEST(PrometheusRangeParseTest, NoSeriesIsNoSamples) {
  auto v = ParsePrometheusRangeResponse(
      200, R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->empty());
}

TEST(PrometheusRangeParseTest, ErrorsSayWhatCameBack) {
  struct Case {
    std::string name;
    int status;
    std::string body;
    core::StatusCode code;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"two series", 200,
       R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"a"},"values":[]},{"metric":{"pod":"b"},"values":[]}]}})",
       core::StatusCode::kFailedPrecondition,
       "returned 2 series ({pod=\"a\"}, {pod=\"b\"}); aggregate them to one"},
      {"vector", 200, R"({"status":"success","data":{"resultType":"vector","result":[]}})",
       core::StatusCode::kFailedPrecondition, "returned a vector result, not a matrix"},
      {"malformed value", 200,
       R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}})",
       core::StatusCode::kInternal, "malformed value \"x\""},
      {"too many points", 400,
       R"({"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries"})",
       core::StatusCode::kFailedPrecondition, "prometheus: bad_data: exceeded maximum resolution"},
      {"overloaded", 503, "busy", core::StatusCode::kUnavailable, "HTTP 503"},
  };
  for (const Case& c : cases) {
    auto v = ParsePrometheusRangeResponse(c.status, c.body);
    EXPECT_EQ(v.status().code(), c.code) << c.name << ": " << v.status().ToString();
    EXPECT_NE(v.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << v.status().message();
  }
}

// Answers /prefix/api/v1/query_range with one sample per step over the asked range (value =
// the sample's Unix time), recording each request's parameters.
class RangePrometheus {
 public:
  RangePrometheus() {
    server_.Get("/prefix/api/v1/query_range", [this](const httplib::Request& req,
                                                     httplib::Response& res) {
      const double start = std::stod(req.get_param_value("start"));
      const double end = std::stod(req.get_param_value("end"));
      const double step = std::stod(req.get_param_value("step"));
      {
        std::lock_guard lock(mu_);
        requests_.push_back({req.get_param_value("query"), start, end, step});
      }
      std::string values;
      for (double t = start; t <= end; t += step) {
        if (!values.empty()) values += ",";
        values += "[" + std::to_string(static_cast<int64_t>(t)) + ",\"" +
                  std::to_string(static_cast<int64_t>(t)) + "\"]";
      }
      res.set_content(
          R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[)" +
              values + "]}]}}",
          "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RangePrometheus() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/prefix"; }
  struct Request {
    std::string query;
    double start, end, step;
  };
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<Request> requests_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(PrometheusHttpClientRangeTest, AsksForTheRangeAndStepAndReturnsTheSamples) {
  RangePrometheus prom;
  PrometheusHttpClient client({.max_attempts = 1, .sleep = {}});
  auto v = client.QueryRange(prom.url(), "sum(rate(requests[1m]))", core::FromUnixSeconds(1000),
                             core::FromUnixSeconds(1600), std::chrono::seconds(300),
                             std::chrono::seconds(5));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[2].value, 1600);
  auto requests = prom.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].query, "sum(rate(requests[1m]))");
  EXPECT_EQ(requests[0].start, 1000);
  EXPECT_EQ(requests[0].end, 1600);
  EXPECT_EQ(requests[0].step, 300);
}

TEST(PrometheusHttpClientRangeTest, ARangeOverPrometheusPointLimitIsAskedForInPieces) {
  RangePrometheus prom;
  PrometheusHttpClient client({.max_attempts = 1, .sleep = {}});
  // 25,000 steps of 1 s: pieces of 11,000 points each (the last one shorter), no overlap.
  auto v =
      client.QueryRange(prom.url(), "q", core::FromUnixSeconds(0), core::FromUnixSeconds(24'999),
                        std::chrono::seconds(1), std::chrono::seconds(5));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->size(), 25'000u);
  for (size_t i = 0; i < v->size(); ++i) ASSERT_EQ((*v)[i].value, static_cast<double>(i));
  auto requests = prom.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].start, 0);
  EXPECT_EQ(requests[0].end, 10'999);
  EXPECT_EQ(requests[1].start, 11'000);
  EXPECT_EQ(requests[1].end, 21'999);
  EXPECT_EQ(requests[2].start, 22'000);
  EXPECT_EQ(requests[2].end, 24'999);
}

TEST(PrometheusMetricHistoryTest, PrometheusMetricsAreRangeQueriedPushedOnesHaveNoHistory) {
  RangePrometheus prom;
  PrometheusHttpClient client({.max_attempts = 1, .sleep = {}});
  PrometheusMetricHistory history(client, prom.url());
  TargetSpec target;
  MetricSpec metric;
  metric.name = "rps";
  metric.type = MetricType::kValue;
  metric.source.prometheus = PrometheusSource{"sum(rate(requests[1m]))", std::nullopt, 2.0};
  auto samples = history.ReadRange(target, metric, core::FromUnixSeconds(600),
                                   core::FromUnixSeconds(900), std::chrono::seconds(300));
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  EXPECT_EQ(*samples, (std::vector<store::LoadSample>{{core::FromUnixSeconds(600), 600},
                                                      {core::FromUnixSeconds(900), 900}}));
  metric.source.prometheus.reset();
  auto pushed = history.ReadRange(target, metric, core::FromUnixSeconds(600),
                                  core::FromUnixSeconds(900), std::chrono::seconds(300));
  EXPECT_EQ(pushed.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(pushed.status().message().find("rps is pushed"), std::string::npos);
}

}  // namespace
}  // namespace gov::controller
