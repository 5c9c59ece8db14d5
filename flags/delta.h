#pragma once

// Unleash's delta API (client-specification files 19 and 20): a list of events that
// turn one ClientFeatures state into the next.

#include "core/json_util.h"
#include "core/status.h"
#include "flags/features_json.h"
#include "flags/model.h"

namespace gov::flags {

// Applies {"events": [...]} to `state` in order, as unleash-client-node does:
// "hydration" replaces all features and segments, "feature-updated" replaces or
// appends a feature by name, "feature-removed" drops one by featureName,
// "segment-updated" replaces or appends a segment by id, "segment-removed" drops one
// by segmentId; other event types are skipped. Errors name the field
// (e.g. "events[2].feature.enabled"); on error `state` is left unchanged.
Status ApplyDelta(const Json& delta, ClientFeatures& state, const ParseOptions& options = {});

}  // namespace gov::flags
