#pragma once

#include <memory>

#include "api/internal/flag_api.h"
#include "api/router.h"
#include "experiments/event_service.h"

namespace gov::api {

// POST /api/v1/events (client or frontend tokens; the environment comes from the token):
// a batch of exposure and track events, stored durably and idempotently by id. 202
// {"accepted", "duplicates", "rejected": [{index, field, code, message}]} once the accepted
// events are durable; 400 with the same shape when no event is valid, or an error naming the
// field when the body is no batch; 413 beyond experiments::kMaxEventsPerBatch. Browsers get
// CORS headers as for the frontend API (`api`'s cors_origins) and an OPTIONS preflight.
void AddEventRoutes(Router& router, const std::shared_ptr<FlagApi>& api,
                    experiments::EventService& events);

}  // namespace gov::api
