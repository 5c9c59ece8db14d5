#pragma once

#include "api/router.h"
#include "experiments/results_service.h"

namespace gov::api {

// GET /api/v1/experiments/{key}/results (admin token, rate class "admin"): the experiment's
// results from its aggregates as JSON; /api/v1/experiments/{key}/results.csv: the same as CSV
// (one row per metric and variant).
void AddExperimentResultsRoutes(Router& router, experiments::ResultsService& results);

}  // namespace gov::api
