#pragma once

// Semantic checks for flag definitions Governor stores, beyond the JSON shape that
// parsing checks. Errors are kInvalidArgument naming the field, using the same paths
// as parsing ("features[2].strategies[0].parameters.rollout").

#include <string_view>

#include "core/status.h"
#include "flags/model.h"

namespace gov::flags {

// Every check below, plus: feature names unique, segment ids unique, referenced
// segments exist, dependencies name another existing feature.
core::Status ValidateClientFeatures(const ClientFeatures& features);

// One feature on its own: a known type; built-in strategies with well-formed
// parameters (rollout/percentage 0..100, stickiness set); known operators with the
// operand they need (a number, an RFC 3339 date, a semver, an RE2 pattern, CIDRs);
// variant weights >= 0 with weightType "variable"/"fix"; payload types string, json
// (valid JSON), csv or number (a number). `path` prefixes error fields.
core::Status ValidateFeature(const Feature& feature, std::string_view path);
// One segment's constraints; `path` prefixes error fields.
core::Status ValidateSegment(const Segment& segment, std::string_view path);

}  // namespace gov::flags
