// StreamHub's keep-alive comments, timed by the injected clock: a FakeClock decides when a
// round is due, with no sleeping in the test.

#include "api/internal/sse.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/api/recording_writer.h"

namespace gov::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Records what the hub writes to one stream.
using testing::RecordingWriter;

// A hub with no published views and one open stream on "production". The interval is long
// in real time, so the hub's own thread never wakes during a test: only the calls it makes
// to KeepAliveIfDue send.
class StreamHubKeepAliveTest : public ::testing::Test {
 protected:
  StreamHubKeepAliveTest() {
    Response res;
    EXPECT_TRUE(hub_.Start(std::make_shared<const SseKind>(), "production", res));
    EXPECT_NE(res.stream, nullptr);
    res.stream->on_open(writer_);
    on_close_ = res.stream->on_close;
  }
  ~StreamHubKeepAliveTest() override { on_close_(); }

  core::FakeClock clock_;
  StreamHub hub_{[](std::string_view) { return nullptr; }, 10, milliseconds(seconds(3600)), clock_};
  std::shared_ptr<RecordingWriter> writer_ = std::make_shared<RecordingWriter>();
  std::function<void()> on_close_;
};

TEST_F(StreamHubKeepAliveTest, SendsOneCommentPerIntervalOfTheClock) {
  EXPECT_FALSE(hub_.KeepAliveIfDue());
  clock_.Advance(seconds(3599));
  EXPECT_FALSE(hub_.KeepAliveIfDue());
  EXPECT_EQ(writer_->KeepAlives(), 0);
  clock_.Advance(seconds(1));
  EXPECT_TRUE(hub_.KeepAliveIfDue());
  EXPECT_EQ(writer_->KeepAlives(), 1);
  // The next round is one interval after this one.
  EXPECT_FALSE(hub_.KeepAliveIfDue());
  clock_.Advance(seconds(3599));
  EXPECT_FALSE(hub_.KeepAliveIfDue());
  clock_.Advance(seconds(1));
  EXPECT_TRUE(hub_.KeepAliveIfDue());
  EXPECT_EQ(writer_->KeepAlives(), 2);
}

TEST_F(StreamHubKeepAliveTest, AClockThatJumpedSendsOneRoundNotOnePerMissedInterval) {
  clock_.Advance(seconds(5 * 3600));
  EXPECT_TRUE(hub_.KeepAliveIfDue());
  EXPECT_FALSE(hub_.KeepAliveIfDue());
  EXPECT_EQ(writer_->KeepAlives(), 1);
}

TEST_F(StreamHubKeepAliveTest, AClosedStreamGetsNothing) {
  on_close_();
  on_close_ = [] {};
  clock_.Advance(seconds(3600));
  EXPECT_TRUE(hub_.KeepAliveIfDue());
  EXPECT_EQ(writer_->KeepAlives(), 0);
}

}  // namespace
}  // namespace gov::api
