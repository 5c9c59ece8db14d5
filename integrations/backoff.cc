// Full-jitter backoff (see backoff.h).

#include "integrations/backoff.h"

#include <algorithm>

namespace gov::integrations {

core::Duration FullJitterBackoff::Ceiling(int attempt) const {
  core::Duration ceiling = base_;
  for (int i = 0; i < attempt && ceiling < cap_; ++i) ceiling *= 2;
  return std::min(ceiling, cap_);
}

core::Duration FullJitterBackoff::DelayAt(int attempt, double unit) const {
  const double clamped = std::clamp(unit, 0.0, 1.0);
  return core::Duration(
      static_cast<core::Duration::rep>(static_cast<double>(Ceiling(attempt).count()) * clamped));
}

core::Duration FullJitterBackoff::Next(int attempt) {
  // 53 high bits of one 64-bit draw -> a double in [0, 1). Done by hand because
  // std::uniform_real_distribution's algorithm is implementation-defined, and tests pin
  // the delays a fixed seed produces.
  const double unit = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  return DelayAt(attempt, unit);
}

}  // namespace gov::integrations
