#include "flags/delta.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace gov::flags {

namespace {

// Replaces the last item `same` accepts (the definition that counts where keys repeat),
// or appends `item`.
template <typename T, typename Pred>
void Upsert(std::vector<T>& items, T item, Pred same) {
  auto it = std::find_if(items.rbegin(), items.rend(), same);
  if (it == items.rend()) {
    items.push_back(std::move(item));
  } else {
    *it = std::move(item);
  }
}

// The features or segments of one state by key, each key's last definition winning.
template <typename T, typename Key>
class Keyed {
 public:
  Keyed(const std::vector<T>& items, Key key) : items_(items), key_(key) {
    last_.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) last_[key_(items[i])] = i;
  }

  using KeyType = std::invoke_result_t<Key, const T&>;

  // The definition that counts for `key`; nullptr when there is none.
  const T* Find(KeyType key) const {
    auto it = last_.find(key);
    return it == last_.end() ? nullptr : &items_[it->second];
  }

  // Calls f(item) for each definition that counts, in the state's order.
  template <typename F>
  void ForEach(F f) const {
    for (size_t i = 0; i < items_.size(); ++i) {
      if (last_.find(key_(items_[i]))->second == i) f(items_[i]);
    }
  }

 private:
  const std::vector<T>& items_;
  Key key_;
  std::unordered_map<KeyType, size_t> last_;
};

core::Status ApplyEvent(const core::Json& event, const std::string& path,
                        const ParseOptions& options, ClientFeatures& state) {
  core::FieldReader r(event, path);
  const std::string type = r.RequiredString("type");
  RETURN_IF_ERROR(r.status());
  if (type == "hydration") {
    ClientFeatures next;
    next.version = state.version;
    if (const core::Json* features = r.OptionalArray("features")) {
      for (size_t i = 0; i < features->size(); ++i) {
        ASSIGN_OR_RETURN(Feature f,
                         ParseFeature((*features)[i],
                                      core::IndexFieldPath(r.FieldPath("features"), i), options));
        next.features.push_back(std::move(f));
      }
    }
    if (const core::Json* segments = r.OptionalArray("segments")) {
      for (size_t i = 0; i < segments->size(); ++i) {
        ASSIGN_OR_RETURN(Segment s,
                         ParseSegment((*segments)[i],
                                      core::IndexFieldPath(r.FieldPath("segments"), i), options));
        next.segments.push_back(std::move(s));
      }
    }
    RETURN_IF_ERROR(r.status());
    state = std::move(next);
  } else if (type == "feature-updated") {
    const core::Json* feature = r.OptionalObject("feature");
    if (!feature) r.Fail("feature", "is required");
    RETURN_IF_ERROR(r.status());
    ASSIGN_OR_RETURN(Feature f, ParseFeature(*feature, r.FieldPath("feature"), options));
    const std::string name = f.name;
    Upsert(state.features, std::move(f), [&](const Feature& x) { return x.name == name; });
  } else if (type == "feature-removed") {
    const std::string name = r.RequiredString("featureName");
    RETURN_IF_ERROR(r.status());
    std::erase_if(state.features, [&](const Feature& x) { return x.name == name; });
  } else if (type == "segment-updated") {
    const core::Json* segment = r.OptionalObject("segment");
    if (!segment) r.Fail("segment", "is required");
    RETURN_IF_ERROR(r.status());
    ASSIGN_OR_RETURN(Segment s, ParseSegment(*segment, r.FieldPath("segment"), options));
    const int64_t id = s.id;
    Upsert(state.segments, std::move(s), [&](const Segment& x) { return x.id == id; });
  } else if (type == "segment-removed") {
    const int64_t id = r.RequiredInt("segmentId");
    RETURN_IF_ERROR(r.status());
    std::erase_if(state.segments, [&](const Segment& x) { return x.id == id; });
  }
  return core::Status::Ok();
}

}  // namespace

core::Status ApplyDelta(const core::Json& delta, ClientFeatures& state,
                        const ParseOptions& options) {
  core::FieldReader r(delta, "");
  const core::Json* events = r.OptionalArray("events");
  if (!events) r.Fail("events", "is required");
  RETURN_IF_ERROR(r.status());
  ClientFeatures next = state;
  for (size_t i = 0; i < events->size(); ++i) {
    RETURN_IF_ERROR(ApplyEvent((*events)[i], core::IndexFieldPath("events", i), options, next));
  }
  state = std::move(next);
  return core::Status::Ok();
}

core::Json DiffClientFeatures(const ClientFeatures& before, const ClientFeatures& after,
                              int64_t event_id) {
  const auto name = [](const Feature& f) { return std::string_view(f.name); };
  const auto id = [](const Segment& s) { return s.id; };
  const Keyed old_features(before.features, name);
  const Keyed new_features(after.features, name);
  const Keyed old_segments(before.segments, id);
  const Keyed new_segments(after.segments, id);
  // Comparing values compares what SDKs receive: ParseClientFeatures(ToJson(x)) == x.
  core::Json events = core::Json::array();
  new_segments.ForEach([&](const Segment& s) {
    const Segment* old = old_segments.Find(s.id);
    if (old && *old == s) return;
    events.push_back({{"type", "segment-updated"}, {"eventId", event_id}, {"segment", ToJson(s)}});
  });
  new_features.ForEach([&](const Feature& f) {
    const Feature* old = old_features.Find(f.name);
    if (old && *old == f) return;
    events.push_back({{"type", "feature-updated"}, {"eventId", event_id}, {"feature", ToJson(f)}});
  });
  old_features.ForEach([&](const Feature& f) {
    if (new_features.Find(f.name)) return;
    events.push_back({{"type", "feature-removed"},
                      {"eventId", event_id},
                      {"featureName", f.name},
                      {"project", f.project}});
  });
  old_segments.ForEach([&](const Segment& s) {
    if (new_segments.Find(s.id)) return;
    events.push_back({{"type", "segment-removed"}, {"eventId", event_id}, {"segmentId", s.id}});
  });
  return core::Json{{"events", std::move(events)}};
}

core::Json HydrationEvent(const ClientFeatures& state, int64_t event_id) {
  core::Json features = core::Json::array();
  for (const Feature& f : state.features) features.push_back(ToJson(f));
  core::Json segments = core::Json::array();
  for (const Segment& s : state.segments) segments.push_back(ToJson(s));
  return core::Json{{"type", "hydration"},
                    {"eventId", event_id},
                    {"features", std::move(features)},
                    {"segments", std::move(segments)}};
}

}  // namespace gov::flags
