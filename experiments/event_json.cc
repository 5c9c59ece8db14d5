#include "experiments/event_json.h"

#include <cmath>
#include <optional>
#include <set>

#include "core/name_table.h"
#include "core/time_format.h"

namespace gov::experiments {

namespace {

// The latest timestamp accepted: 9999-12-31T23:59:59.999Z.
constexpr int64_t kMaxTimestampMs = 253402300799999;

const std::set<std::string, std::less<>>& KnownMembers() {
  static const std::set<std::string, std::less<>> kMembers = {
      "id", "type", "name", "unit", "value", "timestamp", "feature", "variant", "properties"};
  return kMembers;
}

// Reads one event; the first error found, else nullopt.
class EventReader {
 public:
  EventReader(const core::Json& json, size_t index)
      : json_(json), index_(index), prefix_("events[" + std::to_string(index) + "]") {}

  std::optional<EventError> Read(Event& out) {
    if (!json_.is_object()) return Error("", EventErrorCode::kInvalidType, "expected an object");
    for (const auto& [key, _] : json_.items()) {
      if (!KnownMembers().count(key)) {
        return Error(key, EventErrorCode::kUnknownMember, "unknown member");
      }
    }
    if (auto e = RequiredString("id", kMaxEventIdLength, out.id)) return e;
    std::string type;
    if (auto e = RequiredString("type", 20, type)) return e;
    auto parsed_type = core::FindName<EventType>(kEventTypeNames, type);
    if (!parsed_type) {
      return Error("type", EventErrorCode::kInvalidValue,
                   "expected \"exposure\" or \"track\", got \"" + type + "\"");
    }
    out.type = *parsed_type;
    if (auto e = RequiredString("name", kMaxEventNameLength, out.name)) return e;
    if (auto e = RequiredString("unit", kMaxEventUnitLength, out.unit)) return e;
    if (auto e = Timestamp(out.timestamp)) return e;
    if (auto e = OptionalString("feature", kMaxEventNameLength, out.feature)) return e;
    if (auto e = OptionalString("variant", kMaxEventNameLength, out.variant)) return e;
    if (auto e = Value(out.value)) return e;
    if (auto it = json_.find("properties"); it != json_.end() && !it->is_null()) {
      if (!it->is_object()) {
        return Error("properties", EventErrorCode::kInvalidType, "expected an object");
      }
      out.properties = *it;
    }
    if (out.type == EventType::kExposure) {
      if (!out.feature) return Error("feature", EventErrorCode::kRequired, "an exposure needs it");
      if (!out.variant) return Error("variant", EventErrorCode::kRequired, "an exposure needs it");
      if (out.value) {
        return Error("value", EventErrorCode::kInvalidValue, "an exposure has no value");
      }
    }
    return std::nullopt;
  }

 private:
  EventError Error(std::string_view member, EventErrorCode code, std::string message) const {
    std::string field = prefix_;
    if (!member.empty()) field += "." + std::string(member);
    return EventError{index_, std::move(field), code, std::move(message)};
  }

  std::optional<EventError> StringMember(std::string_view member, size_t max_length,
                                         std::optional<std::string>& out) const {
    auto it = json_.find(member);
    if (it == json_.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) return Error(member, EventErrorCode::kInvalidType, "expected a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty()) return Error(member, EventErrorCode::kInvalidValue, "must not be empty");
    if (s.find('\0') != std::string::npos) {
      return Error(member, EventErrorCode::kInvalidValue, "must not contain NUL characters");
    }
    if (s.size() > max_length) {
      return Error(member, EventErrorCode::kTooLong,
                   "longer than " + std::to_string(max_length) + " bytes");
    }
    out = s;
    return std::nullopt;
  }

  std::optional<EventError> RequiredString(std::string_view member, size_t max_length,
                                           std::string& out) const {
    std::optional<std::string> value;
    if (auto e = StringMember(member, max_length, value)) return e;
    if (!value) return Error(member, EventErrorCode::kRequired, "required");
    out = std::move(*value);
    return std::nullopt;
  }

  std::optional<EventError> OptionalString(std::string_view member, size_t max_length,
                                           std::optional<std::string>& out) const {
    return StringMember(member, max_length, out);
  }

  std::optional<EventError> Timestamp(core::TimePoint& out) const {
    auto it = json_.find("timestamp");
    if (it == json_.end() || it->is_null()) {
      return Error("timestamp", EventErrorCode::kRequired, "required");
    }
    if (it->is_string()) {
      auto t = core::ParseRfc3339(it->get_ref<const std::string&>());
      if (!t) {
        return Error("timestamp", EventErrorCode::kInvalidValue,
                     "expected an RFC 3339 date-time such as \"2026-11-25T18:31:28.123Z\"");
      }
      out = *t;
      return std::nullopt;
    }
    if (it->is_number_integer()) {
      const int64_t ms = it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX}
                             ? -1
                             : it->get<int64_t>();
      if (ms < 0 || ms > kMaxTimestampMs) {
        return Error("timestamp", EventErrorCode::kInvalidValue,
                     "Unix milliseconds must be between 0 and " + std::to_string(kMaxTimestampMs));
      }
      out = core::FromUnixMillis(ms);
      return std::nullopt;
    }
    return Error("timestamp", EventErrorCode::kInvalidType,
                 "expected an RFC 3339 string or Unix milliseconds (an integer)");
  }

  std::optional<EventError> Value(std::optional<double>& out) const {
    auto it = json_.find("value");
    if (it == json_.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) return Error("value", EventErrorCode::kInvalidType, "expected a number");
    const double v = it->get<double>();
    if (!std::isfinite(v)) return Error("value", EventErrorCode::kInvalidValue, "must be finite");
    out = v;
    return std::nullopt;
  }

  const core::Json& json_;
  size_t index_;
  std::string prefix_;
};

}  // namespace

core::StatusOr<ParsedEventBatch> ParseEventBatch(const core::Json& body) {
  if (!body.is_object()) {
    return core::InvalidArgument("expected an object {\"events\": [...]}", "body");
  }
  auto it = body.find("events");
  if (it == body.end() || it->is_null()) return core::InvalidArgument("required", "events");
  if (!it->is_array()) return core::InvalidArgument("expected an array", "events");
  for (const auto& [key, _] : body.items()) {
    if (key != "events") return core::InvalidArgument("unknown member", key);
  }
  if (it->size() > kMaxEventsPerBatch) {
    return core::Status(core::StatusCode::kPayloadTooLarge,
                        "at most " + std::to_string(kMaxEventsPerBatch) +
                            " events per request, got " + std::to_string(it->size()),
                        "events");
  }
  ParsedEventBatch batch;
  batch.size = it->size();
  batch.events.reserve(batch.size);
  batch.indexes.reserve(batch.size);
  for (size_t i = 0; i < it->size(); ++i) {
    Event event;
    if (auto error = EventReader((*it)[i], i).Read(event)) {
      batch.errors.push_back(std::move(*error));
      continue;
    }
    batch.indexes.push_back(i);
    batch.events.push_back(std::move(event));
  }
  return batch;
}

core::Json EventErrorJson(const EventError& error) {
  return core::Json{{"index", error.index},
                    {"field", error.field},
                    {"code", kEventErrorCodeNames[static_cast<size_t>(error.code)]},
                    {"message", error.message}};
}

}  // namespace gov::experiments
