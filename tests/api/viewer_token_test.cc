// Viewer tokens: read-only admin tokens. The router lets them call every admin route with GET
// (and HEAD) and answers 403 on every other method, before the handler reads the body.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

// No token bucket runs dry while a test walks every route on a fake clock that never advances.
void Unlimited(ServerConfig& c) {
  c.rate_limits["admin"] = {0, 0};
  c.rate_limits["unauthenticated"] = {0, 0};
}

// `pattern` with each {param} replaced by a dummy value.
std::string FillParams(const std::string& pattern) {
  std::string out;
  size_t pos = 0;
  while (pos < pattern.size()) {
    const size_t open = pattern.find('{', pos);
    if (open == std::string::npos) {
      out += pattern.substr(pos);
      break;
    }
    const size_t close = pattern.find('}', open);
    out += pattern.substr(pos, open - pos) + "dummy";
    pos = close + 1;
  }
  return out;
}

// Sends `method` to `path` with an empty JSON body where the method takes one.
httplib::Result Send(httplib::Client& c, const std::string& method, const std::string& path,
                     const httplib::Headers& headers) {
  if (method == "GET") return c.Get(path, headers);
  if (method == "HEAD") return c.Head(path, headers);
  if (method == "POST") return c.Post(path, headers, "", "application/json");
  if (method == "PUT") return c.Put(path, headers, "", "application/json");
  if (method == "PATCH") return c.Patch(path, headers, "", "application/json");
  if (method == "DELETE") return c.Delete(path, headers);
  ADD_FAILURE() << "no client call for " << method;
  return c.Get(path, headers);
}

std::string CreateViewer(TestServer& ts) {
  auto res = ts.Client()->Post("/api/v1/tokens", TestServer::Admin(),
                               core::Json{{"type", "viewer"}, {"name", "console"}}.dump(),
                               "application/json");
  EXPECT_TRUE(res);
  if (!res) return "";
  EXPECT_EQ(res->status, 201) << res->body;
  const core::Json created = core::Json::parse(res->body);
  EXPECT_EQ(created["type"], "viewer");
  EXPECT_EQ(created["environment"], "*");
  return created.value("secret", "");
}

// What an admin reads of the service's state: equal before and after a viewer's requests
// when the viewer changed nothing (every admin mutation writes the audit log).
std::string StateAsAdminSees(TestServer& ts) {
  std::string out;
  for (const char* path : {"/api/v1/audit?limit=100", "/api/v1/tokens?limit=100",
                           "/api/v1/environments", "/api/v1/flags"}) {
    auto res = ts.Client()->Get(path, TestServer::Admin());
    EXPECT_TRUE(res) << path;
    if (!res) continue;
    EXPECT_EQ(res->status, 200) << path << " " << res->body;
    out += std::string(path) + " " + res->body + "\n";
  }
  return out;
}

bool IsMutation(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

TEST(ViewerTokenTest, CreatedThroughTheApiListedAndReads) {
  TestServer ts;
  const std::string viewer = CreateViewer(ts);
  ASSERT_EQ(viewer.rfind("viewer:*.", 0), 0u) << viewer;

  auto list = ts.Client()->Get("/api/v1/tokens?limit=100", TestServer::Bearer(viewer));
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  int viewers = 0;
  const core::Json listed = core::Json::parse(list->body);
  for (const core::Json& t : listed["items"]) {
    if (t["type"] == "viewer") {
      ++viewers;
      EXPECT_EQ(t["name"], "console");
      EXPECT_FALSE(t.contains("secret"));
    }
  }
  EXPECT_EQ(viewers, 1);

  for (const char* path : {"/api/v1/flags", "/api/v1/audit", "/api/v1/environments"}) {
    auto res = ts.Client()->Get(path, TestServer::Bearer(viewer));
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path << " " << res->body;
  }
  auto head = ts.Client()->Head("/api/v1/tokens", TestServer::Bearer(viewer));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST(ViewerTokenTest, ReadsEveryAdminGetRouteAsAnAdminDoes) {
  TestServer ts(Unlimited);
  const std::string viewer = CreateViewer(ts);
  int walked = 0;
  for (const Route& r : ts.server().router().routes()) {
    if (r.access != Access::kAdmin || r.method != "GET") continue;
    const std::string path = FillParams(r.path);
    auto as_admin = ts.Client()->Get(path, TestServer::Admin());
    auto as_viewer = ts.Client()->Get(path, TestServer::Bearer(viewer));
    ASSERT_TRUE(as_admin && as_viewer) << path;
    EXPECT_NE(as_viewer->status, 401) << path << " " << as_viewer->body;
    EXPECT_NE(as_viewer->status, 403) << path << " " << as_viewer->body;
    EXPECT_EQ(as_viewer->status, as_admin->status) << path << " " << as_viewer->body;
    ++walked;
  }
  EXPECT_GT(walked, 10);
}

TEST(ViewerTokenTest, RefusedEveryAdminMutationBeforeTheBodyAndChangesNothing) {
  TestServer ts(Unlimited);
  const std::string viewer = CreateViewer(ts);
  const std::string before = StateAsAdminSees(ts);
  int walked = 0;
  for (const Route& r : ts.server().router().routes()) {
    if (r.access != Access::kAdmin) continue;
    ASSERT_TRUE(r.method == "GET" || IsMutation(r.method)) << r.method << " " << r.path;
    if (!IsMutation(r.method)) continue;
    const std::string path = FillParams(r.path);
    auto client = ts.Client();
    auto res = Send(*client, r.method, path, TestServer::Bearer(viewer));
    ASSERT_TRUE(res) << r.method << " " << path;
    EXPECT_EQ(res->status, 403) << r.method << " " << path << " " << res->body;
    const core::Json body = core::Json::parse(res->body);
    EXPECT_EQ(body["error"]["code"], "permission_denied") << r.method << " " << path;
    EXPECT_EQ(body["error"]["message"], "viewer tokens are read-only") << r.method << " " << path;
    ++walked;
  }
  EXPECT_GT(walked, 10);
  EXPECT_EQ(StateAsAdminSees(ts), before);

  // The admin token still mutates.
  auto created = ts.Client()->Post("/api/v1/environments", TestServer::Admin(),
                                   core::Json{{"name", "staging"}}.dump(), "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  EXPECT_NE(StateAsAdminSees(ts), before);
}

// A viewer token is no client or frontend token: like an admin token, it gets 403 on every
// SDK route, whatever the method.
TEST(ViewerTokenTest, RefusedOnClientAndFrontendRoutesAsAnAdminIs) {
  TestServer ts(Unlimited);
  const std::string viewer = CreateViewer(ts);
  int walked = 0;
  for (const Route& r : ts.server().router().routes()) {
    if (r.access == Access::kAdmin || r.access == Access::kPublic) continue;
    const std::string path = FillParams(r.path);
    auto client = ts.Client();
    auto as_viewer = Send(*client, r.method, path, TestServer::Bearer(viewer));
    auto as_admin = Send(*client, r.method, path, TestServer::Admin());
    ASSERT_TRUE(as_viewer && as_admin) << r.method << " " << path;
    EXPECT_EQ(as_viewer->status, 403) << r.method << " " << path << " " << as_viewer->body;
    EXPECT_EQ(as_admin->status, 403) << r.method << " " << path << " " << as_admin->body;
    ++walked;
  }
  EXPECT_GT(walked, 3);
}

TEST(ViewerTokenTest, AnEnvironmentIsRefusedNamingTheField) {
  TestServer ts;
  auto res = ts.Client()->Post(
      "/api/v1/tokens", TestServer::Admin(),
      core::Json{{"type", "viewer"}, {"name", "console"}, {"environment", "development"}}.dump(),
      "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(core::Json::parse(res->body)["error"]["field"], "environment");

  // "*" (every environment) is accepted, as for admin tokens.
  auto star = ts.Client()->Post(
      "/api/v1/tokens", TestServer::Admin(),
      core::Json{{"type", "viewer"}, {"name", "console"}, {"environment", "*"}}.dump(),
      "application/json");
  ASSERT_TRUE(star);
  EXPECT_EQ(star->status, 201) << star->body;

  auto bad_type =
      ts.Client()->Post("/api/v1/tokens", TestServer::Admin(),
                        core::Json{{"type", "reader"}, {"name", "x"}}.dump(), "application/json");
  ASSERT_TRUE(bad_type);
  EXPECT_EQ(bad_type->status, 400);
  const core::Json error = core::Json::parse(bad_type->body)["error"];
  EXPECT_EQ(error["field"], "type");
  EXPECT_NE(error["message"].get<std::string>().find("viewer"), std::string::npos);
}

// A viewer token may not create or revoke tokens, not even a viewer token or its own.
TEST(ViewerTokenTest, CannotManageTokens) {
  TestServer ts;
  const std::string viewer = CreateViewer(ts);
  auto create = ts.Client()->Post("/api/v1/tokens", TestServer::Bearer(viewer),
                                  core::Json{{"type", "viewer"}, {"name", "again"}}.dump(),
                                  "application/json");
  ASSERT_TRUE(create);
  EXPECT_EQ(create->status, 403) << create->body;

  auto list = ts.Client()->Get("/api/v1/tokens?limit=100", TestServer::Admin());
  ASSERT_TRUE(list);
  std::string own_id;
  const core::Json listed = core::Json::parse(list->body);
  for (const core::Json& t : listed["items"]) {
    if (t["type"] == "viewer") own_id = t["id"];
  }
  ASSERT_FALSE(own_id.empty());
  auto revoke = ts.Client()->Delete("/api/v1/tokens/" + own_id, TestServer::Bearer(viewer));
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->status, 403) << revoke->body;
  auto still = ts.Client()->Get("/api/v1/flags", TestServer::Bearer(viewer));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
}

}  // namespace
}  // namespace gov::api::testing
