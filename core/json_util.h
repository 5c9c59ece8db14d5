#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gov::core {

using Json = nlohmann::json;

// Parses a JSON document. Malformed input, or nesting deeper than `max_depth`, is
// kInvalidArgument with the byte offset in the message. Never throws.
StatusOr<Json> ParseJson(std::string_view text, int max_depth = 64);

// "a.b" + "c" -> "a.b.c"; "a" + "[2]" -> "a[2]"; "" + "c" -> "c".
std::string JoinFieldPath(std::string_view parent, std::string_view child);
// "path[i]".
std::string IndexFieldPath(std::string_view parent, size_t i);

// Reads typed members of one JSON object and remembers the first error with its field
// path, so a parser can read every field and check once:
//
//   FieldReader r(body, "target");
//   auto name = r.RequiredString("name");
//   auto max = r.OptionalInt("maxReplicas");
//   RETURN_IF_ERROR(r.status());
class FieldReader {
 public:
  // `path` is where `obj` sits in the request ("" for the root).
  FieldReader(const Json& obj, std::string path);

  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  const std::string& path() const { return path_; }
  // Path of member `key` of this object.
  std::string FieldPath(std::string_view key) const { return JoinFieldPath(path_, key); }
  // Records an error for member `key` unless one is already recorded.
  void Fail(std::string_view key, std::string message);
  // Records an error for `key` when it is present but not one of `allowed` member names.
  void RejectUnknown(const std::vector<std::string_view>& allowed);

  bool Has(std::string_view key) const;
  // Null-or-missing members read as absent.
  const Json* Get(std::string_view key) const;

  std::string RequiredString(std::string_view key);
  std::optional<std::string> OptionalString(std::string_view key);
  std::optional<double> OptionalNumber(std::string_view key);
  double RequiredNumber(std::string_view key);
  std::optional<int64_t> OptionalInt(std::string_view key);
  int64_t RequiredInt(std::string_view key);
  std::optional<bool> OptionalBool(std::string_view key);
  // A present member that must be an object or an array.
  const Json* OptionalObject(std::string_view key);
  const Json* OptionalArray(std::string_view key);

 private:
  const Json* obj_;
  std::string path_;
  Status status_;
};

}  // namespace gov::core
