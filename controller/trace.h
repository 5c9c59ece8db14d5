#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "predictors/series.h"

namespace gov::controller {

// A load trace for `governor backtest`: the readings as written and the regular series the
// simulator replays.
struct Trace {
  std::vector<predictors::Point> points;  // in file order
  predictors::Series series;  // resampled to the median step (predictors::ResampleToRegular)
  core::TimePoint first{};    // earliest and latest timestamps
  core::TimePoint last{};
};

// Parses a CSV trace: a header `timestamp,value` (either order; other columns are an error),
// then one reading per line. A timestamp is Unix seconds (decimals allowed), RFC 3339
// ("2014-07-01T00:00:00Z", offsets allowed), or "YYYY-MM-DD HH:MM:SS" (UTC, the form the NAB
// traces use). A value is a finite number; an empty value is a missing reading (a gap). Blank
// lines, trailing "\r" and a UTF-8 byte-order mark are ignored. Irregular steps and gaps are
// resampled to the median step. Errors are InvalidArgument with field "trace" and a message
// naming the line, e.g. `line 17: value "abc" is not a number`; a trace without readings, or
// with fewer than two distinct timestamps, is an error too.
core::StatusOr<Trace> ParseTraceCsv(std::string_view text);

// Parses one timestamp as ParseTraceCsv does; nullopt when malformed.
std::optional<core::TimePoint> ParseTraceTimestamp(std::string_view text);

}  // namespace gov::controller
