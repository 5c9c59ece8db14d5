#pragma once

// An AuditLog for service tests: forwards to the SQL one and fails the entries of the action it
// is told to, so a test can check that a change rolls back with its failed audit write.
// Not thread-safe (the services under test are called from the test's thread).

#include <string>
#include <utility>

#include "store/audit_repository.h"

namespace gov::store::testing {

class FailingAuditLog final : public AuditLog {
 public:
  // What a failed write returns unless told otherwise.
  static core::Status Error() { return core::Unavailable("audit log: injected write failure"); }

  // Fails every later Record of `action` (e.g. "flag.create") with `error`.
  void FailAction(std::string action, core::Status error = Error()) {
    failing_action_ = std::move(action);
    error_ = std::move(error);
  }
  // Entries refused so far.
  int failed() const { return failed_; }

  core::Status Record(Transaction& tx, const AuditActor& actor, core::TimePoint at,
                      const std::string& action, const std::string& resource,
                      std::optional<std::string> before_json,
                      std::optional<std::string> after_json) override {
    if (action == failing_action_) {
      ++failed_;
      return error_;
    }
    return sql_.Record(tx, actor, at, action, resource, std::move(before_json),
                       std::move(after_json));
  }
  core::StatusOr<Page<AuditEntry>> List(Transaction& tx, const PageRequest& page,
                                        const std::string& resource_prefix) override {
    return sql_.List(tx, page, resource_prefix);
  }

 private:
  SqlAuditLog sql_;
  std::string failing_action_;
  core::Status error_ = Error();
  int failed_ = 0;
};

}  // namespace gov::store::testing
