// libFuzzer target: the OFREP and Unleash context parsers, then evaluation of a small
// fixed flag set with whatever context parses.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "core/json_util.h"
#include "core/time_format.h"
#include "flags/context.h"
#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"

namespace {

const char* kFlags = R"({"version":2,"features":[
  {"name":"rollout","enabled":true,"strategies":[{"name":"flexibleRollout",
    "parameters":{"rollout":"50","stickiness":"tenant","groupId":"g"}}],
   "variants":[{"name":"a","weight":1,"overrides":[{"contextName":"plan","values":["vip"]}]},{"name":"b","weight":1}]},
  {"name":"targeted","enabled":true,"strategies":[{"name":"default","constraints":[
    {"contextName":"email","operator":"STR_ENDS_WITH","values":["@example.com"],"caseInsensitive":true},
    {"contextName":"version","operator":"SEMVER_GTE","value":"1.2.0"},
    {"contextName":"age","operator":"NUM_GT","value":"17"},
    {"contextName":"currentTime","operator":"DATE_BEFORE","value":"2030-01-01T00:00:00Z"},
    {"contextName":"remoteAddress","operator":"IN_CIDR","values":["10.0.0.0/8","2001:db8::/32"]},
    {"contextName":"userId","operator":"REGEX","value":"^u-\\d+$"}]},
    {"name":"remoteAddress","parameters":{"IPs":"127.0.0.1, 192.168.0.0/16"}},
    {"name":"userWithId","parameters":{"userIds":"1, 2, 3"}}]}]})";

std::shared_ptr<const gov::flags::FlagSnapshot> Snapshot() {
  static const auto snapshot = gov::flags::Compile(*gov::flags::ParseClientFeaturesText(kFlags));
  return snapshot;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gov::flags;
  auto json = gov::core::ParseJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json.ok()) return 0;
  const gov::core::TimePoint now = *gov::core::ParseRfc3339("2025-01-01T00:00:00Z");
  for (auto parse : {&ContextFromOfrep, &ContextFromUnleash}) {
    auto ctx = parse(*json);
    if (!ctx.ok()) {
      if (ctx.status().code() != gov::core::StatusCode::kInvalidArgument) std::abort();
      continue;
    }
    for (std::string_view flag : {"rollout", "targeted"}) {
      const EvaluationResult r = Evaluate(*Snapshot(), flag, *ctx, now);
      if (!r.found) std::abort();
    }
  }
  return 0;
}
