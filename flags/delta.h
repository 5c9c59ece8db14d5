#pragma once

// Unleash's delta API (client-specification files 19 and 20): a list of events that
// turn one ClientFeatures state into the next.

#include <cstdint>

#include "core/json_util.h"
#include "core/status.h"
#include "flags/features_json.h"
#include "flags/model.h"

namespace gov::flags {

// Applies {"events": [...]} to `state` in order, as unleash-client-node does:
// "hydration" replaces all features and segments, "feature-updated" replaces a feature
// by name or appends it, "feature-removed" drops one by featureName, "segment-updated"
// replaces a segment by id or appends it, "segment-removed" drops one by segmentId; other
// event types are skipped. Where a name or id repeats in `state`, an update replaces the
// last definition, the one that counts (the SDK keeps one entry per name and per id).
// Errors name the field (e.g. "events[2].feature.enabled"); on error `state` is left
// unchanged.
core::Status ApplyDelta(const core::Json& delta, ClientFeatures& state,
                        const ParseOptions& options = {});

// The delta-API body {"events": [...]} that turns `before` into `after`, for ApplyDelta
// and for the SDKs: "segment-updated" per added or changed segment, then "feature-updated"
// per added or changed feature, then "feature-removed", then "segment-removed", each
// group in the order of the state it comes from; every event has "eventId": event_id.
// Features are keyed by name and segments by id, and where one repeats its last
// definition counts. Equal states give no events. Linear in the sizes of both states;
// only what goes into events is serialized.
core::Json DiffClientFeatures(const ClientFeatures& before, const ClientFeatures& after,
                              int64_t event_id);

// The delta-API event {"type": "hydration", "eventId": event_id, "features": [...],
// "segments": [...]} that replaces an SDK's whole state with `state`, its features and
// segments written as ToJson(state) writes them.
core::Json HydrationEvent(const ClientFeatures& state, int64_t event_id);

}  // namespace gov::flags
