#include "core/json_util.h"

#include <algorithm>
#include <cmath>

namespace gov::core {

namespace {

// Deepest container nesting in `text`, ignoring brackets inside strings. Linear, no
// recursion: it runs before the DOM is built so a hostile body cannot exhaust the stack.
int MaxNesting(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace

StatusOr<Json> ParseJson(std::string_view text, int max_depth) {
  if (text.empty()) return InvalidArgument("request body is empty; expected JSON");
  if (MaxNesting(text) > max_depth) {
    return InvalidArgument("JSON nesting deeper than " + std::to_string(max_depth) + " levels");
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    const bool utf8 = std::string_view(e.what()).find("UTF-8") != std::string_view::npos;
    return InvalidArgument("malformed JSON at byte " + std::to_string(e.byte) + ": " +
                           (utf8 ? "invalid UTF-8" : "syntax error"));
  } catch (const Json::exception& e) {
    return InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
}

std::string JoinFieldPath(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  if (child.empty()) return std::string(parent);
  std::string out(parent);
  if (child.front() != '[') out += '.';
  out += child;
  return out;
}

std::string IndexFieldPath(std::string_view parent, size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

FieldReader::FieldReader(const Json& obj, std::string path) : obj_(&obj), path_(std::move(path)) {
  if (!obj.is_object()) {
    status_ = InvalidArgument("expected a JSON object", path_);
  }
}

void FieldReader::Fail(std::string_view key, std::string message) {
  if (status_.ok()) status_ = InvalidArgument(std::move(message), FieldPath(key));
}

void FieldReader::RejectUnknown(const std::vector<std::string_view>& allowed) {
  if (!obj_->is_object()) return;
  for (const auto& [key, _] : obj_->items()) {
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) Fail(key, "unknown field");
  }
}

bool FieldReader::Has(std::string_view key) const { return Get(key) != nullptr; }

const Json* FieldReader::Get(std::string_view key) const {
  if (!obj_->is_object()) return nullptr;
  auto it = obj_->find(key);
  if (it == obj_->end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> FieldReader::OptionalString(std::string_view key) {
  const Json* v = Get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Fail(key, "expected a string");
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::string FieldReader::RequiredString(std::string_view key) {
  if (!Has(key)) {
    Fail(key, "is required");
    return {};
  }
  auto v = OptionalString(key);
  return v.value_or("");
}

std::optional<double> FieldReader::OptionalNumber(std::string_view key) {
  const Json* v = Get(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    Fail(key, "expected a number");
    return std::nullopt;
  }
  const double d = v->get<double>();
  if (!std::isfinite(d)) {
    Fail(key, "expected a finite number");
    return std::nullopt;
  }
  return d;
}

double FieldReader::RequiredNumber(std::string_view key) {
  if (!Has(key)) {
    Fail(key, "is required");
    return 0;
  }
  return OptionalNumber(key).value_or(0);
}

std::optional<int64_t> FieldReader::OptionalInt(std::string_view key) {
  const Json* v = Get(key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      return static_cast<int64_t>(d);
    }
  }
  Fail(key, "expected an integer");
  return std::nullopt;
}

int64_t FieldReader::RequiredInt(std::string_view key) {
  if (!Has(key)) {
    Fail(key, "is required");
    return 0;
  }
  return OptionalInt(key).value_or(0);
}

std::optional<bool> FieldReader::OptionalBool(std::string_view key) {
  const Json* v = Get(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    Fail(key, "expected true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

const Json* FieldReader::OptionalObject(std::string_view key) {
  const Json* v = Get(key);
  if (v && !v->is_object()) {
    Fail(key, "expected an object");
    return nullptr;
  }
  return v;
}

const Json* FieldReader::OptionalArray(std::string_view key) {
  const Json* v = Get(key);
  if (v && !v->is_array()) {
    Fail(key, "expected an array");
    return nullptr;
  }
  return v;
}

}  // namespace gov::core
