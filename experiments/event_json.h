#pragma once

// The body of POST /api/v1/events, read strictly: {"events": [event, ...]} where each event is
// {id, type: "exposure" | "track", name, unit, value?, timestamp, feature?, variant?,
// properties?}. An invalid event is reported by its index and field (e.g.
// "events[3].timestamp"); the valid rest of the batch is kept.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "core/status.h"
#include "experiments/model.h"

namespace gov::experiments {

// The most events one request may carry (more: 413 naming "events").
inline constexpr size_t kMaxEventsPerBatch = 10000;
// The longest id, name, unit, feature and variant, in bytes.
inline constexpr size_t kMaxEventIdLength = 200;
inline constexpr size_t kMaxEventUnitLength = 200;
inline constexpr size_t kMaxEventNameLength = 200;

// Why an event was rejected.
enum class EventErrorCode : uint8_t {
  kRequired,           // a required member is missing (or null)
  kInvalidType,        // a member has the wrong JSON type
  kInvalidValue,       // out of range, empty, not finite, unknown enum name, malformed time
  kTooLong,            // longer than its limit
  kUnknownMember,      // a member the event does not have
  kUnknownExperiment,  // an exposure whose name is no running experiment (key or feature)
  kUnknownVariant,     // an exposure whose variant is not one of the experiment's arms
};
inline constexpr std::array<std::string_view, 7> kEventErrorCodeNames = {
    "required",      "invalidType",       "invalidValue",  "tooLong",
    "unknownMember", "unknownExperiment", "unknownVariant"};

// One rejected event: its index in the batch, the field at fault ("events[3].timestamp").
struct EventError {
  size_t index = 0;
  std::string field;
  EventErrorCode code = EventErrorCode::kInvalidValue;
  std::string message;
  bool operator==(const EventError&) const = default;
};

// A parsed batch: the valid events with their indexes in the request, and the errors of the
// others (at most one per event, in index order).
struct ParsedEventBatch {
  std::vector<size_t> indexes;
  std::vector<Event> events;
  std::vector<EventError> errors;
  size_t size = 0;  // events in the request
};

// Parses a batch. kInvalidArgument (field "body" or "events") when the body is not an object
// with an "events" array; kPayloadTooLarge (field "events") beyond kMaxEventsPerBatch. Each
// event is checked on its own (the type-specific rules: exposures need feature and variant);
// timestamps are RFC 3339 strings or Unix milliseconds (an integer).
core::StatusOr<ParsedEventBatch> ParseEventBatch(const core::Json& body);

// {"index", "field", "code", "message"}.
core::Json EventErrorJson(const EventError& error);

}  // namespace gov::experiments
