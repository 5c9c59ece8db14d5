#include "api/internal/evaluation_routes.h"

#include "api/internal/client_routes.h"
#include "api/internal/frontend_routes.h"
#include "api/internal/ofrep_routes.h"

namespace gov::api {

void AddEvaluationRoutes(Router& router, const std::shared_ptr<FlagApi>& api) {
  AddClientRoutes(router, api);
  AddFrontendRoutes(router, api);
  AddOfrepRoutes(router, api);
}

}  // namespace gov::api
