#include "core/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace gov::core {
namespace {

int OwnNice() { return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid))); }

// The nice value is the calling thread's own: another thread keeps its priority.
TEST(ThreadPriorityTest, LowersOnlyTheCallingThread) {
  const int before = OwnNice();
  int inside = 0;
  std::thread background([&] {
    EXPECT_TRUE(LowerThreadPriority(before + 5 > 19 ? 19 : before + 5));
    inside = OwnNice();
  });
  background.join();
  EXPECT_EQ(inside, before + 5 > 19 ? 19 : before + 5);
  EXPECT_EQ(OwnNice(), before);
}

}  // namespace
}  // namespace gov::core
