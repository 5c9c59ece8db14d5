#include "core/time_format.h"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace gov::core {

std::string FormatRfc3339(TimePoint t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch());
  const auto days = floor<std::chrono::days>(ms);
  const year_month_day ymd{sys_days{days}};
  auto rem = ms - days;
  const auto h = duration_cast<hours>(rem);
  rem -= h;
  const auto m = duration_cast<minutes>(rem);
  rem -= m;
  const auto s = duration_cast<seconds>(rem);
  rem -= s;
  // Fixed-width digits written directly: this runs for every timestamp in every response.
  char buf[25] = "0000-00-00T00:00:00.000Z";
  auto put = [&buf](int pos, int width, int value) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, 4, int(ymd.year()));
  put(5, 2, int(unsigned(ymd.month())));
  put(8, 2, int(unsigned(ymd.day())));
  put(11, 2, int(h.count()));
  put(14, 2, int(m.count()));
  put(17, 2, int(s.count()));
  put(20, 3, int(rem.count()));
  return std::string(buf, 24);
}

namespace {

bool ReadInt(std::string_view s, size_t& pos, size_t digits, int& out) {
  if (pos + digits > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  pos += digits;
  out = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<DateTimeFields> ParseDateTimeFields(std::string_view s) {
  using namespace std::chrono;
  size_t pos = 0;
  int y = 0, mo = 0, d = 0;
  if (!ReadInt(s, pos, 4, y) || !Expect(s, pos, '-') || !ReadInt(s, pos, 2, mo) ||
      !Expect(s, pos, '-') || !ReadInt(s, pos, 2, d)) {
    return std::nullopt;
  }
  DateTimeFields f;
  f.date = year_month_day{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!f.date.ok()) return std::nullopt;
  if (pos == s.size()) return f;
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
  ++pos;
  if (!ReadInt(s, pos, 2, f.hour) || !Expect(s, pos, ':') || !ReadInt(s, pos, 2, f.minute)) {
    return std::nullopt;
  }
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!ReadInt(s, pos, 2, f.second)) return std::nullopt;
  }
  if (f.hour > 23 || f.minute > 59 || f.second > 60) return std::nullopt;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int64_t scale = 100'000'000;  // first digit is tenths of a second, in ns
    const size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      f.fraction_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;  // a time needs a zone
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    f.offset_sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    if (!ReadInt(s, pos, 2, f.offset_hours)) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') ++pos;
    if (pos < s.size() && !ReadInt(s, pos, 2, f.offset_minutes)) return std::nullopt;
    // RFC 3339's time-numoffset (as a JavaScript Date): hours 00-23, minutes 00-59.
    if (f.offset_hours > 23 || f.offset_minutes > 59) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  return f;
}

int64_t DateTimeFields::UtcEpochMinutes() const {
  const int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  return (days * 24 + hour) * 60 + minute -
         int64_t{offset_sign} * (offset_hours * 60 + offset_minutes);
}

std::optional<TimePoint> ParseRfc3339(std::string_view s) {
  const std::optional<DateTimeFields> f = ParseDateTimeFields(s);
  // TimePoint counts nanoseconds in 64 bits: years 1678..2261 fit, others would
  // overflow.
  if (!f || int(f->date.year()) < 1678 || int(f->date.year()) > 2261) return std::nullopt;
  using std::chrono::minutes, std::chrono::seconds;
  return TimePoint(minutes{f->UtcEpochMinutes()} + seconds{f->second} + Duration{f->fraction_ns});
}

}  // namespace gov::core
