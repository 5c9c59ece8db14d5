#include "flags/internal/date.h"

#include "core/time_format.h"

namespace gov::flags::internal {

std::optional<int64_t> ParseDateMillis(std::string_view s) {
  const std::optional<DateTimeFields> f = ParseDateTimeFields(s);
  if (!f) return std::nullopt;
  return f->UtcEpochMinutes() * 60'000 + int64_t{f->second} * 1000 + f->fraction_ns / 1'000'000;
}

}  // namespace gov::flags::internal
