#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gov::experiments {
struct EventServiceStats;
struct ExposureRecorderStats;
}  // namespace gov::experiments

namespace gov::api {

// The process's Prometheus registry with the HTTP metrics. Other modules register their
// own families on `registry()`. Thread-safe.
class HttpMetrics {
 public:
  explicit HttpMetrics(const std::string& version);

  // Counts one request and observes its duration.
  void Observe(const std::string& route, const std::string& method, int status, double seconds);
  void SetDbUp(bool up) { db_up_->Set(up ? 1 : 0); }
  // The transport's state: open connections and streams now, and its running totals.
  void ObserveTransport(int64_t connections, int64_t streams, int64_t accepted, int64_t rejected,
                        int64_t timeouts, int64_t slow_streams);

  // Event ingestion's and exposure recording's running totals (EventServiceStats,
  // ExposureRecorderStats), read when /metrics is rendered.
  void ObserveEvents(const experiments::EventServiceStats& events,
                     const experiments::ExposureRecorderStats& exposures);

  prometheus::Registry& registry() { return *registry_; }
  // Prometheus text exposition format 0.0.4 of everything registered.
  std::string Render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* durations_;
  prometheus::Gauge* db_up_;
  std::mutex transport_mu_;
  prometheus::Gauge* open_connections_;
  prometheus::Gauge* open_streams_;
  prometheus::Counter* accepted_;
  prometheus::Counter* rejected_;
  prometheus::Counter* timeouts_;
  prometheus::Counter* slow_streams_;
  std::mutex events_mu_;
  prometheus::Counter* events_stored_;
  prometheus::Counter* events_duplicate_;
  prometheus::Counter* event_commits_;
  prometheus::Counter* event_commits_failed_;
  prometheus::Counter* exposures_queued_;
  prometheus::Counter* exposures_deduplicated_;
  prometheus::Counter* exposures_dropped_;
  prometheus::Counter* exposures_written_;
  prometheus::Counter* exposures_failed_;

  struct Series {
    prometheus::Counter* requests;
    prometheus::Histogram* duration;
  };
  // (route, method, status), owned or viewed; the map finds a series by a view, so a request
  // whose series exists allocates nothing.
  struct SeriesKeyView {
    std::string_view route;
    std::string_view method;
    int status;
  };
  struct SeriesKey {
    std::string route;
    std::string method;
    int status;
    operator SeriesKeyView() const { return {route, method, status}; }
  };
  struct SeriesKeyHash {
    using is_transparent = void;
    size_t operator()(const SeriesKeyView& k) const;
  };
  struct SeriesKeyEqual {
    using is_transparent = void;
    bool operator()(const SeriesKeyView& a, const SeriesKeyView& b) const {
      return a.status == b.status && a.route == b.route && a.method == b.method;
    }
  };
  std::shared_mutex series_mu_;
  std::unordered_map<SeriesKey, Series, SeriesKeyHash, SeriesKeyEqual> series_;
};

}  // namespace gov::api
