#pragma once

// A deliberately plain interpreter of Unleash flag semantics for property tests: it
// walks the ClientFeatures model directly, transcribing unleash-client-node 6.12's
// client.js, strategy.js, variant.js and the built-in strategies line by line, with
// no precompilation, indexing or prefix hashing. The compiled evaluator must agree
// with it on every input.

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "flags/context.h"
#include "flags/evaluator.h"
#include "flags/model.h"
#include "flags/snapshot.h"

namespace gov::flags::reference {

struct Variant {
  std::string name = "disabled";
  bool enabled = false;
  bool feature_enabled = false;
  std::optional<Payload> payload;
};

struct Result {
  bool found = false;
  bool enabled = false;
  Variant variant;
};

// isEnabled + getVariant for `name`, with the server-side ClientView applied first.
Result Evaluate(const ClientFeatures& features, std::string_view name, const Context& context,
                core::TimePoint now, RandomSource& random, const CompileOptions& options = {});

}  // namespace gov::flags::reference
