#include "core/yaml_json.h"

#include <gtest/gtest.h>

namespace gov {
namespace {

TEST(YamlJsonTest, ConvertsScalarsByCoreSchema) {
  auto j = core::YamlToJson("a: 1\nb: 2.5\nc: true\nd: ~\ne: hello\nf: '42'\ng: [1, x]\n");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["a"], 1);
  EXPECT_EQ((*j)["b"], 2.5);
  EXPECT_EQ((*j)["c"], true);
  EXPECT_TRUE((*j)["d"].is_null());
  EXPECT_EQ((*j)["e"], "hello");
  EXPECT_EQ((*j)["f"], "42");
  EXPECT_EQ((*j)["g"][1], "x");
}

TEST(YamlJsonTest, ReportsLine) {
  auto j = core::YamlToJson("a: [1, 2\nb: 3\n");
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find("line"), std::string::npos);
}

}  // namespace
}  // namespace gov
