#include "flags/context.h"

#include "flags/internal/date.h"
#include "flags/internal/js.h"

namespace gov::flags {

namespace {

// JavaScript String(v) for a JSON scalar; nullopt for null, an error for containers.
core::Status Stringify(const core::Json& v, std::string_view field,
                       std::optional<std::string>& out) {
  out.reset();
  if (v.is_null()) return core::Status::Ok();
  if (v.is_string()) {
    out = v.get<std::string>();
  } else if (v.is_boolean()) {
    out = v.get<bool>() ? "true" : "false";
  } else if (v.is_number()) {
    out = internal::JsNumberToString(v.get<double>());
  } else {
    return core::InvalidArgument("nested objects and arrays are not supported; expected a string",
                                 std::string(field));
  }
  return core::Status::Ok();
}

// The context field that `key` names, or nullptr for a property. `environment_field` says
// whether "environment" is the field (Unleash) or a property (OFREP, whose environment is
// the server's).
std::optional<std::string>* StandardField(Context& ctx, std::string_view key,
                                          std::string_view user_id_key, bool environment_field) {
  if (key == user_id_key) return &ctx.user_id;
  if (key == "sessionId") return &ctx.session_id;
  if (key == "remoteAddress") return &ctx.remote_address;
  if (environment_field && key == "environment") return &ctx.environment;
  if (key == "appName") return &ctx.app_name;
  return nullptr;
}

}  // namespace

const std::string* Context::Property(std::string_view name) const {
  for (const auto& [key, value] : properties) {
    if (key == name) return &value;
  }
  return nullptr;
}

void Context::SetProperty(std::string_view name, std::string value) {
  for (auto& [key, v] : properties) {
    if (key == name) {
      v = std::move(value);
      return;
    }
  }
  properties.emplace_back(std::string(name), std::move(value));
}

core::StatusOr<Context> ContextFromOfrep(const core::Json& json) {
  if (!json.is_object()) return core::InvalidArgument("expected a JSON object", "context");
  Context ctx;
  for (const auto& [key, value] : json.items()) {
    if (key == "currentTime") {
      RETURN_IF_ERROR(internal::ReadJsonTime(value, key, /*allow_millis=*/false, ctx.current_time));
      continue;
    }
    std::optional<std::string> s;
    RETURN_IF_ERROR(Stringify(value, key, s));
    if (std::optional<std::string>* field =
            StandardField(ctx, key, "targetingKey", /*environment_field=*/false)) {
      *field = std::move(s);
    } else if (s) {
      ctx.SetProperty(key, std::move(*s));
    }
  }
  return ctx;
}

core::StatusOr<Context> ContextFromUnleash(const core::Json& json) {
  if (!json.is_object()) return core::InvalidArgument("expected a JSON object", "context");
  Context ctx;
  if (auto it = json.find("properties"); it != json.end() && !it->is_null()) {
    if (!it->is_object()) return core::InvalidArgument("expected an object", "properties");
    for (const auto& [key, value] : it->items()) {
      std::optional<std::string> s;
      RETURN_IF_ERROR(Stringify(value, core::JoinFieldPath("properties", key), s));
      if (s) ctx.SetProperty(key, std::move(*s));
    }
  }
  for (const auto& [key, value] : json.items()) {
    if (key == "properties") continue;
    if (key == "currentTime") {
      RETURN_IF_ERROR(internal::ReadJsonTime(value, key, /*allow_millis=*/true, ctx.current_time));
      continue;
    }
    std::optional<std::string> s;
    RETURN_IF_ERROR(Stringify(value, key, s));
    if (std::optional<std::string>* field =
            StandardField(ctx, key, "userId", /*environment_field=*/true)) {
      *field = std::move(s);
    } else if (s) {
      ctx.SetProperty(key, std::move(*s));
    }
  }
  return ctx;
}

}  // namespace gov::flags
