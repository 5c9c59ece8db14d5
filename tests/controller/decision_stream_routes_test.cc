// GET /api/v1/targets/{name}/decisions/stream over HTTP (tests/api/test_server.h: port 0,
// SQLite, FakeClock): the stream opens with the newest decision, then carries the next one
// the loop makes, as the decisions API shows it; 404 for an unknown target, 400 naming
// `last`, 401 without a token, and a viewer token may watch.

#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

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

// Reads a stream on its own thread, keeping the `data:` of each `decision` event.
class StreamReader {
 public:
  StreamReader(int port, httplib::Headers headers, std::string path)
      : client_("127.0.0.1", port),
        thread_([this, headers = std::move(headers), path = std::move(path)] {
          client_.set_read_timeout(30, 0);
          auto res = client_.Get(
              path.c_str(), headers,
              [this](const httplib::Response& r) {
                std::lock_guard lock(mu_);
                status_ = r.status;
                type_ = r.get_header_value("Content-Type");
                cv_.notify_all();
                return r.status == 200;
              },
              [this](const char* data, size_t size) {
                std::lock_guard lock(mu_);
                buffer_.append(data, size);
                for (size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
                  const std::string event = buffer_.substr(0, end);
                  buffer_.erase(0, end + 2);
                  const size_t data_at = event.find("data: ");
                  if (event.rfind("event: decision\n", 0) == 0 && data_at != std::string::npos) {
                    events_.push_back(core::ParseJson(event.substr(data_at + 6)).value());
                  }
                }
                cv_.notify_all();
                return !stop_;
              });
        }) {}
  ~StreamReader() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    client_.stop();  // ends the read the idle stream is blocked in
    thread_.join();
  }
  // Waits for `n` decision events; returns them.
  std::vector<core::Json> Await(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, seconds(20), [&] { return events_.size() >= n; });
    return events_;
  }
  std::pair<int, std::string> Head() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, seconds(20), [&] { return status_ != 0; });
    return {status_, type_};
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;
  std::vector<core::Json> events_;
  int status_ = 0;
  std::string type_;
  bool stop_ = false;
  httplib::Client client_;
  std::thread thread_;
};

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
  StreamReader reader(ts_.port(), TestServer::Bearer(viewer),
                      "/api/v1/targets/web/decisions/stream");
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
