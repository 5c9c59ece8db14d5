#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <set>

#include "core/crypto.h"
#include "store/token_repository.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

core::Json Body(const httplib::Result& res) { return core::Json::parse(res->body); }

TEST(ServerTest, HealthAndReadiness) {
  TestServer ts;
  auto c = ts.Client();
  auto h = c->Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto r = c->Get("/readyz");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Body(r)["status"], "ready");
}

TEST(ServerTest, ReadinessFailsWithReasonWhenDatabaseIsGone) {
  TestServer ts;
  ts.server().database().Close();
  auto r = ts.Client()->Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(Body(r)["reason"].get<std::string>().find("database"), std::string::npos);
}

TEST(ServerTest, CreateListRevokeTokenWithImmediateEffect) {
  TestServer ts;
  core::Json created = ts.CreateToken("client", "checkout");
  const std::string secret = created["secret"];
  EXPECT_EQ(created["type"], "client");
  EXPECT_EQ(created["environment"], "development");
  EXPECT_FALSE(created["createdAt"].get<std::string>().empty());

  auto c = ts.Client();
  auto list = c->Get("/api/v1/tokens", TestServer::Admin());
  ASSERT_EQ(list->status, 200);
  bool found = false;
  const core::Json listed = Body(list);
  for (const auto& t : listed["items"]) {
    EXPECT_FALSE(t.contains("secret"));
    EXPECT_FALSE(t.contains("secretHash"));
    found = found || t["id"] == created["id"];
  }
  EXPECT_TRUE(found);

  // Only the SHA-256 of the secret is stored.
  auto tx = std::move(ts.server().database().Begin(store::TxMode::kReadOnly)).value();
  auto rows =
      tx->Exec("SELECT secret_hash FROM tokens WHERE id = $1", {created["id"].get<std::string>()});
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0].Text(0), core::Sha256Hex(secret));
  auto any = tx->Exec("SELECT COUNT(*) FROM tokens WHERE secret_hash = $1 OR name = $1", {secret});
  EXPECT_EQ(any->rows[0].Int(0), 0);
  tx.reset();

  // A client token works on no admin route.
  auto forbidden = c->Get("/api/v1/tokens", TestServer::Bearer(secret));
  EXPECT_EQ(forbidden->status, 403);
  EXPECT_EQ(Body(forbidden)["error"]["code"], "permission_denied");

  // Revoke an admin token and see it refused on the very next request.
  core::Json admin2 = ts.CreateToken("admin", "second-admin");
  const std::string admin2_secret = admin2["secret"];
  EXPECT_EQ(c->Get("/api/v1/tokens", TestServer::Bearer(admin2_secret))->status, 200);
  auto del = c->Delete("/api/v1/tokens/" + admin2["id"].get<std::string>(), TestServer::Admin());
  EXPECT_EQ(del->status, 204);
  auto after = c->Get("/api/v1/tokens", TestServer::Bearer(admin2_secret));
  EXPECT_EQ(after->status, 401);
  EXPECT_EQ(
      c->Delete("/api/v1/tokens/" + admin2["id"].get<std::string>(), TestServer::Admin())->status,
      404);
  EXPECT_EQ(c->Delete("/api/v1/tokens/nope", TestServer::Admin())->status, 404);
}

TEST(ServerTest, RevokeWithStaleIfMatchIsAConflict) {
  TestServer ts;
  core::Json t = ts.CreateToken("client", "x");
  auto headers = TestServer::Admin();
  headers.emplace("If-Match", "\"7\"");
  auto res = ts.Client()->Delete("/api/v1/tokens/" + t["id"].get<std::string>(), headers);
  EXPECT_EQ(res->status, 409);
  EXPECT_EQ(Body(res)["error"]["code"], "conflict");
  headers = TestServer::Admin();
  headers.emplace("If-Match", "one");
  res = ts.Client()->Delete("/api/v1/tokens/" + t["id"].get<std::string>(), headers);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["error"]["field"], "If-Match");
}

TEST(ServerTest, TokenAcceptedInAllThreeHeaderForms) {
  TestServer ts;
  auto c = ts.Client();
  EXPECT_EQ(
      c->Get("/api/v1/tokens", {{"Authorization", std::string("Bearer ") + kAdminSecret}})->status,
      200);
  EXPECT_EQ(c->Get("/api/v1/tokens", {{"Authorization", kAdminSecret}})->status, 200);
  EXPECT_EQ(c->Get("/api/v1/tokens", {{"X-API-Key", kAdminSecret}})->status, 200);
  auto none = c->Get("/api/v1/tokens");
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(Body(none)["error"]["code"], "unauthenticated");
  EXPECT_EQ(c->Get("/api/v1/tokens", {{"Authorization", "Bearer wrong"}})->status, 401);
}

TEST(ServerTest, ExpiredTokenIsRefused) {
  TestServer ts;
  auto c = ts.Client();
  core::Json body{{"type", "admin"},
                  {"name", "short-lived"},
                  {"expiresAt", "2023-11-14T23:00:00Z"}};  // fake clock starts 2023-11-14T22:13:20Z
  auto res = c->Post("/api/v1/tokens", TestServer::Admin(), body.dump(), "application/json");
  ASSERT_EQ(res->status, 201) << res->body;
  const std::string secret = Body(res)["secret"];
  EXPECT_EQ(c->Get("/api/v1/tokens", TestServer::Bearer(secret))->status, 200);
  ts.clock().Advance(std::chrono::hours(1));
  EXPECT_EQ(c->Get("/api/v1/tokens", TestServer::Bearer(secret))->status, 401);
}

TEST(ServerTest, TokenValidationNamesTheField) {
  TestServer ts;
  auto c = ts.Client();
  struct Case {
    std::string body, field;
  };
  for (const Case& k : std::vector<Case>{
           {R"({"type":"root","name":"a"})", "type"},
           {R"({"name":"a"})", "type"},
           {R"({"type":"client"})", "name"},
           {R"({"type":"client","name":""})", "name"},
           {R"({"type":"client","name":"a","environment":"nowhere"})", "environment"},
           {R"({"type":"client","name":"a","environment":"*"})", "environment"},
           {R"({"type":"admin","name":"a","environment":"development"})", "environment"},
           {R"({"type":"client","name":"a","expiresAt":"tomorrow"})", "expiresAt"},
           {R"({"type":"client","name":"a","expiresAt":"2001-01-01T00:00:00Z"})", "expiresAt"},
           {R"({"type":"client","name":"a","colour":"red"})", "colour"},
           {R"([1,2])", ""},
       }) {
    auto res = c->Post("/api/v1/tokens", TestServer::Admin(), k.body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << k.body;
    core::Json err = Body(res)["error"];
    EXPECT_EQ(err["code"], "invalid_argument");
    if (!k.field.empty()) {
      EXPECT_EQ(err.value("field", ""), k.field) << k.body;
    }
  }
}

TEST(ServerTest, EnvironmentsAndScopedTokens) {
  TestServer ts;
  auto c = ts.Client();
  auto res = c->Post("/api/v1/environments", TestServer::Admin(), R"({"name":"staging"})",
                     "application/json");
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(c->Post("/api/v1/environments", TestServer::Admin(), R"({"name":"staging"})",
                    "application/json")
                ->status,
            409);
  auto bad = c->Post("/api/v1/environments", TestServer::Admin(), R"({"name":"Bad Name"})",
                     "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(Body(bad)["error"]["field"], "name");
  auto list = c->Get("/api/v1/environments", TestServer::Admin());
  std::set<std::string> names;
  const core::Json envs = Body(list);
  for (const auto& e : envs["items"]) names.insert(e["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"development", "production", "staging"}));
  core::Json t = ts.CreateToken("frontend", "web", "staging");
  EXPECT_EQ(t["environment"], "staging");
}

TEST(ServerTest, AuditRecordsEveryMutationWithBeforeAndAfter) {
  TestServer ts;
  auto c = ts.Client();
  core::Json t = ts.CreateToken("client", "audited");
  const std::string id = t["id"];
  ASSERT_EQ(c->Delete("/api/v1/tokens/" + id, TestServer::Admin())->status, 204);
  ASSERT_EQ(
      c->Post("/api/v1/environments", TestServer::Admin(), R"({"name":"qa"})", "application/json")
          ->status,
      201);

  auto res = c->Get("/api/v1/audit?resource=tokens/" + id, TestServer::Admin());
  ASSERT_EQ(res->status, 200) << res->body;
  core::Json items = Body(res)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["action"], "token.revoke");
  EXPECT_EQ(items[0]["actor"], "configured-admin");
  EXPECT_TRUE(items[0]["before"]["revokedAt"].is_null());
  EXPECT_FALSE(items[0]["after"]["revokedAt"].is_null());
  EXPECT_EQ(items[1]["action"], "token.create");
  EXPECT_TRUE(items[1]["before"].is_null());
  EXPECT_EQ(items[1]["after"]["name"], "audited");
  EXPECT_FALSE(items[1]["after"].contains("secret"));

  auto page1 = c->Get("/api/v1/audit?limit=1", TestServer::Admin());
  core::Json p1 = Body(page1);
  ASSERT_EQ(p1["items"].size(), 1u);
  EXPECT_EQ(p1["items"][0]["action"], "environment.create");
  ASSERT_TRUE(p1["nextCursor"].is_string());
  auto page2 = c->Get("/api/v1/audit?limit=1&cursor=" + p1["nextCursor"].get<std::string>(),
                      TestServer::Admin());
  EXPECT_EQ(Body(page2)["items"][0]["action"], "token.revoke");
  auto bad = c->Get("/api/v1/audit?limit=0", TestServer::Admin());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(Body(bad)["error"]["field"], "limit");
  EXPECT_EQ(c->Get("/api/v1/audit?cursor=xyz", TestServer::Admin())->status, 400);
}

TEST(ServerTest, FailedMutationWritesNoAuditEntry) {
  TestServer ts;
  auto c = ts.Client();
  c->Post("/api/v1/tokens", TestServer::Admin(),
          R"({"type":"client","name":"x","environment":"nowhere"})", "application/json");
  auto res = c->Get("/api/v1/audit", TestServer::Admin());
  const core::Json audit = Body(res);
  for (const auto& e : audit["items"]) {
    if (e["after"].is_object()) {
      EXPECT_NE(e["after"].value("name", ""), "x");
    }
  }
}

TEST(ServerTest, RequestIdIsEchoedOrGenerated) {
  TestServer ts;
  auto c = ts.Client();
  auto res = c->Get("/healthz", {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "abc-123");
  auto gen = c->Get("/healthz");
  EXPECT_EQ(gen->get_header_value("X-Request-Id").size(), 16u);
  auto bad = c->Get("/healthz", {{"X-Request-Id", "no spaces allowed"}});
  EXPECT_NE(bad->get_header_value("X-Request-Id"), "no spaces allowed");
  auto err = c->Get("/nowhere", {{"X-Request-Id", "r-404"}});
  EXPECT_EQ(err->get_header_value("X-Request-Id"), "r-404");
}

TEST(ServerTest, UnknownRouteAndWrongMethodAreJson) {
  TestServer ts;
  auto c = ts.Client();
  auto nf = c->Get("/api/v1/nothing", TestServer::Admin());
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(Body(nf)["error"]["code"], "not_found");
  auto wrong = c->Put("/api/v1/tokens", TestServer::Admin(), "{}", "application/json");
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->get_header_value("Allow"), "POST, GET");
  EXPECT_EQ(Body(wrong)["error"]["code"], "method_not_allowed");
}

TEST(ServerTest, MetricsExposeRequestsDurationsBuildInfoAndDbUp) {
  TestServer ts;
  auto c = ts.Client();
  c->Get("/healthz");
  c->Get("/api/v1/tokens", TestServer::Admin());
  c->Get("/api/v1/tokens");
  auto m = c->Get("/metrics");
  ASSERT_EQ(m->status, 200);
  EXPECT_NE(m->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& text = m->body;
  EXPECT_NE(
      text.find("governor_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "governor_http_requests_total{method=\"GET\",route=\"/api/v1/tokens\",status=\"401\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("# TYPE governor_http_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(
      text.find(
          "governor_http_request_duration_seconds_bucket{route=\"/api/v1/tokens\",le=\"+Inf\"} 2"),
      std::string::npos);
  EXPECT_NE(text.find("governor_build_info{version=\""), std::string::npos);
  EXPECT_NE(text.find("governor_db_up 1"), std::string::npos);
  // The transport: at least this client's connection is open (a connection the client closed
  // earlier may not have been noticed yet); none was rejected.
  EXPECT_NE(text.find("governor_http_open_connections "), std::string::npos) << text;
  EXPECT_EQ(text.find("governor_http_open_connections 0"), std::string::npos) << text;
  EXPECT_NE(text.find("governor_http_open_streams 0"), std::string::npos);
  EXPECT_NE(text.find("governor_http_connection_events_total{event=\"rejected\"} 0"),
            std::string::npos);
}

TEST(ServerTest, AdminRateLimitAnswers429WithHeaders) {
  TestServer ts([](ServerConfig& c) { c.rate_limits["admin"] = {1.0, 3.0}; });
  auto c = ts.Client();
  for (int i = 0; i < 3; ++i) {
    auto ok = c->Get("/api/v1/tokens", TestServer::Admin());
    ASSERT_EQ(ok->status, 200);
    EXPECT_EQ(ok->get_header_value("RateLimit-Limit"), "3");
    EXPECT_EQ(ok->get_header_value("RateLimit-Remaining"), std::to_string(2 - i));
  }
  auto limited = c->Get("/api/v1/tokens", TestServer::Admin());
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "1");
  EXPECT_EQ(limited->get_header_value("RateLimit-Remaining"), "0");
  EXPECT_EQ(limited->get_header_value("RateLimit-Reset"), "3");
  EXPECT_EQ(Body(limited)["error"]["code"], "rate_limited");
  // Health probes are never limited.
  EXPECT_EQ(c->Get("/healthz")->status, 200);
  // Time refills the bucket (fake clock, no sleeping).
  ts.clock().Advance(std::chrono::seconds(1));
  EXPECT_EQ(c->Get("/api/v1/tokens", TestServer::Admin())->status, 200);
}

TEST(ServerTest, UnauthenticatedCallersAreLimitedPerIp) {
  TestServer ts([](ServerConfig& c) { c.rate_limits["unauthenticated"] = {1.0, 2.0}; });
  auto c = ts.Client();
  EXPECT_EQ(c->Get("/api/v1/tokens")->status, 401);
  EXPECT_EQ(c->Get("/api/v1/tokens", {{"Authorization", "Bearer guess"}})->status, 401);
  auto limited = c->Get("/api/v1/tokens", {{"Authorization", "Bearer guess2"}});
  EXPECT_EQ(limited->status, 429);
  // A valid token is unaffected by the IP bucket.
  EXPECT_EQ(c->Get("/api/v1/tokens", TestServer::Admin())->status, 200);
}

// Lists TCP sockets of this process connected to `port` on the server side.
std::vector<int> AcceptedSockets(int port) {
  std::vector<int> out;
  DIR* d = opendir("/proc/self/fd");
  while (auto* e = readdir(d)) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    int listening = 0;
    socklen_t ll = sizeof(listening);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
    if (addr.sin_family != AF_INET || ntohs(addr.sin_port) != port) continue;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) != 0 || listening) continue;
    out.push_back(fd);
  }
  closedir(d);
  return out;
}

TEST(ServerTest, AcceptedSocketsHaveTcpNoDelay) {
  TestServer ts;
  httplib::Client c("127.0.0.1", ts.port());
  c.set_keep_alive(true);
  ASSERT_EQ(c.Get("/healthz")->status, 200);
  const auto fds = AcceptedSockets(ts.port());
  ASSERT_FALSE(fds.empty());
  for (int fd : fds) {
    int nodelay = 0;
    socklen_t len = sizeof(nodelay);
    ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
    EXPECT_EQ(nodelay, 1) << "fd " << fd;
  }
}

TEST(ServerTest, MoreKeepAliveConnectionsThanWorkersAllGetServed) {
  TestServer ts([](ServerConfig& c) {
    c.workers = 2;
    c.keep_alive_max_count = 5;
    c.keep_alive_timeout_seconds = 1;
  });
  constexpr int kClients = 8, kRequests = 20;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", ts.port());
      c.set_keep_alive(true);
      c.set_read_timeout(30, 0);
      c.set_connection_timeout(30, 0);
      for (int r = 0; r < kRequests; ++r) {
        auto res = c.Get("/api/v1/tokens", TestServer::Admin());
        if (res && res->status == 200) ok++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

}  // namespace
}  // namespace gov::api::testing
