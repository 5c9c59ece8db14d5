#pragma once

// The list routes' paging: `limit` and `cursor` in, {"items", "nextCursor"} out.

#include "api/http.h"
#include "api/internal/http_util.h"
#include "store/page.h"

namespace gov::api {

// The `limit` (1 to 1000, `default_limit` when absent) and `cursor` query parameters; a 400
// naming "limit" when it is not an integer in that range.
core::StatusOr<store::PageRequest> ReadPage(const Request& req, int default_limit);

// 200 {"items": [to_json(item)...], "nextCursor": null or "..."}, or the error.
template <typename T, typename ToJson>
void WritePage(Response& res, const core::StatusOr<store::Page<T>>& page, ToJson to_json) {
  if (!page.ok()) return WriteError(res, page.status());
  core::Json items = core::Json::array();
  for (const auto& item : page->items) items.push_back(to_json(item));
  const std::string& next = page->next_cursor;
  WriteJson(res, 200,
            {{"items", std::move(items)},
             {"nextCursor", next.empty() ? core::Json() : core::Json(next)}});
}

}  // namespace gov::api
