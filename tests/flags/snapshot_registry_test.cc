#include "flags/snapshot_registry.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace gov::flags {
namespace {

std::shared_ptr<const EnvironmentSnapshot> Snap(const std::string& env, int64_t revision) {
  auto s = std::make_shared<EnvironmentSnapshot>();
  s->environment = env;
  s->revision = revision;
  s->compiled = Compile(ClientFeatures{});
  return s;
}

TEST(SnapshotRegistryTest, PublishGetAndNoRollback) {
  SnapshotRegistry reg;
  EXPECT_EQ(reg.Get("development"), nullptr);
  std::vector<std::pair<std::string, int64_t>> seen;
  const int id = reg.Subscribe([&](const std::string& e, int64_t r) { seen.emplace_back(e, r); });
  EXPECT_TRUE(reg.Publish(Snap("development", 2)));
  EXPECT_TRUE(reg.Publish(Snap("production", 1)));
  EXPECT_FALSE(reg.Publish(Snap("development", 1)));  // older: ignored
  EXPECT_EQ(reg.Get("development")->revision, 2);
  EXPECT_EQ(reg.Get("production")->revision, 1);
  reg.Unsubscribe(id);
  EXPECT_TRUE(reg.Publish(Snap("development", 3)));
  const std::vector<std::pair<std::string, int64_t>> expected = {{"development", 2},
                                                                 {"production", 1}};
  EXPECT_EQ(seen, expected);
}

TEST(SnapshotRegistryTest, ReadersSeeMonotonicRevisionsWhileWritersPublish) {
  SnapshotRegistry reg;
  reg.Publish(Snap("development", 0));
  std::atomic<bool> stop{false};
  std::atomic<bool> went_back{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      int64_t last = 0;
      while (!stop.load()) {
        const int64_t r = reg.Get("development")->revision;
        if (r < last) went_back = true;
        last = r;
      }
    });
  }
  for (int64_t r = 1; r <= 2000; ++r) reg.Publish(Snap("development", r));
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_FALSE(went_back.load());
  EXPECT_EQ(reg.Get("development")->revision, 2000);
}

}  // namespace
}  // namespace gov::flags
