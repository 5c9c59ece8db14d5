#pragma once

// The evaluation context: who is asking. Mirrors the Unleash context
// (https://docs.getunleash.io/reference/unleash-context).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"

namespace gov::flags {

// A constraint or stickiness on field F reads the standard field F when it is set
// (even to ""), else properties[F], as unleash-client-node's resolveContextValue does.
struct Context {
  std::optional<std::string> user_id;
  std::optional<std::string> session_id;
  std::optional<std::string> remote_address;
  std::optional<std::string> environment;
  std::optional<std::string> app_name;
  // When absent, date constraints compare against the `now` given to Evaluate.
  std::optional<core::TimePoint> current_time;
  // Custom fields in insertion order; lookups are linear (contexts are small).
  std::vector<std::pair<std::string, std::string>> properties;

  // The value of property `name`, or nullptr.
  const std::string* Property(std::string_view name) const;
  // Sets property `name`, replacing an existing value.
  void SetProperty(std::string_view name, std::string value);
};

// Builds a Context from an OpenFeature OFREP evaluation context: "targetingKey" ->
// user_id; "sessionId", "remoteAddress", "appName" -> those fields; "currentTime"
// (RFC 3339) -> current_time; every other key, "environment" included, -> a property
// (the environment is the server's, never the caller's: the field stays unset). Numbers
// and booleans become strings as JavaScript's String() writes them; null values are
// skipped; objects and arrays are kInvalidArgument naming the key.
core::StatusOr<Context> ContextFromOfrep(const core::Json& context);

// Builds a Context from the Unleash SDK/frontend-API shape: "userId", "sessionId",
// "remoteAddress", "environment", "appName", "currentTime" (RFC 3339, or epoch
// milliseconds) and "properties" {}. Other top-level scalar keys become properties
// and win over a same-named entry in "properties" (the SDK reads context[key] first).
// Scalars are stringified as in ContextFromOfrep; errors name the field.
core::StatusOr<Context> ContextFromUnleash(const core::Json& context);

}  // namespace gov::flags
