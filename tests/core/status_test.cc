#include "core/status.h"

#include <gtest/gtest.h>

namespace gov {
namespace {

core::StatusOr<int> Half(int x) {
  if (x % 2) return core::InvalidArgument("odd", "x");
  return x / 2;
}

core::Status UseHalf(int x, int& out) {
  ASSIGN_OR_RETURN(out, Half(x));
  return core::Status::Ok();
}

TEST(StatusTest, FieldPrefixJoinsPaths) {
  core::Status s = core::InvalidArgument("bad", "maxReplicas");
  EXPECT_EQ(s.WithFieldPrefix("target").field(), "target.maxReplicas");
  EXPECT_EQ(core::InvalidArgument("bad", "[2].x").WithFieldPrefix("items").field(), "items[2].x");
  EXPECT_EQ(s.ToString(), "invalid_argument: bad (maxReplicas)");
}

TEST(StatusTest, AssignOrReturnPropagates) {
  int out = 0;
  EXPECT_TRUE(UseHalf(8, out).ok());
  EXPECT_EQ(out, 4);
  core::Status s = UseHalf(7, out);
  EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "x");
}

TEST(StatusTest, StatusOrFromOkStatusIsInternalError) {
  core::StatusOr<int> v(core::Status::Ok());
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), core::StatusCode::kInternal);
}

}  // namespace
}  // namespace gov
