#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <random>

#include "core/json_util.h"

namespace gov {
namespace {

TEST(JsonWriterTest, WritesNestedStructuresWithCommas) {
  std::string out;
  core::JsonWriter w(out);
  w.BeginObject();
  w.Key("a").Int(-5);
  w.Key("b").BeginArray().String("x").Bool(true).Null().Double(0.25).EndArray();
  w.Key("c").BeginObject().EndObject();
  w.Key("d").Raw("{\"pre\":1}");
  w.Key("e")
      .BeginArray()
      .BeginObject()
      .Key("k")
      .Int(1)
      .EndObject()
      .BeginObject()
      .EndObject()
      .EndArray();
  w.EndObject();
  EXPECT_EQ(out, R"({"a":-5,"b":["x",true,null,0.25],"c":{},"d":{"pre":1},"e":[{"k":1},{}]})");
  EXPECT_TRUE(core::ParseJson(out).ok());
}

TEST(JsonWriterTest, NonFiniteDoublesAreNull) {
  std::string out;
  core::JsonWriter(out).BeginArray().Double(std::nan("")).Double(1e308 * 10).EndArray();
  EXPECT_EQ(out, "[null,null]");
}

TEST(JsonWriterTest, EscapingRoundTripsThroughNlohmannForRandomStrings) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    const int len = static_cast<int>(rng() % 20);
    for (int j = 0; j < len; ++j) {
      // ASCII incl. control characters, quotes and backslashes, plus a multi-byte character.
      const int pick = static_cast<int>(rng() % 130);
      if (pick < 128) {
        s += static_cast<char>(pick);
      } else {
        s += "\xc3\xa9";
      }
    }
    std::string out;
    core::AppendJsonString(out, s);
    auto parsed = core::ParseJson(out);
    ASSERT_TRUE(parsed.ok()) << out;
    EXPECT_EQ(parsed->get<std::string>(), s);
    EXPECT_EQ(out, core::Json(s).dump());  // byte-identical to nlohmann's serializer
  }
}

}  // namespace
}  // namespace gov
