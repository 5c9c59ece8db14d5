#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/status.h"

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

// How many items a page holds: `page.limit`, at least 1. A query asks for one more row, so
// that MakePage can tell whether another page follows.
inline int64_t PageLimit(const PageRequest& page) { return std::max(1, page.limit); }

// The sequence number a newest-first cursor names (the items come before it): the largest
// int64 for the first page (empty cursor), else the cursor's whole text as an integer. An
// InvalidArgument on "cursor" when it is not one.
core::StatusOr<int64_t> ParseSeqCursor(const std::string& cursor);

// A page of the first `limit` rows, each converted by `from_row`; when there are more rows than
// `limit`, `next_cursor` is `cursor_of(last item)`.
template <typename Rows, typename FromRow, typename CursorOf>
auto MakePage(const Rows& rows, int64_t limit, FromRow&& from_row, CursorOf&& cursor_of) {
  using T = std::decay_t<decltype(from_row(rows.front()))>;
  Page<T> out;
  for (size_t i = 0; i < rows.size() && static_cast<int64_t>(i) < limit; ++i) {
    out.items.push_back(from_row(rows[i]));
  }
  if (static_cast<int64_t>(rows.size()) > limit) out.next_cursor = cursor_of(out.items.back());
  return out;
}

}  // namespace gov::store
