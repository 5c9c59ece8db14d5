// The WAL-buffering VFS (store/internal/sqlite_wal_buffer.h): a writer connection on it, and
// readers on SQLite's default VFS, as another process would read the file. Whatever the
// writer committed, a plain reader sees whole; what it rolled back or never committed (killed
// mid-transaction) is not there; the database stays consistent through spills, rollbacks,
// checkpoints and WAL restarts.

#include "store/internal/sqlite_wal_buffer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "tests/testing/temp_dir.h"

namespace gov::store {
namespace {

class Db {
 public:
  Db(const std::string& path, const char* vfs) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, flags, vfs), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Db() { sqlite3_close_v2(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  int64_t Int(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    int64_t v = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
  }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::string v;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      v = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return v;
  }
  // Rows k in [from, to): a key, a random index key and a 600-byte payload, so a few
  // thousand rows span hundreds of pages of both the table and the index.
  int Insert(int from, int to) {
    return Exec("WITH RECURSIVE k(n) AS (SELECT " + std::to_string(from) +
                " UNION ALL SELECT n + 1 FROM k WHERE n + 1 < " + std::to_string(to) +
                ") INSERT INTO t (k, h, payload) SELECT n, (n * 2654435761) % 1000003, "
                "printf('%.600c', char(65 + n % 26)) FROM k");
  }  // Inserts rows [from, to) in a transaction of their own; true when it committed.
  bool Commit(int from, int to) {
    return Exec("BEGIN IMMEDIATE") == SQLITE_OK && Insert(from, to) == SQLITE_OK &&
           Exec("COMMIT") == SQLITE_OK;
  }

 private:
  sqlite3* db_ = nullptr;
};

constexpr const char* kSchema =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
    "CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, h INTEGER NOT NULL, payload TEXT); "
    "CREATE INDEX IF NOT EXISTS t_h ON t (h);";

// What a reader on the default VFS sees: the row count, the payloads' total length and the
// integrity check.
struct Seen {
  int64_t rows;
  int64_t bytes;
  std::string integrity;
};
Seen ReadPlain(const std::string& path) {
  Db reader(path, nullptr);
  return {reader.Int("SELECT count(*) FROM t"), reader.Int("SELECT sum(length(payload)) FROM t"),
          reader.Text("PRAGMA integrity_check")};
}

// A reader on the default VFS finds exactly `rows` whole rows and a consistent database.
void ExpectWhole(const std::string& path, int64_t rows) {
  const Seen seen = ReadPlain(path);
  EXPECT_EQ(seen.rows, rows);
  EXPECT_EQ(seen.bytes, rows * 600);
  EXPECT_EQ(seen.integrity, "ok");
}

TEST(SqliteWalBufferTest, EveryCommitIsWholeForAReaderOnTheDefaultVfs) {
  testing::TempDir dir("gov_walbuf");
  const std::string path = (dir.path() / "db").string();
  Db writer(path, WalBufferingVfs());
  ASSERT_EQ(writer.Exec(kSchema), SQLITE_OK);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(writer.Commit(i * 3000, (i + 1) * 3000));
    ExpectWhole(path, (i + 1) * 3000);
  }
}

TEST(SqliteWalBufferTest, SpilledAndRewrittenPagesRollBackAndCommitCorrectly) {
  testing::TempDir dir("gov_walbuf");
  const std::string path = (dir.path() / "db").string();
  Db writer(path, WalBufferingVfs());
  ASSERT_EQ(writer.Exec(kSchema), SQLITE_OK);
  // A cache of 20 pages: a transaction of thousands of pages spills its dirty pages to the WAL
  // before it commits, reads them back and rewrites them there.
  ASSERT_EQ(writer.Exec("PRAGMA cache_size=20"), SQLITE_OK);
  ASSERT_EQ(writer.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  ASSERT_EQ(writer.Insert(0, 5000), SQLITE_OK);
  ASSERT_EQ(writer.Exec("UPDATE t SET h = h + 1 WHERE k % 3 = 0"), SQLITE_OK);
  ASSERT_EQ(writer.Exec("COMMIT"), SQLITE_OK);
  ASSERT_EQ(writer.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  ASSERT_EQ(writer.Insert(5000, 10000), SQLITE_OK);
  ASSERT_EQ(writer.Exec("DELETE FROM t WHERE k < 2500"), SQLITE_OK);
  ASSERT_EQ(writer.Exec("ROLLBACK"), SQLITE_OK);
  const Seen seen = ReadPlain(path);
  EXPECT_EQ(seen.rows, 5000);
  EXPECT_EQ(seen.integrity, "ok");
  EXPECT_EQ(
      writer.Int("SELECT count(*) FROM t WHERE k % 3 = 0 AND h = (k * 2654435761) % 1000003 + 1"),
      (5000 + 2) / 3);

  ASSERT_TRUE(writer.Commit(5000, 9000));
  ExpectWhole(path, 9000);
}

TEST(SqliteWalBufferTest, CheckpointsAndWalRestartsKeepEveryRow) {
  testing::TempDir dir("gov_walbuf");
  const std::string path = (dir.path() / "db").string();
  Db writer(path, WalBufferingVfs());
  ASSERT_EQ(writer.Exec(kSchema), SQLITE_OK);
  ASSERT_EQ(writer.Exec("PRAGMA wal_autocheckpoint=100"), SQLITE_OK);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(writer.Commit(i * 2000, (i + 1) * 2000));
    // Every other round also truncates the WAL, so the next transaction writes it from the
    // start (a new header, salts and frames at offsets already written before).
    if (i % 2 == 1) ASSERT_EQ(writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
  }
  ExpectWhole(path, 12000);
}

// A writer process killed in the middle of a transaction (its buffer never written out)
// leaves every transaction it committed, and none of the one it was in.
TEST(SqliteWalBufferTest, AKilledWriterLosesOnlyItsOpenTransaction) {
  testing::TempDir dir("gov_walbuf");
  const std::string path = (dir.path() / "db").string();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    Db writer(path, WalBufferingVfs());
    bool ok = writer.Exec(kSchema) == SQLITE_OK;
    for (int i = 0; ok && i < 4; ++i) {
      ok = writer.Commit(i * 3000, (i + 1) * 3000);
    }
    // Then a transaction that is never committed, small enough that the frames its spills
    // write (the cache holds 20 pages) stay in the buffer behind the last commit's.
    ok = ok && writer.Exec("PRAGMA cache_size=20") == SQLITE_OK &&
         writer.Exec("BEGIN IMMEDIATE") == SQLITE_OK && writer.Insert(12000, 12400) == SQLITE_OK;
    const char c = ok ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(c, 'y');
  ExpectWhole(path, 12000);
}

}  // namespace
}  // namespace gov::store
