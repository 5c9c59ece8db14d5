#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace gov::core {

// Appends compact JSON to a string without building a DOM: for hot response paths where
// nlohmann::json's per-node allocations dominate. The caller is responsible for structure
// (keys inside objects, commas are handled). Strings are escaped per RFC 8259; input is
// assumed to be valid UTF-8 (everything Governor stores came through a validating parser).
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& BeginObject() {
    Sep();
    out_ += '{';
    first_ = true;
    return *this;
  }
  JsonWriter& EndObject() {
    out_ += '}';
    first_ = false;
    return *this;
  }
  JsonWriter& BeginArray() {
    Sep();
    out_ += '[';
    first_ = true;
    return *this;
  }
  JsonWriter& EndArray() {
    out_ += ']';
    first_ = false;
    return *this;
  }
  // Writes `"key":`; the next value call writes the value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Inserts already-serialized JSON as one value.
  JsonWriter& Raw(std::string_view json);

 private:
  void Sep() {
    if (after_key_) {
      after_key_ = false;
    } else if (!first_) {
      out_ += ',';
    }
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

// Writes *v as a number (Double for floating-point T, Int otherwise), or null when absent. Takes
// any writer with JsonWriter's Int/Double/Null.
template <typename Writer, typename T>
void WriteOptionalNumber(Writer& w, const std::optional<T>& v) {
  if (!v) {
    w.Null();
  } else if constexpr (std::is_floating_point_v<T>) {
    w.Double(*v);
  } else {
    w.Int(*v);
  }
}

// Appends `s` as a quoted, escaped JSON string.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace gov::core
