#include "core/status.h"

#include <gtest/gtest.h>

#include <string>

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

// A StatusOr holding an error has no value: reading one is a bug, and it aborts with the
// status rather than reading an empty optional.
TEST(StatusDeathTest, ValueOfAnErrorAbortsWithTheStatus) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  core::StatusOr<int> odd = Half(7);
  EXPECT_DEATH((void)odd.value(),
               "StatusOr accessed without a value: invalid_argument: odd \\(x\\)");
  EXPECT_DEATH((void)*odd, "invalid_argument: odd");
  const core::StatusOr<int>& const_odd = odd;
  EXPECT_DEATH((void)const_odd.value(), "invalid_argument: odd");
  EXPECT_DEATH((void)*const_odd, "invalid_argument: odd");
  EXPECT_DEATH((void)Half(7).value(), "invalid_argument: odd");
  core::StatusOr<std::string> missing = core::NotFound("no such target");
  EXPECT_DEATH((void)missing->size(), "not_found: no such target");
  const core::StatusOr<std::string>& const_missing = missing;
  EXPECT_DEATH((void)const_missing->size(), "not_found: no such target");
}

TEST(StatusDeathTest, ValueOfASuccessDoesNotAbort) {
  core::StatusOr<std::string> v = std::string("web");
  EXPECT_EQ(v.value(), "web");
  EXPECT_EQ(*v, "web");
  EXPECT_EQ(v->size(), 3u);
  EXPECT_EQ(std::move(v).value(), "web");
}

}  // namespace
}  // namespace gov
