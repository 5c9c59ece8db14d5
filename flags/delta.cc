#include "flags/delta.h"

#include <algorithm>
#include <string>

namespace gov::flags {

namespace {

template <typename T, typename Pred>
void Upsert(std::vector<T>& items, T item, Pred same) {
  auto it = std::find_if(items.begin(), items.end(), same);
  if (it == items.end()) {
    items.push_back(std::move(item));
  } else {
    *it = std::move(item);
  }
}

Status ApplyEvent(const Json& event, const std::string& path, const ParseOptions& options,
                  ClientFeatures& state) {
  FieldReader r(event, path);
  const std::string type = r.RequiredString("type");
  RETURN_IF_ERROR(r.status());
  if (type == "hydration") {
    ClientFeatures next;
    next.version = state.version;
    if (const Json* features = r.OptionalArray("features")) {
      for (size_t i = 0; i < features->size(); ++i) {
        ASSIGN_OR_RETURN(
            Feature f,
            ParseFeature((*features)[i], IndexFieldPath(r.FieldPath("features"), i), options));
        next.features.push_back(std::move(f));
      }
    }
    if (const Json* segments = r.OptionalArray("segments")) {
      for (size_t i = 0; i < segments->size(); ++i) {
        ASSIGN_OR_RETURN(
            Segment s,
            ParseSegment((*segments)[i], IndexFieldPath(r.FieldPath("segments"), i), options));
        next.segments.push_back(std::move(s));
      }
    }
    RETURN_IF_ERROR(r.status());
    state = std::move(next);
  } else if (type == "feature-updated") {
    const Json* feature = r.OptionalObject("feature");
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
    const Json* segment = r.OptionalObject("segment");
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
  return Status::Ok();
}

}  // namespace

Status ApplyDelta(const Json& delta, ClientFeatures& state, const ParseOptions& options) {
  FieldReader r(delta, "");
  const Json* events = r.OptionalArray("events");
  if (!events) r.Fail("events", "is required");
  RETURN_IF_ERROR(r.status());
  ClientFeatures next = state;
  for (size_t i = 0; i < events->size(); ++i) {
    RETURN_IF_ERROR(ApplyEvent((*events)[i], IndexFieldPath("events", i), options, next));
  }
  state = std::move(next);
  return Status::Ok();
}

}  // namespace gov::flags
