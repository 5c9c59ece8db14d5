#pragma once

// IPv4/IPv6 addresses with an optional prefix length, parsed the way the ip-address
// npm package (used by unleash-client-node) reads them: "a.b.c.d" with no leading
// zeros and an optional "/n" (one or two digits, n <= 32); IPv6 text as inet_pton
// accepts it with an optional "/n" (n <= 128) and an ignored "%zone".
// Internal to gov_flags; allocation-free.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gov::flags::internal {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4
  int prefix = 32;                  // mask length; the full width when none was given
};

std::optional<IpAddress> ParseIpv4(std::string_view s);
std::optional<IpAddress> ParseIpv6(std::string_view s);
// ParseIpv4, else ParseIpv6: an address or CIDR range of either family.
inline std::optional<IpAddress> ParseIp(std::string_view s) {
  if (std::optional<IpAddress> v4 = ParseIpv4(s)) return v4;
  return ParseIpv6(s);
}

// ip-address's `address.isInSubnet(range)`: same family, the address's own prefix
// is at least the range's, and the first range.prefix bits agree.
bool InSubnet(const IpAddress& address, const IpAddress& range);
// Same family and the same address bits (prefixes ignored), like comparing correctForm().
bool SameAddress(const IpAddress& a, const IpAddress& b);

}  // namespace gov::flags::internal
