#pragma once

// The Unleash client-API JSON format for flag definitions, both ways. This is the
// contract with Governor's storage: per environment it keeps exactly this JSON.

#include <string_view>

#include "core/json_util.h"
#include "core/status.h"
#include "flags/model.h"

namespace gov::flags {

struct ParseOptions {
  // Lenient (false) reads what an Unleash server may send: unknown fields are
  // ignored, unknown operators and strategies are kept (they evaluate to false).
  // Strict (true) is for definitions Governor stores: it also rejects unknown fields
  // and everything ValidateClientFeatures rejects.
  bool strict = false;
};

// Parses {"version": n, "features": [...], "segments": [...]}. Errors are
// kInvalidArgument naming the field, e.g. "features[3].strategies[1].constraints[0].operator".
core::StatusOr<ClientFeatures> ParseClientFeatures(const core::Json& json,
                                                   const ParseOptions& options = {});
// Same, from JSON text.
core::StatusOr<ClientFeatures> ParseClientFeaturesText(std::string_view text,
                                                       const ParseOptions& options = {});
// One feature object; `path` prefixes error fields (e.g. "features[3]"). Not validated
// against other features even when strict (ValidateClientFeatures does that).
core::StatusOr<Feature> ParseFeature(const core::Json& json, std::string_view path,
                                     const ParseOptions& options = {});
// One segment object; `path` prefixes error fields.
core::StatusOr<Segment> ParseSegment(const core::Json& json, std::string_view path,
                                     const ParseOptions& options = {});

// The client-API JSON for `features`; ParseClientFeatures(ToJson(x)) == x.
core::Json ToJson(const ClientFeatures& features);
core::Json ToJson(const Feature& feature);
core::Json ToJson(const Segment& segment);

}  // namespace gov::flags
