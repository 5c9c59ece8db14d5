#pragma once

// One Governor process's flag services over a database (publisher, flags, scheduled changes),
// for the scheduled-change tests on SQLite and PostgreSQL.

#include <gtest/gtest.h>

#include "flags/flag_service.h"
#include "flags/scheduled_changes.h"
#include "flags/snapshot_publisher.h"
#include "flags/snapshot_registry.h"
#include "store/database.h"

namespace gov::flags::testing {

struct Services {
  Services(store::Database& db, const core::Clock& clock)
      : publisher(db, registry, {}), flags(db, publisher, clock), schedule(db, flags, clock) {
    EXPECT_TRUE(publisher.Start().ok());
  }
  ~Services() { publisher.Stop(); }

  SnapshotRegistry registry;
  SnapshotPublisher publisher;
  FlagService flags;
  ScheduledChangeService schedule;
};

}  // namespace gov::flags::testing
