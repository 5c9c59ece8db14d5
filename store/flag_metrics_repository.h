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

// What the client API saw of one SDK instance (GET /api/client/features, /delta, /streaming
// or POST /api/client/metrics) since its last write.
struct ClientSighting {
  std::string app_name;
  std::string instance_id;
  std::string environment;
  std::string sdk_version;  // the unleash-sdk header ("" when absent)
  core::TimePoint first_seen;
  core::TimePoint last_seen;
  // "polling" or "streaming" as of connection_mode_at; "" when the sighting says nothing
  // about it (a metrics report).
  std::string connection_mode;
  core::TimePoint connection_mode_at;
};

// One SDK instance as stored: its registration (when it never registered: started is when it
// was first seen, strategies "[]", interval 0), when it last registered and how it connects.
struct ClientInstance {
  ClientRegistration registration;
  std::optional<core::TimePoint> registered_at;
  std::string connection_mode;  // "polling", "streaming", or "" when no fetch was seen
};

class FlagMetricsRepository {
 public:
  // Adds the counts of `bucket` to the stored ones (creating them when absent).
  static core::Status Add(Transaction& tx, const FlagMetricsBucket& bucket);
  // Buckets of `feature`, newest hour first, then by app and environment; only
  // `environment` when set.
  static core::StatusOr<std::vector<FlagMetricsBucket>> ListForFeature(
      Transaction& tx, const std::string& feature, const std::optional<std::string>& environment);
  // Inserts or refreshes one registration (key: app, instance, environment); last seen never
  // moves back, and an empty sdk_version keeps the one stored.
  static core::Status PutRegistration(Transaction& tx, const ClientRegistration& registration);
  // Registrations of `environment`, by app and instance.
  static core::StatusOr<std::vector<ClientRegistration>> ListRegistrations(
      Transaction& tx, const std::string& environment);
  // Merges a sighting into the instance's row (creating it when absent): last seen never moves
  // back; the connection mode changes only when the sighting's is newer; the sdk version fills
  // in only when none is stored (a registration's wins).
  static core::Status PutSighting(Transaction& tx, const ClientSighting& sighting);
  // Every instance, or those of `environment`, by app, environment and instance.
  static core::StatusOr<std::vector<ClientInstance>> ListInstances(
      Transaction& tx, const std::optional<std::string>& environment);
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
  virtual core::Status PutSighting(Transaction& tx, const ClientSighting& sighting) = 0;
  virtual core::StatusOr<std::vector<ClientInstance>> ListInstances(
      Transaction& tx, const std::optional<std::string>& environment) = 0;
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
  core::Status PutSighting(Transaction& tx, const ClientSighting& sighting) override;
  core::StatusOr<std::vector<ClientInstance>> ListInstances(
      Transaction& tx, const std::optional<std::string>& environment) override;
};

}  // namespace gov::store
