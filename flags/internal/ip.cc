#include "flags/internal/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace gov::flags::internal {

namespace {

// Splits a trailing "/digits" (1..max_digits digits) off `s`; -1 when there is none.
int SplitPrefix(std::string_view& s, size_t max_digits) {
  const size_t slash = s.rfind('/');
  if (slash == std::string_view::npos) return -1;
  const std::string_view digits = s.substr(slash + 1);
  if (digits.empty() || digits.size() > max_digits) return -1;
  int v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  s = s.substr(0, slash);
  return v;
}

bool PtoN(int family, std::string_view text, uint8_t* out) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof(buf)) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  return inet_pton(family, buf, out) == 1;
}

}  // namespace

std::optional<IpAddress> ParseIpv4(std::string_view s) {
  IpAddress a;
  const int prefix = SplitPrefix(s, 2);
  if (prefix > 32) return std::nullopt;
  if (!PtoN(AF_INET, s, a.bytes.data())) return std::nullopt;
  a.prefix = prefix < 0 ? 32 : prefix;
  return a;
}

std::optional<IpAddress> ParseIpv6(std::string_view s) {
  if (const size_t zone = s.find('%'); zone != std::string_view::npos) s = s.substr(0, zone);
  IpAddress a;
  a.v6 = true;
  const int prefix = SplitPrefix(s, 3);
  if (prefix > 128) return std::nullopt;
  if (!PtoN(AF_INET6, s, a.bytes.data())) return std::nullopt;
  a.prefix = prefix < 0 ? 128 : prefix;
  return a;
}

bool InSubnet(const IpAddress& address, const IpAddress& range) {
  if (address.v6 != range.v6 || address.prefix < range.prefix) return false;
  const int full = range.prefix / 8, rest = range.prefix % 8;
  if (std::memcmp(address.bytes.data(), range.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (address.bytes[full] & mask) == (range.bytes[full] & mask);
}

bool SameAddress(const IpAddress& a, const IpAddress& b) {
  return a.v6 == b.v6 && a.bytes == b.bytes;
}

}  // namespace gov::flags::internal
