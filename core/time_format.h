#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace gov {

// RFC 3339 UTC with millisecond precision, e.g. "2026-11-25T18:31:28.123Z".
std::string FormatRfc3339(TimePoint t);
// Parses RFC 3339 / ISO 8601 date-times ("2026-11-25T18:31:28Z", fractional seconds and
// "+hh:mm" offsets allowed, also a bare date "2026-11-25"). nullopt when malformed.
std::optional<TimePoint> ParseRfc3339(std::string_view s);

}  // namespace gov
