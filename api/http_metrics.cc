#include "api/http_metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "experiments/event_service.h"
#include "experiments/exposure_recorder.h"

namespace gov::api {

namespace {

const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  return kBuckets;
}

}  // namespace

HttpMetrics::HttpMetrics(const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("governor_http_requests_total")
                   .Help("HTTP requests by route pattern, method and status code.")
                   .Register(*registry_);
  durations_ = &prometheus::BuildHistogram()
                    .Name("governor_http_request_duration_seconds")
                    .Help("HTTP request duration in seconds by route pattern.")
                    .Register(*registry_);
  prometheus::BuildGauge()
      .Name("governor_build_info")
      .Help("Build information; the value is always 1.")
      .Register(*registry_)
      .Add({{"version", version}})
      .Set(1);
  db_up_ = &prometheus::BuildGauge()
                .Name("governor_db_up")
                .Help("1 when the database answered the last probe, else 0.")
                .Register(*registry_)
                .Add({});
  auto gauge = [this](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_).Add({});
  };
  open_connections_ =
      gauge("governor_http_open_connections", "Open HTTP connections, event streams included.");
  open_streams_ = gauge("governor_http_open_streams", "Open server-sent-event streams.");
  auto& transport = prometheus::BuildCounter()
                        .Name("governor_http_connection_events_total")
                        .Help(
                            "Connections accepted, rejected over server.maxConnections, "
                            "closed on a timeout, and streams closed for a slow reader.")
                        .Register(*registry_);
  accepted_ = &transport.Add({{"event", "accepted"}});
  rejected_ = &transport.Add({{"event", "rejected"}});
  timeouts_ = &transport.Add({{"event", "timeout"}});
  slow_streams_ = &transport.Add({{"event", "slow_stream"}});
  auto& events = prometheus::BuildCounter()
                     .Name("governor_events_total")
                     .Help(
                         "Experiment events by outcome: stored (new ids) and duplicate (an id "
                         "already stored, acknowledged and not counted again).")
                     .Register(*registry_);
  events_stored_ = &events.Add({{"outcome", "stored"}});
  events_duplicate_ = &events.Add({{"outcome", "duplicate"}});
  auto& commits = prometheus::BuildCounter()
                      .Name("governor_event_commits_total")
                      .Help("Group-commit transactions of event ingestion, by result.")
                      .Register(*registry_);
  event_commits_ = &commits.Add({{"result", "ok"}});
  event_commits_failed_ = &commits.Add({{"result", "failed"}});
  auto& exposures =
      prometheus::BuildCounter()
          .Name("governor_exposures_total")
          .Help(
              "Exposures server-side evaluation recorded, by outcome: queued, deduplicated "
              "(already recorded in memory), dropped (the queue was full), written, failed.")
          .Register(*registry_);
  exposures_queued_ = &exposures.Add({{"outcome", "queued"}});
  exposures_deduplicated_ = &exposures.Add({{"outcome", "deduplicated"}});
  exposures_dropped_ = &exposures.Add({{"outcome", "dropped"}});
  exposures_written_ = &exposures.Add({{"outcome", "written"}});
  exposures_failed_ = &exposures.Add({{"outcome", "failed"}});
}

namespace {

// Moves a counter to a running total kept elsewhere (by what is new since the last call).
void Advance(prometheus::Counter* c, int64_t total) {
  const double delta = static_cast<double>(total) - c->Value();
  if (delta > 0) c->Increment(delta);
}

}  // namespace

void HttpMetrics::ObserveEvents(const experiments::EventServiceStats& events,
                                const experiments::ExposureRecorderStats& exposures) {
  std::lock_guard<std::mutex> lock(events_mu_);
  Advance(events_stored_, events.committed_events);
  Advance(events_duplicate_, events.duplicate_events);
  Advance(event_commits_, events.transactions);
  Advance(event_commits_failed_, events.failed_transactions);
  Advance(exposures_queued_, exposures.queued);
  Advance(exposures_deduplicated_, exposures.deduplicated);
  Advance(exposures_dropped_, exposures.dropped);
  Advance(exposures_written_, exposures.written);
  Advance(exposures_failed_, exposures.failed);
}

void HttpMetrics::ObserveTransport(int64_t connections, int64_t streams, int64_t accepted,
                                   int64_t rejected, int64_t timeouts, int64_t slow_streams) {
  std::lock_guard<std::mutex> lock(transport_mu_);
  open_connections_->Set(static_cast<double>(connections));
  open_streams_->Set(static_cast<double>(streams));
  // The transport keeps running totals; counters move by what is new since the last call.
  Advance(accepted_, accepted);
  Advance(rejected_, rejected);
  Advance(timeouts_, timeouts);
  Advance(slow_streams_, slow_streams);
}

size_t HttpMetrics::SeriesKeyHash::operator()(const SeriesKeyView& k) const {
  const std::hash<std::string_view> h;
  return (h(k.route) * 31 + h(k.method)) * 31 + static_cast<size_t>(k.status);
}

void HttpMetrics::Observe(const std::string& route, const std::string& method, int status,
                          double seconds) {
  // Family::Add builds a label map and hashes it under the family's lock; the series of a
  // (route, method, status) are looked up once and then found in this cache.
  const SeriesKeyView key{route, method, status};
  Series series{};
  bool found = false;
  {
    std::shared_lock<std::shared_mutex> lock(series_mu_);
    auto it = series_.find(key);
    if (it != series_.end()) {
      series = it->second;
      found = true;
    }
  }
  if (!found) {
    series.requests =
        &requests_->Add({{"route", route}, {"method", method}, {"status", std::to_string(status)}});
    series.duration = &durations_->Add({{"route", route}}, DurationBuckets());
    std::unique_lock<std::shared_mutex> lock(series_mu_);
    series_.emplace(SeriesKey{route, method, status}, series);
  }
  series.requests->Increment();
  series.duration->Observe(seconds);
}

std::string HttpMetrics::Render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace gov::api
