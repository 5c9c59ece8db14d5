#pragma once

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gov::store::internal {

// The connection URL and the secrets in it, which must never appear in a returned message.
class Endpoint {
 public:
  explicit Endpoint(std::string url);

  // Opens a connection whose application_name (unless the URL sets one) is `role`, e.g.
  // "governor-pool". libpqxx 6 discards server notices unless an errorhandler is registered.
  core::StatusOr<std::unique_ptr<pqxx::connection>> Connect(const std::string& role) const;

  // `message` with every secret from the URL masked.
  std::string Redact(std::string message) const;

 private:
  void AddSecret(std::string_view secret);

  std::string url_;
  std::string conninfo_;
  std::vector<std::string> secrets_;
};

// Turns the exception being handled into a Status. Call only from inside a `catch` block.
// Mapping by SQLSTATE (PostgreSQL manual, Appendix A): 23505 unique_violation -> kAlreadyExists;
// other class 23 integrity violations (FK, check, not-null, exclusion) -> kFailedPrecondition;
// 40001 serialization_failure and 40P01 deadlock_detected -> kConflict (retry the transaction);
// class 08 (connection exception) and 57P01..57P03 (server shutting down) -> kUnavailable.
core::Status CurrentExceptionToStatus(std::string_view context, const Endpoint& endpoint);

}  // namespace gov::store::internal
