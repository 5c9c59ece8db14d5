#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "store/audit_repository.h"
#include "store/database.h"
#include "store/migrations.h"
#include "tests/testing/temp_dir.h"

namespace gov::store::testing {

// A fresh, migrated database per test, removed afterwards.
class TestDatabase {
 public:
  virtual ~TestDatabase() = default;
  virtual Database& db() = 0;
  // A second, independent handle on the same database (another "process").
  virtual std::unique_ptr<Database> OpenAnother() = 0;
  virtual std::string url() const = 0;
};

// Every migration, or those up to a version (a database as an older Governor left it).
inline std::vector<Migration> MigrationsUpTo(std::optional<int> version) {
  std::vector<Migration> out;
  for (const Migration& m : AllMigrations()) {
    if (!version || m.version <= *version) out.push_back(m);
  }
  return out;
}

inline std::string UniqueSuffix() {
  static std::mt19937_64 rng(std::random_device{}());
  return std::to_string(rng());
}

class SqliteTestDatabase : public TestDatabase {
 public:
  explicit SqliteTestDatabase(std::optional<int> migrated_up_to = std::nullopt) {
    url_ = "sqlite://" + (dir_.path() / "test.db").string();
    auto db = OpenDatabase(url_, 4);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    EXPECT_TRUE(Migrate(*db_, MigrationsUpTo(migrated_up_to)).ok());
  }
  ~SqliteTestDatabase() override { db_.reset(); }
  Database& db() override { return *db_; }
  std::unique_ptr<Database> OpenAnother() override {
    return std::move(OpenDatabase(url_, 2)).value();
  }
  std::string url() const override { return url_; }

 private:
  gov::testing::TempDir dir_{"gov_sqlite"};
  std::string url_;
  std::unique_ptr<Database> db_;
};

// Creates database gov_<random> on the server named by GOVERNOR_TEST_PG_URL, drops it after.
class PostgresTestDatabase : public TestDatabase {
 public:
  static bool Available() { return std::getenv("GOVERNOR_TEST_PG_URL") != nullptr; }

  explicit PostgresTestDatabase(std::optional<int> migrated_up_to = std::nullopt) {
    base_url_ = std::getenv("GOVERNOR_TEST_PG_URL");
    name_ = "gov_" + UniqueSuffix();
    // CREATE/DROP DATABASE cannot run inside a transaction block, so psql runs them.
    RunOutsideTransaction("CREATE DATABASE " + name_);
    const auto slash = base_url_.rfind('/');
    url_ = base_url_.substr(0, slash + 1) + name_;
    auto db = OpenDatabase(url_, 4);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    EXPECT_TRUE(Migrate(*db_, MigrationsUpTo(migrated_up_to)).ok());
  }
  ~PostgresTestDatabase() override {
    db_.reset();
    RunOutsideTransaction("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  Database& db() override { return *db_; }
  std::unique_ptr<Database> OpenAnother() override {
    return std::move(OpenDatabase(url_, 2)).value();
  }
  std::string url() const override { return url_; }

 private:
  void RunOutsideTransaction(const std::string& sql) {
    const std::string cmd =
        "psql -q -v ON_ERROR_STOP=1 '" + base_url_ + "' -c '" + sql + "' >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  std::string base_url_;
  std::string name_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

// A fresh database of `backend` migrated up to `version`: what an older Governor left, for
// testing the migrations after it.
inline std::unique_ptr<TestDatabase> OlderDatabase(Backend backend, int version) {
  if (backend == Backend::kSqlite) return std::make_unique<SqliteTestDatabase>(version);
  return std::make_unique<PostgresTestDatabase>(version);
}

// The database a parameterized repository suite runs on. gtest prints it by name, so test
// names read ".../sqlite" rather than the bytes of a std::function.
struct DatabaseFactory {
  std::string name;
  std::function<std::unique_ptr<TestDatabase>()> make;

  std::unique_ptr<TestDatabase> operator()() const { return make(); }
  friend void PrintTo(const DatabaseFactory& f, std::ostream* os) { *os << f.name; }
};

inline DatabaseFactory SqliteFactory() {
  return {"sqlite", [] { return std::unique_ptr<TestDatabase>(new SqliteTestDatabase()); }};
}

// Fails the test (never skips it) when scripts/test did not start PostgreSQL
// (GOVERNOR_TEST_PG_URL unset), so a missing server is never mistaken for a pass.
inline DatabaseFactory PostgresFactory() {
  return {"postgres", []() -> std::unique_ptr<TestDatabase> {
            if (!PostgresTestDatabase::Available()) {
              ADD_FAILURE() << "GOVERNOR_TEST_PG_URL is not set";
              return nullptr;
            }
            return std::unique_ptr<TestDatabase>(new PostgresTestDatabase());
          }};
}

// The newest 100 audit entries, newest first (a failed read fails the test).
inline std::vector<AuditEntry> AuditEntries(Database& db) {
  std::vector<AuditEntry> out;
  EXPECT_TRUE(WithTransaction(db, TxMode::kReadOnly, [&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(auto page, AuditRepository::List(tx, {100, ""}, ""));
                out = std::move(page.items);
                return core::Status::Ok();
              }).ok());
  return out;
}

}  // namespace gov::store::testing
