#include "tests/flags/reference_evaluator.h"

#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "core/murmur3.h"
#include "core/time_format.h"
#include "flags/internal/date.h"
#include "flags/internal/ip.h"
#include "flags/internal/js.h"
#include "flags/internal/semver.h"

namespace gov::flags::reference {
namespace {

using internal::JsStringToNumber;

class Interpreter {
 public:
  Interpreter(const ClientFeatures& cf, const Context& ctx, core::TimePoint now,
              RandomSource& random, const CompileOptions& options)
      : cf_(cf), ctx_(ctx), now_(now), random_(random), options_(options) {}

  const Feature* GetToggle(std::string_view name) const {
    const Feature* found = nullptr;
    for (const Feature& f : cf_.features) {
      if (f.name == name) found = &f;  // a map keyed by name: the last one wins
    }
    return found;
  }

  Result ResolveVariant(const Feature* feature) {
    Result r;
    if (!feature) return r;
    r.found = true;
    std::optional<Variant> strategy_variant;
    r.enabled = IsFeatureEnabled(*feature, strategy_variant);
    r.variant.feature_enabled = r.enabled;
    if (!r.enabled) return r;
    if (strategy_variant) {
      r.variant = *strategy_variant;
      r.variant.feature_enabled = true;
      return r;
    }
    if (feature->variants.empty()) return r;
    const std::string stickiness = feature->variants[0].stickiness.value_or("default");
    if (auto chosen = SelectVariantDefinition(feature->name, stickiness, feature->variants)) {
      r.variant.name = chosen->name;
      r.variant.enabled = true;
      r.variant.payload = chosen->payload;
    }
    return r;
  }

 private:
  // resolveContextValue
  std::optional<std::string> ResolveContextValue(const std::string& field) const {
    const std::optional<std::string>* top = nullptr;
    if (field == "userId") top = &ctx_.user_id;
    if (field == "sessionId") top = &ctx_.session_id;
    if (field == "remoteAddress") top = &ctx_.remote_address;
    if (field == "environment") top = &ctx_.environment;
    if (field == "appName") top = &ctx_.app_name;
    if (field == "currentTime" && ctx_.current_time) return core::FormatRfc3339(*ctx_.current_time);
    if (top && *top) return **top;
    if (const std::string* p = ctx_.Property(field)) return *p;
    return std::nullopt;
  }

  bool IsParentDependencySatisfied(const Feature& feature) {
    for (const Dependency& parent : feature.dependencies) {
      const Feature* parent_toggle = GetToggle(parent.feature);
      if (!parent_toggle) return false;
      if (!parent_toggle->dependencies.empty()) return false;
      if (parent.enabled.value_or(true)) {
        if (!parent.variants.empty()) {
          const Result pr = ResolveVariant(parent_toggle);
          if (!(pr.variant.feature_enabled &&
                std::find(parent.variants.begin(), parent.variants.end(), pr.variant.name) !=
                    parent.variants.end())) {
            return false;
          }
        } else if (!ResolveVariant(parent_toggle).enabled) {
          return false;
        }
      } else if (ResolveVariant(parent_toggle).enabled) {
        return false;
      }
    }
    return true;
  }

  std::vector<Strategy> ActiveStrategies(const Feature& feature) const {
    std::vector<Strategy> out;
    for (const Strategy& s : feature.strategies) {
      if (!s.disabled) out.push_back(s);
    }
    std::stable_sort(out.begin(), out.end(), [](const Strategy& a, const Strategy& b) {
      return a.sort_order.value_or(INT64_MAX) < b.sort_order.value_or(INT64_MAX);
    });
    return out;
  }

  bool IsFeatureEnabled(const Feature& feature, std::optional<Variant>& variant) {
    if (!IsParentDependencySatisfied(feature) || !feature.enabled) return false;
    const std::vector<Strategy> strategies = ActiveStrategies(feature);
    if (strategies.empty()) return true;
    for (const Strategy& s : strategies) {
      if (GetResult(s, variant)) return true;
    }
    return false;
  }

  std::string Param(const Strategy& s, const std::string& key, bool& present) const {
    auto it = s.parameters.find(key);
    present = it != s.parameters.end();
    return present ? it->second : "";
  }
  double NumberParam(const Strategy& s, const std::string& key) const {
    bool present;
    const std::string v = Param(s, key, present);
    return present ? JsStringToNumber(v) : std::nan("");
  }

  bool GetResult(const Strategy& s, std::optional<Variant>& variant) {
    static const char* kKnown[] = {"default",
                                   "userWithId",
                                   "flexibleRollout",
                                   "gradualRolloutUserId",
                                   "gradualRolloutSessionId",
                                   "gradualRolloutRandom",
                                   "remoteAddress",
                                   "applicationHostname"};
    if (std::find_if(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return s.name == k; }) == std::end(kKnown)) {
      return false;
    }
    if (!CheckConstraints(s) || !IsEnabled(s)) return false;
    if (!s.variants.empty()) {
      bool present;
      std::string stickiness;
      if (s.variants[0].stickiness && !s.variants[0].stickiness->empty()) {
        stickiness = *s.variants[0].stickiness;
      } else {
        stickiness = Param(s, "stickiness", present);
        if (!present) stickiness = "default";
      }
      std::string group = Param(s, "groupId", present);
      if (!present) group = "undefined";
      if (auto chosen = SelectVariantDefinition(group, stickiness, s.variants)) {
        Variant v;
        v.name = chosen->name;
        v.enabled = true;
        v.payload = chosen->payload;
        variant = v;
      }
    }
    return true;
  }

  bool CheckConstraints(const Strategy& s) {
    for (const Constraint& c : s.constraints) {
      if (!CheckConstraint(c)) return false;
    }
    for (int64_t id : s.segments) {
      const Segment* segment = nullptr;
      for (const Segment& seg : cf_.segments) {
        if (seg.id == id) segment = &seg;
      }
      if (!segment) return false;
      for (const Constraint& c : segment->constraints) {
        if (!CheckConstraint(c)) return false;
      }
    }
    return true;
  }

  static std::vector<std::string> CleanValues(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const std::string& v : values) {
      if (!v.empty()) out.emplace_back(internal::JsTrim(v));
    }
    return out;
  }

  bool CheckConstraint(const Constraint& c) {
    static const char* kKnown[] = {"IN",           "NOT_IN",    "STR_ENDS_WITH", "STR_STARTS_WITH",
                                   "STR_CONTAINS", "NUM_EQ",    "NUM_GT",        "NUM_GTE",
                                   "NUM_LT",       "NUM_LTE",   "DATE_AFTER",    "DATE_BEFORE",
                                   "SEMVER_EQ",    "SEMVER_GT", "SEMVER_LT",     "SEMVER_GTE",
                                   "SEMVER_LTE",   "REGEX",     "IN_CIDR"};
    if (std::find_if(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return c.op == k; }) == std::end(kKnown)) {
      return false;
    }
    const bool r = Operator(c);
    return c.inverted ? !r : r;
  }

  bool Operator(const Constraint& c) {
    const std::string& op = c.op;
    const std::optional<std::string> value = ResolveContextValue(c.context_name);
    if (op == "IN" || op == "NOT_IN") {
      bool in = false;
      for (const std::string& v : CleanValues(c.values)) in = in || (value && v == *value);
      return op == "IN" ? in : !in;
    }
    if (op == "STR_STARTS_WITH" || op == "STR_ENDS_WITH" || op == "STR_CONTAINS") {
      std::vector<std::string> values = CleanValues(c.values);
      std::optional<std::string> v = value;
      if (c.case_insensitive) {
        for (std::string& x : values) x = internal::AsciiLower(x);
        if (v) v = internal::AsciiLower(*v);
      }
      if (!v) return false;
      for (const std::string& x : values) {
        if (op == "STR_STARTS_WITH" && v->rfind(x, 0) == 0) return true;
        if (op == "STR_ENDS_WITH" && v->size() >= x.size() &&
            v->compare(v->size() - x.size(), x.size(), x) == 0) {
          return true;
        }
        if (op == "STR_CONTAINS" && v->find(x) != std::string::npos) return true;
      }
      return false;
    }
    if (op == "REGEX") {
      if (!value || !c.value) return false;
      RE2::Options options;
      options.set_log_errors(false);
      options.set_case_sensitive(!c.case_insensitive);
      const RE2 re(*c.value, options);
      return re.ok() && RE2::PartialMatch(*value, re);
    }
    if (op.rfind("SEMVER_", 0) == 0) {
      if (!value || value->empty()) return false;
      const auto mine = internal::ParseSemver(*value);
      if (!mine || (*value)[0] == 'v') return false;
      if (!c.value) return false;
      const auto theirs = internal::ParseSemver(*c.value);
      if (!theirs) return false;
      const int cmp = internal::CompareSemver(*mine, *theirs);
      if (op == "SEMVER_EQ") return cmp == 0;
      if (op == "SEMVER_LT") return cmp < 0;
      if (op == "SEMVER_GT") return cmp > 0;
      if (op == "SEMVER_LTE") return cmp <= 0;
      return cmp >= 0;
    }
    if (op == "IN_CIDR") {
      if (!value) return false;
      auto addr = internal::ParseIpv4(*value);
      if (!addr) addr = internal::ParseIpv6(*value);
      if (!addr) return false;
      for (const std::string& range_text : CleanValues(c.values)) {
        auto range = addr->v6 ? internal::ParseIpv6(range_text) : internal::ParseIpv4(range_text);
        if (range && (internal::SameAddress(*addr, *range) || internal::InSubnet(*addr, *range))) {
          return true;
        }
      }
      return false;
    }
    if (op == "DATE_AFTER" || op == "DATE_BEFORE") {
      const std::optional<int64_t> when =
          c.value ? internal::ParseDateMillis(*c.value) : std::nullopt;
      if (!when) return false;
      using std::chrono::milliseconds;
      const int64_t target = *when;
      const int64_t current =
          std::chrono::floor<milliseconds>(ctx_.current_time.value_or(now_).time_since_epoch())
              .count();
      return op == "DATE_AFTER" ? current > target : current < target;
    }
    // NUM_*
    const double target = c.value ? JsStringToNumber(*c.value) : std::nan("");
    const double x = value ? JsStringToNumber(*value) : std::nan("");
    if (std::isnan(target) || std::isnan(x)) return false;
    if (op == "NUM_EQ") return x == target;
    if (op == "NUM_GT") return x > target;
    if (op == "NUM_GTE") return x >= target;
    if (op == "NUM_LT") return x < target;
    return x <= target;
  }

  // The key bytes murmurhash3js (or a UTF-8 SDK) would hash.
  std::string KeyBytes(const std::string& key) const {
    std::string out;
    internal::ForEachHashByte(key, options_.hash_key_encoding == HashKeyEncoding::kUtf16LowByte,
                              [&](uint8_t b) { out.push_back(static_cast<char>(b)); });
    return out;
  }
  uint32_t Hash(const std::string& group, const std::string& id, uint32_t seed) const {
    return core::Murmur3X86_32Hash(KeyBytes(group + ":" + id), seed);
  }
  int64_t NormalizedStrategyValue(const std::string& id, const std::string& group) const {
    return Hash(group, id, 0) % 100 + 1;
  }

  std::string RandomString(double scale, int offset) {
    return std::to_string(static_cast<int64_t>(std::floor(random_.NextDouble() * scale + 0.5)) +
                          offset);
  }

  bool IsEnabled(const Strategy& s) {
    bool present;
    if (s.name == "default") return true;
    if (s.name == "userWithId") {
      const std::string ids = Param(s, "userIds", present);
      std::vector<std::string> list;
      if (!ids.empty())
        internal::JsSplitOnCommas(ids, [&](std::string_view p) { list.emplace_back(p); });
      return ctx_.user_id && std::find(list.begin(), list.end(), *ctx_.user_id) != list.end();
    }
    if (s.name == "flexibleRollout") {
      const std::string group = Param(s, "groupId", present);
      const double percentage = NumberParam(s, "rollout");
      std::string stickiness = Param(s, "stickiness", present);
      if (stickiness.empty()) stickiness = "default";
      std::optional<std::string> id;
      if (stickiness == "default") {
        if (ctx_.user_id && !ctx_.user_id->empty())
          id = *ctx_.user_id;
        else if (ctx_.session_id && !ctx_.session_id->empty())
          id = *ctx_.session_id;
        else
          id = RandomString(10000, 1);
      } else if (stickiness == "random") {
        id = RandomString(10000, 1);
      } else {
        id = ResolveContextValue(stickiness);
      }
      if (!id || id->empty()) return false;
      return percentage > 0 && NormalizedStrategyValue(*id, group) <= percentage;
    }
    if (s.name == "gradualRolloutUserId" || s.name == "gradualRolloutSessionId") {
      const std::optional<std::string>& id =
          s.name == "gradualRolloutUserId" ? ctx_.user_id : ctx_.session_id;
      if (!id || id->empty()) return false;
      const double percentage = NumberParam(s, "percentage");
      return percentage > 0 &&
             NormalizedStrategyValue(*id, Param(s, "groupId", present)) <= percentage;
    }
    if (s.name == "gradualRolloutRandom") {
      const double percentage = NumberParam(s, "percentage");
      return percentage >= std::floor(random_.NextDouble() * 100) + 1;
    }
    if (s.name == "remoteAddress") {
      const std::string ips = Param(s, "IPs", present);
      if (ips.empty()) return false;
      bool match = false;
      internal::JsSplitOnCommas(ips, [&](std::string_view range) {
        if (match) return;
        if (ctx_.remote_address && range == *ctx_.remote_address) match = true;
        const std::string remote = ctx_.remote_address.value_or("");
        if (auto net = internal::ParseIpv4(range)) {
          auto addr = internal::ParseIpv4(remote);
          match = match || (addr && internal::InSubnet(*addr, *net));
        } else if (auto net6 = internal::ParseIpv6(range)) {
          auto addr = internal::ParseIpv6(remote);
          match = match || (addr && internal::InSubnet(*addr, *net6));
        }
      });
      return match;
    }
    if (s.name == "applicationHostname") {
      const std::string hosts = Param(s, "hostNames", present);
      if (hosts.empty()) return false;
      const std::string me =
          internal::AsciiLower(options_.hostname.empty() ? "undefined" : options_.hostname);
      bool match = false;
      internal::JsSplitOnCommas(internal::AsciiLower(hosts),
                                [&](std::string_view h) { match = match || h == me; });
      return match;
    }
    return false;
  }

  std::string GetSeed(const std::string& stickiness) {
    if (stickiness != "default") {
      const std::optional<std::string> v = ResolveContextValue(stickiness);
      return v && !v->empty() ? *v : RandomString(100000, 0);
    }
    for (const auto* f : {&ctx_.user_id, &ctx_.session_id, &ctx_.remote_address}) {
      if (*f && !(*f)->empty()) return **f;
    }
    return RandomString(100000, 0);
  }

  std::optional<flags::Variant> SelectVariantDefinition(
      const std::string& group, const std::string& stickiness,
      const std::vector<flags::Variant>& variants) {
    int64_t total = 0;
    for (const auto& v : variants) total += v.weight;
    if (total <= 0) return std::nullopt;
    for (const auto& v : variants) {
      for (const Override& o : v.overrides) {
        const std::optional<std::string> value = ResolveContextValue(o.context_name);
        for (const std::string& x : o.values) {
          if (value && x == *value) return v;
        }
      }
    }
    const int64_t target = Hash(group, GetSeed(stickiness), 86028157) % total + 1;
    int64_t counter = 0;
    for (const auto& v : variants) {
      if (v.weight == 0) continue;
      counter += v.weight;
      if (counter >= target) return v;
    }
    return std::nullopt;
  }

  const ClientFeatures& cf_;
  const Context& ctx_;
  const core::TimePoint now_;
  RandomSource& random_;
  const CompileOptions& options_;
};

}  // namespace

Result Evaluate(const ClientFeatures& features, std::string_view name, const Context& context,
                core::TimePoint now, RandomSource& random, const CompileOptions& options) {
  Interpreter interpreter(features, context, now, random, options);
  return interpreter.ResolveVariant(interpreter.GetToggle(name));
}

}  // namespace gov::flags::reference
