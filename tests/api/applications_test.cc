// GET /api/v1/applications: the SDK instances that registered or used the Unleash client API,
// how each fetches its flags (polling or streaming) and when it was last seen.

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/time_format.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

void Unlimited(ServerConfig& c) {
  for (const char* rate_class : {"admin", "evaluation", "ingest", "unauthenticated"}) {
    c.rate_limits[rate_class] = {0, 0};
  }
}

httplib::Headers Sdk(const std::string& secret, const std::string& app,
                     const std::string& instance) {
  httplib::Headers h{{"Authorization", secret},
                     {"unleash-appname", app},
                     {"unleash-sdk", "unleash-node-sdk:6.12.1"},
                     {"unleash-connection-id", "c-" + instance},
                     {"unleash-interval", "15000"}};
  if (!instance.empty()) h.emplace("unleash-instanceid", instance);
  return h;
}

class ApplicationsTest : public ::testing::Test {
 protected:
  ApplicationsTest() : server_(Unlimited) {
    dev_ = server_.CreateToken("client", "dev-sdk")["secret"];
    prod_ = server_.CreateToken("client", "prod-sdk", "production")["secret"];
  }

  core::Json List(const std::string& query = "",
                  const httplib::Headers& auth = TestServer::Admin()) {
    auto res = server_.Client()->Get("/api/v1/applications" + query, auth);
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    return core::Json::parse(res->body)["items"];
  }
  // The listed instance (app, instance), or null.
  core::Json Find(const core::Json& items, const std::string& app, const std::string& instance) {
    for (const auto& i : items) {
      if (i["appName"] == app && i["instanceId"] == instance) return i;
    }
    return core::Json();
  }
  std::string Now() { return core::FormatRfc3339(server_.clock().Now()); }

  TestServer server_;
  std::string dev_;
  std::string prod_;
};

TEST_F(ApplicationsTest, EmptyWithoutSdks) { EXPECT_EQ(List(), core::Json::array()); }

TEST_F(ApplicationsTest, PollingInstanceThenItsRegistration) {
  auto c = server_.Client();
  const std::string first_seen = Now();
  ASSERT_EQ(c->Get("/api/client/features", Sdk(dev_, "checkout", "i-1"))->status, 200);
  core::Json items = List();
  ASSERT_EQ(items.size(), 1u) << items.dump();
  EXPECT_EQ(items[0]["appName"], "checkout");
  EXPECT_EQ(items[0]["instanceId"], "i-1");
  EXPECT_EQ(items[0]["environment"], "development");
  EXPECT_EQ(items[0]["sdkVersion"], "unleash-node-sdk:6.12.1");  // the header, until it registers
  EXPECT_EQ(items[0]["connectionMode"], "polling");
  EXPECT_TRUE(items[0]["registeredAt"].is_null());
  EXPECT_EQ(items[0]["startedAt"], first_seen);
  EXPECT_EQ(items[0]["lastSeen"], first_seen);
  EXPECT_EQ(items[0]["metricsIntervalMs"], 0);

  server_.clock().Advance(std::chrono::seconds(30));
  auto reg = c->Post("/api/client/register", Sdk(dev_, "checkout", "i-1"),
                     R"({"appName":"checkout","instanceId":"i-1",
                         "sdkVersion":"unleash-client-node:6.12.1","strategies":["default"],
                         "started":"2026-11-25T10:00:00.000Z","interval":60000})",
                     "application/json");
  ASSERT_EQ(reg->status, 202) << reg->body;
  items = List();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["sdkVersion"], "unleash-client-node:6.12.1");
  EXPECT_EQ(items[0]["strategies"], core::Json::array({"default"}));
  EXPECT_EQ(items[0]["startedAt"], "2026-11-25T10:00:00.000Z");
  EXPECT_EQ(items[0]["registeredAt"], Now());
  EXPECT_EQ(items[0]["lastSeen"], Now());
  EXPECT_EQ(items[0]["metricsIntervalMs"], 60000);
  EXPECT_EQ(items[0]["connectionMode"], "polling");  // a registration says nothing of it

  // A metrics report and a delta poll move last seen.
  server_.clock().Advance(std::chrono::seconds(60));
  auto metrics = c->Post(
      "/api/client/metrics", Sdk(dev_, "checkout", "i-1"),
      R"({"appName":"checkout","instanceId":"i-1","bucket":{"start":"2026-11-25T10:00:00.000Z",
          "stop":"2026-11-25T10:01:00.000Z","toggles":{"color":{"yes":1,"no":0}}}})",
      "application/json");
  ASSERT_EQ(metrics->status, 202) << metrics->body;
  EXPECT_EQ(List()[0]["lastSeen"], Now());
  server_.clock().Advance(std::chrono::seconds(60));
  ASSERT_EQ(c->Get("/api/client/delta", Sdk(dev_, "checkout", "i-1"))->status, 200);
  EXPECT_EQ(List()[0]["lastSeen"], Now());
}

TEST_F(ApplicationsTest, StreamingWhileTheStreamIsOpen) {
  std::mutex mu;
  std::condition_variable cv;
  bool connected = false;
  bool stop = false;
  httplib::Client c("127.0.0.1", server_.port());
  c.set_read_timeout(10, 0);
  std::thread stream([&] {
    c.Get("/api/client/streaming", Sdk(dev_, "worker", "w-1"), [&](const char* data, size_t n) {
      std::lock_guard<std::mutex> lock(mu);
      if (std::string(data, n).find("unleash-connected") != std::string::npos) connected = true;
      cv.notify_all();
      return !stop;
    });
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return connected; }));
  }
  core::Json worker = Find(List(), "worker", "w-1");
  ASSERT_FALSE(worker.is_null());
  EXPECT_EQ(worker["connectionMode"], "streaming");
  // An open stream keeps the instance seen.
  server_.clock().Advance(std::chrono::minutes(5));
  EXPECT_EQ(Find(List(), "worker", "w-1")["lastSeen"], Now());

  // Failing over to polling: the next fetch makes it a polling instance.
  server_.clock().Advance(std::chrono::seconds(1));
  ASSERT_EQ(server_.Client()->Get("/api/client/features", Sdk(dev_, "worker", "w-1"))->status, 200);
  EXPECT_EQ(Find(List(), "worker", "w-1")["connectionMode"], "polling");
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  c.stop();  // closes the stream's connection
  stream.join();
}

TEST_F(ApplicationsTest, EnvironmentFilterDefaultInstanceAndUntrackedRequests) {
  auto c = server_.Client();
  ASSERT_EQ(c->Get("/api/client/features", Sdk(dev_, "web", ""))->status, 200);
  ASSERT_EQ(c->Get("/api/client/features", Sdk(prod_, "web", "p-1"))->status, 200);
  // No unleash-appname: not an SDK Governor can name.
  ASSERT_EQ(c->Get("/api/client/features", {{"Authorization", dev_}})->status, 200);
  core::Json all = List();
  ASSERT_EQ(all.size(), 2u) << all.dump();
  EXPECT_EQ(all[0]["environment"], "development");
  EXPECT_EQ(all[0]["instanceId"], "default");
  EXPECT_EQ(all[1]["environment"], "production");
  core::Json prod = List("?environment=production");
  ASSERT_EQ(prod.size(), 1u);
  EXPECT_EQ(prod[0]["instanceId"], "p-1");
  EXPECT_EQ(List("?environment=staging"), core::Json::array());
}

TEST_F(ApplicationsTest, ViewersMayReadSdksMayNot) {
  auto created = server_.Client()->Post("/api/v1/tokens", TestServer::Admin(),
                                        R"({"type":"viewer","name":"ops"})", "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string viewer = core::Json::parse(created->body)["secret"];
  EXPECT_EQ(List("", TestServer::Bearer(viewer)), core::Json::array());
  EXPECT_EQ(server_.Client()->Get("/api/v1/applications", TestServer::Bearer(dev_))->status, 403);
  EXPECT_EQ(server_.Client()->Get("/api/v1/applications")->status, 401);
}

}  // namespace
}  // namespace gov::api::testing
