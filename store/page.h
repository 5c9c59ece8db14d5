#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gov::store {

// A page request: at most `limit` items after the opaque `cursor` (empty for the first page).
struct PageRequest {
  int limit = 50;
  std::string cursor;
};

// One page of results; `next_cursor` is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;
};

}  // namespace gov::store
