#include "flags/internal/js.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace gov::flags::internal {

namespace {

bool IsJsSpace(uint32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

double ParseRadixInteger(std::string_view digits, int radix) {
  if (digits.empty()) return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  for (char c : digits) {
    const int d = DigitValue(c);
    if (d >= radix) return std::numeric_limits<double>::quiet_NaN();
    v = v * radix + d;
  }
  return v;
}

// StrUnsignedDecimalLiteral without "Infinity": digits [. digits] [e [+-] digits],
// or . digits [e ...]. Returns false on anything else.
bool IsUnsignedDecimal(std::string_view s) {
  size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// from_chars reports out-of-range for literals like 1e999 or 1e-999; JavaScript
// rounds those to Infinity or 0. Decide which from the decimal exponent.
double OutOfRange(std::string_view s) {
  long exponent = 0;
  size_t i = 0;
  long int_digits = 0;
  bool seen_nonzero = false;
  long leading_frac_zeros = 0;
  while (i < s.size() && IsDigit(s[i])) {
    if (s[i] != '0' || seen_nonzero) {
      seen_nonzero = true;
      ++int_digits;
    }
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) {
      if (!seen_nonzero) {
        if (s[i] == '0')
          ++leading_frac_zeros;
        else
          seen_nonzero = true;
      }
      ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    const bool neg = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    while (i < s.size() && IsDigit(s[i]) && exponent < 100000)
      exponent = exponent * 10 + (s[i++] - '0');
    if (neg) exponent = -exponent;
  }
  const long magnitude = int_digits > 0 ? int_digits + exponent : exponent - leading_frac_zeros;
  return magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

}  // namespace

size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  cp = 0xFFFD;
  size_t len;
  uint32_t v;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, v = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, v = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, v = b0 & 0x07;
  } else {
    return 1;
  }
  if (i + len > s.size()) return 1;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 1;
    v = (v << 6) | (b & 0x3F);
  }
  const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 1;
  cp = v;
  return len;
}

size_t JsSpaceAt(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  uint32_t cp = 0;
  const size_t len = DecodeUtf8(s, i, cp);
  if (cp == 0xFFFD && len == 1 && static_cast<uint8_t>(s[i]) >= 0x80) return 0;
  return IsJsSpace(cp) ? len : 0;
}

size_t JsSpaceBefore(std::string_view s, size_t end) {
  for (size_t len = 1; len <= 3 && len <= end; ++len) {
    if (JsSpaceAt(s, end - len) == len) return len;
  }
  return 0;
}

std::string_view JsTrim(std::string_view s) {
  size_t begin = 0, end = s.size();
  while (begin < end) {
    const size_t w = JsSpaceAt(s, begin);
    if (w == 0) break;
    begin += w;
  }
  while (end > begin) {
    const size_t w = JsSpaceBefore(s, end);
    if (w == 0 || end - w < begin) break;
    end -= w;
  }
  return s.substr(begin, end - begin);
}

double JsStringToNumber(std::string_view s) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  s = JsTrim(s);
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0') {
    const char p = s[1];
    if (p == 'x' || p == 'X') return ParseRadixInteger(s.substr(2), 16);
    if (p == 'o' || p == 'O') return ParseRadixInteger(s.substr(2), 8);
    if (p == 'b' || p == 'B') return ParseRadixInteger(s.substr(2), 2);
  }
  bool negative = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (!IsUnsignedDecimal(body)) return kNaN;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec == std::errc::result_out_of_range) {
    v = OutOfRange(body);
  } else if (ec != std::errc() || ptr != body.data() + body.size()) {
    return kNaN;
  }
  return negative ? -v : v;
}

std::string JsNumberToString(double n) {
  if (std::isnan(n)) return "NaN";
  if (n == 0) return "0";
  if (n < 0) {
    std::string out = "-";
    out += JsNumberToString(-n);
    return out;
  }
  if (std::isinf(n)) return "Infinity";
  // Shortest round-trip digits and exponent, then ECMA-262 Number::toString layout.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), n, std::chars_format::scientific);
  const std::string_view sci(buf, res.ptr - buf);
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exponent);
  const int k = static_cast<int>(digits.size());
  const int pos = exponent + 1;  // position of the decimal point relative to digits
  std::string out;
  // Built with append(): GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  const std::string_view d(digits);
  if (k <= pos && pos <= 21) {
    out.append(d).append(static_cast<size_t>(pos - k), '0');
  } else if (0 < pos && pos <= 21) {
    out.append(d.substr(0, pos)).append(".").append(d.substr(pos));
  } else if (-6 < pos && pos <= 0) {
    out.append("0.").append(static_cast<size_t>(-pos), '0').append(d);
  } else {
    out.append(d.substr(0, 1));
    if (k > 1) out.append(".").append(d.substr(1));
    out.append(pos - 1 >= 0 ? "e+" : "e-").append(std::to_string(std::abs(pos - 1)));
  }
  return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

}  // namespace gov::flags::internal
