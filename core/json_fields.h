#pragma once

// Readers and writers of request fields that several modules' JSON mappings share: enums by
// their name table, RFC 3339 times, optional members. Errors name the field (FieldReader).

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/name_table.h"
#include "core/time_format.h"

namespace gov::core {

// "expected one of "a", "b"": the message for a value outside a name table.
template <size_t N>
std::string OneOf(const std::array<std::string_view, N>& names) {
  std::string out = "expected one of";
  for (size_t i = 0; i < N; ++i) {
    out += std::string(i ? ", \"" : " \"") + std::string(names[i]) + "\"";
  }
  return out;
}

// Member `key` as a value of the enum named by `names`; `def` when absent (an error when
// there is no default).
template <typename Enum, size_t N>
Enum ReadEnum(FieldReader& r, std::string_view key, const std::array<std::string_view, N>& names,
              std::optional<Enum> def) {
  std::optional<std::string> text = r.OptionalString(key);
  if (!text) {
    if (!def && r.ok()) r.Fail(key, "is required");
    return def.value_or(Enum{});
  }
  std::optional<Enum> value = FindName<Enum>(names, *text);
  if (!value) {
    r.Fail(key, OneOf(names));
    return def.value_or(Enum{});
  }
  return *value;
}

// Member `key` as an RFC 3339 date-time; nullopt when absent (or invalid, recorded in `r`).
inline std::optional<TimePoint> ReadTime(FieldReader& r, std::string_view key) {
  std::optional<std::string> text = r.OptionalString(key);
  if (!text) return std::nullopt;
  std::optional<TimePoint> t = ParseRfc3339(*text);
  if (!t) r.Fail(key, "expected an RFC 3339 date-time");
  return t;
}

// An optional time as RFC 3339, or null.
inline Json OptTime(const std::optional<TimePoint>& t) {
  return t ? Json(FormatRfc3339(*t)) : Json();
}

// An optional value, or null.
template <typename T>
Json Opt(const std::optional<T>& v) {
  return v ? Json(*v) : Json();
}

}  // namespace gov::core
