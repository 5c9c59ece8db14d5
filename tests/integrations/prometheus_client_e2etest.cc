// The Prometheus query client against a real Prometheus (the Debian package), started by the
// test on a free port, scraping an exporter the test serves: instant and range queries and the
// errors of queries Governor cannot use. Waiting on Prometheus (readiness, the first scrapes)
// is real time.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integrations/prometheus_client.h"
#include "tests/e2e/prometheus_server.h"

namespace gov::integrations {
namespace {

class PrometheusClientE2eTest : public gov::testing::WebCpuPrometheusTest {
 protected:
  core::StatusOr<PrometheusValue> Query(const std::string& q) {
    return client_.Query(prometheus_->url(), q, std::chrono::seconds(5),
                         core::SystemClock::Instance().Now());
  }

  PrometheusHttpClient client_{{.max_attempts = 2, .sleep = {}}};
};

TEST_F(PrometheusClientE2eTest, AnAggregatedQueryIsOneValue) {
  auto v = Query("avg(web_cpu_percent)");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_DOUBLE_EQ(v->value, 140);
  auto scalar = Query("scalar(sum(web_cpu_percent)) / 2");
  ASSERT_TRUE(scalar.ok()) << scalar.status().ToString();
  EXPECT_DOUBLE_EQ(scalar->value, 140);
}

TEST_F(PrometheusClientE2eTest, NonScalarEmptyAndInvalidQueriesAreClearErrors) {
  auto many = Query("web_cpu_percent");
  EXPECT_EQ(many.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(many.status().message().find("returned 2 series"), std::string::npos)
      << many.status().message();
  EXPECT_NE(many.status().message().find("pod=\"a\""), std::string::npos);

  auto none = Query("web_cpu_percent{pod=\"zzz\"}");
  EXPECT_EQ(none.status().message(),
            "prometheus: the query returned no series (nothing matched, or the series are stale)");

  auto range = Query("web_cpu_percent[1m]");
  EXPECT_NE(range.status().message().find("returned a matrix result"), std::string::npos)
      << range.status().message();

  auto syntax = Query("avg(web_cpu_percent");
  EXPECT_EQ(syntax.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(syntax.status().message().rfind("prometheus: bad_data: ", 0), 0u)
      << syntax.status().message();
}

TEST_F(PrometheusClientE2eTest, ARangeQueryReturnsTheScrapedSamplesOfOneSeries) {
  const core::TimePoint now = core::SystemClock::Instance().Now();
  auto range =
      client_.QueryRange(prometheus_->url(), "sum(web_cpu_percent)", now - std::chrono::seconds(30),
                         now, std::chrono::seconds(1), std::chrono::seconds(5));
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  ASSERT_FALSE(range->empty());  // from the first scrape on
  for (const PrometheusValue& v : *range) {
    EXPECT_DOUBLE_EQ(v.value, 280);
    EXPECT_GE(v.evaluated_at, now - std::chrono::seconds(31));
    EXPECT_LE(v.evaluated_at, now + std::chrono::seconds(1));
  }
  auto many =
      client_.QueryRange(prometheus_->url(), "web_cpu_percent", now - std::chrono::seconds(30), now,
                         std::chrono::seconds(1), std::chrono::seconds(5));
  EXPECT_EQ(many.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(many.status().message().find("returned 2 series"), std::string::npos)
      << many.status().message();
}

}  // namespace
}  // namespace gov::integrations
