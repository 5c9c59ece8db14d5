#pragma once

// Search and paging of the admin flag list (GET /api/v1/flags?q=&limit=&cursor=).

#include <optional>
#include <string>
#include <vector>

#include "store/page.h"

namespace gov::flags {

struct FeatureListQuery {
  std::string name_contains;  // a case-insensitive (ASCII) substring of the name; "" matches all
  std::optional<int> limit;   // at most this many; absent: every match
  std::string after;          // the cursor: only names after this one; "" from the first
};

// The names of `names` (any order) that `query` selects, sorted (byte order), with
// `next_cursor` the last name returned when more follow. Pure.
store::Page<std::string> SelectFeatureNames(std::vector<std::string> names,
                                            const FeatureListQuery& query);

}  // namespace gov::flags
