#include "controller/load_history.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "store/decision_repository.h"

namespace gov::controller {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t Millis(std::chrono::seconds step) { return step.count() * 1000; }

}  // namespace

int64_t LoadHistory::Index(core::TimePoint t) const {
  return FloorDiv(core::ToUnixMillis(t), Millis(step_));
}

store::LoadSample LoadHistory::Add(core::TimePoint at, double value) {
  const int64_t index = Index(at);
  Bucket& b = buckets_[index];
  b.sum += value;
  ++b.count;
  return {core::FromUnixMillis(index * Millis(step_)), b.sum / static_cast<double>(b.count)};
}

std::vector<store::LoadSample> LoadHistory::Merge(std::span<const store::LoadSample> samples) {
  std::map<int64_t, Bucket> fresh;
  for (const store::LoadSample& s : samples) {
    if (!std::isfinite(s.value)) continue;
    const int64_t index = Index(s.at);
    if (buckets_.count(index)) continue;
    Bucket& b = fresh[index];
    b.sum += s.value;
    ++b.count;
  }
  std::vector<store::LoadSample> added;
  added.reserve(fresh.size());
  for (const auto& [index, b] : fresh) {
    const double mean = b.sum / static_cast<double>(b.count);
    buckets_[index] = Bucket{mean, 1};
    added.push_back({core::FromUnixMillis(index * Millis(step_)), mean});
  }
  return added;
}

void LoadHistory::PruneBefore(core::TimePoint cutoff) {
  buckets_.erase(buckets_.begin(), buckets_.lower_bound(Index(cutoff)));
}

size_t LoadHistory::CountBetween(core::TimePoint from, core::TimePoint to) const {
  size_t n = 0;
  for (auto it = buckets_.lower_bound(Index(from)); it != buckets_.end() && it->first < Index(to);
       ++it) {
    ++n;
  }
  return n;
}

std::vector<store::LoadSample> LoadHistory::Samples() const {
  std::vector<store::LoadSample> out;
  out.reserve(buckets_.size());
  for (const auto& [index, b] : buckets_) {
    out.push_back(
        {core::FromUnixMillis(index * Millis(step_)), b.sum / static_cast<double>(b.count)});
  }
  return out;
}

std::optional<core::TimePoint> LoadHistory::Oldest() const {
  if (buckets_.empty()) return std::nullopt;
  return core::FromUnixMillis(buckets_.begin()->first * Millis(step_));
}

predictors::Series LoadHistory::ToSeries(core::TimePoint to) const {
  predictors::Series series;
  series.step = step_;
  if (buckets_.empty()) return series;
  const int64_t first = buckets_.begin()->first;
  const int64_t end = Index(to);
  series.start = core::FromUnixMillis(first * Millis(step_));
  if (end <= first) return series;
  series.values.assign(static_cast<size_t>(end - first), predictors::kGap);
  for (auto it = buckets_.begin(); it != buckets_.end() && it->first < end; ++it) {
    series.values[static_cast<size_t>(it->first - first)] =
        it->second.sum / static_cast<double>(it->second.count);
  }
  return series;
}

core::StatusOr<std::vector<ReplicaObservation>> ReadReplicaHistory(store::Transaction& tx,
                                                                   const std::string& target,
                                                                   core::TimePoint since) {
  std::vector<ReplicaObservation> out;
  store::PageRequest page{.limit = 500, .cursor = ""};
  while (true) {
    ASSIGN_OR_RETURN(store::Page<store::DecisionRecord> decisions,
                     store::DecisionRepository::List(tx, target, page));
    bool older = false;  // newest first: the rest are older still
    for (const store::DecisionRecord& d : decisions.items) {
      if (d.at < since) {
        older = true;
        break;
      }
      out.push_back({d.at, d.from_replicas});
    }
    if (older || decisions.next_cursor.empty()) break;
    page.cursor = decisions.next_cursor;
  }
  // Newest first by insertion; a leader's clock may step back, so sort by time.
  std::stable_sort(
      out.begin(), out.end(),
      [](const ReplicaObservation& a, const ReplicaObservation& b) { return a.at < b.at; });
  return out;
}

std::vector<store::LoadSample> TotalLoadFromReplicas(
    std::span<const store::LoadSample> per_replica,
    std::span<const ReplicaObservation> observations, core::Duration max_age) {
  std::vector<store::LoadSample> out;
  out.reserve(per_replica.size());
  for (const store::LoadSample& s : per_replica) {
    // The latest observation at or before the sample.
    auto after =
        std::upper_bound(observations.begin(), observations.end(), s.at,
                         [](core::TimePoint t, const ReplicaObservation& o) { return t < o.at; });
    if (after == observations.begin()) continue;
    const ReplicaObservation& seen = *std::prev(after);
    if (s.at - seen.at > max_age || seen.replicas <= 0 || !std::isfinite(s.value)) continue;
    out.push_back({s.at, s.value * static_cast<double>(seen.replicas)});
  }
  return out;
}

core::StatusOr<std::vector<store::LoadSample>> PrometheusMetricHistory::ReadRange(
    const TargetSpec&, const MetricSpec& metric, core::TimePoint from, core::TimePoint to,
    std::chrono::seconds step) {
  if (!metric.source.prometheus) {
    return core::FailedPrecondition("metric " + metric.name +
                                    " is pushed: Governor keeps no history of it before the "
                                    "samples it received");
  }
  const PrometheusSource& prom = *metric.source.prometheus;
  core::Duration timeout = default_timeout_;
  if (prom.timeout_seconds) {
    timeout = std::max(timeout, std::chrono::duration_cast<core::Duration>(
                                    std::chrono::duration<double>(*prom.timeout_seconds)));
  }
  ASSIGN_OR_RETURN(auto values, prometheus_.QueryRange(prom.url.value_or(default_url_), prom.query,
                                                       from, to, step, timeout));
  std::vector<store::LoadSample> out;
  out.reserve(values.size());
  for (const integrations::PrometheusValue& v : values) out.push_back({v.evaluated_at, v.value});
  return out;
}

}  // namespace gov::controller
