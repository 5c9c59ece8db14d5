#include "store/internal/sqlite_database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/thread_priority.h"
#include "store/internal/sqlite_wal_buffer.h"

namespace gov::store {

namespace {

core::Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  const int ext = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return core::AlreadyExists(msg);
  }
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return core::FailedPrecondition(msg);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return core::Unavailable(msg);
  return core::Internal(msg);
}

// One sqlite3 handle with its prepared-statement cache. Used by one thread at a time.
class Connection {
 public:
  ~Connection() {
    for (auto& [_, prepared] : statements_) sqlite3_finalize(prepared.stmt);
    if (db_) sqlite3_close_v2(db_);
  }

  core::Status Open(const std::string& path, bool read_only) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    // The writer syncs at every commit (synchronous=FULL), which the WAL buffer needs.
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, read_only ? nullptr : WalBufferingVfs());
    if (rc != SQLITE_OK) return core::Unavailable("cannot open SQLite database " + path);
    sqlite3_busy_timeout(db_, 5000);
    const char* pragmas = read_only ? "PRAGMA foreign_keys=ON; PRAGMA query_only=1;"
                                    : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                                      "PRAGMA foreign_keys=ON; PRAGMA cache_size=-131072; PRAGMA "
                                      "wal_autocheckpoint=16384;";
    char* err = nullptr;
    rc = sqlite3_exec(db_, pragmas, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return core::Unavailable("SQLite setup failed: " + msg);
    }
    return core::Status::Ok();
  }

  // Runs a parameterless statement (BEGIN, COMMIT, ROLLBACK) from the statement cache, so
  // the per-transaction statements are not parsed again on every request.
  core::Status ExecPlain(const char* sql) {
    ASSIGN_OR_RETURN(const Prepared* prepared, Prepare(sql));
    sqlite3_stmt* stmt = prepared->stmt;
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return SqliteError(db_, rc, sql);
    return core::Status::Ok();
  }

  core::StatusOr<ResultSet> Exec(std::string_view sql, const std::vector<SqlValue>& params) {
    ASSIGN_OR_RETURN(const Prepared* prepared, Prepare(sql));
    sqlite3_stmt* stmt = prepared->stmt;
    sqlite3_reset(stmt);
    // Text is bound without a copy (SQLITE_STATIC): `params` outlives every step below, and
    // the bindings are cleared before returning, so no statement keeps a pointer into it.
    struct ClearOnExit {
      sqlite3_stmt* stmt;
      ~ClearOnExit() {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
      }
    } clear_on_exit{stmt};
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = 0;
      if (prepared->sequential) {
        if (i >= static_cast<size_t>(prepared->parameters)) break;
        idx = static_cast<int>(i) + 1;
      } else {
        char name[24];
        std::snprintf(name, sizeof(name), "$%zu", i + 1);
        idx = sqlite3_bind_parameter_index(stmt, name);
      }
      if (idx == 0) continue;  // parameter not used by this statement
      const SqlValue& v = params[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(stmt, idx);
      } else if (auto p = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, idx, *p);
      } else if (auto p = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, idx, *p);
      } else if (auto p = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text(stmt, idx, p->data(), static_cast<int>(p->size()), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
    }
    ResultSet result;
    const int ncols = sqlite3_column_count(stmt);
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        core::Status s = SqliteError(db_, rc, "query failed");
        sqlite3_reset(stmt);
        return s;
      }
      std::vector<SqlValue> values;
      values.reserve(ncols);
      for (int c = 0; c < ncols; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL:
            values.emplace_back(nullptr);
            break;
          case SQLITE_INTEGER:
            values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_FLOAT:
            values.emplace_back(sqlite3_column_double(stmt, c));
            break;
          default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            const int len = sqlite3_column_bytes(stmt, c);
            values.emplace_back(std::string(text ? text : "", static_cast<size_t>(len)));
          }
        }
      }
      result.rows.emplace_back(std::move(values));
    }
    result.affected_rows = sqlite3_changes(db_);
    sqlite3_reset(stmt);
    return result;
  }

 private:
  // A cached statement. `sequential`: its parameters are exactly $1..$N, first used in that
  // order, so parameter i binds to index i + 1 without a lookup by name (a linear search in
  // SQLite, which made statements with thousands of parameters quadratic).
  struct Prepared {
    sqlite3_stmt* stmt = nullptr;
    int parameters = 0;
    bool sequential = false;
  };

  core::StatusOr<const Prepared*> Prepare(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return &it->second;
    Prepared prepared;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &prepared.stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
    prepared.parameters = sqlite3_bind_parameter_count(prepared.stmt);
    prepared.sequential = true;
    for (int i = 1; i <= prepared.parameters && prepared.sequential; ++i) {
      const char* name = sqlite3_bind_parameter_name(prepared.stmt, i);
      prepared.sequential = name != nullptr && name == "$" + std::to_string(i);
    }
    return &statements_.emplace(std::string(sql), prepared).first->second;
  }

  sqlite3* db_ = nullptr;
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, Prepared, SqlHash, std::equal_to<>> statements_;
};

class SqliteDatabase;

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(SqliteDatabase* owner, Connection* conn, TxMode mode,
                    std::unique_lock<std::mutex> writer_lock)
      : owner_(owner), conn_(conn), mode_(mode), writer_lock_(std::move(writer_lock)) {}
  ~SqliteTransaction() override;

  core::StatusOr<ResultSet> Exec(std::string_view sql,
                                 const std::vector<SqlValue>& params) override {
    if (done_) return core::FailedPrecondition("transaction already finished");
    return conn_->Exec(sql, params);
  }
  core::Status Commit() override;

  void AddNotification(std::string channel, std::string payload) {
    pending_.emplace_back(std::move(channel), std::move(payload));
  }

 private:
  SqliteDatabase* owner_;
  Connection* conn_;
  TxMode mode_;
  std::unique_lock<std::mutex> writer_lock_;
  bool done_ = false;
  std::vector<std::pair<std::string, std::string>> pending_;
};

class SqliteDatabase final : public Database {
 public:
  static constexpr size_t kMaxReaders = 128;

  explicit SqliteDatabase(std::string path) : path_(std::move(path)) {}
  ~SqliteDatabase() override { Close(); }

  core::Status Init(int pool_size) {
    writer_ = std::make_unique<Connection>();
    RETURN_IF_ERROR(writer_->Open(path_, /*read_only=*/false));
    for (int i = 0; i < std::max(1, pool_size); ++i) {
      auto conn = std::make_unique<Connection>();
      RETURN_IF_ERROR(conn->Open(path_, /*read_only=*/true));
      idle_readers_.push_back(conn.get());
      readers_.push_back(std::move(conn));
    }
    dispatcher_ = core::StartThread("gov-sqlite-ntfy", [this] { DispatchLoop(); });
    return core::Status::Ok();
  }

  Backend backend() const override { return Backend::kSqlite; }

  core::StatusOr<std::unique_ptr<Transaction>> Begin(TxMode mode) override {
    if (closed_.load()) return core::Unavailable("database is closed");
    if (mode == TxMode::kReadWrite) {
      std::unique_lock<std::mutex> lock(writer_mu_);
      if (closed_.load()) return core::Unavailable("database is closed");
      RETURN_IF_ERROR(writer_->ExecPlain("BEGIN IMMEDIATE"));
      return std::unique_ptr<Transaction>(
          new SqliteTransaction(this, writer_.get(), mode, std::move(lock)));
    }
    Connection* conn = nullptr;
    {
      std::unique_lock<std::mutex> lock(readers_mu_);
      // WAL readers never block each other, so rather than queue a reader behind a busy
      // pool, open another connection, up to a cap.
      if (idle_readers_.empty() && readers_.size() < kMaxReaders && !closed_.load()) {
        auto extra = std::make_unique<Connection>();
        RETURN_IF_ERROR(extra->Open(path_, /*read_only=*/true));
        idle_readers_.push_back(extra.get());
        readers_.push_back(std::move(extra));
      }
      readers_cv_.wait(lock, [&] { return !idle_readers_.empty() || closed_.load(); });
      if (closed_.load()) return core::Unavailable("database is closed");
      conn = idle_readers_.back();
      idle_readers_.pop_back();
    }
    core::Status s = conn->ExecPlain("BEGIN");
    if (!s.ok()) {
      ReturnReader(conn);
      return s;
    }
    return std::unique_ptr<Transaction>(
        new SqliteTransaction(this, conn, mode, std::unique_lock<std::mutex>()));
  }

  core::Status Ping() override {
    ASSIGN_OR_RETURN(auto tx, Begin(TxMode::kReadOnly));
    RETURN_IF_ERROR(tx->Exec("SELECT 1").status());
    return tx->Commit();
  }

  void Close() override {
    if (closed_.exchange(true)) return;
    {
      std::lock_guard<std::mutex> lock(notify_mu_);
      notify_cv_.notify_all();
    }
    if (dispatcher_.joinable()) dispatcher_.join();
    readers_cv_.notify_all();
    // Wait for in-flight transactions to finish before closing handles.
    std::lock_guard<std::mutex> writer_lock(writer_mu_);
    std::unique_lock<std::mutex> lock(readers_mu_);
    readers_cv_.wait(lock, [&] { return idle_readers_.size() == readers_.size(); });
    readers_.clear();
    idle_readers_.clear();
    writer_.reset();
    if (leader_fd_ >= 0) {
      close(leader_fd_);
      leader_fd_ = -1;
    }
  }

  core::Status Notify(Transaction& tx, std::string_view channel,
                      std::string_view payload) override {
    auto* stx = dynamic_cast<SqliteTransaction*>(&tx);
    if (!stx) return core::Internal("transaction from another database");
    stx->AddNotification(std::string(channel), std::string(payload));
    return core::Status::Ok();
  }

  core::Status Listen(
      std::string_view channel,
      std::function<void(const std::string&, const std::string&)> handler) override {
    std::lock_guard<std::mutex> lock(notify_mu_);
    listeners_.emplace(std::string(channel), std::move(handler));
    return core::Status::Ok();
  }

  // SQLite has one process as leader: whoever holds an exclusive flock on "<db>.leader".
  core::StatusOr<bool> TryAcquireLeaderLock(int64_t) override {
    std::lock_guard<std::mutex> lock(leader_mu_);
    if (leader_fd_ >= 0) return true;
    const int fd = open((path_ + ".leader").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return core::Unavailable("cannot open leader lock file");
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      return false;
    }
    leader_fd_ = fd;
    return true;
  }

  core::Status ReleaseLeaderLock(int64_t) override {
    std::lock_guard<std::mutex> lock(leader_mu_);
    if (leader_fd_ >= 0) {
      close(leader_fd_);
      leader_fd_ = -1;
    }
    return core::Status::Ok();
  }

  void ReturnReader(Connection* conn) {
    std::lock_guard<std::mutex> lock(readers_mu_);
    idle_readers_.push_back(conn);
    readers_cv_.notify_all();
  }

  void Publish(std::vector<std::pair<std::string, std::string>> notes) {
    if (notes.empty()) return;
    std::lock_guard<std::mutex> lock(notify_mu_);
    for (auto& n : notes) queue_.push_back(std::move(n));
    notify_cv_.notify_all();
  }

 private:
  void DispatchLoop() {
    std::unique_lock<std::mutex> lock(notify_mu_);
    while (!closed_.load()) {
      notify_cv_.wait(lock, [&] { return !queue_.empty() || closed_.load(); });
      while (!queue_.empty()) {
        auto [channel, payload] = std::move(queue_.front());
        queue_.pop_front();
        auto range = listeners_.equal_range(channel);
        std::vector<std::function<void(const std::string&, const std::string&)>> handlers;
        for (auto it = range.first; it != range.second; ++it) handlers.push_back(it->second);
        lock.unlock();
        for (auto& h : handlers) h(channel, payload);
        lock.lock();
      }
    }
  }

  std::string path_;
  std::atomic<bool> closed_{false};
  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> idle_readers_;
  std::mutex notify_mu_;
  std::condition_variable notify_cv_;
  std::deque<std::pair<std::string, std::string>> queue_;
  std::multimap<std::string, std::function<void(const std::string&, const std::string&)>>
      listeners_;
  std::thread dispatcher_;
  std::mutex leader_mu_;
  int leader_fd_ = -1;
};

SqliteTransaction::~SqliteTransaction() {
  if (!done_) {
    (void)conn_->ExecPlain("ROLLBACK");
  }
  if (mode_ == TxMode::kReadOnly) owner_->ReturnReader(conn_);
}

core::Status SqliteTransaction::Commit() {
  if (done_) return core::FailedPrecondition("transaction already finished");
  core::Status s = conn_->ExecPlain("COMMIT");
  if (!s.ok()) return s;  // the destructor rolls back
  done_ = true;
  if (writer_lock_.owns_lock()) writer_lock_.unlock();
  owner_->Publish(std::move(pending_));
  return core::Status::Ok();
}

}  // namespace

core::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                             int pool_size) {
  if (path.empty()) return core::InvalidArgument("SQLite path is empty", "database");
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  auto db = std::make_unique<SqliteDatabase>(path);
  RETURN_IF_ERROR(db->Init(pool_size));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace gov::store
