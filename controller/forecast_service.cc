#include "controller/forecast_service.h"

namespace gov::controller {

ForecastService::ForecastService(store::Database& db, const core::Clock& clock,
                                 store::TargetStore& targets, store::LoadHistoryStore& history,
                                 ForecastServiceOptions options)
    : db_(db), clock_(clock), targets_(targets), history_(history), options_(options) {}

core::StatusOr<ForecastService::Input> ForecastService::Load(const std::string& name) {
  const core::TimePoint now = clock_.Now();
  store::TargetRecord record;
  std::vector<store::LoadSample> samples;
  std::optional<TargetSpec> spec;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(record, targets_.Get(tx, name));
        ASSIGN_OR_RETURN(core::Json json, core::ParseJson(record.spec_json));
        ASSIGN_OR_RETURN(spec, ParseTargetSpec(json, ""));
        if (!spec->predictive) {
          return core::Conflict("target " + name +
                                " has no predictive block: add `predictive` to its spec to "
                                "record its load and forecast it");
        }
        ASSIGN_OR_RETURN(samples, history_.Read(tx, name, spec->predictive->metric,
                                                now - options_.history_retention, now));
        return core::Status::Ok();
      }));
  LoadHistory history(options_.history_step);
  history.Merge(samples);
  // Completed steps only, as the control loop plans from.
  return Input{std::move(*spec), history.ToSeries(now)};
}

core::StatusOr<ForecastView> ForecastService::Forecast(const std::string& name) {
  ASSIGN_OR_RETURN(Input input, Load(name));
  return BuildForecastView(input.spec, input.history);
}

core::StatusOr<CapacityReport> ForecastService::Capacity(
    const std::string& name, std::optional<double> price_per_replica_hour) {
  ASSIGN_OR_RETURN(Input input, Load(name));
  CapacityOptions options;
  options.price_per_replica_hour = price_per_replica_hour;
  return BuildCapacityReport(input.spec, input.history, options);
}

}  // namespace gov::controller
