// Hostile and malformed requests get 4xx JSON errors that name the problem; the server keeps
// serving afterwards.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

struct BadBody {
  std::string name;
  std::string body;
  int status;
  std::string field;
};

void PrintTo(const BadBody& b, std::ostream* os) { *os << b.name; }

class BadInputTest : public ::testing::TestWithParam<BadBody> {};

TEST_P(BadInputTest, RejectedWithJsonErrorAndServerSurvives) {
  TestServer ts([](ServerConfig& c) { c.max_body_bytes = 64 * 1024; });
  const BadBody& b = GetParam();
  auto c = ts.Client();
  auto res = c->Post("/api/v1/tokens", TestServer::Admin(), b.body, "application/json");
  ASSERT_TRUE(res) << "no response for " << b.name;
  EXPECT_EQ(res->status, b.status) << res->body;
  core::Json err = core::Json::parse(res->body, nullptr, false);
  ASSERT_FALSE(err.is_discarded()) << res->body;
  EXPECT_TRUE(err["error"]["code"].is_string());
  EXPECT_TRUE(err["error"]["message"].is_string());
  if (!b.field.empty()) {
    EXPECT_EQ(err["error"].value("field", ""), b.field);
  }
  EXPECT_EQ(c->Get("/healthz")->status, 200);
}

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

INSTANTIATE_TEST_SUITE_P(
    Bodies, BadInputTest,
    ::testing::Values(
        BadBody{"truncated", R"({"type": "client", "name": "tr)", 400, "body"},
        BadBody{"empty", "", 400, "body"}, BadBody{"not_json", "type=client&name=x", 400, "body"},
        BadBody{"deeply_nested_array", Nested(30000), 400, "body"},
        BadBody{"deeply_nested_object", std::string(50000, '{'), 400, "body"},
        BadBody{"nested_within_field", R"({"type":"client","name":)" + Nested(500) + "}", 400,
                "body"},
        BadBody{"non_utf8", std::string("{\"type\":\"client\",\"name\":\"\xff\xfe\xc3\x28\"}"), 400,
                "body"},
        BadBody{"overlong_utf8", std::string("{\"type\":\"client\",\"name\":\"\xc0\xaf\"}"), 400,
                "body"},
        BadBody{"nul_byte", std::string("{\"type\":\"client\",\"name\":\"a\0b\"}", 30), 400,
                "body"},
        BadBody{"oversized", "{\"name\":\"" + std::string(200 * 1024, 'a') + "\"}", 413, "body"},
        BadBody{"huge_number", R"({"type":"client","name":1e999999})", 400, ""},
        BadBody{"wrong_types", R"({"type":["client"],"name":{"a":1}})", 400, "type"}),
    [](const ::testing::TestParamInfo<BadBody>& info) { return info.param.name; });

TEST(BadInputTest, GarbageOnTheWireDoesNotCrash) {
  TestServer ts;
  const std::vector<std::string> payloads = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      std::string("GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"),
      "GET /healthz HTTP/1.1\r\n" + std::string(70000, 'X') + ": y\r\n\r\n",
  };
  for (const auto& p : payloads) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(ts.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    (void)!write(fd, p.data(), p.size());
    shutdown(fd, SHUT_WR);
    char buf[4096];
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    close(fd);
  }
  EXPECT_EQ(ts.Client()->Get("/healthz")->status, 200);
}

TEST(BadInputTest, MalformedTokensAreUnauthenticated) {
  TestServer ts;
  auto c = ts.Client();
  for (const std::string& h : {std::string("Bearer"), std::string("Bearer    "),
                               std::string(8000, 'x'), std::string("Basic dXNlcjpwYXNz")}) {
    auto res = c->Get("/api/v1/tokens", {{"Authorization", h}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << h.substr(0, 20);
  }
  // Control characters are not allowed in a header value (RFC 9110 5.5): the request is
  // malformed, answered with a JSON 400 and the connection closed.
  auto res = ts.Client()->Get("/api/v1/tokens", {{"Authorization", "Bearer \x01\x02"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(core::Json::parse(res->body)["error"]["code"], "invalid_argument");
}

}  // namespace
}  // namespace gov::api::testing
