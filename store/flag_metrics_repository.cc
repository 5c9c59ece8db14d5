#include "store/flag_metrics_repository.h"

namespace gov::store {

core::Status FlagMetricsRepository::Add(Transaction& tx, const FlagMetricsBucket& b) {
  const int64_t hour = core::ToUnixMillis(b.hour);
  RETURN_IF_ERROR(tx.Exec("INSERT INTO flag_metrics (app_name, feature, environment, hour, yes, "
                          "no) VALUES ($1, $2, $3, $4, $5, $6) "
                          "ON CONFLICT (app_name, feature, environment, hour) DO UPDATE SET "
                          "yes = flag_metrics.yes + excluded.yes, "
                          "no = flag_metrics.no + excluded.no",
                          {b.app_name, b.feature, b.environment, hour, b.yes, b.no})
                      .status());
  for (const auto& [variant, count] : b.variants) {
    RETURN_IF_ERROR(tx.Exec("INSERT INTO flag_variant_metrics (app_name, feature, environment, "
                            "hour, variant, count) VALUES ($1, $2, $3, $4, $5, $6) "
                            "ON CONFLICT (app_name, feature, environment, hour, variant) "
                            "DO UPDATE SET count = flag_variant_metrics.count + excluded.count",
                            {b.app_name, b.feature, b.environment, hour, variant, count})
                        .status());
  }
  return core::Status::Ok();
}

core::StatusOr<std::vector<FlagMetricsBucket>> FlagMetricsRepository::ListForFeature(
    Transaction& tx, const std::string& feature, const std::optional<std::string>& environment) {
  const std::string env = environment.value_or("");
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT app_name, environment, hour, yes, no FROM flag_metrics "
                                    "WHERE feature = $1 AND (CAST($2 AS TEXT) = '' OR "
                                    "environment = CAST($2 AS TEXT)) "
                                    "ORDER BY hour DESC, app_name, environment",
                                    {feature, env}));
  ASSIGN_OR_RETURN(auto vs, tx.Exec("SELECT app_name, environment, hour, variant, count "
                                    "FROM flag_variant_metrics WHERE feature = $1 AND "
                                    "(CAST($2 AS TEXT) = '' OR environment = CAST($2 AS TEXT))",
                                    {feature, env}));
  std::vector<FlagMetricsBucket> out;
  for (const auto& r : rs.rows) {
    FlagMetricsBucket b;
    b.app_name = r.Text(0);
    b.feature = feature;
    b.environment = r.Text(1);
    b.hour = core::FromUnixMillis(r.Int(2));
    b.yes = r.Int(3);
    b.no = r.Int(4);
    out.push_back(std::move(b));
  }
  for (const auto& v : vs.rows) {
    for (auto& b : out) {
      if (b.app_name == v.Text(0) && b.environment == v.Text(1) &&
          core::ToUnixMillis(b.hour) == v.Int(2)) {
        b.variants[v.Text(3)] = v.Int(4);
        break;
      }
    }
  }
  return out;
}

core::Status FlagMetricsRepository::PutRegistration(Transaction& tx, const ClientRegistration& r) {
  return tx
      .Exec(
          "INSERT INTO flag_client_registrations (app_name, instance_id, environment, "
          "sdk_version, strategies_json, started_at, interval_ms, last_seen_at, registered_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
          "ON CONFLICT (app_name, instance_id, environment) DO UPDATE SET "
          "sdk_version = CASE WHEN excluded.sdk_version = '' "
          "THEN flag_client_registrations.sdk_version ELSE excluded.sdk_version END, "
          "strategies_json = excluded.strategies_json, "
          "started_at = excluded.started_at, interval_ms = excluded.interval_ms, "
          "last_seen_at = CASE WHEN excluded.last_seen_at > flag_client_registrations.last_seen_at "
          "THEN excluded.last_seen_at ELSE flag_client_registrations.last_seen_at END, "
          "registered_at = excluded.last_seen_at",
          {r.app_name, r.instance_id, r.environment, r.sdk_version, r.strategies_json,
           core::ToUnixMillis(r.started), r.interval_ms, core::ToUnixMillis(r.last_seen)})
      .status();
}

core::StatusOr<std::vector<ClientRegistration>> FlagMetricsRepository::ListRegistrations(
    Transaction& tx, const std::string& environment) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT app_name, instance_id, environment, sdk_version, "
                                    "strategies_json, started_at, interval_ms, last_seen_at "
                                    "FROM flag_client_registrations WHERE environment = $1 "
                                    "ORDER BY app_name, instance_id",
                                    {environment}));
  std::vector<ClientRegistration> out;
  for (const auto& r : rs.rows) {
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                   core::FromUnixMillis(r.Int(5)), r.Int(6), core::FromUnixMillis(r.Int(7))});
  }
  return out;
}

core::Status FlagMetricsRepository::PutSighting(Transaction& tx, const ClientSighting& s) {
  return tx
      .Exec(
          "INSERT INTO flag_client_registrations (app_name, instance_id, environment, "
          "sdk_version, strategies_json, started_at, interval_ms, last_seen_at, "
          "connection_mode, connection_mode_at) "
          "VALUES ($1, $2, $3, $4, '[]', $5, 0, $6, $7, $8) "
          "ON CONFLICT (app_name, instance_id, environment) DO UPDATE SET "
          "sdk_version = CASE WHEN flag_client_registrations.sdk_version = '' "
          "THEN excluded.sdk_version ELSE flag_client_registrations.sdk_version END, "
          "connection_mode = CASE WHEN excluded.connection_mode <> '' AND "
          "excluded.connection_mode_at >= flag_client_registrations.connection_mode_at "
          "THEN excluded.connection_mode ELSE flag_client_registrations.connection_mode END, "
          "connection_mode_at = CASE WHEN excluded.connection_mode <> '' AND "
          "excluded.connection_mode_at >= flag_client_registrations.connection_mode_at "
          "THEN excluded.connection_mode_at ELSE flag_client_registrations.connection_mode_at "
          "END, "
          "last_seen_at = CASE WHEN excluded.last_seen_at > flag_client_registrations.last_seen_at "
          "THEN excluded.last_seen_at ELSE flag_client_registrations.last_seen_at END",
          {s.app_name, s.instance_id, s.environment, s.sdk_version,
           core::ToUnixMillis(s.first_seen), core::ToUnixMillis(s.last_seen), s.connection_mode,
           s.connection_mode.empty() ? int64_t{0} : core::ToUnixMillis(s.connection_mode_at)})
      .status();
}

core::StatusOr<std::vector<ClientInstance>> FlagMetricsRepository::ListInstances(
    Transaction& tx, const std::optional<std::string>& environment) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT app_name, instance_id, environment, sdk_version, "
                                    "strategies_json, started_at, interval_ms, last_seen_at, "
                                    "registered_at, connection_mode "
                                    "FROM flag_client_registrations WHERE "
                                    "(CAST($1 AS TEXT) = '' OR environment = CAST($1 AS TEXT)) "
                                    "ORDER BY app_name, environment, instance_id",
                                    {environment.value_or("")}));
  std::vector<ClientInstance> out;
  for (const auto& r : rs.rows) {
    ClientInstance i;
    ClientRegistration& reg = i.registration;
    reg.app_name = r.Text(0);
    reg.instance_id = r.Text(1);
    reg.environment = r.Text(2);
    reg.sdk_version = r.Text(3);
    reg.strategies_json = r.Text(4);
    reg.started = core::FromUnixMillis(r.Int(5));
    reg.interval_ms = r.Int(6);
    reg.last_seen = core::FromUnixMillis(r.Int(7));
    if (!r.IsNull(8)) i.registered_at = core::FromUnixMillis(r.Int(8));
    i.connection_mode = r.Text(9);
    out.push_back(std::move(i));
  }
  return out;
}

core::Status SqlFlagMetricsStore::Add(Transaction& tx, const FlagMetricsBucket& bucket) {
  return FlagMetricsRepository::Add(tx, bucket);
}

core::StatusOr<std::vector<FlagMetricsBucket>> SqlFlagMetricsStore::ListForFeature(
    Transaction& tx, const std::string& feature, const std::optional<std::string>& environment) {
  return FlagMetricsRepository::ListForFeature(tx, feature, environment);
}

core::Status SqlFlagMetricsStore::PutRegistration(Transaction& tx,
                                                  const ClientRegistration& registration) {
  return FlagMetricsRepository::PutRegistration(tx, registration);
}

core::StatusOr<std::vector<ClientRegistration>> SqlFlagMetricsStore::ListRegistrations(
    Transaction& tx, const std::string& environment) {
  return FlagMetricsRepository::ListRegistrations(tx, environment);
}

core::Status SqlFlagMetricsStore::PutSighting(Transaction& tx, const ClientSighting& sighting) {
  return FlagMetricsRepository::PutSighting(tx, sighting);
}

core::StatusOr<std::vector<ClientInstance>> SqlFlagMetricsStore::ListInstances(
    Transaction& tx, const std::optional<std::string>& environment) {
  return FlagMetricsRepository::ListInstances(tx, environment);
}

}  // namespace gov::store
