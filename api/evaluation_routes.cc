#include "api/evaluation_routes.h"

#include "api/client_routes.h"
#include "api/frontend_routes.h"
#include "api/ofrep_routes.h"

namespace gov::api {

void AddEvaluationRoutes(Router& router, std::shared_ptr<FlagApi> api) {
  AddClientRoutes(router, api);
  AddFrontendRoutes(router, api);
  AddOfrepRoutes(router, api);
}

}  // namespace gov::api
