#include "tests/testing/fault_injection_database.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace gov::store::testing {

// A transaction of the target that fails the writes its database is told to. After a failure
// every later statement and Commit fail too, and destruction rolls the target's back.
class FaultInjectionDatabase::Tx final : public Transaction {
 public:
  Tx(FaultInjectionDatabase& db, std::unique_ptr<Transaction> inner)
      : db_(db), inner_(std::move(inner)) {}

  core::StatusOr<ResultSet> Exec(std::string_view sql,
                                 const std::vector<SqlValue>& params) override {
    if (!failed_.ok()) return Aborted();
    if (IsWrite(sql)) {
      core::Status injected = db_.OnWrite(sql);
      if (!injected.ok()) {
        failed_ = injected;
        return injected;
      }
    }
    return inner_->Exec(sql, params);
  }

  core::Status Commit() override {
    if (!failed_.ok()) return Aborted();
    return inner_->Commit();
  }

  Transaction& inner() { return *inner_; }

 private:
  core::Status Aborted() const {
    return core::Status(failed_.code(), "the transaction failed earlier: " + failed_.message());
  }

  FaultInjectionDatabase& db_;
  std::unique_ptr<Transaction> inner_;
  core::Status failed_;
};

core::Status FaultInjectionDatabase::DiskIoError() {
  return core::Internal("query failed: disk I/O error");
}

FaultInjectionDatabase::FaultInjectionDatabase(Database& target)
    : target_(target), error_(DiskIoError()) {}

FaultInjectionDatabase::~FaultInjectionDatabase() = default;

void FaultInjectionDatabase::FailNthWrite(int64_t n) {
  std::lock_guard lock(mu_);
  rules_.push_back(Rule{std::nullopt, std::max<int64_t>(n - 1, 0), 1});
}

void FaultInjectionDatabase::FailWritesMatching(std::string_view pattern,
                                                std::optional<int64_t> times) {
  std::lock_guard lock(mu_);
  rules_.push_back(Rule{std::regex(std::string(pattern)), 0, times});
}

void FaultInjectionDatabase::FailWritesAfter(int64_t n) {
  std::lock_guard lock(mu_);
  rules_.push_back(Rule{std::nullopt, std::max<int64_t>(n, 0), std::nullopt});
}

void FaultInjectionDatabase::SetError(core::Status error) {
  std::lock_guard lock(mu_);
  error_ = std::move(error);
}

void FaultInjectionDatabase::Heal() {
  std::lock_guard lock(mu_);
  rules_.clear();
}

int64_t FaultInjectionDatabase::writes() const {
  std::lock_guard lock(mu_);
  return writes_;
}

int64_t FaultInjectionDatabase::injected() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(injected_.size());
}

std::vector<std::string> FaultInjectionDatabase::injected_statements() const {
  std::lock_guard lock(mu_);
  return injected_;
}

bool FaultInjectionDatabase::IsWrite(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  std::string keyword;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) {
    keyword += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  }
  if (keyword == "SELECT") return false;
  if (keyword == "WITH") {
    // A WITH query writes when a data-modifying statement follows the CTEs.
    std::string upper(sql);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const char* verb : {"INSERT ", "UPDATE ", "DELETE "}) {
      if (upper.find(verb) != std::string::npos) return true;
    }
    return false;
  }
  return true;
}

core::Status FaultInjectionDatabase::OnWrite(std::string_view sql) {
  std::lock_guard lock(mu_);
  ++writes_;
  for (Rule& rule : rules_) {
    if (rule.times && *rule.times <= 0) continue;
    if (rule.pattern && !std::regex_search(sql.begin(), sql.end(), *rule.pattern)) continue;
    if (rule.skip > 0) {
      --rule.skip;
      continue;
    }
    if (rule.times) --*rule.times;
    injected_.emplace_back(sql);
    return error_;
  }
  return core::Status::Ok();
}

Backend FaultInjectionDatabase::backend() const { return target_.backend(); }

core::StatusOr<std::unique_ptr<Transaction>> FaultInjectionDatabase::Begin(TxMode mode) {
  ASSIGN_OR_RETURN(auto inner, target_.Begin(mode));
  return std::unique_ptr<Transaction>(std::make_unique<Tx>(*this, std::move(inner)));
}

core::Status FaultInjectionDatabase::Ping() { return target_.Ping(); }

void FaultInjectionDatabase::Close() { target_.Close(); }

core::Status FaultInjectionDatabase::Notify(Transaction& tx, std::string_view channel,
                                            std::string_view payload) {
  auto* wrapped = dynamic_cast<Tx*>(&tx);
  return target_.Notify(wrapped != nullptr ? wrapped->inner() : tx, channel, payload);
}

core::Status FaultInjectionDatabase::Listen(
    std::string_view channel, std::function<void(const std::string&, const std::string&)> handler) {
  return target_.Listen(channel, std::move(handler));
}

core::StatusOr<bool> FaultInjectionDatabase::TryAcquireLeaderLock(int64_t key) {
  return target_.TryAcquireLeaderLock(key);
}

core::Status FaultInjectionDatabase::ReleaseLeaderLock(int64_t key) {
  return target_.ReleaseLeaderLock(key);
}

}  // namespace gov::store::testing
