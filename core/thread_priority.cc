#include "core/thread_priority.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace gov::core {

bool LowerThreadPriority(int nice) {
  if (nice == 0) return true;
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::setpriority(PRIO_PROCESS, tid, nice) == 0;
}

void SetThreadName(const char* name) {
  // The kernel keeps 16 bytes with the terminating NUL and refuses a longer name outright.
  const std::string cut = std::string(name).substr(0, 15);
  ::pthread_setname_np(::pthread_self(), cut.c_str());
}

}  // namespace gov::core
