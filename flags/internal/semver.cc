#include "flags/internal/semver.h"

#include <charconv>

#include "flags/internal/js.h"

namespace gov::flags::internal {

namespace {

constexpr uint64_t kMaxSafeInteger = 9007199254740991ULL;  // Number.MAX_SAFE_INTEGER
constexpr size_t kMaxLength = 256;                         // node-semver MAX_LENGTH

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return !s.empty();
}

// NUMERICIDENTIFIER: 0|[1-9]\d*, and at most MAX_SAFE_INTEGER.
bool ParseNumericPart(std::string_view s, uint64_t& out) {
  if (!AllDigits(s) || (s.size() > 1 && s[0] == '0')) return false;
  if (s.size() > 16) return false;  // more than 16 digits exceeds 2^53 - 1
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  if (v > kMaxSafeInteger) return false;
  out = v;
  return true;
}

// Dot-separated identifiers; numeric ones (all digits) must not have leading zeros
// when `prerelease`, as in node-semver's PRERELEASEIDENTIFIER.
bool ValidIdentifiers(std::string_view s, bool prerelease) {
  if (s.empty()) return false;
  size_t pos = 0;
  for (;;) {
    const size_t dot = s.find('.', pos);
    const std::string_view id = s.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    if (id.empty()) return false;
    for (char c : id) {
      if (!IsIdentChar(c)) return false;
    }
    if (prerelease && AllDigits(id) && id.size() > 1 && id[0] == '0') return false;
    if (dot == std::string_view::npos) return true;
    pos = dot + 1;
  }
}

// node-semver compareIdentifiers. Digit-only identifiers compare as numbers (JavaScript
// doubles, so beyond 2^53 they may tie) and sort before alphanumeric ones.
int CompareIdentifiers(std::string_view a, std::string_view b) {
  const bool anum = AllDigits(a), bnum = AllDigits(b);
  if (anum && bnum) {
    const double x = JsStringToNumber(a), y = JsStringToNumber(b);
    return x == y ? 0 : (x < y ? -1 : 1);
  }
  if (anum) return -1;
  if (bnum) return 1;
  return a == b ? 0 : (a < b ? -1 : 1);
}

std::string_view NextIdentifier(std::string_view s, size_t& pos) {
  const size_t dot = s.find('.', pos);
  std::string_view id;
  if (dot == std::string_view::npos) {
    id = s.substr(pos);
    pos = s.size() + 1;
  } else {
    id = s.substr(pos, dot - pos);
    pos = dot + 1;
  }
  return id;
}

}  // namespace

std::optional<SemverView> ParseSemver(std::string_view s) {
  if (s.size() > kMaxLength) return std::nullopt;
  s = JsTrim(s);
  if (!s.empty() && s[0] == 'v') s.remove_prefix(1);
  std::string_view build;
  if (const size_t plus = s.find('+'); plus != std::string_view::npos) {
    build = s.substr(plus + 1);
    s = s.substr(0, plus);
    if (!ValidIdentifiers(build, /*prerelease=*/false)) return std::nullopt;
  }
  SemverView v;
  if (const size_t dash = s.find('-'); dash != std::string_view::npos) {
    v.prerelease = s.substr(dash + 1);
    s = s.substr(0, dash);
    if (!ValidIdentifiers(v.prerelease, /*prerelease=*/true)) return std::nullopt;
  }
  const size_t d1 = s.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  const size_t d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  if (!ParseNumericPart(s.substr(0, d1), v.major) ||
      !ParseNumericPart(s.substr(d1 + 1, d2 - d1 - 1), v.minor) ||
      !ParseNumericPart(s.substr(d2 + 1), v.patch)) {
    return std::nullopt;
  }
  return v;
}

int CompareSemver(const SemverView& a, const SemverView& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  // A version without prerelease ranks above one with it.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    return a.prerelease.empty() == b.prerelease.empty() ? 0 : (a.prerelease.empty() ? 1 : -1);
  }
  size_t pa = 0, pb = 0;
  for (;;) {
    const bool a_done = pa > a.prerelease.size(), b_done = pb > b.prerelease.size();
    if (a_done && b_done) return 0;
    if (b_done) return 1;
    if (a_done) return -1;
    const std::string_view x = NextIdentifier(a.prerelease, pa);
    const std::string_view y = NextIdentifier(b.prerelease, pb);
    if (x == y) continue;
    if (const int c = CompareIdentifiers(x, y); c != 0) return c;
  }
}

}  // namespace gov::flags::internal
