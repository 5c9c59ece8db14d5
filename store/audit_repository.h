#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "store/database.h"
#include "store/page.h"

namespace gov::store {

// Who made a change, for the audit log: the token's name (or what Governor itself acted for:
// "config" for the config file's targets, "flags-file" for --flags-file) and the request that
// carried it ("" when none). Every service that writes audit entries takes one.
struct AuditActor {
  std::string name;
  std::string request_id;
};

// One admin mutation: who did what to which resource, with the JSON before and after.
struct AuditEntry {
  int64_t seq = 0;  // assigned on insert; increases with insertion order
  core::TimePoint at;
  std::string actor;     // token name
  std::string action;    // e.g. "token.create"
  std::string resource;  // e.g. "tokens/3f2a..."
  std::optional<std::string> before_json;
  std::optional<std::string> after_json;
  std::string request_id;
};

// The audit log. Append inside the same transaction as the change it records.
class AuditRepository {
 public:
  // Returns the assigned sequence number.
  static core::StatusOr<int64_t> Append(Transaction& tx, const AuditEntry& entry);
  // Appends `actor`'s `action` on `resource` at `at`, with the JSON before and after.
  static core::Status Record(Transaction& tx, const AuditActor& actor, core::TimePoint at,
                             const std::string& action, const std::string& resource,
                             std::optional<std::string> before_json,
                             std::optional<std::string> after_json);
  // Newest first. `resource_prefix` filters to resources starting with it ("" for all).
  // The cursor is the last seq returned.
  static core::StatusOr<Page<AuditEntry>> List(Transaction& tx, const PageRequest& page,
                                               const std::string& resource_prefix);
};

// The audit log as the services take it by constructor (tests substitute their own, e.g. one
// that fails a write); SqlAuditLog is AuditRepository's SQL over the caller's transaction.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // As AuditRepository::Record and ::List.
  virtual core::Status Record(Transaction& tx, const AuditActor& actor, core::TimePoint at,
                              const std::string& action, const std::string& resource,
                              std::optional<std::string> before_json,
                              std::optional<std::string> after_json) = 0;
  virtual core::StatusOr<Page<AuditEntry>> List(Transaction& tx, const PageRequest& page,
                                                const std::string& resource_prefix) = 0;
};

class SqlAuditLog final : public AuditLog {
 public:
  core::Status Record(Transaction& tx, const AuditActor& actor, core::TimePoint at,
                      const std::string& action, const std::string& resource,
                      std::optional<std::string> before_json,
                      std::optional<std::string> after_json) override;
  core::StatusOr<Page<AuditEntry>> List(Transaction& tx, const PageRequest& page,
                                        const std::string& resource_prefix) override;
};

}  // namespace gov::store
