#pragma once

// PostgreSQL array literals: a statement over many rows takes one parameter per column,
// expanded with unnest (the event insert, the aggregation's units and histories).

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gov::store::internal {

// PostgreSQL array literals ('{...}'), built column by column: text elements quoted with
// '"' and '\' escaped, NULL for a missing value, numbers in their shortest exact form.
class ArrayLiteral {
 public:
  explicit ArrayLiteral(size_t reserve = 0) {
    out_.reserve(reserve + 2);
    out_ += '{';
  }
  void Text(std::string_view v) {
    Sep();
    out_ += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
  }
  void Text(const std::optional<std::string>& v) {
    if (v) {
      Text(std::string_view(*v));
    } else {
      Null();
    }
  }
  void Int(int64_t v) {
    Sep();
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  void Double(const std::optional<double>& v) {
    if (!v) return Null();
    Sep();
    char buf[32];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, *v).ptr);
  }
  void Null() {
    Sep();
    out_ += "NULL";
  }
  std::string Take() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void Sep() {
    if (out_.size() > 1) out_ += ',';
  }
  std::string out_;
};

}  // namespace gov::store::internal
