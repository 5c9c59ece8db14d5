// libFuzzer target: one constraint against one context, compiled evaluator versus the
// literal reference interpreter (tests/flags/reference_evaluator.cc). Input is JSON
// {"constraint": {...}, "context": {...}} (the Unleash SDK context shape).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/json_util.h"
#include "core/time_format.h"
#include "flags/context.h"
#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"
#include "tests/flags/reference_evaluator.h"

namespace {

class FixedRandom final : public gov::flags::RandomSource {
 public:
  double NextDouble() override { return 0.5; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gov::flags;
  auto json = gov::core::ParseJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json.ok() || !json->is_object()) return 0;
  const gov::core::Json* constraint =
      json->contains("constraint") ? &(*json)["constraint"] : nullptr;
  const gov::core::Json* context = json->contains("context") ? &(*json)["context"] : nullptr;
  if (!constraint || !context) return 0;
  gov::core::Json doc = {
      {"version", 2},
      {"features",
       {{{"name", "f"},
         {"enabled", true},
         {"strategies",
          {{{"name", "default"}, {"constraints", {*constraint}}, {"segments", {1}}}}}}}},
      {"segments", {{{"id", 1}, {"constraints", {*constraint}}}}}};
  auto features = ParseClientFeatures(doc);
  auto ctx = ContextFromUnleash(*context);
  if (!features.ok() || !ctx.ok()) return 0;
  const auto snapshot = Compile(*features);
  const gov::core::TimePoint now = *gov::core::ParseRfc3339("2025-01-01T00:00:00Z");
  FixedRandom a, b;
  const EvaluationResult got = Evaluate(*snapshot, "f", *ctx, now, a);
  const reference::Result want = reference::Evaluate(*features, "f", *ctx, now, b);
  if (got.enabled != want.enabled) {
    std::fprintf(stderr, "compiled=%d reference=%d\n", got.enabled, want.enabled);
    std::abort();
  }
  return 0;
}
