// PolledStreams, as the decisions stream uses it: a stream opens with the target's `last`
// newest decisions (oldest first),
// then gets each new decision once, and a decision again when its record changed; streams of one
// target share one read per round; a closed stream is dropped; the stream limit holds; keep-alive
// comments follow the injected clock. Rounds are run by the test alone (PollOnce, the hub built
// with Rounds::kCallerOnly), so reads can be counted per round.

#include "api/internal/polled_streams.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "tests/api/recording_writer.h"

namespace gov::api {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

using testing::RecordingWriter;

// The ids of the decision events `w` received, in order.
std::vector<std::string> Ids(const RecordingWriter& w) {
  std::vector<std::string> ids;
  for (const std::string& e : w.writes()) {
    if (e.rfind("event: decision\nid: ", 0) != 0) continue;
    const size_t start = e.find("id: ") + 4;
    ids.push_back(e.substr(start, e.find('\n', start) - start));
  }
  return ids;
}

class PolledStreamsTest : public ::testing::Test {
 protected:
  // Adds decision `seq` of `target` (seqs increase).
  void Decide(const std::string& target, int64_t seq) {
    std::lock_guard lock(mu_);
    decisions_[target].insert(decisions_[target].begin(),
                              {seq, "{\"id\":\"d" + std::to_string(seq) + "\"}"});
  }
  int Reads() {
    std::lock_guard lock(mu_);
    return reads_;
  }
  std::shared_ptr<RecordingWriter> Open(const std::string& target, int last,
                                        std::function<void()>* on_close = nullptr) {
    Response res;
    EXPECT_TRUE(streams_.Start(target, last, res));
    EXPECT_EQ(res.content_type, "text/event-stream");
    auto writer = std::make_shared<RecordingWriter>();
    res.stream->on_open(writer);
    if (on_close) *on_close = res.stream->on_close;
    starts_.push_back(res.stream);  // the transport holds it while the connection is open
    return writer;
  }

  std::vector<std::shared_ptr<StreamStart>> starts_;
  std::mutex mu_;
  std::map<std::string, std::vector<PolledStreams::Item>> decisions_;  // newest first
  int reads_ = 0;
  core::FakeClock clock_;
  PolledStreams streams_{"decision",
                         [this](const std::string& target,
                                int limit) -> core::StatusOr<std::vector<PolledStreams::Item>> {
                           std::lock_guard lock(mu_);
                           ++reads_;
                           if (target == "gone") return core::NotFound("no target");
                           std::vector<PolledStreams::Item> items = decisions_[target];
                           if (items.size() > static_cast<size_t>(limit)) items.resize(limit);
                           return items;
                         },
                         /*max_streams=*/3,
                         /*poll_interval=*/hours(1),
                         /*keep_alive_interval=*/seconds(15),
                         clock_,
                         PolledStreams::Rounds::kCallerOnly};
};

TEST_F(PolledStreamsTest, OpensWithTheLastDecisionsThenSendsEachNewOneOnce) {
  for (int seq = 1; seq <= 5; ++seq) Decide("web", seq);
  auto two = Open("web", 2);
  auto none = Open("web", 0);
  streams_.PollOnce();
  EXPECT_EQ(Ids(*two), (std::vector<std::string>{"4", "5"})) << "oldest first";
  EXPECT_TRUE(Ids(*none).empty());
  EXPECT_EQ(two->writes().front(), "retry: 5000\n: connected\n\n");

  Decide("web", 6);
  Decide("web", 7);
  streams_.PollOnce();
  streams_.PollOnce();  // nothing new: nothing sent twice
  EXPECT_EQ(Ids(*two), (std::vector<std::string>{"4", "5", "6", "7"}));
  EXPECT_EQ(Ids(*none), (std::vector<std::string>{"6", "7"}));
  const std::string event = two->writes().back();
  EXPECT_EQ(event, "event: decision\nid: 7\ndata: {\"id\":\"d7\"}\n\n");
}

TEST_F(PolledStreamsTest, AChangedRecordIsSentAgainWithItsId) {
  Decide("web", 1);
  auto w = Open("web", 1);
  streams_.PollOnce();
  {
    std::lock_guard lock(mu_);
    decisions_["web"][0].json = "{\"id\":\"d1\",\"actuation\":\"applied\"}";
  }
  streams_.PollOnce();
  streams_.PollOnce();  // unchanged since: not again
  EXPECT_EQ(Ids(*w), (std::vector<std::string>{"1", "1"}));
  EXPECT_EQ(w->writes().back(),
            "event: decision\nid: 1\ndata: {\"id\":\"d1\",\"actuation\":\"applied\"}\n\n");
}

TEST_F(PolledStreamsTest, OneReadPerWatchedTargetPerRound) {
  Decide("web", 1);
  auto a = Open("web", 1);
  auto b = Open("web", 1);
  auto c = Open("api", 1);
  const int before = Reads();
  streams_.PollOnce();
  EXPECT_EQ(Reads() - before, 2) << "web and api, not one per stream";
  EXPECT_EQ(Ids(*a), std::vector<std::string>{"1"});
  EXPECT_EQ(Ids(*b), std::vector<std::string>{"1"});
  EXPECT_TRUE(Ids(*c).empty()) << "api has no decisions yet";
  Decide("api", 2);
  streams_.PollOnce();
  EXPECT_EQ(Ids(*c), std::vector<std::string>{"2"});
}

TEST_F(PolledStreamsTest, ClosedStreamsAreDroppedAndTheLimitHolds) {
  std::function<void()> close_first;
  auto first = Open("web", 1, &close_first);
  Open("web", 1);
  Open("gone", 1);  // a read error keeps the stream; the next round tries again
  Response full;
  EXPECT_FALSE(streams_.Start("web", 1, full)) << "three streams are the limit";
  EXPECT_EQ(full.stream, nullptr);
  streams_.PollOnce();
  EXPECT_EQ(streams_.open_streams(), 3);

  first->Close();  // the client went away: the transport ends the stream and lets it go
  close_first();
  close_first = nullptr;
  starts_.erase(starts_.begin());
  EXPECT_EQ(streams_.open_streams(), 2);
  Response again;
  EXPECT_TRUE(streams_.Start("web", 1, again)) << "its slot is free again";
  Decide("web", 1);
  streams_.PollOnce();
  EXPECT_TRUE(Ids(*first).empty());
}

TEST_F(PolledStreamsTest, KeepAlivesFollowTheInjectedClock) {
  auto w = Open("web", 0);
  streams_.PollOnce();
  EXPECT_EQ(w->KeepAlives(), 0);
  clock_.Advance(seconds(14));
  streams_.PollOnce();
  EXPECT_EQ(w->KeepAlives(), 0);
  clock_.Advance(seconds(1));
  streams_.PollOnce();
  EXPECT_EQ(w->KeepAlives(), 1);
}

}  // namespace
}  // namespace gov::api
