#include "store/postgres_database.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gov::store {
namespace {

using Handler = std::function<void(const std::string&, const std::string&)>;

constexpr std::chrono::seconds kCheckoutTimeout{30};
constexpr std::chrono::milliseconds kMinReconnectBackoff{100};
constexpr std::chrono::milliseconds kMaxReconnectBackoff{5000};

// Built-in type OIDs (src/include/catalog/pg_type.dat); stable across PostgreSQL versions.
constexpr pqxx::oid kBoolOid = 16;
constexpr pqxx::oid kInt8Oid = 20;
constexpr pqxx::oid kInt2Oid = 21;
constexpr pqxx::oid kInt4Oid = 23;
constexpr pqxx::oid kFloat4Oid = 700;
constexpr pqxx::oid kFloat8Oid = 701;
constexpr pqxx::oid kNumericOid = 1700;

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int byte = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        std::from_chars(s.data() + i + 1, s.data() + i + 3, byte, 16).ptr == s.data() + i + 3) {
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The connection URL and the secrets in it, which must never appear in a returned message.
class Endpoint {
 public:
  explicit Endpoint(std::string url) : url_(std::move(url)) {
    const bool is_uri = url_.rfind("postgres://", 0) == 0 || url_.rfind("postgresql://", 0) == 0;
    if (is_uri) {
      const size_t start = url_.find("://") + 3;
      const size_t end = std::min(url_.find_first_of("/?", start), url_.size());
      const std::string_view authority = std::string_view(url_).substr(start, end - start);
      const size_t at = authority.rfind('@');
      if (at != std::string_view::npos) {
        const size_t colon = authority.substr(0, at).find(':');
        if (colon != std::string_view::npos) AddSecret(authority.substr(colon + 1, at - colon - 1));
      }
    }
    // "password=..." as a keyword (keyword form) or a query parameter (URI form).
    for (size_t pos = url_.find("password"); pos != std::string::npos;
         pos = url_.find("password", pos + 1)) {
      size_t v = url_.find_first_not_of(' ', pos + 8);
      if (v == std::string::npos || url_[v] != '=') continue;
      v = url_.find_first_not_of(' ', v + 1);
      if (v == std::string::npos) break;
      const bool quoted = url_[v] == '\'';
      const size_t begin = quoted ? v + 1 : v;
      const size_t end =
          std::min(url_.find_first_of(quoted ? "'" : (is_uri ? "&" : " "), begin), url_.size());
      AddSecret(std::string_view(url_).substr(begin, end - begin));
    }
    conninfo_ = url_;
    if (is_uri) {
      conninfo_ += url_.find('?') == std::string::npos ? "?" : "&";
      conninfo_ += "fallback_application_name=";
    } else {
      conninfo_ += " fallback_application_name=";
    }
  }

  // Opens a connection whose application_name (unless the URL sets one) is `role`, e.g.
  // "governor-pool". libpqxx 6 discards server notices unless an errorhandler is registered.
  StatusOr<std::unique_ptr<pqxx::connection>> Connect(const std::string& role) const;

  // `message` with every secret from the URL masked.
  std::string Redact(std::string message) const {
    for (const std::string& secret : secrets_) {
      for (size_t pos = message.find(secret); pos != std::string::npos;
           pos = message.find(secret, pos + 3)) {
        message.replace(pos, secret.size(), "***");
      }
    }
    return message;
  }

 private:
  void AddSecret(std::string_view secret) {
    if (secret.empty()) return;
    secrets_.emplace_back(secret);
    std::string decoded = PercentDecode(secret);
    if (decoded != secret && !decoded.empty()) secrets_.push_back(std::move(decoded));
  }

  std::string url_;
  std::string conninfo_;
  std::vector<std::string> secrets_;
};

// One line of a libpqxx message ("ERROR:  x\nDETAIL:  y\n" -> "ERROR:  x; DETAIL:  y").
std::string OneLine(std::string_view what) {
  std::string out(what);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (size_t pos = out.find('\n'); pos != std::string::npos; pos = out.find('\n', pos)) {
    out.replace(pos, 1, "; ");
  }
  return out;
}

// Turns the exception being handled into a Status. Call only from inside a `catch` block.
// Mapping by SQLSTATE (PostgreSQL manual, Appendix A): 23505 unique_violation -> kAlreadyExists;
// other class 23 integrity violations (FK, check, not-null, exclusion) -> kFailedPrecondition;
// class 08 (connection exception) and 57P01..57P03 (server shutting down) -> kUnavailable.
Status CurrentExceptionToStatus(std::string_view context, const Endpoint& endpoint) {
  auto message = [&](std::string_view what) {
    return endpoint.Redact(std::string(context) + ": " + OneLine(what));
  };
  try {
    throw;
  } catch (const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    if (state == "23505") return AlreadyExists(message(e.what()));
    if (state.rfind("23", 0) == 0) return FailedPrecondition(message(e.what()));
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") {
      return Unavailable(message(e.what()));
    }
    return Internal(message(e.what()));
  } catch (const pqxx::broken_connection& e) {
    return Unavailable(message(e.what()));
  } catch (const pqxx::in_doubt_error& e) {
    return Unavailable(message(std::string("commit outcome unknown: ") + e.what()));
  } catch (const std::exception& e) {
    return Internal(message(e.what()));
  } catch (...) {
    return Internal(message("unknown exception"));
  }
}

StatusOr<std::unique_ptr<pqxx::connection>> Endpoint::Connect(const std::string& role) const {
  try {
    return std::make_unique<pqxx::connection>(conninfo_ + role);
  } catch (...) {
    return CurrentExceptionToStatus("connecting to PostgreSQL", *this);
  }
}

// A pooled connection and the statements prepared on it (SQL text -> statement name).
struct PooledConnection {
  std::unique_ptr<pqxx::connection> conn;
  std::unordered_map<std::string, std::string> statements;
  bool broken = false;

  bool usable() const { return !broken && conn->is_open(); }
};

// At most `size` connections, opened on demand; broken ones are dropped on return or checkout
// and replaced by a fresh connection on a later checkout. Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(std::shared_ptr<const Endpoint> endpoint, int size)
      : endpoint_(std::move(endpoint)), size_(size) {}

  const Endpoint& endpoint() const { return *endpoint_; }
  bool closed() const { return closed_.load(); }

  // An idle or new connection; waits up to kCheckoutTimeout when all are in use.
  StatusOr<std::unique_ptr<PooledConnection>> Checkout() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (closed_) return Unavailable("database is closed");
      if (!idle_.empty()) {
        std::unique_ptr<PooledConnection> pc = std::move(idle_.back());
        idle_.pop_back();
        if (pc->usable()) return pc;
        --open_;
        lock.unlock();
        pc.reset();
        lock.lock();
        continue;
      }
      if (open_ < size_) {
        ++open_;
        lock.unlock();
        auto conn = endpoint_->Connect("governor-pool");
        if (!conn.ok()) {
          lock.lock();
          --open_;
          cv_.notify_one();
          return conn.status();
        }
        auto pc = std::make_unique<PooledConnection>();
        pc->conn = std::move(conn).value();
        return pc;
      }
      if (!cv_.wait_for(lock, kCheckoutTimeout,
                        [&] { return closed_ || !idle_.empty() || open_ < size_; })) {
        return Unavailable("timed out waiting for a pooled PostgreSQL connection");
      }
    }
  }

  // Gives a connection back; drops it if broken or if the pool is closed.
  void Return(std::unique_ptr<PooledConnection> pc) {
    {
      std::lock_guard lock(mu_);
      if (!closed_ && pc->usable()) {
        idle_.push_back(std::move(pc));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
  }

  void Close() {
    std::vector<std::unique_ptr<PooledConnection>> idle;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      open_ -= static_cast<int>(idle_.size());
      idle.swap(idle_);
    }
    cv_.notify_all();
  }

 private:
  std::shared_ptr<const Endpoint> endpoint_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PooledConnection>> idle_;
  int open_ = 0;
  std::atomic<bool> closed_{false};
};

SqlValue ParseColumn(const pqxx::field& f, pqxx::oid type) {
  if (f.is_null()) return nullptr;
  const char* begin = f.c_str();
  const char* end = begin + f.size();
  switch (type) {
    case kBoolOid:
      return int64_t{*begin == 't' ? 1 : 0};
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      int64_t v = 0;
      if (std::from_chars(begin, end, v).ptr == end) return v;
      break;
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      double v = 0;
      if (std::from_chars(begin, end, v).ptr == end) return v;
      break;
    }
    default:
      break;
  }
  return std::string(begin, end);
}

// Text form of a parameter; doubles use the shortest representation that round-trips.
std::string ParamText(const SqlValue& v) {
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *p);
    return std::string(buf, end);
  }
  if (auto p = std::get_if<std::string>(&v)) return *p;
  return {};
}

// True when `sql` holds more than one statement, which the extended protocol rejects.
bool MayHoldSeveralStatements(std::string_view sql) {
  const size_t semi = sql.find(';');
  return semi != std::string_view::npos &&
         sql.find_first_not_of(" \t\r\n;", semi) != std::string_view::npos;
}

class PgTransaction final : public Transaction {
 public:
  PgTransaction(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<PooledConnection> pc,
                std::unique_ptr<pqxx::transaction_base> txn)
      : pool_(std::move(pool)), pc_(std::move(pc)), txn_(std::move(txn)) {}
  ~PgTransaction() override { Finish(); }

  StatusOr<ResultSet> Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    if (!txn_) return FailedPrecondition("transaction already finished");
    if (pool_->closed()) return Unavailable("database is closed");
    if (!error_.ok()) {
      return FailedPrecondition("transaction aborted by an earlier error: " + error_.message());
    }
    try {
      pqxx::result r;
      if (params.empty() && MayHoldSeveralStatements(sql)) {
        r = txn_->exec(std::string(sql));
      } else {
        std::vector<std::string> texts;
        std::vector<const char*> values;
        texts.reserve(params.size());
        for (const SqlValue& p : params) texts.push_back(ParamText(p));
        for (size_t i = 0; i < params.size(); ++i) {
          values.push_back(std::holds_alternative<std::nullptr_t>(params[i]) ? nullptr
                                                                             : texts[i].c_str());
        }
        r = txn_->exec_prepared(StatementName(sql), pqxx::prepare::make_dynamic_params(values));
      }
      ResultSet out;
      out.affected_rows = static_cast<int64_t>(r.affected_rows());
      const auto columns = r.columns();
      std::vector<pqxx::oid> types;
      for (pqxx::row::size_type c = 0; c < columns; ++c) types.push_back(r.column_type(c));
      out.rows.reserve(r.size());
      for (const pqxx::row& row : r) {
        std::vector<SqlValue> values;
        values.reserve(columns);
        for (pqxx::row::size_type c = 0; c < columns; ++c) {
          values.push_back(ParseColumn(row[c], types[c]));
        }
        out.rows.emplace_back(std::move(values));
      }
      return out;
    } catch (...) {
      error_ = CurrentExceptionToStatus("PostgreSQL statement failed", pool_->endpoint());
      if (!pc_->conn->is_open()) pc_->broken = true;
      return error_;
    }
  }

  Status Commit() override {
    if (!txn_) return FailedPrecondition("transaction already finished");
    if (!error_.ok()) {
      Finish();
      return FailedPrecondition("transaction rolled back after an earlier error: " +
                                error_.message());
    }
    Status status;
    try {
      txn_->commit();
      committed_ = true;
    } catch (...) {
      status = CurrentExceptionToStatus("PostgreSQL commit failed", pool_->endpoint());
      if (!pc_->conn->is_open()) pc_->broken = true;
    }
    Finish();
    return status;
  }

 private:
  // Name of the prepared statement for `sql` on this connection, preparing it on first use.
  const std::string& StatementName(std::string_view sql) {
    std::string key(sql);
    auto it = pc_->statements.find(key);
    if (it != pc_->statements.end()) return it->second;
    std::string name = "gov_s" + std::to_string(pc_->statements.size());
    pc_->conn->prepare(name, key);
    return pc_->statements.emplace(std::move(key), std::move(name)).first->second;
  }

  // Rolls back unless committed and gives the connection back to the pool.
  void Finish() {
    if (txn_ && !committed_) {
      try {
        txn_->abort();
      } catch (...) {
        pc_->broken = true;
      }
    }
    txn_.reset();
    if (pc_) pool_->Return(std::move(pc_));
  }

  std::shared_ptr<ConnectionPool> pool_;
  std::unique_ptr<PooledConnection> pc_;
  std::unique_ptr<pqxx::transaction_base> txn_;
  bool committed_ = false;
  Status error_;
};

// LISTEN on one dedicated connection, served by a background thread that polls the
// connection's socket and a wake-up pipe (so Listen and Stop take effect at once), and that
// reconnects with exponential backoff and re-LISTENs every channel when the connection is lost.
// Notifications sent while disconnected are lost (PostgreSQL does not queue them).
class Listener {
 public:
  explicit Listener(std::shared_ptr<const Endpoint> endpoint) : endpoint_(std::move(endpoint)) {}
  ~Listener() { Stop(); }

  Status Listen(std::string_view channel, Handler handler) {
    if (std::this_thread::get_id() == thread_id_.load()) {
      return FailedPrecondition("Listen must not be called from a notification handler");
    }
    auto sub =
        std::make_shared<Subscription>(Subscription{std::string(channel), std::move(handler)});
    std::future<Status> done;
    {
      std::lock_guard lock(mu_);
      if (stop_) return Unavailable("database is closed");
      if (wake_read_ < 0) {
        int fds[2];
        if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return Internal("pipe2 failed");
        wake_read_ = fds[0];
        wake_write_ = fds[1];
        thread_ = std::thread([this] { Run(); });
      }
      requests_.push_back(Request{std::move(sub), {}});
      done = requests_.back().done.get_future();
    }
    cv_.notify_all();  // ends a reconnect backoff early
    Wake();
    return done.get();
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    Wake();
    if (thread_.joinable()) thread_.join();
    if (wake_read_ >= 0) {
      close(wake_read_);
      close(wake_write_);
      wake_read_ = wake_write_ = -1;
    }
  }

 private:
  struct Subscription {
    std::string channel;
    Handler handler;
  };
  struct Request {
    std::shared_ptr<Subscription> sub;
    std::promise<Status> done;
  };
  class Receiver final : public pqxx::notification_receiver {
   public:
    Receiver(pqxx::connection& conn, std::shared_ptr<Subscription> sub)
        : pqxx::notification_receiver(conn, sub->channel), sub_(std::move(sub)) {}
    void operator()(const std::string& payload, int /*backend_pid*/) override {
      try {
        sub_->handler(sub_->channel, payload);
      } catch (...) {
        // A throwing handler must not take the listener down.
      }
    }

   private:
    std::shared_ptr<Subscription> sub_;
  };

  void Wake() {
    if (wake_write_ >= 0) {
      const char byte = 1;
      [[maybe_unused]] ssize_t n = write(wake_write_, &byte, 1);
    }
  }

  void Run() {
    thread_id_ = std::this_thread::get_id();
    std::chrono::milliseconds backoff = kMinReconnectBackoff;
    for (;;) {
      std::vector<Request> requests;
      {
        std::lock_guard lock(mu_);
        if (stop_) break;
        requests.swap(requests_);
      }
      if (!conn_ && (!subs_.empty() || !requests.empty())) {
        Status status = Reconnect();
        if (!status.ok()) {
          for (Request& r : requests) r.done.set_value(status);
          std::unique_lock lock(mu_);
          cv_.wait_for(lock, backoff, [&] { return stop_ || !requests_.empty(); });
          backoff = std::min(backoff * 2, kMaxReconnectBackoff);
          continue;
        }
        backoff = kMinReconnectBackoff;
      }
      for (Request& r : requests) {
        Status status = Subscribe(r.sub);
        if (status.code() == StatusCode::kUnavailable) {
          DropConnection();
          status = Reconnect();
          if (status.ok()) status = Subscribe(r.sub);
        }
        if (status.ok()) subs_.push_back(r.sub);
        r.done.set_value(status);
      }
      DispatchAndWait();
    }
    std::lock_guard lock(mu_);
    for (Request& r : requests_) r.done.set_value(Unavailable("database is closed"));
    requests_.clear();
    DropConnection();
  }

  // Delivers notifications already buffered, then blocks until the socket or the pipe is readable.
  void DispatchAndWait() {
    pollfd fds[2] = {{wake_read_, POLLIN, 0}, {-1, POLLIN, 0}};
    try {
      if (conn_) {
        conn_->get_notifs();
        fds[1].fd = conn_->sock();
      }
    } catch (...) {
      DropConnection();
      return;
    }
    if (conn_ && !conn_->is_open()) {
      DropConnection();
      return;
    }
    poll(fds, fds[1].fd >= 0 ? 2 : 1, -1);
    char buf[64];
    while (read(wake_read_, buf, sizeof buf) > 0) {
    }
  }

  Status Subscribe(const std::shared_ptr<Subscription>& sub) {
    if (!conn_) return Unavailable("listener connection is down");
    try {
      receivers_.push_back(std::make_unique<Receiver>(*conn_, sub));
      // libpqxx swallows a broken connection while issuing LISTEN; check it really happened.
      if (!conn_->is_open()) return Unavailable("listener connection lost during LISTEN");
      return Status::Ok();
    } catch (...) {
      Status status = CurrentExceptionToStatus("LISTEN " + sub->channel, *endpoint_);
      if (!conn_->is_open()) status = Unavailable(status.message());
      return status;
    }
  }

  Status Reconnect() {
    DropConnection();
    auto conn = endpoint_->Connect("governor-listener");
    if (!conn.ok()) return conn.status();
    conn_ = std::move(conn).value();
    for (const auto& sub : subs_) {
      Status status = Subscribe(sub);
      if (!status.ok()) {
        DropConnection();
        return status;
      }
    }
    return Status::Ok();
  }

  void DropConnection() {
    receivers_.clear();
    conn_.reset();
  }

  std::shared_ptr<const Endpoint> endpoint_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  int wake_read_ = -1;
  int wake_write_ = -1;
  // Owned by the listener thread.
  std::unique_ptr<pqxx::connection> conn_;
  std::vector<std::unique_ptr<Receiver>> receivers_;
  std::vector<std::shared_ptr<Subscription>> subs_;
};

// Session-level advisory locks on one dedicated connection. A lock held by a session that has
// since died is reported lost: the held check asks pg_locks about the current backend, so a
// replaced connection never claims a lock it does not hold. Thread-safe.
class LeaderSession {
 public:
  explicit LeaderSession(std::shared_ptr<const Endpoint> endpoint)
      : endpoint_(std::move(endpoint)) {}

  StatusOr<bool> TryAcquire(int64_t key) {
    std::lock_guard lock(mu_);
    if (closed_) return Unavailable("database is closed");
    for (int attempt = 0;; ++attempt) {
      if (!conn_) {
        held_.clear();
        auto conn = endpoint_->Connect("governor-leader");
        if (!conn.ok()) return conn.status();
        conn_ = std::move(conn).value();
      }
      try {
        pqxx::nontransaction tx(*conn_);
        if (held_.count(key) > 0) {
          if (HeldBySession(tx, key)) return true;
          held_.erase(key);
        }
        const bool acquired =
            tx.exec_params("SELECT pg_try_advisory_lock($1)", key)[0][0].as<bool>();
        if (acquired) held_.insert(key);
        return acquired;
      } catch (...) {
        Status status = CurrentExceptionToStatus("leader lock", *endpoint_);
        if (conn_->is_open() && status.code() != StatusCode::kUnavailable) return status;
        conn_.reset();
        if (attempt > 0) return status;
      }
    }
  }

  Status Release(int64_t key) {
    std::lock_guard lock(mu_);
    if (held_.erase(key) == 0 || !conn_) return Status::Ok();
    try {
      pqxx::nontransaction tx(*conn_);
      tx.exec_params("SELECT pg_advisory_unlock($1)", key);
    } catch (...) {
      // The session is unusable; closing it releases whatever it still holds on the server.
      held_.clear();
      conn_.reset();
    }
    return Status::Ok();
  }

  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    held_.clear();
    conn_.reset();
  }

 private:
  // pg_locks shows a bigint advisory key as classid = high 32 bits, objid = low 32 bits,
  // objsubid = 1 (PostgreSQL manual, "pg_locks" view).
  static bool HeldBySession(pqxx::nontransaction& tx, int64_t key) {
    const uint64_t bits = static_cast<uint64_t>(key);
    const int64_t high = static_cast<int64_t>(bits >> 32);
    const int64_t low = static_cast<int64_t>(bits & 0xffffffffu);
    return tx
        .exec_params(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND pid = pg_backend_pid() AND classid = $1::bigint::oid"
            " AND objid = $2::bigint::oid AND objsubid = 1)",
            high, low)[0][0]
        .as<bool>();
  }

  std::shared_ptr<const Endpoint> endpoint_;
  std::mutex mu_;
  std::unique_ptr<pqxx::connection> conn_;
  std::set<int64_t> held_;
  bool closed_ = false;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::shared_ptr<const Endpoint> endpoint, int pool_size)
      : pool_(std::make_shared<ConnectionPool>(endpoint, pool_size)),
        listener_(endpoint),
        leader_(endpoint) {}
  ~PostgresDatabase() override { Close(); }

  Backend backend() const override { return Backend::kPostgres; }

  StatusOr<std::unique_ptr<Transaction>> Begin(TxMode mode) override {
    // A pooled connection may have died while idle; that shows up at BEGIN, where nothing has
    // happened yet, so one retry on a fresh connection is safe.
    for (int attempt = 0;; ++attempt) {
      ASSIGN_OR_RETURN(std::unique_ptr<PooledConnection> pc, pool_->Checkout());
      try {
        std::unique_ptr<pqxx::transaction_base> txn;
        if (mode == TxMode::kReadOnly) {
          txn = std::make_unique<pqxx::read_transaction>(*pc->conn);
        } else {
          txn = std::make_unique<pqxx::work>(*pc->conn);
        }
        return std::unique_ptr<Transaction>(
            std::make_unique<PgTransaction>(pool_, std::move(pc), std::move(txn)));
      } catch (...) {
        Status status = CurrentExceptionToStatus("PostgreSQL BEGIN failed", pool_->endpoint());
        if (!pc->conn->is_open()) pc->broken = true;
        pool_->Return(std::move(pc));
        if (status.code() != StatusCode::kUnavailable || attempt > 0) return status;
      }
    }
  }

  Status Ping() override {
    ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, Begin(TxMode::kReadOnly));
    ASSIGN_OR_RETURN(ResultSet rs, tx->Exec("SELECT 1"));
    if (rs.rows.size() != 1 || rs.rows[0].Int(0) != 1) return Internal("SELECT 1 returned junk");
    return tx->Commit();
  }

  void Close() override {
    if (closed_.exchange(true)) return;
    listener_.Stop();
    leader_.Close();
    pool_->Close();
  }

  Status Notify(Transaction& tx, std::string_view channel, std::string_view payload) override {
    if (closed_) return Unavailable("database is closed");
    return tx.Exec("SELECT pg_notify($1, $2)", {std::string(channel), std::string(payload)})
        .status();
  }

  Status Listen(std::string_view channel, Handler handler) override {
    if (closed_) return Unavailable("database is closed");
    return listener_.Listen(channel, std::move(handler));
  }

  StatusOr<bool> TryAcquireLeaderLock(int64_t key) override {
    if (closed_) return Unavailable("database is closed");
    return leader_.TryAcquire(key);
  }

  Status ReleaseLeaderLock(int64_t key) override {
    if (closed_) return Unavailable("database is closed");
    return leader_.Release(key);
  }

 private:
  std::shared_ptr<ConnectionPool> pool_;
  Listener listener_;
  LeaderSession leader_;
  std::atomic<bool> closed_{false};
};

}  // namespace

StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& url, int pool_size) {
  if (pool_size < 1) return InvalidArgument("pool size must be at least 1", "pool_size");
  auto db = std::make_unique<PostgresDatabase>(std::make_shared<const Endpoint>(url), pool_size);
  RETURN_IF_ERROR(db->Ping());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace gov::store
