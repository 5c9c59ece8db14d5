#pragma once

// Pushed metrics: the body of POST /api/v1/targets/{name}/metrics checked against the target's
// spec and turned into samples for the PushMetricStore.

#include <cstddef>
#include <vector>

#include "controller/metric_store.h"
#include "controller/target_spec.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"

namespace gov::controller {

// At most this many samples per push request.
inline constexpr size_t kMaxSamplesPerPush = 10000;
// A pushed timestamp may be at most this far ahead of the server's clock.
inline constexpr core::Duration kMaxPushClockSkew = std::chrono::seconds(60);

// Parses the body of POST /api/v1/targets/{name}/metrics for `spec`: {"samples": [{"metric",
// "value", "timestamp"?, "instance"?}]}. `metric` must be one of the target's push metrics;
// `value` a finite number >= 0; `timestamp` Unix seconds or RFC 3339 (default: `now`), at most
// kMaxPushClockSkew ahead of `now`. Errors name the field ("samples[2].value"). Pure.
core::StatusOr<std::vector<PushedSample>> ParsePushedSamples(const TargetSpec& spec,
                                                             const core::Json& body,
                                                             core::TimePoint now);

}  // namespace gov::controller
