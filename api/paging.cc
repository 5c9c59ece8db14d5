#include "api/internal/paging.h"

namespace gov::api {

core::StatusOr<store::PageRequest> ReadPage(const Request& req, int default_limit) {
  ASSIGN_OR_RETURN(int limit, QueryInt(req, "limit", default_limit, 1, 1000));
  return store::PageRequest{limit, req.Param("cursor")};
}

}  // namespace gov::api
