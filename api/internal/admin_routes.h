#pragma once

#include "api/admin_service.h"
#include "api/router.h"

namespace gov::api {

// /api/v1/tokens, /api/v1/environments and /api/v1/audit.
void AddAdminRoutes(Router& router, AdminService& service);

}  // namespace gov::api
