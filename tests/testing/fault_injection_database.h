#pragma once

// A store::Database for tests that forwards to a real one and fails the writes it is told to,
// the way leveldb's FaultInjectionTestEnv fails file writes: the Nth write from now, writes
// whose SQL matches a pattern, or every write after a point. A failed write returns the error
// the real database would (by default SQLite's for a failing disk) and aborts its transaction,
// which then rolls back: its earlier writes are lost, as they would be.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace gov::store::testing {

class FaultInjectionDatabase final : public Database {
 public:
  // What a failing statement returns unless told otherwise: SQLite's answer when the disk
  // fails under a write (SQLITE_IOERR), as SqliteDatabase reports it.
  static core::Status DiskIoError();

  // Forwards to `target`, which must outlive this object. Fails nothing until told.
  explicit FaultInjectionDatabase(Database& target);
  ~FaultInjectionDatabase() override;

  // Fails the `n`th write from now (1: the next one), once.
  void FailNthWrite(int64_t n);
  // Fails writes whose SQL matches `pattern` (an ECMAScript regex, searched anywhere in the
  // statement): the next `times` of them, or every one when `times` is unset.
  void FailWritesMatching(std::string_view pattern, std::optional<int64_t> times = std::nullopt);
  // Lets the next `n` writes through, then fails every write after them (0: from the next).
  void FailWritesAfter(int64_t n);
  // The error the injected failures return from now on (default DiskIoError()).
  void SetError(core::Status error);
  // Forgets every rule: later writes pass.
  void Heal();

  // Writes seen (passed or failed) and writes failed since construction.
  int64_t writes() const;
  int64_t injected() const;
  // The SQL of every write failed so far, in order.
  std::vector<std::string> injected_statements() const;

  // A statement counts as a write unless it is a SELECT (or a WITH ... SELECT).
  static bool IsWrite(std::string_view sql);

  // Database: every call forwards to the target; the transactions Begin returns inject.
  Backend backend() const override;
  core::StatusOr<std::unique_ptr<Transaction>> Begin(TxMode mode) override;
  core::Status Ping() override;
  void Close() override;
  core::Status Notify(Transaction& tx, std::string_view channel, std::string_view payload) override;
  core::Status Listen(std::string_view channel,
                      std::function<void(const std::string&, const std::string&)> handler) override;
  core::StatusOr<bool> TryAcquireLeaderLock(int64_t key) override;
  core::Status ReleaseLeaderLock(int64_t key) override;

 private:
  class Tx;
  struct Rule {
    std::optional<std::regex> pattern;  // unset: every write
    int64_t skip = 0;                   // matching writes still to let through
    std::optional<int64_t> times;       // failures left; unset: no end
  };
  // Counts one write of `sql` and returns the error to fail it with, or OK to let it pass.
  core::Status OnWrite(std::string_view sql);

  Database& target_;
  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  core::Status error_;
  int64_t writes_ = 0;
  std::vector<std::string> injected_;
};

}  // namespace gov::store::testing
