// The Prometheus range-query client: response parsing against the documented matrix shape of
// the HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries), the
// request's parameters and the split of a long range, against a local httplib server.

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "integrations/prometheus_client.h"
#include "tests/integrations/range_prometheus.h"

namespace gov::integrations {
namespace {

using testing::RangePrometheus;

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

}  // namespace
}  // namespace gov::integrations
