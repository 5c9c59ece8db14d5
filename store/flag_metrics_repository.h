#pragma once

// Client metrics (toggle yes/no and variant counts per app, flag, environment and hour) and
// client registrations, as Unleash SDKs report them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"

namespace gov::store {

// Counts for one (app, feature, environment, hour).
struct FlagMetricsBucket {
  std::string app_name;
  std::string feature;
  std::string environment;
  core::TimePoint hour;  // start of the UTC hour
  int64_t yes = 0;
  int64_t no = 0;
  std::map<std::string, int64_t> variants;  // variant name -> count
};

// One SDK instance as it registered (POST /api/client/register).
struct ClientRegistration {
  std::string app_name;
  std::string instance_id;
  std::string environment;
  std::string sdk_version;
  std::string strategies_json = "[]";
  core::TimePoint started;
  int64_t interval_ms = 0;
  core::TimePoint last_seen;
};

class FlagMetricsRepository {
 public:
  // Adds the counts of `bucket` to the stored ones (creating them when absent).
  static core::Status Add(Transaction& tx, const FlagMetricsBucket& bucket);
  // Buckets of `feature`, newest hour first, then by app and environment; only
  // `environment` when set.
  static core::StatusOr<std::vector<FlagMetricsBucket>> ListForFeature(
      Transaction& tx, const std::string& feature, const std::optional<std::string>& environment);
  // Inserts or refreshes one registration (key: app, instance, environment).
  static core::Status PutRegistration(Transaction& tx, const ClientRegistration& registration);
  // Registrations of `environment`, by app and instance.
  static core::StatusOr<std::vector<ClientRegistration>> ListRegistrations(
      Transaction& tx, const std::string& environment);
};

// Client metrics and registrations as the flag services take them by constructor (tests
// substitute their own); SqlFlagMetricsStore is FlagMetricsRepository's SQL over the caller's
// transaction.
class FlagMetricsStore {
 public:
  virtual ~FlagMetricsStore() = default;
  // As the FlagMetricsRepository functions of the same names.
  virtual core::Status Add(Transaction& tx, const FlagMetricsBucket& bucket) = 0;
  virtual core::StatusOr<std::vector<FlagMetricsBucket>> ListForFeature(
      Transaction& tx, const std::string& feature,
      const std::optional<std::string>& environment) = 0;
  virtual core::Status PutRegistration(Transaction& tx, const ClientRegistration& registration) = 0;
  virtual core::StatusOr<std::vector<ClientRegistration>> ListRegistrations(
      Transaction& tx, const std::string& environment) = 0;
};

class SqlFlagMetricsStore final : public FlagMetricsStore {
 public:
  core::Status Add(Transaction& tx, const FlagMetricsBucket& bucket) override;
  core::StatusOr<std::vector<FlagMetricsBucket>> ListForFeature(
      Transaction& tx, const std::string& feature,
      const std::optional<std::string>& environment) override;
  core::Status PutRegistration(Transaction& tx, const ClientRegistration& registration) override;
  core::StatusOr<std::vector<ClientRegistration>> ListRegistrations(
      Transaction& tx, const std::string& environment) override;
};

}  // namespace gov::store
