#include "core/clock.h"

namespace gov {

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace gov
