#pragma once

// RFC 3339 / ISO 8601 date-times in epoch milliseconds, the resolution of a JavaScript Date,
// parsed by core's ParseDateTimeFields. Unlike core's ParseRfc3339 (nanoseconds, so only years
// 1678-2261) this covers years 0000-9999, since flag schedules like DATE_BEFORE 9999-12-31 are
// legitimate. Internal to gov_flags.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"

namespace gov::flags::internal {

// "2026-11-25T18:31:28.123Z", "+hh:mm"/"-hh:mm" offsets, a ' ' instead of 'T', optional
// seconds and fraction (truncated to milliseconds), or a bare date (UTC midnight).
// A time needs a zone. nullopt when malformed.
std::optional<int64_t> ParseDateMillis(std::string_view s);

// Whether epoch milliseconds `ms` fit gov::core::TimePoint (int64 nanoseconds).
inline bool FitsTimePoint(int64_t ms) { return ms > -9'223'372'036'854 && ms < 9'223'372'036'854; }

// A time in JSON: RFC 3339 text (years 1678-2262, what TimePoint holds) or, when
// `allow_millis`, epoch milliseconds as a JavaScript Date takes them; null -> nullopt.
// Errors name `field`.
core::Status ReadJsonTime(const core::Json& v, std::string_view field, bool allow_millis,
                          std::optional<core::TimePoint>& out);

}  // namespace gov::flags::internal
