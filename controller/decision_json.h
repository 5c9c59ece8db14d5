#pragma once

#include "controller/decision.h"
#include "core/json_util.h"
#include "core/json_writer.h"

namespace gov::controller {

// The decision as JSON (the `governor decide` output); times are Unix seconds.
core::Json DecisionToJson(const Decision& decision);
// DecisionToJson's object appended to `w` without a DOM (the loop's decision records).
void WriteDecisionJson(core::JsonWriter& w, const Decision& decision);

}  // namespace gov::controller
