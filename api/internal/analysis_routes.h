#pragma once

#include "api/router.h"

namespace gov::api {

// POST /api/v1/analysis (admin): the statistics engine on sufficient statistics
// (experiments/stats/analysis_json.h), for teams whose data lives in a warehouse. Pure
// computation: no store, no state.
void AddAnalysisRoutes(Router& router);

}  // namespace gov::api
