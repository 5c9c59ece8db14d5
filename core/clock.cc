#include "core/clock.h"

namespace gov::core {

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace gov::core
