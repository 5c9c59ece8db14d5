// api/openapi.yaml against the running server: every registered route is documented (method
// and path) and every documented route is registered; each operation states its security and
// the 401/403/429 answers its access and rate class allow; every $ref resolves; and the
// contract check flags responses that disagree with the document.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>

#include "api/contract_check.h"
#include "api/internal/openapi.h"
#include "tests/api/test_server.h"

namespace gov::api {
namespace {

using testing::TestServer;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

core::Json Document() {
  auto doc = OpenApiDocument("1.2.3-test");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return doc.ok() ? *doc : core::Json::object();
}

const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch", "options"};

TEST(OpenApiContractTest, EveryRegisteredRouteIsDocumentedAndNoOther) {
  TestServer ts;
  const core::Json doc = Document();
  std::set<std::string> registered;
  for (const Route& r : ts.server().router().routes()) {
    registered.insert(r.method + " " + r.path);
    EXPECT_TRUE(doc["paths"].contains(r.path) && doc["paths"][r.path].contains(Lower(r.method)))
        << r.method << " " << r.path << " is registered but missing from api/openapi.yaml";
  }
  ASSERT_FALSE(registered.empty());
  for (const auto& [path, operations] : doc["paths"].items()) {
    for (const auto& [method, _] : operations.items()) {
      if (!kMethods.count(method)) continue;
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      EXPECT_TRUE(registered.count(upper + " " + path))
          << upper << " " << path << " is in api/openapi.yaml but no route serves it";
    }
  }
}

// The security requirement and error answers an operation must document for its route.
TEST(OpenApiContractTest, OperationsStateTheirAccessAndLimits) {
  TestServer ts;
  const core::Json doc = Document();
  for (const Route& r : ts.server().router().routes()) {
    const std::string name = r.method + " " + r.path;
    if (!doc["paths"].contains(r.path) || !doc["paths"][r.path].contains(Lower(r.method))) {
      continue;  // reported by EveryRegisteredRouteIsDocumentedAndNoOther
    }
    const core::Json& op = doc["paths"][r.path][Lower(r.method)];
    EXPECT_FALSE(op.value("summary", "").empty()) << name;
    EXPECT_FALSE(op.value("description", "").empty()) << name;
    EXPECT_TRUE(op.contains("operationId")) << name;
    if (r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
      EXPECT_TRUE(op.contains("requestBody")) << name;
    }
    ASSERT_TRUE(op.contains("security")) << name;
    std::set<std::string> schemes;
    for (const core::Json& requirement : op["security"]) {
      for (const auto& [scheme, _] : requirement.items()) schemes.insert(scheme);
    }
    const core::Json& responses = op["responses"];
    switch (r.access) {
      case Access::kPublic:
        EXPECT_TRUE(schemes.empty()) << name << " needs no token";
        break;
      case Access::kAdmin:
        EXPECT_EQ(schemes, std::set<std::string>({"bearer"})) << name;
        break;
      default:
        EXPECT_EQ(schemes, std::set<std::string>({"bearer", "apiKey", "unleashAuthorization"}))
            << name;
    }
    if (r.access != Access::kPublic) {
      EXPECT_TRUE(responses.contains("401")) << name;
      EXPECT_TRUE(responses.contains("403")) << name;
    }
    if (r.rate_class != RateClass::kNone) {
      EXPECT_TRUE(responses.contains("429")) << name << " is rate limited";
    }
  }
}

TEST(OpenApiContractTest, EveryRefResolves) {
  const core::Json doc = Document();
  std::function<void(const core::Json&)> check = [&](const core::Json& j) {
    if (j.is_object()) {
      if (j.contains("$ref")) {
        const std::string ref = j["$ref"];
        ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
        EXPECT_TRUE(doc.contains(core::Json::json_pointer(ref.substr(1)))) << ref;
      }
      for (const auto& [_, v] : j.items()) check(v);
    } else if (j.is_array()) {
      for (const auto& v : j) check(v);
    }
  };
  check(doc);
}

TEST(OpenApiContractTest, ServedAsJsonWithTheBuildVersion) {
  TestServer ts;
  auto res = ts.Client()->Get("/openapi.json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const core::Json served = core::Json::parse(res->body);
  core::Json expected = Document();
  expected["info"]["version"] = served["info"]["version"];
  EXPECT_EQ(served, expected);
  EXPECT_NE(served["info"]["version"], "0.0.0");
}

Response JsonResponse(int status, std::string body) {
  Response res;
  res.status = status;
  res.SetContent(std::move(body), "application/json");
  return res;
}

TEST(OpenApiContractTest, ContractCheckFlagsWhatTheDocumentDoesNotSay) {
  auto check = ContractCheck::Create(Document());
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  const ContractCheck& c = **check;
  // Agrees: a documented status, content type and body.
  EXPECT_EQ(c.Check("GET", "/healthz", JsonResponse(200, R"({"status":"ok"})")), "");
  EXPECT_EQ(c.Check("GET", "/api/v1/tokens",
                    JsonResponse(401, R"({"error":{"code":"unauthenticated","message":"m"}})")),
            "");
  Response no_content;
  no_content.status = 204;
  EXPECT_EQ(c.Check("DELETE", "/api/v1/tokens/{id}", no_content), "");
  // A status the route does not document.
  EXPECT_NE(c.Check("GET", "/healthz", JsonResponse(418, "{}")), "");
  // A body the schema rejects: the error object lacks its required message.
  const std::string bad = c.Check("GET", "/api/v1/tokens", JsonResponse(401, R"({"error":{}})"));
  EXPECT_NE(bad.find("message"), std::string::npos) << bad;
  // Not JSON, and the wrong content type.
  EXPECT_NE(c.Check("GET", "/healthz", JsonResponse(200, "ok")), "");
  Response text;
  text.status = 200;
  text.SetContent(R"({"status":"ok"})", "text/plain");
  EXPECT_NE(c.Check("GET", "/healthz", text), "");
  // Content where the document gives none.
  EXPECT_NE(c.Check("DELETE", "/api/v1/tokens/{id}", JsonResponse(204, "{}")), "");
  // A route the document does not have.
  EXPECT_NE(c.Check("GET", "/nowhere", JsonResponse(200, "{}")), "");
}

TEST(OpenApiContractTest, ViolationsAreCountedInMetrics) {
  TestServer ts;
  EXPECT_TRUE(ts.server().router().contract_violations().empty());
  auto res = ts.Client()->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("governor_contract_violations_total 0"), std::string::npos);
}

}  // namespace
}  // namespace gov::api
