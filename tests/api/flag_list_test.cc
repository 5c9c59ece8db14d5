// GET /api/v1/flags search and paging: `q` (case-insensitive name substring), `limit` and
// `cursor`; without `limit` the list keeps its original shape (every flag, no nextCursor).
// Plus flags::SelectFeatureNames, the pure selection behind it.

#include <gtest/gtest.h>

#include "flags/feature_list.h"
#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

core::Json Body(const httplib::Result& res) { return core::Json::parse(res->body); }

std::vector<std::string> Names(const core::Json& body) {
  std::vector<std::string> out;
  for (const auto& f : body["items"]) out.push_back(f["name"]);
  return out;
}

class FlagListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"checkout", "Checkout-v2", "search", "beta.checkout", "zeta"}) {
      auto res = ts_.Client()->Post("/api/v1/flags", TestServer::Admin(),
                                    core::Json{{"name", name}}.dump(), "application/json");
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 201) << res->body;
    }
  }
  httplib::Result Get(const std::string& path) {
    return ts_.Client()->Get(path, TestServer::Admin());
  }
  TestServer ts_;
};

TEST_F(FlagListTest, WithoutLimitEveryFlagAndNoCursor) {
  auto res = Get("/api/v1/flags");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const core::Json body = Body(res);
  EXPECT_FALSE(body.contains("nextCursor"));
  EXPECT_EQ(Names(body), (std::vector<std::string>{"Checkout-v2", "beta.checkout", "checkout",
                                                   "search", "zeta"}));
}

TEST_F(FlagListTest, SearchIsCaseInsensitiveOnTheName) {
  auto res = Get("/api/v1/flags?q=CHECK");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(Names(Body(res)),
            (std::vector<std::string>{"Checkout-v2", "beta.checkout", "checkout"}));
  res = Get("/api/v1/flags?q=nothing-like-this");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(Body(res)["items"].empty());
}

TEST_F(FlagListTest, PagesFollowTheCursorToTheEnd) {
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto res = Get("/api/v1/flags?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(res->status, 200) << res->body;
    const core::Json body = Body(res);
    ++pages;
    for (const auto& n : Names(body)) seen.push_back(n);
    ASSERT_TRUE(body.contains("nextCursor"));
    if (body["nextCursor"].is_null()) break;
    cursor = body["nextCursor"];
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"Checkout-v2", "beta.checkout", "checkout", "search",
                                            "zeta"}));
}

TEST_F(FlagListTest, SearchAndPagingTogether) {
  auto res = Get("/api/v1/flags?q=checkout&limit=2");
  ASSERT_EQ(res->status, 200) << res->body;
  core::Json body = Body(res);
  EXPECT_EQ(Names(body), (std::vector<std::string>{"Checkout-v2", "beta.checkout"}));
  EXPECT_EQ(body["nextCursor"], "beta.checkout");
  res = Get("/api/v1/flags?q=checkout&limit=2&cursor=beta.checkout");
  ASSERT_EQ(res->status, 200) << res->body;
  body = Body(res);
  EXPECT_EQ(Names(body), (std::vector<std::string>{"checkout"}));
  EXPECT_TRUE(body["nextCursor"].is_null());
}

TEST_F(FlagListTest, BadLimitIs400NamingIt) {
  for (const char* limit : {"0", "1001", "x", ""}) {
    auto res = Get(std::string("/api/v1/flags?limit=") + limit);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << limit << ": " << res->body;
    EXPECT_EQ(Body(res)["error"]["field"], "limit") << res->body;
  }
}

TEST(SelectFeatureNamesTest, Table) {
  const std::vector<std::string> all = {"b", "a", "Ab", "ca", "d"};  // unsorted on purpose
  struct Row {
    std::string name;
    flags::FeatureListQuery query;
    std::vector<std::string> expected;
    std::string next_cursor;
  };
  const std::vector<Row> rows = {
      {"everything, by name in byte order",
       {"", std::nullopt, ""},
       {"Ab", "a", "b", "ca", "d"},
       ""},
      {"substring, any case", {"A", std::nullopt, ""}, {"Ab", "a", "ca"}, ""},
      {"first page", {"", 2, ""}, {"Ab", "a"}, "a"},
      {"after a cursor", {"", 2, "a"}, {"b", "ca"}, "ca"},
      {"last page exactly full", {"", 1, "ca"}, {"d"}, ""},
      {"cursor past the end", {"", 2, "zz"}, {}, ""},
      {"cursor that is no name", {"", std::nullopt, "bb"}, {"ca", "d"}, ""},
      {"search and page", {"a", 1, "Ab"}, {"a"}, "a"},
  };
  for (const Row& row : rows) {
    const auto page = flags::SelectFeatureNames(all, row.query);
    EXPECT_EQ(page.items, row.expected) << row.name;
    EXPECT_EQ(page.next_cursor, row.next_cursor) << row.name;
  }
}

}  // namespace
}  // namespace gov::api::testing
