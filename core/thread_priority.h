#pragma once

#include <thread>
#include <utility>

namespace gov::core {

// Lowers the calling thread's scheduling priority to `nice` (Linux: each thread has its own
// nice value; 0 is the default, 19 the lowest), for background work that must yield the CPU to
// request threads when both want it, and runs at full speed when the CPU is otherwise idle.
// 0 leaves the thread as it is. Best effort: returns false when the system refuses (the thread
// keeps its priority).
bool LowerThreadPriority(int nice);

// Names the calling thread (Linux: at most 15 characters, longer names are cut), so `top -H`,
// `perf` and debuggers tell Governor's threads apart. Best effort.
void SetThreadName(const char* name);

// Starts a thread that names itself `name` (a string literal: it is read on the new thread) and
// lowers itself to `nice` (LowerThreadPriority; 0 keeps the default), then runs `body`.
template <typename Body>
std::thread StartThread(const char* name, int nice, Body body) {
  return std::thread([name, nice, body = std::move(body)]() mutable {
    SetThreadName(name);
    LowerThreadPriority(nice);
    body();
  });
}
template <typename Body>
std::thread StartThread(const char* name, Body body) {
  return StartThread(name, 0, std::move(body));
}

}  // namespace gov::core
