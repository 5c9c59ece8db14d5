// The web console at /ui/: the embedded build with its cache and security headers, the gzip
// variant, the redirect and the client-side-route fallback; or, when the console was not
// built (node/npm missing at configure time), a 404 JSON error on every route.

#include <gtest/gtest.h>

#include <string_view>

#include "api/internal/console_assets.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

class UiRoutesTest : public ::testing::Test {
 protected:
  httplib::Result Get(const std::string& path, const std::string& accept_encoding = "") {
    auto c = ts_.Client();
    c->set_decompress(false);
    httplib::Headers h;
    if (!accept_encoding.empty()) h.emplace("Accept-Encoding", accept_encoding);
    return c->Get(path, h);
  }
  TestServer ts_;
};

// The name of the first hashed JavaScript file of the build.
std::string FirstScript() {
  for (size_t i = 0; i < kConsoleAssetCount; ++i) {
    std::string_view p = kConsoleAssets[i].path;
    if (p.substr(0, 7) == "assets/" && p.size() > 3 && p.substr(p.size() - 3) == ".js") {
      return std::string(p);
    }
  }
  return "";
}

TEST_F(UiRoutesTest, NotBuiltIsA404SayingSo) {
  if (kConsoleBuilt) GTEST_SKIP() << "the console is built in this build";
  for (const char* path : {"/ui", "/ui/", "/ui/flags"}) {
    auto res = Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_NE(res->body.find("not built"), std::string::npos) << res->body;
  }
}

TEST_F(UiRoutesTest, IndexWithNoCacheAndSecurityHeaders) {
  if (!kConsoleBuilt) GTEST_SKIP() << "the console was not built (node/npm missing)";
  auto res = Get("/ui/");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
  EXPECT_EQ(res->get_header_value("Content-Security-Policy"), kCsp);
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(res->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_FALSE(res->has_header("Content-Encoding"));
  EXPECT_NE(res->body.find("<div id=\"app\">"), std::string::npos);
  // No inline script or style: every script has a src under /ui/.
  EXPECT_EQ(res->body.find("<script>"), std::string::npos);
  EXPECT_EQ(res->body.find("<style"), std::string::npos);
  EXPECT_EQ(res->body.find("style=\""), std::string::npos);
  EXPECT_EQ(res->body.find("http://"), std::string::npos);
  EXPECT_EQ(res->body.find("https://"), std::string::npos);
}

TEST_F(UiRoutesTest, HashedAssetsAreImmutableAndGzipWhenAccepted) {
  if (!kConsoleBuilt) GTEST_SKIP() << "the console was not built (node/npm missing)";
  const std::string script = FirstScript();
  ASSERT_FALSE(script.empty());
  auto plain = Get("/ui/" + script);
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200);
  EXPECT_EQ(plain->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(plain->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(plain->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(plain->has_header("Content-Encoding"));

  auto gz = Get("/ui/" + script, "br, gzip;q=0.8");
  ASSERT_TRUE(gz);
  ASSERT_EQ(gz->status, 200);
  EXPECT_EQ(gz->get_header_value("Content-Encoding"), "gzip");
  ASSERT_GE(gz->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz->body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz->body[1]), 0x8b);
  EXPECT_LT(gz->body.size(), plain->body.size());

  auto refused = Get("/ui/" + script, "gzip;q=0");
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->has_header("Content-Encoding"));
  EXPECT_EQ(refused->body, plain->body);
}

TEST_F(UiRoutesTest, RedirectAndClientSideRoutes) {
  if (!kConsoleBuilt) GTEST_SKIP() << "the console was not built (node/npm missing)";
  auto redirect = Get("/ui");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 301);
  EXPECT_EQ(redirect->get_header_value("Location"), "/ui/");

  auto index = Get("/ui/");
  for (const char* path : {"/ui/flags", "/ui/login", "/ui/flags/checkout/history"}) {
    auto res = Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache") << path;
    EXPECT_EQ(res->body, index->body) << path;
  }
}

}  // namespace
}  // namespace gov::api::testing
