#include "store/page.h"

#include <limits>
#include <stdexcept>

namespace gov::store {

core::StatusOr<int64_t> ParseSeqCursor(const std::string& cursor) {
  if (cursor.empty()) return std::numeric_limits<int64_t>::max();
  try {
    size_t used = 0;
    const int64_t seq = std::stoll(cursor, &used);
    if (used == cursor.size()) return seq;
  } catch (...) {
  }
  return core::InvalidArgument("malformed cursor", "cursor");
}

}  // namespace gov::store
