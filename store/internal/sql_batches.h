#pragma once

// Statements over many rows at once: SQLite multi-row VALUES lists in power-of-two sizes (each
// size prepared once per connection) and PostgreSQL array literals (one parameter per column,
// expanded with unnest or = ANY).

#include <bit>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// "($1,...,$k),($k+1,...),...": the VALUES list of a multi-row INSERT of `rows` rows of
// `per_row` parameters each, numbered in order (which lets SQLite bind them by position).
inline std::string ValuesList(size_t rows, size_t per_row) {
  std::string out;
  size_t p = 1;
  for (size_t r = 0; r < rows; ++r) {
    out += r ? ",(" : "(";
    for (size_t c = 0; c < per_row; ++c, ++p) {
      if (c) out += ',';
      out += '$';
      out += std::to_string(p);
    }
    out += ')';
  }
  return out;
}

// One statement text per power-of-two row count up to `max` (a power of two), built once:
// `build(n)` for n = 1, 2, 4, ... max. With NextChunk a connection prepares at most
// log2(max) + 1 texts of a multi-row statement.
class SizedTexts {
 public:
  template <typename Build>
  SizedTexts(size_t max, Build build) {
    for (size_t n = 1; n <= max; n *= 2) texts_.push_back(build(n));
  }
  const std::string& For(size_t n) const {
    return texts_.at(static_cast<size_t>(std::countr_zero(n)));
  }

 private:
  std::vector<std::string> texts_;
};

// The largest power of two not above `remaining` nor `max` (a power of two): how many rows the
// next multi-row statement takes, so a connection prepares at most log2(max) + 1 texts.
inline size_t NextChunk(size_t remaining, size_t max) {
  size_t n = max;
  while (n > remaining) n /= 2;
  return n;
}

}  // namespace gov::store::internal
