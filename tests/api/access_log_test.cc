// The Router writes one access-log line per request, in text or JSON.

#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <thread>

#include "api/http_server.h"
#include "api/router.h"
#include "core/json_util.h"

namespace gov::api {
namespace {

class AccessLogTest : public ::testing::TestWithParam<bool> {};

TEST_P(AccessLogTest, OneLinePerRequestWithMethodRouteStatusMicrosAndRequestId) {
  const bool json = GetParam();
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto logger = std::make_shared<spdlog::logger>("access-test", sink);
  logger->set_pattern("%v");
  core::FakeClock clock;
  Authenticator auth(clock);
  RateLimiter limiter(clock, {});
  HttpMetrics metrics("test");
  Router router(auth, limiter, metrics, logger, json);
  router.Add({"GET", "/things/{id}", Access::kPublic, RateClass::kNone,
              [](RequestContext& ctx, Response& res) {
                res.SetContent("{\"id\":\"" + ctx.PathParam(0) + "\"}", "application/json");
              }});
  HttpServer server(router, HttpServerOptions{});
  const int port = *server.Bind();
  std::thread t([&] { server.Serve(); });
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/things/42", {{"X-Request-Id", "req-7"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "{\"id\":\"42\"}");
  c.Get("/missing", {{"X-Request-Id", "req-8"}});
  server.Stop(std::chrono::seconds(5));
  t.join();
  logger->flush();

  std::istringstream lines(out.str());
  std::string first, second, extra;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_FALSE(std::getline(lines, extra)) << "one line per request";
  if (json) {
    core::Json a = core::Json::parse(first);
    EXPECT_EQ(a["method"], "GET");
    EXPECT_EQ(a["route"], "/things/{id}");
    EXPECT_EQ(a["path"], "/things/42");
    EXPECT_EQ(a["status"], 200);
    EXPECT_TRUE(a["us"].is_number_integer());
    EXPECT_EQ(a["requestId"], "req-7");
    core::Json b = core::Json::parse(second);
    EXPECT_EQ(b["status"], 404);
    EXPECT_EQ(b["route"], "unmatched");
    EXPECT_EQ(b["requestId"], "req-8");
  } else {
    EXPECT_EQ(first.rfind("GET /things/{id} 200 ", 0), 0u) << first;
    EXPECT_NE(first.find("us request_id=req-7"), std::string::npos) << first;
    EXPECT_EQ(second.rfind("GET unmatched 404 ", 0), 0u) << second;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, AccessLogTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "json" : "text"; });

}  // namespace
}  // namespace gov::api
