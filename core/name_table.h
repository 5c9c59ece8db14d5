#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace gov::core {

// One name table for a closed set: `names[i]` is the wire name of the enum value i (values
// 0..N-1), so a name is `names[static_cast<size_t>(value)]`. Each enum keeps its table beside
// it and spells its own error for an unknown name.

// The value whose name is `name`, or nullopt when `names` has no such name.
template <typename Enum, size_t N>
constexpr std::optional<Enum> FindName(const std::array<std::string_view, N>& names,
                                       std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace gov::core
