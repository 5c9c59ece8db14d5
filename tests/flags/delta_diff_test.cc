// DiffClientFeatures and HydrationEvent: the delta-API events that carry one flag state to
// the next. Applying them with ApplyDelta (which mirrors unleash-client-node's
// applyFeatureResponse) must give the new state, as an SDK holds it: one feature per name
// and one segment per id, the last definition winning.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "flags/delta.h"
#include "flags/features_json.h"
#include "flags/model.h"

namespace gov::flags {
namespace {

core::Json J(const char* text) { return core::Json::parse(text); }

ClientFeatures StateOf(const char* text) {
  auto parsed = ParseClientFeaturesText(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : ClientFeatures{};
}

// A state as an SDK holds it: each name's and id's last definition, as client-API JSON.
struct SdkState {
  std::map<std::string, std::string> features;
  std::map<int64_t, std::string> segments;

  bool operator==(const SdkState&) const = default;
};

void PrintTo(const SdkState& s, std::ostream* os) {
  for (const auto& [name, json] : s.features) *os << "\n  feature " << name << ": " << json;
  for (const auto& [id, json] : s.segments) *os << "\n  segment " << id << ": " << json;
}

SdkState AsSdkHoldsIt(const ClientFeatures& cf) {
  SdkState out;
  for (const Feature& f : cf.features) out.features[f.name] = ToJson(f).dump();
  for (const Segment& s : cf.segments) out.segments[s.id] = ToJson(s).dump();
  return out;
}

// Applies `delta` after a trip through JSON text, as it travels to an SDK.
ClientFeatures Applied(ClientFeatures state, const core::Json& delta) {
  const core::Status s = ApplyDelta(core::Json::parse(delta.dump()), state);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return state;
}

int Rank(const std::string& type) {
  static const std::map<std::string, int> kRanks = {{"segment-updated", 0},
                                                    {"feature-updated", 1},
                                                    {"feature-removed", 2},
                                                    {"segment-removed", 3}};
  return kRanks.at(type);
}

// Random states over small pools of names and segment ids, so that consecutive states
// share, change, add and drop features and segments.
class StateGenerator {
 public:
  explicit StateGenerator(uint64_t seed) : rng_(seed) {}

  ClientFeatures State() {
    ClientFeatures cf;
    for (int64_t id = 1; id <= 5; ++id) {
      if (Chance(0.6)) cf.segments.push_back(MakeSegment(id));
    }
    for (const std::string& name : kNames) {
      if (Chance(0.5)) cf.features.push_back(MakeFeature(name));
    }
    AddDuplicates(cf);
    return cf;
  }

  // A successor of `cf`: each feature and segment kept, changed or dropped, new ones
  // added, the order shuffled now and then.
  ClientFeatures Next(const ClientFeatures& cf) {
    ClientFeatures out;
    std::set<std::string> names;
    std::set<int64_t> ids;
    for (const Segment& s : cf.segments) {
      ids.insert(s.id);
      const double r = Real();
      if (r < 0.6) {
        out.segments.push_back(s);
      } else if (r < 0.85) {
        Segment changed = s;
        changed.constraints.push_back(MakeConstraint());
        out.segments.push_back(std::move(changed));
      }
    }
    for (const Feature& f : cf.features) {
      names.insert(f.name);
      const double r = Real();
      if (r < 0.5) {
        out.features.push_back(f);
      } else if (r < 0.65) {
        Feature toggled = f;
        toggled.enabled = !toggled.enabled;
        out.features.push_back(std::move(toggled));
      } else if (r < 0.85) {
        out.features.push_back(MakeFeature(f.name));
      }
    }
    for (int64_t id = 1; id <= 5; ++id) {
      if (!ids.count(id) && Chance(0.3)) out.segments.push_back(MakeSegment(id));
    }
    for (const std::string& name : kNames) {
      if (!names.count(name) && Chance(0.3)) out.features.push_back(MakeFeature(name));
    }
    AddDuplicates(out);
    if (Chance(0.3)) std::shuffle(out.features.begin(), out.features.end(), rng_);
    if (Chance(0.3)) std::shuffle(out.segments.begin(), out.segments.end(), rng_);
    return out;
  }

 private:
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  double Real() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  T Pick(const std::vector<T>& pool) {
    return pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng_)];
  }

  // Names and ids may repeat (lenient sources allow it); the last definition counts.
  void AddDuplicates(ClientFeatures& cf) {
    if (!cf.features.empty() && Chance(0.15)) {
      cf.features.push_back(MakeFeature(Pick(cf.features).name));
    }
    if (!cf.segments.empty() && Chance(0.1)) {
      cf.segments.push_back(MakeSegment(Pick(cf.segments).id));
    }
  }

  Constraint MakeConstraint() {
    Constraint c;
    c.op = Pick(std::vector<std::string>{"IN", "NOT_IN", "REGEX", "IN_CIDR", "NUM_GT", "BOGUS"});
    c.context_name = Pick(std::vector<std::string>{"userId", "remoteAddress", "email", "plan"});
    if (c.op == "REGEX" || c.op == "NUM_GT") {
      c.value = Pick(std::vector<std::string>{"^u-", "@example\\.com$", "7", "ünï"});
    } else {
      for (int i = Int(0, 2); i > 0; --i) {
        c.values.push_back(Pick(std::vector<std::string>{"a", "10.0.0.0/8", "::1", "pro", ""}));
      }
    }
    c.case_insensitive = Chance(0.3);
    c.inverted = Chance(0.3);
    return c;
  }

  Segment MakeSegment(int64_t id) {
    Segment s;
    s.id = id;
    if (Chance(0.5)) s.name = "segment-" + std::to_string(Int(0, 2));
    for (int i = Int(0, 2); i > 0; --i) s.constraints.push_back(MakeConstraint());
    return s;
  }

  // Overrides exist only on feature-level variants.
  Variant MakeVariant(bool overrides) {
    Variant v;
    v.name = Pick(std::vector<std::string>{"red", "blue"});
    v.weight = Pick(std::vector<int64_t>{0, 500, 1000});
    if (Chance(0.3)) v.stickiness = "userId";
    if (Chance(0.3)) v.payload = Payload{"string", Pick(std::vector<std::string>{"x", "ünï"})};
    if (overrides && Chance(0.2)) v.overrides.push_back({"userId", {"1", "2"}});
    return v;
  }

  Feature MakeFeature(const std::string& name) {
    Feature f;
    f.name = name;
    f.enabled = Chance(0.7);
    f.project = Pick(std::vector<std::string>{"", "default", "shop"});
    f.type = Pick(std::vector<std::string>{"", "release"});
    if (Chance(0.3)) f.description = "about " + name;
    f.stale = Chance(0.1);
    f.impression_data = Chance(0.1);
    for (int i = Int(0, 2); i > 0; --i) {
      Strategy s;
      s.name = Pick(std::vector<std::string>{"default", "flexibleRollout", "userWithId"});
      if (Chance(0.5)) s.parameters["rollout"] = Pick(std::vector<std::string>{"0", "50", "100"});
      if (Chance(0.5)) s.constraints.push_back(MakeConstraint());
      if (Chance(0.3)) s.segments.push_back(Int(1, 5));
      if (Chance(0.3)) s.variants.push_back(MakeVariant(false));
      if (Chance(0.2)) s.sort_order = Int(0, 3);
      f.strategies.push_back(std::move(s));
    }
    if (Chance(0.3)) f.variants.push_back(MakeVariant(true));
    if (Chance(0.2)) f.dependencies.push_back({Pick(kNames), Chance(0.5), {}});
    return f;
  }

  inline static const std::vector<std::string> kNames = {"a", "b", "c",           "d",    "e",
                                                         "f", "g", "checkout.v2", "ünï-😊"};
  std::mt19937_64 rng_;
};

// The events DiffClientFeatures should give, found independently: keys whose
// client-API JSON differs between the two states as SDKs hold them.
size_t DifferingKeys(const SdkState& before, const SdkState& after) {
  size_t n = 0;
  for (const auto& [name, json] : after.features) {
    auto it = before.features.find(name);
    if (it == before.features.end() || it->second != json) ++n;
  }
  for (const auto& [id, json] : after.segments) {
    auto it = before.segments.find(id);
    if (it == before.segments.end() || it->second != json) ++n;
  }
  for (const auto& [name, json] : before.features) n += after.features.count(name) ? 0 : 1;
  for (const auto& [id, json] : before.segments) n += after.segments.count(id) ? 0 : 1;
  return n;
}

TEST(DeltaDiff, ApplyingTheDiffGivesTheNewStateWithOneEventPerDifference) {
  StateGenerator gen(20250601);
  ClientFeatures before = gen.State();
  for (int round = 0; round < 500; ++round) {
    const ClientFeatures after = round % 5 == 4 ? gen.State() : gen.Next(before);
    const int64_t event_id = 100 + round;
    const core::Json delta = DiffClientFeatures(before, after, event_id);
    const core::Json& events = delta.at("events");

    EXPECT_EQ(AsSdkHoldsIt(Applied(before, delta)), AsSdkHoldsIt(after)) << "round " << round;
    EXPECT_EQ(events.size(), DifferingKeys(AsSdkHoldsIt(before), AsSdkHoldsIt(after)))
        << "round " << round << ": " << delta.dump();
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].at("eventId"), event_id);
      if (i > 0) {
        EXPECT_LE(Rank(events[i - 1].at("type")), Rank(events[i].at("type")));
      }
    }
    EXPECT_EQ(DiffClientFeatures(after, after, event_id), J(R"({"events": []})"));
    before = after;
  }
}

TEST(DeltaDiff, EqualStatesGiveNoEventsWhateverTheOrder) {
  const ClientFeatures state = StateOf(R"({"features": [
      {"name": "a", "enabled": true}, {"name": "b", "enabled": false}],
      "segments": [{"id": 1, "constraints": []}, {"id": 2, "constraints": []}]})");
  ClientFeatures reordered = state;
  std::reverse(reordered.features.begin(), reordered.features.end());
  std::reverse(reordered.segments.begin(), reordered.segments.end());
  EXPECT_EQ(DiffClientFeatures(state, state, 1), J(R"({"events": []})"));
  EXPECT_EQ(DiffClientFeatures(state, reordered, 1), J(R"({"events": []})"));
  EXPECT_EQ(DiffClientFeatures({}, {}, 1), J(R"({"events": []})"));
}

// Each event type in the shape Unleash's delta API sends, in the order that lets every
// intermediate state resolve its segment references.
TEST(DeltaDiff, EventsHaveTheUnleashShapeAndOrder) {
  const ClientFeatures before = StateOf(R"({"features": [
      {"name": "same", "enabled": true},
      {"name": "toggled", "enabled": true, "strategies": [{"name": "default", "segments": [1]}]},
      {"name": "gone", "project": "shop", "enabled": true}],
    "segments": [{"id": 1, "constraints": []}, {"id": 2, "constraints": []}]})");
  const ClientFeatures after = StateOf(R"({"features": [
      {"name": "new", "enabled": true},
      {"name": "toggled", "enabled": false, "strategies": [{"name": "default", "segments": [3]}]},
      {"name": "same", "enabled": true}],
    "segments": [{"id": 3, "constraints": []},
                 {"id": 2, "name": "beta", "constraints": [
                   {"contextName": "remoteAddress", "operator": "IN_CIDR",
                    "values": ["10.0.0.0/8"]}]}]})");
  const core::Json expected = J(R"({"events": [
    {"type": "segment-updated", "eventId": 7, "segment": {"id": 3, "constraints": []}},
    {"type": "segment-updated", "eventId": 7, "segment": {"id": 2, "name": "beta", "constraints": [
      {"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["10.0.0.0/8"],
       "caseInsensitive": false, "inverted": false}]}},
    {"type": "feature-updated", "eventId": 7, "feature": {"name": "new", "enabled": true,
      "stale": false, "impressionData": false, "strategies": [], "variants": []}},
    {"type": "feature-updated", "eventId": 7, "feature": {"name": "toggled", "enabled": false,
      "stale": false, "impressionData": false, "variants": [], "strategies": [
        {"name": "default", "parameters": {}, "constraints": [], "variants": [],
         "segments": [3]}]}},
    {"type": "feature-removed", "eventId": 7, "featureName": "gone", "project": "shop"},
    {"type": "segment-removed", "eventId": 7, "segmentId": 1}]})");
  const core::Json delta = DiffClientFeatures(before, after, 7);
  EXPECT_EQ(delta, expected) << delta.dump(2);

  // Applied one event at a time, every state on the way resolves its segment ids.
  ClientFeatures state = before;
  for (const core::Json& event : delta["events"]) {
    ASSERT_TRUE(ApplyDelta(core::Json{{"events", {event}}}, state).ok());
    for (const Feature& f : state.features) {
      for (const Strategy& s : f.strategies) {
        for (int64_t id : s.segments) {
          EXPECT_TRUE(std::any_of(state.segments.begin(), state.segments.end(),
                                  [&](const Segment& seg) { return seg.id == id; }))
              << f.name << " refers to missing segment " << id << " after " << event.dump();
        }
      }
    }
  }
  EXPECT_EQ(AsSdkHoldsIt(state), AsSdkHoldsIt(after));
}

TEST(DeltaDiff, RepeatedNamesAndIdsCountByTheirLastDefinition) {
  const ClientFeatures before = StateOf(R"({"features": [
      {"name": "a", "enabled": true}, {"name": "a", "enabled": false},
      {"name": "b", "enabled": true}],
    "segments": [{"id": 1, "name": "first", "constraints": []},
                 {"id": 1, "name": "second", "constraints": []}]})");
  const ClientFeatures after = StateOf(R"({"features": [
      {"name": "a", "enabled": true},
      {"name": "b", "enabled": false}, {"name": "b", "enabled": true}],
    "segments": [{"id": 1, "name": "second", "constraints": []}]})");
  // "a" counts as disabled before and enabled after; "b" and segment 1 are unchanged.
  EXPECT_EQ(DiffClientFeatures(before, after, 3), J(R"({"events": [
    {"type": "feature-updated", "eventId": 3, "feature": {"name": "a", "enabled": true,
      "stale": false, "impressionData": false, "strategies": [], "variants": []}}]})"));
  // ApplyDelta updates the definition that counts, so the result holds as the SDK's map would.
  EXPECT_EQ(AsSdkHoldsIt(Applied(before, DiffClientFeatures(before, after, 3))),
            AsSdkHoldsIt(after));
}

TEST(DeltaDiff, HydrationEventCarriesTheWholeStateAsTheClientApiWritesIt) {
  const ClientFeatures state = StateOf(R"({"features": [
      {"name": "regex", "enabled": true, "strategies": [{"name": "default", "segments": [4],
        "constraints": [{"contextName": "email", "operator": "REGEX", "value": "@x\\.com$",
                         "caseInsensitive": true}]}]},
      {"name": "plain", "enabled": false}],
    "segments": [{"id": 4, "constraints": [
      {"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["::1"],
       "inverted": true}]}]})");
  const core::Json event = HydrationEvent(state, 12);
  const core::Json body = ToJson(state);
  EXPECT_EQ(event, (core::Json{{"type", "hydration"},
                               {"eventId", 12},
                               {"features", body["features"]},
                               {"segments", body["segments"]}}));
  StateGenerator gen(7);
  EXPECT_EQ(Applied(gen.State(), core::Json{{"events", {event}}}), state);
}

TEST(DeltaDiff, TenThousandFlagsGiveOnlyTheirChanges) {
  ClientFeatures before;
  for (int i = 0; i < 10000; ++i) {
    Feature f;
    f.name = "flag-" + std::to_string(i);
    f.enabled = i % 2 == 0;
    Strategy rollout;
    rollout.name = "flexibleRollout";
    rollout.parameters = {{"rollout", "50"}, {"groupId", f.name}};
    f.strategies.push_back(std::move(rollout));
    before.features.push_back(std::move(f));
  }
  ClientFeatures after = before;
  for (int i = 0; i < 10; ++i) after.features[i * 1000].enabled ^= true;
  after.features.erase(after.features.begin() + 500, after.features.begin() + 505);
  for (int i = 0; i < 5; ++i) {
    Feature added;
    added.name = "new-" + std::to_string(i);
    after.features.push_back(std::move(added));
  }
  const core::Json delta = DiffClientFeatures(before, after, 2);
  ASSERT_EQ(delta["events"].size(), 20u);
  EXPECT_EQ(delta["events"][0]["feature"]["name"], "flag-0");
  EXPECT_EQ(delta["events"][15]["featureName"], "flag-500");
  EXPECT_EQ(AsSdkHoldsIt(Applied(before, delta)), AsSdkHoldsIt(after));
}

}  // namespace
}  // namespace gov::flags
