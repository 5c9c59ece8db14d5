// POST /api/v1/events bodies: each invalid event is reported by index and field, the valid
// rest is kept; a body that is no batch is one error naming the field.
#include "experiments/event_json.h"

#include <gtest/gtest.h>

namespace gov::experiments {
namespace {

core::Json Parse(const std::string& text) { return core::Json::parse(text); }

core::Json Track(const std::string& id) {
  return core::Json{{"id", id},
                    {"type", "track"},
                    {"name", "purchase"},
                    {"unit", "u1"},
                    {"timestamp", "2026-11-25T18:31:28.123Z"}};
}

TEST(EventJsonTest, ValidTrackAndExposureEventsParseWithTheirFields) {
  auto batch = ParseEventBatch(Parse(R"({"events": [
      {"id": "a", "type": "track", "name": "purchase", "unit": "u1", "value": 12.5,
       "timestamp": 1764095488123, "properties": {"currency": "EUR"}},
      {"id": "b", "type": "exposure", "name": "checkout-test", "unit": "u1",
       "timestamp": "2026-11-25T18:31:28Z", "feature": "checkout", "variant": "blue"}]})"));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->events.size(), 2u);
  EXPECT_TRUE(batch->errors.empty());
  EXPECT_EQ(batch->indexes, (std::vector<size_t>{0, 1}));
  const Event& track = batch->events[0];
  EXPECT_EQ(track.type, EventType::kTrack);
  EXPECT_EQ(track.value, 12.5);
  EXPECT_EQ(core::ToUnixMillis(track.timestamp), 1764095488123);
  EXPECT_EQ(track.properties, core::Json({{"currency", "EUR"}}));
  const Event& exposure = batch->events[1];
  EXPECT_EQ(exposure.type, EventType::kExposure);
  EXPECT_EQ(exposure.feature, "checkout");
  EXPECT_EQ(exposure.variant, "blue");
  EXPECT_EQ(core::ToUnixMillis(exposure.timestamp),
            1795631488000);  // date -d 2026-11-25T18:31:28Z +%s
  EXPECT_FALSE(exposure.value);
}

struct BadEventCase {
  std::string name;
  core::Json event;  // placed at index 1 of a batch whose events 0 and 2 are valid
  std::string field;
  EventErrorCode code;
};

TEST(EventJsonTest, EachInvalidEventIsReportedByIndexAndFieldAndTheRestKept) {
  auto with = [](std::function<void(core::Json&)> change) {
    core::Json e = Track("x");
    change(e);
    return e;
  };
  const std::vector<BadEventCase> cases = {
      {"not an object", core::Json::array(), "events[1]", EventErrorCode::kInvalidType},
      {"missing id", with([](core::Json& e) { e.erase("id"); }), "events[1].id",
       EventErrorCode::kRequired},
      {"empty id", with([](core::Json& e) { e["id"] = ""; }), "events[1].id",
       EventErrorCode::kInvalidValue},
      {"id too long", with([](core::Json& e) { e["id"] = std::string(201, 'i'); }), "events[1].id",
       EventErrorCode::kTooLong},
      {"unknown type", with([](core::Json& e) { e["type"] = "click"; }), "events[1].type",
       EventErrorCode::kInvalidValue},
      {"missing name", with([](core::Json& e) { e.erase("name"); }), "events[1].name",
       EventErrorCode::kRequired},
      {"unit not a string", with([](core::Json& e) { e["unit"] = 7; }), "events[1].unit",
       EventErrorCode::kInvalidType},
      {"unit too long", with([](core::Json& e) { e["unit"] = std::string(201, 'u'); }),
       "events[1].unit", EventErrorCode::kTooLong},
      {"unit with NUL", with([](core::Json& e) { e["unit"] = std::string("a\0b", 3); }),
       "events[1].unit", EventErrorCode::kInvalidValue},
      {"missing timestamp", with([](core::Json& e) { e.erase("timestamp"); }),
       "events[1].timestamp", EventErrorCode::kRequired},
      {"malformed timestamp", with([](core::Json& e) { e["timestamp"] = "yesterday"; }),
       "events[1].timestamp", EventErrorCode::kInvalidValue},
      {"negative timestamp", with([](core::Json& e) { e["timestamp"] = -1; }),
       "events[1].timestamp", EventErrorCode::kInvalidValue},
      {"fractional timestamp", with([](core::Json& e) { e["timestamp"] = 1.5; }),
       "events[1].timestamp", EventErrorCode::kInvalidType},
      {"value not a number", with([](core::Json& e) { e["value"] = "12"; }), "events[1].value",
       EventErrorCode::kInvalidType},
      {"properties not an object", with([](core::Json& e) { e["properties"] = "x"; }),
       "events[1].properties", EventErrorCode::kInvalidType},
      {"unknown member", with([](core::Json& e) { e["userId"] = "u"; }), "events[1].userId",
       EventErrorCode::kUnknownMember},
      {"exposure without feature", with([](core::Json& e) {
         e["type"] = "exposure";
         e["variant"] = "blue";
       }),
       "events[1].feature", EventErrorCode::kRequired},
      {"exposure without variant", with([](core::Json& e) {
         e["type"] = "exposure";
         e["feature"] = "checkout";
       }),
       "events[1].variant", EventErrorCode::kRequired},
      {"exposure with a value", with([](core::Json& e) {
         e["type"] = "exposure";
         e["feature"] = "checkout";
         e["variant"] = "blue";
         e["value"] = 1;
       }),
       "events[1].value", EventErrorCode::kInvalidValue},
  };
  for (const BadEventCase& c : cases) {
    SCOPED_TRACE(c.name);
    core::Json body{{"events", {Track("first"), c.event, Track("third")}}};
    auto batch = ParseEventBatch(body);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    EXPECT_EQ(batch->size, 3u);
    EXPECT_EQ(batch->indexes, (std::vector<size_t>{0, 2}));
    ASSERT_EQ(batch->events.size(), 2u);
    EXPECT_EQ(batch->events[0].id, "first");
    EXPECT_EQ(batch->events[1].id, "third");
    ASSERT_EQ(batch->errors.size(), 1u);
    EXPECT_EQ(batch->errors[0].index, 1u);
    EXPECT_EQ(batch->errors[0].field, c.field);
    EXPECT_EQ(batch->errors[0].code, c.code) << batch->errors[0].message;
  }
}

TEST(EventJsonTest, ABodyThatIsNoBatchIsOneErrorNamingTheField) {
  struct Case {
    std::string body;
    core::StatusCode code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"[]", core::StatusCode::kInvalidArgument, "body"},
      {"{}", core::StatusCode::kInvalidArgument, "events"},
      {R"({"events": {}})", core::StatusCode::kInvalidArgument, "events"},
      {R"({"events": [], "extra": 1})", core::StatusCode::kInvalidArgument, "extra"},
  };
  for (const Case& c : cases) {
    auto batch = ParseEventBatch(Parse(c.body));
    ASSERT_FALSE(batch.ok()) << c.body;
    EXPECT_EQ(batch.status().code(), c.code) << c.body;
    EXPECT_EQ(batch.status().field(), c.field) << c.body;
  }
}

TEST(EventJsonTest, MoreThanTheBatchLimitIsPayloadTooLargeNamingEvents) {
  core::Json events = core::Json::array();
  for (size_t i = 0; i <= kMaxEventsPerBatch; ++i) events.push_back(Track(std::to_string(i)));
  auto batch = ParseEventBatch(core::Json{{"events", events}});
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), core::StatusCode::kPayloadTooLarge);
  EXPECT_EQ(batch.status().field(), "events");
  events.erase(events.size() - 1);
  auto full = ParseEventBatch(core::Json{{"events", events}});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->events.size(), kMaxEventsPerBatch);
}

TEST(EventJsonTest, ErrorJsonCarriesTheCodeName) {
  EXPECT_EQ(EventErrorJson({3, "events[3].timestamp", EventErrorCode::kRequired, "required"}),
            core::Json({{"index", 3},
                        {"field", "events[3].timestamp"},
                        {"code", "required"},
                        {"message", "required"}}));
}

}  // namespace
}  // namespace gov::experiments
