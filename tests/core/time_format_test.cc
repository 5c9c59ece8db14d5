#include "core/time_format.h"

#include <gtest/gtest.h>

namespace gov {
namespace {

TEST(TimeFormatTest, FormatsUtcMillis) {
  EXPECT_EQ(core::FormatRfc3339(core::FromUnixMillis(1700000000123)), "2023-11-14T22:13:20.123Z");
}

TEST(TimeFormatTest, ParsesVariants) {
  EXPECT_EQ(core::ParseRfc3339("2023-11-14T22:13:20Z"), core::FromUnixMillis(1700000000000));
  EXPECT_EQ(core::ParseRfc3339("2023-11-14T22:13:20.123Z"), core::FromUnixMillis(1700000000123));
  EXPECT_EQ(core::ParseRfc3339("2023-11-14T23:13:20+01:00"), core::FromUnixMillis(1700000000000));
  EXPECT_EQ(core::ParseRfc3339("2023-11-14"), core::FromUnixMillis(1699920000000));
  EXPECT_FALSE(core::ParseRfc3339("2023-13-14T00:00:00Z").has_value());
  EXPECT_FALSE(core::ParseRfc3339("2023-11-14T22:13:20").has_value());
  EXPECT_FALSE(core::ParseRfc3339("yesterday").has_value());
  EXPECT_EQ(core::ParseRfc3339("2023-11-14T23:59:20+23:59"), core::FromUnixMillis(1699920020000));
  EXPECT_FALSE(
      core::ParseRfc3339("2023-11-14T22:13:20+24:00").has_value());  // offsets end at 23:59
  EXPECT_FALSE(core::ParseRfc3339("2023-11-14T22:13:20-99:99").has_value());
  EXPECT_FALSE(core::ParseRfc3339("2023-11-14T22:13:20+01:60").has_value());
  EXPECT_FALSE(core::ParseRfc3339("9999-12-31T00:00:00Z").has_value());  // beyond TimePoint's range
  EXPECT_FALSE(core::ParseRfc3339("1000-01-01").has_value());
  EXPECT_FALSE(core::ParseRfc3339("2023-11-14T22:13:20Zjunk").has_value());
}

}  // namespace
}  // namespace gov
