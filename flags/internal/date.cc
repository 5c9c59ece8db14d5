#include "flags/internal/date.h"

#include <cmath>

#include "core/time_format.h"

namespace gov::flags::internal {

std::optional<int64_t> ParseDateMillis(std::string_view s) {
  const std::optional<core::DateTimeFields> f = core::ParseDateTimeFields(s);
  if (!f) return std::nullopt;
  return f->UtcEpochMinutes() * 60'000 + int64_t{f->second} * 1000 + f->fraction_ns / 1'000'000;
}

core::Status ReadJsonTime(const core::Json& v, std::string_view field, bool allow_millis,
                          std::optional<core::TimePoint>& out) {
  out.reset();
  if (v.is_null()) return core::Status::Ok();
  if (v.is_string()) {
    const std::optional<int64_t> ms = ParseDateMillis(v.get<std::string>());
    if (!ms) return core::InvalidArgument("expected an RFC 3339 date-time", std::string(field));
    if (!FitsTimePoint(*ms)) {
      return core::InvalidArgument("must be between the years 1678 and 2262", std::string(field));
    }
    out = core::FromUnixMillis(*ms);
    return core::Status::Ok();
  }
  if (allow_millis && v.is_number()) {
    const double ms = v.get<double>();
    if (!(std::fabs(ms) < 9.2e12)) {  // NaN fails too
      return core::InvalidArgument("expected epoch milliseconds between the years 1678 and 2262",
                                   std::string(field));
    }
    out = core::FromUnixMillis(static_cast<int64_t>(ms));
    return core::Status::Ok();
  }
  return core::InvalidArgument("expected an RFC 3339 date-time", std::string(field));
}

}  // namespace gov::flags::internal
