#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace gov::core {

// The parts of an RFC 3339 / ISO 8601 date-time as written, any year 0000-9999.
struct DateTimeFields {
  std::chrono::year_month_day date;  // ok()
  int hour = 0;                      // 0-23
  int minute = 0;                    // 0-59
  int second = 0;                    // 0-60 (a leap second)
  int64_t fraction_ns = 0;           // fractional second, truncated to nanoseconds
  // The zone offset as written, e.g. -05:30 is {-1, 5, 30}; at most 23:59.
  int offset_sign = 1, offset_hours = 0, offset_minutes = 0;

  // Minutes since the Unix epoch of the date and hour:minute in UTC (seconds not included).
  int64_t UtcEpochMinutes() const;
};

// Splits "2026-11-25T18:31:28.123Z" (a ' ' or 't' for 'T', optional seconds and fraction,
// 'Z' or "+hh:mm"/"-hh:mm"/"+hhmm"/"+hh") or a bare date (UTC midnight) into its parts.
// A time needs a zone. nullopt when malformed.
std::optional<DateTimeFields> ParseDateTimeFields(std::string_view s);

// RFC 3339 UTC with millisecond precision, e.g. "2026-11-25T18:31:28.123Z".
std::string FormatRfc3339(TimePoint t);
// Parses RFC 3339 / ISO 8601 date-times ("2026-11-25T18:31:28Z", fractional seconds and
// "+hh:mm" offsets allowed, also a bare date "2026-11-25"). nullopt when malformed.
std::optional<TimePoint> ParseRfc3339(std::string_view s);

}  // namespace gov::core
