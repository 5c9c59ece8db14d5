#pragma once

// JavaScript string and number semantics that Unleash's reference SDK
// (unleash-client-node) relies on, reproduced so Governor evaluates flags exactly as
// that SDK does. Internal to gov_flags. All functions are allocation-free unless
// they return a std::string.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gov::flags::internal {

// Byte length of the ECMAScript WhiteSpace or LineTerminator code point that starts
// at s[i] (what \s and String.prototype.trim() match), or 0.
size_t JsSpaceAt(std::string_view s, size_t i);
// Byte length of such a code point that ends just before s[end], or 0.
size_t JsSpaceBefore(std::string_view s, size_t end);
// String.prototype.trim().
std::string_view JsTrim(std::string_view s);

// Number(s) for a string: trims, "" -> 0, decimal literals with optional exponent,
// "Infinity" with optional sign, 0x/0o/0b integers; NaN for anything else.
double JsStringToNumber(std::string_view s);

// String(n) for a finite or non-finite double, e.g. 12 -> "12", 0.1 -> "0.1",
// 1e21 -> "1e+21" (Number::toString from ECMA-262).
std::string JsNumberToString(double n);

// Calls `emit(piece)` for each piece of s.split(/\s*,\s*/), in order.
template <typename Fn>
void JsSplitOnCommas(std::string_view s, Fn&& emit) {
  size_t pos = 0;
  for (;;) {
    const size_t comma = s.find(',', pos);
    if (comma == std::string_view::npos) {
      emit(s.substr(pos));
      return;
    }
    size_t start = comma;
    while (start > pos) {
      const size_t w = JsSpaceBefore(s, start);
      if (w == 0 || start - w < pos) break;
      start -= w;
    }
    size_t end = comma + 1;
    while (end < s.size()) {
      const size_t w = JsSpaceAt(s, end);
      if (w == 0) break;
      end += w;
    }
    emit(s.substr(pos, start - pos));
    pos = end;
  }
}

// ASCII lowercase of one byte. Governor's case-insensitive operators fold ASCII only;
// JavaScript's toLocaleLowerCase() also folds non-ASCII letters.
inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
std::string AsciiLower(std::string_view s);

// Calls `emit(byte)` for each byte `s` (UTF-8) contributes to a MurmurHash3 key:
// its UTF-8 bytes, or with `utf16_low_byte` the low byte of each UTF-16 code unit,
// which is what murmurhash3js (unleash-client-node) hashes. Malformed UTF-8 bytes
// count as one code unit each (U+FFFD, low byte 0xFD).
template <typename Fn>
void ForEachHashByte(std::string_view s, bool utf16_low_byte, Fn&& emit);

}  // namespace gov::flags::internal

namespace gov::flags::internal {

// Decodes one UTF-8 code point at s[i]; returns its length and sets `cp`
// (U+FFFD and length 1 for malformed input).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp);

template <typename Fn>
void ForEachHashByte(std::string_view s, bool utf16_low_byte, Fn&& emit) {
  if (!utf16_low_byte) {
    for (char c : s) emit(static_cast<uint8_t>(c));
    return;
  }
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      emit(b);
      ++i;
      continue;
    }
    uint32_t cp = 0;
    i += DecodeUtf8(s, i, cp);
    if (cp >= 0x10000) {  // a surrogate pair: two UTF-16 code units
      const uint32_t v = cp - 0x10000;
      emit(static_cast<uint8_t>((0xD800 + (v >> 10)) & 0xff));
      emit(static_cast<uint8_t>((0xDC00 + (v & 0x3ff)) & 0xff));
    } else {
      emit(static_cast<uint8_t>(cp & 0xff));
    }
  }
}

}  // namespace gov::flags::internal
