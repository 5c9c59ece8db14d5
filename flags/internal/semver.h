#pragma once

// Semantic versions as node-semver 7 parses them in strict mode (the library
// unleash-client-node uses for the SEMVER_* operators): the string is trimmed, may
// start with "v", numeric parts have no leading zeros and stay below 2^53, and
// precedence follows semver.org 2.0.0 with node-semver's identifier comparison.
// Internal to gov_flags.

#include <cstdint>
#include <optional>
#include <string_view>

namespace gov::flags::internal {

struct SemverView {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::string_view prerelease;  // dot-separated identifiers without the '-'; "" if none
};

// Parses `s` like `new SemVer(s)`; nullopt when node-semver would throw.
// The result points into `s`.
std::optional<SemverView> ParseSemver(std::string_view s);

// <0, 0 or >0 as node-semver's compare(a, b); build metadata is ignored.
int CompareSemver(const SemverView& a, const SemverView& b);

}  // namespace gov::flags::internal
