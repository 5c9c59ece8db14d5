// The evaluation hot path must not touch the heap: this binary replaces the global
// operator new with a counting one and evaluates every strategy kind and every
// operator except REGEX (RE2 manages its own DFA cache) without a single allocation.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "core/time_format.h"
#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace gov::flags {
namespace {

const char* kFlags = R"({"version":2,"features":[
  {"name":"default","enabled":true,"strategies":[{"name":"default"}]},
  {"name":"users","enabled":true,"strategies":[{"name":"userWithId","parameters":{"userIds":"1, 2, user-41"}}]},
  {"name":"rollout","enabled":true,"strategies":[{"name":"flexibleRollout",
    "parameters":{"rollout":"37","stickiness":"default","groupId":"rollout"}}],
   "variants":[{"name":"a","weight":300,"overrides":[{"contextName":"plan","values":["vip"]}]},
               {"name":"b","weight":300,"payload":{"type":"json","value":"{}"}},{"name":"c","weight":400}]},
  {"name":"custom-sticky","enabled":true,"strategies":[{"name":"flexibleRollout",
    "parameters":{"rollout":"50","stickiness":"tenant","groupId":"g"},
    "variants":[{"name":"x","weight":1},{"name":"y","weight":1}]}]},
  {"name":"random","enabled":true,"strategies":[{"name":"flexibleRollout",
    "parameters":{"rollout":"50","stickiness":"random","groupId":"g"}},
    {"name":"gradualRolloutRandom","parameters":{"percentage":"20"}}],
   "variants":[{"name":"r1","weight":1,"stickiness":"nosuchfield"},{"name":"r2","weight":1}]},
  {"name":"gradual","enabled":true,"strategies":[
    {"name":"gradualRolloutUserId","parameters":{"percentage":"50","groupId":"g"}},
    {"name":"gradualRolloutSessionId","parameters":{"percentage":"50","groupId":"g"}}]},
  {"name":"network","enabled":true,"strategies":[
    {"name":"remoteAddress","parameters":{"IPs":"10.0.0.0/8, 2001:db8::/32, 127.0.0.1"}},
    {"name":"applicationHostname","parameters":{"hostNames":"web-1"}}]},
  {"name":"constraints","enabled":true,"strategies":[{"name":"default","segments":[1],"constraints":[
    {"contextName":"country","operator":"IN","values":["NO","SE","DK"]},
    {"contextName":"email","operator":"STR_ENDS_WITH","values":["@EXAMPLE.com"],"caseInsensitive":true},
    {"contextName":"email","operator":"STR_CONTAINS","values":["@"]},
    {"contextName":"age","operator":"NUM_GTE","value":"18"},
    {"contextName":"version","operator":"SEMVER_GT","value":"1.2.0-rc.1"},
    {"contextName":"currentTime","operator":"DATE_AFTER","value":"2020-01-01T00:00:00Z"},
    {"contextName":"remoteAddress","operator":"IN_CIDR","values":["10.0.0.0/8","::1","192.168.0.0/16"]},
    {"contextName":"environment","operator":"NOT_IN","values":["dev"]},
    {"contextName":"currentTime","operator":"STR_STARTS_WITH","values":["20"]}]},
    {"name":"default","constraints":[{"contextName":"userId","operator":"UNKNOWN_OP","values":[]}]}]},
  {"name":"child","enabled":true,"dependencies":[{"feature":"rollout","variants":["a","b"]},
    {"feature":"users","enabled":false}],"strategies":[{"name":"default"}]},
  {"name":"off","enabled":false}],
  "segments":[{"id":1,"constraints":[{"contextName":"plan","operator":"STR_STARTS_WITH","values":["v","p"]}]}]})";

TEST(Allocation, EvaluationDoesNotAllocate) {
  auto parsed = ParseClientFeaturesText(kFlags);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  CompileOptions options;
  options.hostname = "web-1";
  const auto snap = Compile(*parsed, options);
  const core::TimePoint now = *core::ParseRfc3339("2025-06-01T00:00:00Z");

  std::vector<Context> contexts;
  for (int i = 0; i < 64; ++i) {
    Context c;
    if (i % 3 != 0) c.user_id = "user-" + std::to_string(i) + (i % 5 == 0 ? "-ünï" : "");
    if (i % 2 == 0) c.session_id = "session-" + std::to_string(i * 7);
    c.remote_address = i % 4 == 0 ? "10.1.2.3" : (i % 4 == 1 ? "2001:db8::9" : "192.168.0.1");
    c.environment = i % 5 == 0 ? "dev" : "prod";
    if (i % 3 == 0) c.current_time = now;
    c.SetProperty("country", i % 2 ? "NO" : "US");
    c.SetProperty("email", "someone@example.COM");
    c.SetProperty("age", std::to_string(10 + i));
    c.SetProperty("version", i % 3 ? "1.2.0" : "1.10.0-beta.2");
    c.SetProperty("plan", i % 7 ? "pro" : "vip");
    c.SetProperty("tenant", "tenant-" + std::to_string(i % 9));
    contexts.push_back(std::move(c));
  }
  const std::vector<std::string_view> flags = FlagNames(*snap);
  std::vector<EvaluationResult> results(flags.size() * contexts.size());
  std::vector<int> enabled(flags.size(), 0);
  long allocations = -1;
  // A fresh thread, so the first use of its random generator is counted too.
  std::thread worker([&] {
    const long before = g_allocations.load();
    size_t k = 0;
    for (const Context& c : contexts) {
      for (size_t f = 0; f < flags.size(); ++f) {
        results[k] = Evaluate(*snap, flags[f], c, now);
        enabled[f] += results[k].enabled;
        ++k;
      }
    }
    allocations = g_allocations.load() - before;
  });
  worker.join();
  EXPECT_EQ(allocations, 0);
  // Every flag but "off" is on for some contexts, so each path above really ran.
  for (size_t f = 0; f < flags.size(); ++f) {
    if (flags[f] != "off") {
      EXPECT_GT(enabled[f], 0) << flags[f];
    }
  }
}

}  // namespace
}  // namespace gov::flags
