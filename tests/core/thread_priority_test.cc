#include "core/thread_priority.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
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

std::string OwnName() {
  char name[16] = {};
  ::pthread_getname_np(::pthread_self(), name, sizeof name);
  return name;
}

// A thread's name is its own, and a name over the kernel's 15 characters is cut, not refused.
TEST(ThreadPriorityTest, NamesOnlyTheCallingThreadCuttingLongNames) {
  const std::string before = OwnName();
  std::string short_name, long_name;
  std::thread([&] {
    SetThreadName("gov-events");
    short_name = OwnName();
  }).join();
  std::thread([&] {
    SetThreadName("gov-a-name-longer-than-fifteen");
    long_name = OwnName();
  }).join();
  EXPECT_EQ(short_name, "gov-events");
  EXPECT_EQ(long_name, "gov-a-name-long");
  EXPECT_EQ(OwnName(), before);
}

// StartThread names the new thread and lowers it before its body runs.
TEST(ThreadPriorityTest, StartedThreadsAreNamedAndLoweredBeforeTheirBody) {
  const int before = OwnNice();
  const int lowered = before + 3 > 19 ? 19 : before + 3;
  std::string name;
  int nice = 0;
  StartThread("gov-started", lowered, [&] {
    name = OwnName();
    nice = OwnNice();
  }).join();
  EXPECT_EQ(name, "gov-started");
  EXPECT_EQ(nice, lowered);
  StartThread("gov-default", [&] { nice = OwnNice(); }).join();
  EXPECT_EQ(nice, before);
}

}  // namespace
}  // namespace gov::core
