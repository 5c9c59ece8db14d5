// Needs PostgreSQL: run through scripts/test, or
//   source scripts/lib/pg.sh; pg_start; trap pg_stop EXIT; ctest --test-dir build -L pg
// Each test works in its own schema (search_path) and application_name, so tests are independent
// and can find their own server backends in pg_stat_activity / pg_locks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/internal/postgres_database.h"

#if defined(__SANITIZE_ADDRESS__)
// libpqxx 6.4 leaks the PGresult of a statement that fails because the connection broke
// (connection_base::make_result asks for the client encoding, which throws broken_connection
// before the result is owned). Only the tests that kill backends hit it, and
// Governor never calls libpq directly, so leaks allocated inside libpq are that bug.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpq.so\n"; }
#endif

namespace gov::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kEventTimeout = std::chrono::seconds(10);

// Runs `sql` in its own read-write transaction and returns the result.
ResultSet MustExec(Database& db, const std::string& sql, const std::vector<SqlValue>& params = {}) {
  auto tx = db.Begin(TxMode::kReadWrite);
  EXPECT_TRUE(tx.ok()) << tx.status().ToString();
  if (!tx.ok()) return {};
  auto rs = (*tx)->Exec(sql, params);
  EXPECT_TRUE(rs.ok()) << sql << ": " << rs.status().ToString();
  core::Status commit = (*tx)->Commit();
  EXPECT_TRUE(commit.ok()) << commit.ToString();
  return rs.ok() ? std::move(rs).value() : ResultSet{};
}

// Sends one notification in its own committed transaction; returns the first failure.
core::Status NotifyCommitted(Database& db, const std::string& channel, const std::string& payload) {
  return WithTransaction(db, TxMode::kReadWrite,
                         [&](Transaction& tx) { return db.Notify(tx, channel, payload); });
}

// Notifications received by a Listen handler, with a bounded wait for the next one.
class Inbox {
 public:
  std::function<void(const std::string&, const std::string&)> Handler() {
    return [this](const std::string& channel, const std::string& payload) {
      std::lock_guard lock(mu_);
      received_.emplace_back(channel, payload);
      cv_.notify_all();
    };
  }
  // True once a notification with `payload` has arrived (waits up to kEventTimeout).
  bool WaitFor(const std::string& payload) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kEventTimeout, [&] { return Contains(payload); });
  }
  std::vector<std::pair<std::string, std::string>> Received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  bool Contains(const std::string& payload) const {
    for (const auto& [channel, p] : received_) {
      if (p == payload) return true;
    }
    return false;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> received_;
};

class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("GOVERNOR_TEST_PG_URL");
    if (url == nullptr || *url == '\0') {
      GTEST_SKIP() << "GOVERNOR_TEST_PG_URL is not set; run scripts/test, or source "
                      "scripts/lib/pg.sh and call pg_start";
    }
    base_url_ = url;
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    schema_ = "t_" + name.substr(0, 40) + "_" + std::to_string(getpid());
    auto admin = OpenPostgresDatabase(base_url_, 1);
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = std::move(admin).value();
    MustExec(*admin_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    MustExec(*admin_, "CREATE SCHEMA " + schema_);
    // search_path puts every unqualified table of this test in its schema; application_name
    // marks this test's connections in pg_stat_activity.
    url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_ + "&application_name=" + schema_;
  }

  void TearDown() override {
    if (admin_ != nullptr) MustExec(*admin_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }

  std::unique_ptr<Database> Open(int pool_size = 2) {
    auto db = OpenPostgresDatabase(url_, pool_size);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // Terminates server backend `pid` and waits (up to 5 s) until it has exited.
  void Terminate(int64_t pid) {
    ResultSet rs = MustExec(*admin_, "SELECT pg_terminate_backend($1::int, 5000)", {pid});
    ASSERT_EQ(rs.rows.size(), 1u);
    ASSERT_EQ(rs.rows[0].Int(0), 1) << "backend " << pid << " did not exit";
  }

  int64_t BackendPid(Transaction& tx) {
    auto rs = tx.Exec("SELECT pg_backend_pid()");
    EXPECT_TRUE(rs.ok()) << rs.status().ToString();
    return rs.ok() ? rs->rows.at(0).Int(0) : -1;
  }

  // A leader-lock key private to this test process.
  int64_t LockKey() const {
    return (int64_t{getpid()} << 20) ^ int64_t { 0x60D };
  }

  std::string base_url_;
  std::string schema_;
  std::string url_;
  std::unique_ptr<Database> admin_;
};

TEST_F(PostgresDatabaseTest, BackendIsPostgres) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->backend(), Backend::kPostgres);
}

TEST_F(PostgresDatabaseTest, EverySqlValueTypeRoundTripsIncludingNulls) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  MustExec(*db,
           "CREATE TABLE vals (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT, "
           "flag BOOLEAN)");
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  const std::string kText = "it's \"quoted\", ünïcødé, $1 and ; too";
  MustExec(*db, "INSERT INTO vals VALUES ($1, $2, $3, $4, $5)",
           {int64_t{1}, kMax, 0.1, kText, int64_t{1}});
  MustExec(*db, "INSERT INTO vals VALUES ($1, $2, $3, $4, $5)",
           {int64_t{2}, kMin, -1.5e300, std::string(), int64_t{0}});
  MustExec(*db, "INSERT INTO vals VALUES ($1, $2, $3, $4, $5)",
           {int64_t{3}, nullptr, nullptr, nullptr, nullptr});

  ResultSet rs = MustExec(*db, "SELECT id, i, d, s, flag FROM vals ORDER BY id");
  ASSERT_EQ(rs.rows.size(), 3u);
  const Row& a = rs.rows[0];
  EXPECT_EQ(std::get<int64_t>(a.Value(1)), kMax);
  EXPECT_EQ(std::get<double>(a.Value(2)), 0.1);  // shortest round-trip text form is exact
  EXPECT_EQ(std::get<std::string>(a.Value(3)), kText);
  EXPECT_EQ(std::get<int64_t>(a.Value(4)), 1);  // boolean true -> 1
  const Row& b = rs.rows[1];
  EXPECT_EQ(std::get<int64_t>(b.Value(1)), kMin);
  EXPECT_EQ(std::get<double>(b.Value(2)), -1.5e300);
  EXPECT_EQ(std::get<std::string>(b.Value(3)), "");
  EXPECT_FALSE(b.IsNull(3));  // empty string is not NULL on PostgreSQL
  EXPECT_EQ(std::get<int64_t>(b.Value(4)), 0);
  const Row& c = rs.rows[2];
  for (size_t i = 1; i < c.size(); ++i) EXPECT_TRUE(c.IsNull(i)) << "column " << i;
  EXPECT_EQ(c.OptInt(1), std::nullopt);
  EXPECT_EQ(c.OptText(3), std::nullopt);

  // NULL parameters compare as SQL NULL: IS NOT DISTINCT FROM finds the all-NULL row.
  rs = MustExec(*db, "SELECT id FROM vals WHERE s IS NOT DISTINCT FROM $1", {nullptr});
  ASSERT_EQ(rs.rows.size(), 1u);
  EXPECT_EQ(rs.rows[0].Int(0), 3);
}

TEST_F(PostgresDatabaseTest, ResultColumnsAreTypedByTheirPostgresType) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  // int2/int4/int8 -> int64; float4/float8/numeric -> double; bool -> 0/1; others -> text.
  ResultSet rs = MustExec(
      *db,
      "SELECT 7::int2, -8::int4, 9000000000::int8, 1.5::float4, 2.25::float8, 3.125::numeric, "
      "true, false, 'x'::text, DATE '2024-02-29', 'Infinity'::float8, NULL::int8, 42::oid");
  ASSERT_EQ(rs.rows.size(), 1u);
  const Row& r = rs.rows[0];
  EXPECT_EQ(std::get<int64_t>(r.Value(0)), 7);
  EXPECT_EQ(std::get<int64_t>(r.Value(1)), -8);
  EXPECT_EQ(std::get<int64_t>(r.Value(2)), 9000000000);
  EXPECT_EQ(std::get<double>(r.Value(3)), 1.5);
  EXPECT_EQ(std::get<double>(r.Value(4)), 2.25);
  EXPECT_EQ(std::get<double>(r.Value(5)), 3.125);
  EXPECT_EQ(std::get<int64_t>(r.Value(6)), 1);
  EXPECT_EQ(std::get<int64_t>(r.Value(7)), 0);
  EXPECT_EQ(std::get<std::string>(r.Value(8)), "x");
  EXPECT_EQ(std::get<std::string>(r.Value(9)), "2024-02-29");  // ISO DateStyle default
  EXPECT_EQ(std::get<double>(r.Value(10)), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(r.IsNull(11));
  EXPECT_EQ(std::get<std::string>(r.Value(12)), "42");
}

TEST_F(PostgresDatabaseTest, ReturningAndAffectedRows) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  MustExec(*db,
           "CREATE TABLE items (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
           "name TEXT NOT NULL, qty BIGINT NOT NULL)");
  auto tx = db->Begin(TxMode::kReadWrite);
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  for (int64_t i = 1; i <= 3; ++i) {
    auto rs = (*tx)->Exec("INSERT INTO items (name, qty) VALUES ($1, $2) RETURNING id, name",
                          {"item" + std::to_string(i), i * 10});
    ASSERT_TRUE(rs.ok()) << rs.status().ToString();
    ASSERT_EQ(rs->rows.size(), 1u);
    EXPECT_EQ(rs->rows[0].Int(0), i);  // identity starts at 1, step 1
    EXPECT_EQ(rs->rows[0].Text(1), "item" + std::to_string(i));
    EXPECT_EQ(rs->affected_rows, 1);
  }
  auto updated = (*tx)->Exec("UPDATE items SET qty = qty + 1 WHERE qty >= $1", {int64_t{20}});
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->affected_rows, 2);
  EXPECT_TRUE(updated->rows.empty());
  auto none = (*tx)->Exec("UPDATE items SET qty = 0 WHERE name = $1", {std::string("absent")});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->affected_rows, 0);
  auto deleted = (*tx)->Exec("DELETE FROM items WHERE id <> $1", {int64_t{2}});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->affected_rows, 2);
  ASSERT_TRUE((*tx)->Commit().ok());

  ResultSet rs = MustExec(*db, "SELECT id, qty FROM items");
  ASSERT_EQ(rs.rows.size(), 1u);
  EXPECT_EQ(rs.rows[0].Int(0), 2);
  EXPECT_EQ(rs.rows[0].Int(1), 21);
}

TEST_F(PostgresDatabaseTest, ConstraintViolationsMapToStatusCodes) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  MustExec(*db,
           "CREATE TABLE parent (id BIGINT PRIMARY KEY);"
           "CREATE TABLE child (id BIGINT PRIMARY KEY, parent_id BIGINT REFERENCES parent(id),"
           " qty BIGINT CHECK (qty >= 0))");
  MustExec(*db, "INSERT INTO parent VALUES ($1)", {int64_t{1}});

  struct Case {
    std::string name;
    std::string sql;
    std::vector<SqlValue> params;
    core::StatusCode expected;
  };
  // SQLSTATE classes from the PostgreSQL manual, Appendix A: 23505 unique_violation,
  // 23503 foreign_key_violation, 23514 check_violation, 42P01 undefined_table.
  const std::vector<Case> cases = {
      {"unique", "INSERT INTO parent VALUES ($1)", {int64_t{1}}, core::StatusCode::kAlreadyExists},
      {"foreign key",
       "INSERT INTO child VALUES ($1, $2, $3)",
       {int64_t{1}, int64_t{99}, int64_t{1}},
       core::StatusCode::kFailedPrecondition},
      {"check",
       "INSERT INTO child VALUES ($1, $2, $3)",
       {int64_t{1}, int64_t{1}, int64_t{-1}},
       core::StatusCode::kFailedPrecondition},
      {"undefined table", "SELECT * FROM no_such_table", {}, core::StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    auto tx = db->Begin(TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    auto rs = (*tx)->Exec(c.sql, c.params);
    ASSERT_FALSE(rs.ok()) << c.name;
    EXPECT_EQ(rs.status().code(), c.expected) << c.name << ": " << rs.status().ToString();
    // PostgreSQL aborts the transaction after an error; Commit must not report success.
    core::Status commit = (*tx)->Commit();
    EXPECT_FALSE(commit.ok()) << c.name;
  }
  auto tx = db->Begin(TxMode::kReadWrite);
  ASSERT_TRUE(tx.ok());
  auto rs = (*tx)->Exec("INSERT INTO parent VALUES ($1)", {int64_t{1}});
  ASSERT_FALSE(rs.ok());
  EXPECT_THAT(rs.status().message(), HasSubstr("duplicate key value violates unique constraint"));
  EXPECT_EQ(MustExec(*db, "SELECT count(*) FROM child").rows[0].Int(0), 0);
}

TEST_F(PostgresDatabaseTest, CommitAfterFailedStatementRollsBackEverything) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  MustExec(*db, "CREATE TABLE k (id BIGINT PRIMARY KEY)");
  MustExec(*db, "INSERT INTO k VALUES (1)");
  auto tx = db->Begin(TxMode::kReadWrite);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->Exec("INSERT INTO k VALUES ($1)", {int64_t{2}}).ok());
  ASSERT_EQ((*tx)->Exec("INSERT INTO k VALUES ($1)", {int64_t{1}}).status().code(),
            core::StatusCode::kAlreadyExists);
  EXPECT_EQ((*tx)->Exec("SELECT 1").status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*tx)->Commit().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MustExec(*db, "SELECT count(*) FROM k").rows[0].Int(0), 1);
}

TEST_F(PostgresDatabaseTest, DestroyedTransactionRollsBackAndCommitIsVisible) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  MustExec(*db, "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT)");
  {
    auto tx = db->Begin(TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->Exec("INSERT INTO notes VALUES ($1, $2)", {int64_t{1}, "dropped"}).ok());
  }
  EXPECT_EQ(MustExec(*db, "SELECT count(*) FROM notes").rows[0].Int(0), 0);

  auto writer = db->Begin(TxMode::kReadWrite);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Exec("INSERT INTO notes VALUES ($1, $2)", {int64_t{2}, "kept"}).ok());
  {
    // READ COMMITTED: another transaction does not see the uncommitted row.
    auto reader = db->Begin(TxMode::kReadOnly);
    ASSERT_TRUE(reader.ok());
    auto rs = (*reader)->Exec("SELECT count(*) FROM notes");
    ASSERT_TRUE(rs.ok());
    EXPECT_EQ(rs->rows[0].Int(0), 0);
  }
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ((*writer)->Commit().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Exec("SELECT 1").status().code(), core::StatusCode::kFailedPrecondition);
  ResultSet rs = MustExec(*db, "SELECT body FROM notes");
  ASSERT_EQ(rs.rows.size(), 1u);
  EXPECT_EQ(rs.rows[0].Text(0), "kept");
}

TEST_F(PostgresDatabaseTest, ReadOnlyTransactionRejectsWrites) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  MustExec(*db, "CREATE TABLE ro (id BIGINT)");
  auto tx = db->Begin(TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto rs = (*tx)->Exec("INSERT INTO ro VALUES ($1)", {int64_t{1}});
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.status().code(), core::StatusCode::kInternal);
  // SQLSTATE 25006 read_only_sql_transaction.
  EXPECT_THAT(rs.status().message(), HasSubstr("read-only transaction"));
}

TEST_F(PostgresDatabaseTest, ParameterlessMultiStatementSqlRuns) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  MustExec(*db,
           "CREATE TABLE m1 (id BIGINT); CREATE TABLE m2 (id BIGINT);\n"
           "INSERT INTO m1 VALUES (1); INSERT INTO m2 VALUES (2), (3);");
  EXPECT_EQ(MustExec(*db, "SELECT count(*) FROM m2").rows[0].Int(0), 2);
}

TEST_F(PostgresDatabaseTest, EachDistinctStatementIsPreparedOncePerConnection) {
  auto db = Open(/*pool_size=*/1);
  ASSERT_NE(db, nullptr);
  MustExec(*db, "CREATE TABLE p (id BIGINT)");
  for (int64_t i = 0; i < 20; ++i) {
    MustExec(*db, "INSERT INTO p VALUES ($1)", {i});
    MustExec(*db, "SELECT count(*) FROM p WHERE id <= $1", {i});
  }
  // The session's prepared statements (the pg_prepared_statements view): Open's "SELECT 1"
  // probe, the CREATE TABLE, the two above and this query itself, each prepared once.
  ResultSet rs =
      MustExec(*db, "SELECT count(*), count(DISTINCT statement) FROM pg_prepared_statements");
  ASSERT_EQ(rs.rows.size(), 1u);
  EXPECT_EQ(rs.rows[0].Int(0), 5);
  EXPECT_EQ(rs.rows[0].Int(1), 5);
}

TEST_F(PostgresDatabaseTest, ConcurrentTransactionsShareThePool) {
  constexpr int kPoolSize = 3;
  constexpr int kThreads = 8;
  constexpr int kIncrementsPerThread = 40;
  auto db = Open(kPoolSize);
  ASSERT_NE(db, nullptr);
  MustExec(*db, "CREATE TABLE counter (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
  MustExec(*db, "INSERT INTO counter VALUES (1, 0)");
  std::mutex mu;
  std::set<int64_t> pids;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrementsPerThread; ++i) {
        core::Status s =
            WithTransaction(*db, TxMode::kReadWrite, [&](Transaction& tx) -> core::Status {
              ASSIGN_OR_RETURN(ResultSet pid, tx.Exec("SELECT pg_backend_pid()"));
              {
                std::lock_guard lock(mu);
                pids.insert(pid.rows[0].Int(0));
              }
              return tx.Exec("UPDATE counter SET v = v + $1 WHERE id = 1", {int64_t{1}}).status();
            });
        if (!s.ok()) {
          std::lock_guard lock(mu);
          errors.push_back(s.ToString());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_THAT(errors, ::testing::IsEmpty());
  EXPECT_EQ(MustExec(*db, "SELECT v FROM counter").rows[0].Int(0), kThreads * kIncrementsPerThread);
  EXPECT_LE(pids.size(), static_cast<size_t>(kPoolSize));
}

TEST_F(PostgresDatabaseTest, KilledIdleConnectionIsReplacedOnNextBegin) {
  auto db = Open(/*pool_size=*/1);
  ASSERT_NE(db, nullptr);
  int64_t first_pid = 0;
  {
    auto tx = db->Begin(TxMode::kReadOnly);
    ASSERT_TRUE(tx.ok());
    first_pid = BackendPid(**tx);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  Terminate(first_pid);
  auto tx = db->Begin(TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  const int64_t second_pid = BackendPid(**tx);
  EXPECT_GT(second_pid, 0);
  EXPECT_NE(second_pid, first_pid);
  EXPECT_TRUE((*tx)->Commit().ok());
  EXPECT_TRUE(db->Ping().ok());
}

TEST_F(PostgresDatabaseTest, ConnectionKilledMidTransactionIsUnavailableThenReplaced) {
  auto db = Open(/*pool_size=*/1);
  ASSERT_NE(db, nullptr);
  {
    auto tx = db->Begin(TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok());
    const int64_t pid = BackendPid(**tx);
    Terminate(pid);
    auto rs = (*tx)->Exec("SELECT $1::bigint", {int64_t{1}});
    ASSERT_FALSE(rs.ok());
    EXPECT_EQ(rs.status().code(), core::StatusCode::kUnavailable) << rs.status().ToString();
    EXPECT_FALSE((*tx)->Commit().ok());
  }
  auto tx = db->Begin(TxMode::kReadWrite);
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  auto rs = (*tx)->Exec("SELECT $1::bigint", {int64_t{5}});
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  EXPECT_EQ(rs->rows[0].Int(0), 5);
}

TEST_F(PostgresDatabaseTest, NotifyIsDeliveredOnCommitAndNotOnRollback) {
  auto listener_db = Open();
  auto sender_db = Open();
  ASSERT_NE(listener_db, nullptr);
  ASSERT_NE(sender_db, nullptr);
  Inbox inbox;
  Inbox other;
  // Mixed case: the channel name is passed through quoted, exactly as pg_notify sees it.
  const std::string channel = "Flags_" + schema_;
  ASSERT_TRUE(listener_db->Listen(channel, inbox.Handler()).ok());
  ASSERT_TRUE(listener_db->Listen("other_" + schema_, other.Handler()).ok());
  {
    auto tx = sender_db->Begin(TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(sender_db->Notify(**tx, channel, "rolled-back").ok());
  }  // destroyed uncommitted: rolled back
  ASSERT_TRUE(NotifyCommitted(*sender_db, channel, "committed").ok());
  ASSERT_TRUE(inbox.WaitFor("committed"));
  // Notifications from one session arrive in commit order, so the rolled-back one, had it been
  // sent, would have arrived first.
  const auto received = inbox.Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].first, channel);
  EXPECT_EQ(received[0].second, "committed");
  EXPECT_TRUE(other.Received().empty());
}

TEST_F(PostgresDatabaseTest, ListenerReconnectsAndRelistensAfterItsBackendIsKilled) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  Inbox inbox;
  const std::string channel = "reconnect_" + schema_;
  ASSERT_TRUE(db->Listen(channel, inbox.Handler()).ok());
  const std::string find_listener =
      "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'"
      " AND query LIKE 'LISTEN%' AND pid <> $2::int";
  ResultSet rs = MustExec(*admin_, find_listener, {schema_, int64_t{0}});
  ASSERT_EQ(rs.rows.size(), 1u);
  const int64_t old_pid = rs.rows[0].Int(0);
  Terminate(old_pid);

  // The listener notices at once (its socket becomes readable) and reconnects; wait until the
  // new session has finished its LISTEN.
  const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
  int64_t new_pid = 0;
  while (new_pid == 0 && std::chrono::steady_clock::now() < deadline) {
    rs = MustExec(*admin_, find_listener, {schema_, old_pid});
    if (!rs.rows.empty()) new_pid = rs.rows[0].Int(0);
  }
  ASSERT_NE(new_pid, 0) << "listener did not reconnect";
  ASSERT_TRUE(NotifyCommitted(*db, channel, "after-reconnect").ok());
  EXPECT_TRUE(inbox.WaitFor("after-reconnect"));
}

TEST_F(PostgresDatabaseTest, ListenFromInsideAHandlerIsRejected) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  std::mutex mu;
  std::condition_variable cv;
  std::optional<core::Status> nested;
  const std::string channel = "nested_" + schema_;
  ASSERT_TRUE(db->Listen(channel, [&](const std::string&, const std::string&) {
                  core::Status s = db->Listen("x", [](const std::string&, const std::string&) {});
                  std::lock_guard lock(mu);
                  nested = s;
                  cv.notify_all();
                }).ok());
  ASSERT_TRUE(NotifyCommitted(*db, channel, "go").ok());
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, kEventTimeout, [&] { return nested.has_value(); }));
  EXPECT_EQ(nested->code(), core::StatusCode::kFailedPrecondition);
}

TEST_F(PostgresDatabaseTest, LeaderLockIsExclusiveAndReleasable) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const int64_t key = LockKey();
  auto got = a->TryAcquireLeaderLock(key);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got);
  EXPECT_TRUE(*a->TryAcquireLeaderLock(key));  // still held, not double-counted
  EXPECT_FALSE(*b->TryAcquireLeaderLock(key));
  EXPECT_TRUE(*b->TryAcquireLeaderLock(key + 1));  // a different key is independent
  ASSERT_TRUE(a->ReleaseLeaderLock(key).ok());
  // One Release undoes one acquisition: the lock is free at once.
  EXPECT_TRUE(*b->TryAcquireLeaderLock(key));
  EXPECT_FALSE(*a->TryAcquireLeaderLock(key));
  EXPECT_TRUE(a->ReleaseLeaderLock(key).ok());  // not held: no-op
}

TEST_F(PostgresDatabaseTest, NegativeLeaderLockKeysWork) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const int64_t key = -LockKey();
  EXPECT_TRUE(*a->TryAcquireLeaderLock(key));
  EXPECT_TRUE(*a->TryAcquireLeaderLock(key));  // held check decodes classid/objid correctly
  EXPECT_FALSE(*b->TryAcquireLeaderLock(key));
}

TEST_F(PostgresDatabaseTest, LeaderLockIsTakenOverAfterHolderCloses) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const int64_t key = LockKey();
  ASSERT_TRUE(*a->TryAcquireLeaderLock(key));
  ASSERT_FALSE(*b->TryAcquireLeaderLock(key));
  a->Close();
  // Closing ends a's session; the server releases its locks when that backend exits, which is
  // asynchronous to the client, so poll with a deadline.
  const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
  bool taken = false;
  while (!taken && std::chrono::steady_clock::now() < deadline) {
    auto got = b->TryAcquireLeaderLock(key);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    taken = *got;
  }
  EXPECT_TRUE(taken);
}

TEST_F(PostgresDatabaseTest, LeaderLockIsLostWhenItsSessionIsTerminated) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const int64_t key = LockKey();
  ASSERT_TRUE(*a->TryAcquireLeaderLock(key));
  const uint64_t bits = static_cast<uint64_t>(key);
  ResultSet rs =
      MustExec(*admin_,
               "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
               " AND classid = $1::bigint::oid AND objid = $2::bigint::oid",
               {static_cast<int64_t>(bits >> 32), static_cast<int64_t>(bits & 0xffffffffu)});
  ASSERT_EQ(rs.rows.size(), 1u);
  Terminate(rs.rows[0].Int(0));

  EXPECT_TRUE(*b->TryAcquireLeaderLock(key));
  auto again = a->TryAcquireLeaderLock(key);  // a reconnects and tells the truth
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(*again);
  ASSERT_TRUE(b->ReleaseLeaderLock(key).ok());
  EXPECT_TRUE(*a->TryAcquireLeaderLock(key));
}

TEST_F(PostgresDatabaseTest, PingAndCloseMakeLaterCallsUnavailable) {
  auto db = Open();
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(db->Ping().ok());
  auto tx = db->Begin(TxMode::kReadWrite);
  ASSERT_TRUE(tx.ok());
  Inbox inbox;
  ASSERT_TRUE(db->Listen("closing_" + schema_, inbox.Handler()).ok());
  db->Close();
  db->Close();  // idempotent
  EXPECT_EQ(db->Ping().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(db->Begin(TxMode::kReadOnly).status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(db->Listen("c", inbox.Handler()).code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(db->TryAcquireLeaderLock(1).status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(db->ReleaseLeaderLock(1).code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(db->Notify(**tx, "c", "p").code(), core::StatusCode::kUnavailable);
  EXPECT_EQ((*tx)->Exec("SELECT 1").status().code(), core::StatusCode::kUnavailable);
}

TEST_F(PostgresDatabaseTest, OpenReportsUnreachableServerWithoutLeakingThePassword) {
  // Port 1 on loopback refuses connections.
  auto db = OpenPostgresDatabase("postgresql://postgres:s3cr%40tpw@127.0.0.1:1/x", 1);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), core::StatusCode::kUnavailable);
  EXPECT_THAT(db.status().message(), Not(HasSubstr("s3cr")));
  auto kw = OpenPostgresDatabase("host=127.0.0.1 port=1 user=postgres password=hunter22", 1);
  ASSERT_FALSE(kw.ok());
  EXPECT_EQ(kw.status().code(), core::StatusCode::kUnavailable);
  EXPECT_THAT(kw.status().message(), Not(HasSubstr("hunter22")));
  EXPECT_EQ(OpenPostgresDatabase(url_, 0).status().code(), core::StatusCode::kInvalidArgument);
}

TEST_F(PostgresDatabaseTest, OpenDatabaseDispatchesPostgresUrls) {
  auto db = OpenDatabase(url_, 2);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ((*db)->backend(), Backend::kPostgres);
  EXPECT_TRUE((*db)->Ping().ok());
}

}  // namespace
}  // namespace gov::store
