#include "experiments/stats/analysis_json.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "core/name_table.h"
#include "experiments/stats/srm.h"

namespace gov::experiments::stats {
namespace {

using core::FieldReader;
using core::Json;

template <typename Enum, size_t N>
std::optional<Enum> ReadEnum(FieldReader& r, std::string_view key,
                             const std::array<std::string_view, N>& names) {
  const auto text = r.OptionalString(key);
  if (!text) return std::nullopt;
  const auto value = core::FindName<Enum>(names, *text);
  if (!value) {
    std::string allowed;
    for (std::string_view name : names) {
      if (!allowed.empty()) allowed += ", ";
      allowed += name;
    }
    r.Fail(key, "must be one of " + allowed);
  }
  return value;
}

// Checks that `sums` over n units can come from real data, naming the field under `path`.
core::Status CheckSums(const Sums& sums, int64_t n, MetricKind kind, const std::string& path) {
  if (n < 2) return core::Status::Ok();  // degenerate, reported per variant
  const double nd = static_cast<double>(n);
  if (kind == MetricKind::kProportion && (sums.sum < 0 || sums.sum > nd)) {
    return core::InvalidArgument("a proportion's sum must be between 0 and n",
                                 core::JoinFieldPath(path, "sum"));
  }
  const double centered = sums.sum_squares - sums.sum * sums.sum / nd;
  if (centered < -1e-9 * std::max(1.0, std::abs(sums.sum_squares))) {
    return core::InvalidArgument("must be at least sum^2/n",
                                 core::JoinFieldPath(path, "sumSquares"));
  }
  return core::Status::Ok();
}

struct ParsedVariant {
  std::string name;
  VariantStats stats;
  std::optional<double> weight;
};

core::StatusOr<ParsedVariant> ParseVariant(const Json& obj, const std::string& path,
                                           MetricKind kind, bool cuped) {
  FieldReader r(obj, path);
  if (!r.ok()) return r.status();
  ParsedVariant out;
  const bool proportion = kind == MetricKind::kProportion;
  std::vector<std::string_view> allowed = {"name", "n", "weight"};
  if (cuped) {
    allowed.insert(allowed.end(), {"post", "pre", "crossSum"});
  } else if (kind == MetricKind::kRatio) {
    allowed.insert(allowed.end(), {"numerator", "denominator", "crossSum"});
  } else {
    allowed.insert(allowed.end(), {"sum", "sumSquares"});
  }
  r.RejectUnknown(allowed);
  out.name = r.RequiredString("name");
  if (r.ok() && out.name.empty()) r.Fail("name", "must not be empty");
  const int64_t n = r.RequiredInt("n");
  if (r.ok() && n < 0) r.Fail("n", "must be >= 0");
  out.weight = r.OptionalNumber("weight");
  if (out.weight && !(*out.weight > 0)) r.Fail("weight", "must be > 0");
  if (!r.ok()) return r.status();

  // Nested objects report their own field path; read them one at a time.
  auto sums_at = [&](std::string_view key, bool squares_optional) -> core::StatusOr<Sums> {
    const Json* member = r.Get(key);
    if (!member) return core::InvalidArgument("is required", r.FieldPath(key));
    FieldReader s(*member, r.FieldPath(key));
    s.RejectUnknown({"sum", "sumSquares"});
    Sums sums;
    sums.sum = s.RequiredNumber("sum");
    if (squares_optional) {
      sums.sum_squares = s.OptionalNumber("sumSquares").value_or(sums.sum);
    } else {
      sums.sum_squares = s.RequiredNumber("sumSquares");
    }
    if (!s.ok()) return s.status();
    return sums;
  };

  if (cuped) {
    auto post = sums_at("post", proportion);
    if (!post.ok()) return post.status();
    auto pre = sums_at("pre", false);
    if (!pre.ok()) return pre.status();
    const double cross = r.RequiredNumber("crossSum");
    if (!r.ok()) return r.status();
    if (auto s = CheckSums(*post, n, kind, r.FieldPath("post")); !s.ok()) return s;
    if (auto s = CheckSums(*pre, n, MetricKind::kMean, r.FieldPath("pre")); !s.ok()) return s;
    out.stats = CupedStats{n, *post, *pre, cross};
  } else if (kind == MetricKind::kRatio) {
    auto num = sums_at("numerator", false);
    if (!num.ok()) return num.status();
    auto den = sums_at("denominator", false);
    if (!den.ok()) return den.status();
    const double cross = r.RequiredNumber("crossSum");
    if (!r.ok()) return r.status();
    if (auto s = CheckSums(*num, n, MetricKind::kMean, r.FieldPath("numerator")); !s.ok()) {
      return s;
    }
    if (auto s = CheckSums(*den, n, MetricKind::kMean, r.FieldPath("denominator")); !s.ok()) {
      return s;
    }
    out.stats = RatioStats{n, *num, *den, cross};
  } else {
    Sums sums;
    sums.sum = r.RequiredNumber("sum");
    if (proportion) {
      sums.sum_squares = r.OptionalNumber("sumSquares").value_or(sums.sum);
    } else {
      sums.sum_squares = r.RequiredNumber("sumSquares");
    }
    if (!r.ok()) return r.status();
    if (auto s = CheckSums(sums, n, kind, path); !s.ok()) return s;
    out.stats = SampleStats{n, sums.sum, sums.sum_squares};
  }
  return out;
}

Json NumberOrNull(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

core::StatusOr<AnalysisRequest> ParseAnalysisRequest(const Json& body) {
  FieldReader r(body, "");
  if (!r.ok()) return core::InvalidArgument("expected a JSON object", "body");
  r.RejectUnknown({"metricType", "engine", "difference", "alpha", "alternative", "sequential",
                   "prior", "inverse", "cuped", "variants"});
  AnalysisRequest req;
  AnalysisOptions& o = req.options;
  if (!r.Has("metricType")) r.Fail("metricType", "is required");
  if (auto v = ReadEnum<MetricKind>(r, "metricType", kMetricKindNames)) o.metric = *v;
  if (auto v = ReadEnum<Engine>(r, "engine", kEngineNames)) o.engine = *v;
  if (auto v = ReadEnum<Difference>(r, "difference", kDifferenceNames)) o.difference = *v;
  if (auto v = ReadEnum<Alternative>(r, "alternative", kAlternativeNames)) o.alternative = *v;
  if (auto alpha = r.OptionalNumber("alpha")) {
    if (*alpha <= 0 || *alpha >= 0.5) r.Fail("alpha", "must be in (0, 0.5)");
    o.alpha = *alpha;
  }
  o.inverse = r.OptionalBool("inverse").value_or(false);
  req.cuped = r.OptionalBool("cuped").value_or(false);
  if (!r.ok()) return r.status();
  if (req.cuped && o.metric == MetricKind::kRatio) {
    return core::InvalidArgument("CUPED is supported for mean and proportion metrics", "cuped");
  }
  if (const Json* seq = r.OptionalObject("sequential")) {
    FieldReader s(*seq, "sequential");
    s.RejectUnknown({"tuningParameter"});
    const double tuning =
        s.OptionalNumber("tuningParameter").value_or(kDefaultSequentialTuningParameter);
    if (s.ok() && !(tuning > 0)) s.Fail("tuningParameter", "must be > 0");
    if (!s.ok()) return s.status();
    o.sequential_tuning_parameter = tuning;
  }
  if (const Json* prior = r.OptionalObject("prior")) {
    FieldReader p(*prior, "prior");
    p.RejectUnknown({"mean", "variance"});
    GaussianPrior g;
    g.mean = p.OptionalNumber("mean").value_or(0);
    g.variance = p.RequiredNumber("variance");
    if (p.ok() && !(g.variance > 0)) p.Fail("variance", "must be > 0");
    if (!p.ok()) return p.status();
    o.prior = g;
  }
  if (!r.ok()) return r.status();
  if (o.sequential_tuning_parameter && o.engine == Engine::kBayesian) {
    return core::InvalidArgument("sequential testing applies to the frequentist engine",
                                 "sequential");
  }
  if (o.prior && o.engine == Engine::kFrequentist) {
    return core::InvalidArgument("a prior applies to the bayesian engine", "prior");
  }
  const Json* variants = r.OptionalArray("variants");
  if (!r.ok()) return r.status();
  if (!variants) return core::InvalidArgument("is required", "variants");
  if (variants->size() < 2) {
    return core::InvalidArgument("needs the control and at least one treatment", "variants");
  }
  bool any_weight = false;
  for (size_t i = 0; i < variants->size(); ++i) {
    const std::string path = core::IndexFieldPath("variants", i);
    auto parsed = ParseVariant((*variants)[i], path, o.metric, req.cuped);
    if (!parsed.ok()) return parsed.status();
    for (const std::string& name : req.names) {
      if (name == parsed->name) {
        return core::InvalidArgument("duplicate variant name", core::JoinFieldPath(path, "name"));
      }
    }
    if (i > 0 && any_weight != parsed->weight.has_value()) {
      return core::InvalidArgument("give a weight for every variant or for none",
                                   core::JoinFieldPath(path, "weight"));
    }
    any_weight = parsed->weight.has_value();
    req.names.push_back(std::move(parsed->name));
    req.variants.push_back(std::move(parsed->stats));
    if (parsed->weight) req.weights.push_back(*parsed->weight);
  }
  return req;
}

Json VariantResultToJson(std::string_view name, const VariantResult& result) {
  Json out{{"name", name}};
  if (result.error) {
    out["expected"] = nullptr;
    out["ci"] = Json::array({nullptr, nullptr});
    out["stdError"] = nullptr;
    out["error"] = Json{{"code", kDegenerateKindNames[static_cast<size_t>(result.error->kind)]},
                        {"message", result.error->message}};
    return out;
  }
  out["expected"] = result.expected;
  out["ci"] = Json::array({NumberOrNull(result.ci_low), NumberOrNull(result.ci_high)});
  out["stdError"] = result.std_error;
  if (result.p_value) out["pValue"] = *result.p_value;
  if (result.chance_to_win) out["chanceToWin"] = *result.chance_to_win;
  if (result.risk) out["risk"] = Json::array({(*result.risk)[0], (*result.risk)[1]});
  return out;
}

Json RunAnalysis(const AnalysisRequest& request) {
  const std::vector<VariantResult> results =
      Analyze(request.options, request.variants.front(),
              std::span<const VariantStats>(request.variants).subspan(1));
  Json variants = Json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    variants.push_back(VariantResultToJson(request.names[i + 1], results[i]));
  }
  Json out{{"variants", std::move(variants)}};
  if (!request.weights.empty()) {
    std::vector<int64_t> units;
    for (const VariantStats& v : request.variants) {
      units.push_back(std::visit([](const auto& s) { return s.n; }, v));
    }
    if (const auto srm = SampleRatioMismatch(units, request.weights)) {
      out["srm"] = Json{
          {"chiSquare", srm->chi_square}, {"pValue", srm->p_value}, {"mismatch", srm->mismatch}};
    } else {
      out["srm"] = Json{{"chiSquare", nullptr}, {"pValue", nullptr}, {"mismatch", false}};
    }
  }
  return out;
}

Json ErrorToJson(const core::Status& status) {
  Json err{{"code", core::StatusCodeName(status.code())}, {"message", status.message()}};
  if (!status.field().empty()) err["field"] = status.field();
  return Json{{"error", std::move(err)}};
}

}  // namespace gov::experiments::stats
