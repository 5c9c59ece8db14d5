// libFuzzer target: the flag-definition JSON parser (lenient and strict), the
// serializer round trip, compilation and evaluation of whatever parses.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/time_format.h"
#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"

namespace {

class ZeroRandom final : public gov::flags::RandomSource {
 public:
  double NextDouble() override { return 0.25; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gov::flags;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseOptions strict;
  strict.strict = true;
  (void)ParseClientFeaturesText(text, strict);
  auto parsed = ParseClientFeaturesText(text);
  if (!parsed.ok()) return 0;
  // Serializing and parsing again must give back the same model.
  auto again = ParseClientFeatures(ToJson(*parsed));
  if (!again.ok() || !(*again == *parsed)) std::abort();
  const auto snapshot = Compile(*parsed);
  Context ctx;
  ctx.user_id = "user-1";
  ctx.remote_address = "10.0.0.1";
  ctx.SetProperty("country", "NO");
  ZeroRandom random;
  const gov::core::TimePoint now = *gov::core::ParseRfc3339("2025-01-01T00:00:00Z");
  for (std::string_view name : FlagNames(*snapshot)) {
    const EvaluationResult r = Evaluate(*snapshot, name, ctx, now, random);
    if (!r.found || (r.variant.enabled && !r.enabled)) std::abort();
  }
  return 0;
}
