// GET /api/v1/targets/{name}/decisions/stream over HTTP (tests/api/test_server.h: port 0,
// SQLite, FakeClock): the stream opens with the newest decision, then carries the next one
// the loop makes, as the decisions API shows it; 404 for an unknown target, 400 naming
// `last`, 401 without a token, and a viewer token may watch.

#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/api/sse_reader.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

using std::chrono::seconds;

core::Json Target() {
  return {
      {"name", "web"},
      {"minReplicas", 3},
      {"maxReplicas", 50},
      {"metrics", {{{"name", "cpu"}, {"type", "Utilization"}, {"target", 70}, {"source", "push"}}}},
      {"hook", {{"pull", core::Json::object()}}}};
}

class DecisionStreamRoutesTest : public ::testing::Test {
 protected:
  httplib::Result Post(const std::string& path, const core::Json& body,
                       httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Post(path.c_str(), headers, body.dump(), "application/json");
  }
  void PushCpu(double value) {
    if (client_.empty()) client_ = ts_.CreateToken("client", "pusher")["secret"];
    auto pushed =
        Post("/api/v1/targets/web/metrics", {{"samples", {{{"metric", "cpu"}, {"value", value}}}}},
             TestServer::Bearer(client_));
    ASSERT_EQ(pushed->status, 202) << pushed->body;
  }
  void Sync(int secs) {
    ts_.clock().Advance(seconds(secs));
    auto l = ts_.server().controller().runner().RunOnce();
    ASSERT_TRUE(l.ok()) << l.status().ToString();
  }

  TestServer ts_;
  std::string client_;
};

TEST_F(DecisionStreamRoutesTest, OpensWithTheNewestDecisionThenCarriesTheNext) {
  ASSERT_EQ(Post("/api/v1/targets", Target())->status, 201);
  PushCpu(140);
  Sync(15);
  auto listed = ts_.Client()->Get("/api/v1/targets/web/decisions?limit=1", TestServer::Admin());
  const core::Json first = core::ParseJson(listed->body).value()["items"][0];

  const std::string viewer = ts_.CreateToken("viewer", "watcher")["secret"];
  SseReader reader(ts_.port(), TestServer::Bearer(viewer), "/api/v1/targets/web/decisions/stream",
                   "decision");
  EXPECT_EQ(reader.Head(), (std::pair<int, std::string>{200, "text/event-stream"}));
  auto events = reader.Await(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], first) << "the decision as GET .../decisions shows it";

  PushCpu(280);
  Sync(120);
  events = reader.Await(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[1]["id"], first["id"]);
  listed = ts_.Client()->Get("/api/v1/targets/web/decisions?limit=1", TestServer::Admin());
  EXPECT_EQ(events[1], core::ParseJson(listed->body).value()["items"][0]);
}

TEST_F(DecisionStreamRoutesTest, Errors) {
  ASSERT_EQ(Post("/api/v1/targets", Target())->status, 201);
  auto c = ts_.Client();
  EXPECT_EQ(c->Get("/api/v1/targets/nope/decisions/stream", TestServer::Admin())->status, 404);
  auto bad = c->Get("/api/v1/targets/web/decisions/stream?last=101", TestServer::Admin());
  ASSERT_EQ(bad->status, 400);
  EXPECT_EQ(core::ParseJson(bad->body).value()["error"]["field"], "last");
  EXPECT_EQ(c->Get("/api/v1/targets/web/decisions/stream")->status, 401);
}

}  // namespace
}  // namespace gov::api::testing
