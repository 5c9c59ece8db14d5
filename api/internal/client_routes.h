#pragma once

#include <memory>

#include "api/internal/flag_api.h"
#include "api/router.h"

namespace gov::api {

// The Unleash client API for server-side SDKs (client tokens; the environment comes from the
// token): GET /api/client/features, POST /api/client/register, POST /api/client/metrics and
// the delta API GET /api/client/delta and the change stream GET /api/client/streaming.
void AddClientRoutes(Router& router, const std::shared_ptr<FlagApi>& api);

// The strong ETag of GET /api/client/features for `environment` at `revision` with the
// given filters (equal across replicas for equal inputs).
std::string ClientFeaturesEtag(std::string_view environment, int64_t revision,
                               std::string_view name_prefix, std::string_view project);

// The strong ETag of GET /api/client/delta: like ClientFeaturesEtag, and distinct from it.
std::string DeltaEtag(std::string_view environment, int64_t revision, std::string_view name_prefix,
                      std::string_view project);

}  // namespace gov::api
