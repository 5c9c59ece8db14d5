#pragma once

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

}  // namespace gov::core
