#include "flags/feature_list.h"

#include <algorithm>
#include <cctype>

namespace gov::flags {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

store::Page<std::string> SelectFeatureNames(std::vector<std::string> names,
                                            const FeatureListQuery& query) {
  std::sort(names.begin(), names.end());
  const std::string needle = Lower(query.name_contains);
  store::Page<std::string> page;
  for (std::string& name : names) {
    if (!query.after.empty() && name <= query.after) continue;
    if (!needle.empty() && Lower(name).find(needle) == std::string::npos) continue;
    if (query.limit && static_cast<int>(page.items.size()) == *query.limit) {
      page.next_cursor = page.items.back();
      break;
    }
    page.items.push_back(std::move(name));
  }
  return page;
}

}  // namespace gov::flags
