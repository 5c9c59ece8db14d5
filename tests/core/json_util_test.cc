#include "core/json_util.h"

#include <gtest/gtest.h>

namespace gov {
namespace {

TEST(ParseJsonTest, RejectsTruncatedEmptyAndNonUtf8) {
  EXPECT_EQ(core::ParseJson("{\"a\": 1").status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(core::ParseJson("").status().code(), core::StatusCode::kInvalidArgument);
  auto bad_utf8 = core::ParseJson(std::string("{\"a\": \"\xff\xfe\"}"));
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_NE(bad_utf8.status().message().find("UTF-8"), std::string::npos);
}

TEST(ParseJsonTest, RejectsDeepNestingWithoutRecursingIntoIt) {
  std::string deep(100000, '[');
  auto r = core::ParseJson(deep, 64);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nesting"), std::string::npos);
  std::string ok_depth = std::string(10, '[') + std::string(10, ']');
  EXPECT_TRUE(core::ParseJson(ok_depth, 64).ok());
}

TEST(FieldReaderTest, ReportsFirstErrorWithPath) {
  core::Json j = core::Json::parse(R"({"name": 5, "max": 3.5, "flag": true})");
  core::FieldReader r(j, "target");
  EXPECT_EQ(r.RequiredString("name"), "");
  r.OptionalInt("max");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "target.name");
  EXPECT_EQ(r.status().message(), "expected a string");
}

TEST(FieldReaderTest, ReadsTypedValuesAndMissing) {
  core::Json j = core::Json::parse(R"({"n": 3, "f": 2.0, "s": "x", "b": false, "nul": null})");
  core::FieldReader r(j, "");
  EXPECT_EQ(r.OptionalInt("n"), 3);
  EXPECT_EQ(r.OptionalInt("f"), 2);
  EXPECT_EQ(r.OptionalString("s"), "x");
  EXPECT_EQ(r.OptionalBool("b"), false);
  EXPECT_FALSE(r.OptionalString("nul").has_value());
  EXPECT_TRUE(r.ok());
  r.RequiredNumber("missing");
  EXPECT_EQ(r.status().field(), "missing");
  EXPECT_EQ(r.status().message(), "is required");
}

TEST(FieldReaderTest, RejectsUnknownFields) {
  core::Json j = core::Json::parse(R"({"name": "a", "nmae": "b"})");
  core::FieldReader r(j, "token");
  r.RejectUnknown({"name"});
  EXPECT_EQ(r.status().field(), "token.nmae");
}

TEST(FieldReaderTest, NonObjectFailsAtItsPath) {
  core::FieldReader r(core::Json::array(), "body");
  EXPECT_EQ(r.status().field(), "body");
}

}  // namespace
}  // namespace gov
