#include <algorithm>
#include <cmath>
#include <limits>

#include "flags/internal/compiled.h"
#include "flags/internal/date.h"
#include "flags/internal/js.h"
#include "flags/internal/operand.h"
#include "flags/internal/semver.h"
#include "flags/snapshot.h"

namespace gov::flags {

namespace {

using internal::CompiledConstraint;
using internal::CompiledFeature;
using internal::CompiledStrategy;
using internal::Field;
using internal::FieldRef;
using internal::JsStringToNumber;
using internal::OperandKind;
using internal::StrategyKind;
using internal::VariantGroup;

constexpr uint32_t kRolloutSeed = 0;         // unleash-client-node STRATEGY_SEED
constexpr uint32_t kVariantSeed = 86028157;  // unleash-client-node VARIANT_SEED
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

FieldRef MakeField(std::string_view name) {
  FieldRef f;
  f.name = std::string(name);
  if (name == "userId")
    f.field = Field::kUserId;
  else if (name == "sessionId")
    f.field = Field::kSessionId;
  else if (name == "remoteAddress")
    f.field = Field::kRemoteAddress;
  else if (name == "environment")
    f.field = Field::kEnvironment;
  else if (name == "appName")
    f.field = Field::kAppName;
  else if (name == "currentTime")
    f.field = Field::kCurrentTime;
  else
    f.field = Field::kProperty;
  return f;
}

StrategyKind KindOf(std::string_view name) {
  if (name == "default") return StrategyKind::kDefault;
  if (name == "userWithId") return StrategyKind::kUserWithId;
  if (name == "flexibleRollout") return StrategyKind::kFlexibleRollout;
  if (name == "gradualRolloutUserId") return StrategyKind::kGradualUserId;
  if (name == "gradualRolloutSessionId") return StrategyKind::kGradualSessionId;
  if (name == "gradualRolloutRandom") return StrategyKind::kGradualRandom;
  if (name == "remoteAddress") return StrategyKind::kRemoteAddress;
  if (name == "applicationHostname") return StrategyKind::kApplicationHostname;
  return StrategyKind::kUnknown;
}

// cleanValues: drop "" entries, trim the rest.
std::vector<std::string> CleanValues(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (const std::string& v : values) {
    if (!v.empty()) out.emplace_back(internal::JsTrim(v));
  }
  return out;
}

class Compiler {
 public:
  Compiler(FlagSnapshot& snap, const CompileOptions& options)
      : snap_(snap),
        hostname_(internal::AsciiLower(options.hostname.empty() ? "undefined" : options.hostname)) {
    snap_.utf16_low_byte_keys = options.hash_key_encoding == HashKeyEncoding::kUtf16LowByte;
  }

  void Run(const ClientFeatures& cf) {
    for (const Segment& s : cf.segments) {
      segment_index_[s.id] = static_cast<uint32_t>(snap_.segments.size());
      snap_.segments.push_back(AddConstraints(s.constraints));
    }
    for (size_t i = 0; i < cf.features.size(); ++i) {
      snap_.index[cf.features[i].name] = static_cast<uint32_t>(i);
    }
    for (size_t i = 0; i < cf.features.size(); ++i) {
      if (snap_.index.find(cf.features[i].name)->second == i) {
        snap_.order.push_back(static_cast<uint32_t>(i));
      }
    }
    snap_.features.reserve(cf.features.size());
    for (const Feature& f : cf.features) snap_.features.push_back(CompileFeature(f));
  }

 private:
  // The murmur state after hashing "<group>:" the way evaluation hashes keys.
  core::Murmur3X86_32 Prefix(std::string_view group, uint32_t seed) const {
    core::Murmur3X86_32 h(seed);
    internal::ForEachHashByte(group, snap_.utf16_low_byte_keys,
                              [&](uint8_t b) { h.UpdateByte(b); });
    h.UpdateByte(':');
    return h;
  }

  internal::ConstraintRange AddConstraints(const std::vector<Constraint>& constraints) {
    internal::ConstraintRange r;
    r.begin = static_cast<uint32_t>(snap_.constraints.size());
    for (const Constraint& c : constraints) snap_.constraints.push_back(CompileConstraint(c));
    r.end = static_cast<uint32_t>(snap_.constraints.size());
    return r;
  }

  static CompiledConstraint CompileConstraint(const Constraint& c) {
    CompiledConstraint out;
    out.op = OperatorFromName(c.op);
    out.field = MakeField(c.context_name);
    out.inverted = c.inverted;
    out.case_insensitive = c.case_insensitive;
    switch (internal::OperandKindOf(out.op)) {
      case OperandKind::kStringSet:
        out.values = CleanValues(c.values);
        std::sort(out.values.begin(), out.values.end());
        out.values.erase(std::unique(out.values.begin(), out.values.end()), out.values.end());
        break;
      case OperandKind::kStringAffixes:
        out.values = CleanValues(c.values);
        if (c.case_insensitive) {
          for (std::string& v : out.values) v = internal::AsciiLower(v);
        }
        break;
      case OperandKind::kNumber:
        out.number = c.value ? JsStringToNumber(*c.value) : kNaN;
        break;
      case OperandKind::kDate:
        if (c.value) {
          if (std::optional<int64_t> ms = internal::ParseDateMillis(*c.value)) {
            out.date_valid = true;
            out.date_ms = *ms;
          }
        }
        break;
      case OperandKind::kSemver:
        if (c.value) {
          if (std::optional<internal::SemverView> v = internal::ParseSemver(*c.value)) {
            out.semver_valid = true;
            out.semver_major = v->major;
            out.semver_minor = v->minor;
            out.semver_patch = v->patch;
            out.semver_prerelease = std::string(v->prerelease);
          }
        }
        break;
      case OperandKind::kRegex:
        if (c.value) {
          auto re = std::make_unique<RE2>(*c.value, internal::RegexOptions(c.case_insensitive));
          if (re->ok()) out.regex = std::move(re);
        }
        break;
      case OperandKind::kCidrs:
        for (const std::string& v : CleanValues(c.values)) {
          if (auto a = internal::ParseIp(v)) out.cidrs.push_back(*a);
        }
        break;
      case OperandKind::kNone:
        break;
    }
    return out;
  }

  static const std::string* Param(const Strategy& s, const char* key) {
    auto it = s.parameters.find(key);
    return it == s.parameters.end() ? nullptr : &it->second;
  }

  // A parameter as the SDK reads `parameters.key || ''` (absent and "" are alike).
  static std::string_view ParamOrEmpty(const Strategy& s, const char* key) {
    const std::string* p = Param(s, key);
    return p ? std::string_view(*p) : std::string_view();
  }

  static double Percentage(const Strategy& s, const char* key) {
    const std::string* p = Param(s, key);
    return p ? JsStringToNumber(*p) : kNaN;  // Number(undefined) is NaN
  }

  VariantGroup CompileVariants(const std::vector<Variant>& variants, std::string_view group,
                               std::string_view stickiness) const {
    VariantGroup g;
    g.prefix = Prefix(group, kVariantSeed);
    g.default_stickiness = stickiness == "default";
    if (!g.default_stickiness) g.stickiness_field = MakeField(stickiness);
    for (const Variant& v : variants) {
      internal::CompiledVariant cv;
      cv.name = v.name;
      cv.weight = v.weight;
      if (v.payload) {
        cv.has_payload = true;
        cv.payload_type = v.payload->type;
        cv.payload_value = v.payload->value;
      }
      for (const Override& o : v.overrides) {
        cv.overrides.push_back({MakeField(o.context_name), o.values});
      }
      g.total_weight += v.weight;
      if (v.weight != 0) ++g.nonzero;
      if (!cv.overrides.empty()) g.has_overrides = true;
      g.variants.push_back(std::move(cv));
    }
    return g;
  }

  static bool VariantsAreStatic(const VariantGroup& g) {
    return g.nonzero <= 1 && !g.has_overrides;
  }

  CompiledStrategy CompileStrategy(const Strategy& s) {
    CompiledStrategy out;
    out.kind = KindOf(s.name);
    out.constraints = AddConstraints(s.constraints);
    for (int64_t id : s.segments) {
      auto it = segment_index_.find(id);
      if (it == segment_index_.end()) {
        out.missing_segment = true;
      } else {
        out.segments.push_back(it->second);
      }
    }
    switch (out.kind) {
      case StrategyKind::kFlexibleRollout: {
        out.percentage = Percentage(s, "rollout");
        const std::string_view stickiness = ParamOrEmpty(s, "stickiness");
        if (stickiness.empty() || stickiness == "default") {
          out.stickiness = internal::Stickiness::kDefault;
        } else if (stickiness == "random") {
          out.stickiness = internal::Stickiness::kRandom;
        } else {
          out.stickiness = internal::Stickiness::kField;
          out.stickiness_field = MakeField(stickiness);
        }
        // parameters.groupId || context.featureToggle || '': the SDK never sets
        // featureToggle itself, so a missing groupId hashes as "".
        out.rollout_prefix = Prefix(ParamOrEmpty(s, "groupId"), kRolloutSeed);
        break;
      }
      case StrategyKind::kGradualUserId:
      case StrategyKind::kGradualSessionId:
        out.percentage = Percentage(s, "percentage");
        out.rollout_prefix = Prefix(ParamOrEmpty(s, "groupId"), kRolloutSeed);
        break;
      case StrategyKind::kGradualRandom:
        out.percentage = Percentage(s, "percentage");
        break;
      case StrategyKind::kUserWithId:
        if (const std::string_view ids = ParamOrEmpty(s, "userIds"); !ids.empty()) {
          internal::JsSplitOnCommas(ids,
                                    [&](std::string_view id) { out.user_ids.emplace_back(id); });
          std::sort(out.user_ids.begin(), out.user_ids.end());
        }
        break;
      case StrategyKind::kRemoteAddress:
        if (const std::string_view ips = ParamOrEmpty(s, "IPs"); !ips.empty()) {
          internal::JsSplitOnCommas(ips, [&](std::string_view ip) {
            internal::RemoteAddressEntry e;
            e.text = std::string(ip);
            e.network = internal::ParseIp(ip);
            out.addresses.push_back(std::move(e));
          });
        }
        break;
      case StrategyKind::kApplicationHostname:
        if (const std::string_view hosts = ParamOrEmpty(s, "hostNames"); !hosts.empty()) {
          const std::string lower = internal::AsciiLower(hosts);
          internal::JsSplitOnCommas(lower, [&](std::string_view h) {
            if (h == hostname_) out.hostname_matches = true;
          });
        }
        break;
      case StrategyKind::kDefault:
      case StrategyKind::kUnknown:
        break;
    }
    if (!s.variants.empty()) {
      // Strategy variants hash on `${parameters.groupId}` (literally "undefined" when
      // absent) and use variants[0].stickiness || parameters.stickiness.
      const std::string* group = Param(s, "groupId");
      std::string_view stickiness = "default";
      if (s.variants[0].stickiness && !s.variants[0].stickiness->empty()) {
        stickiness = *s.variants[0].stickiness;
      } else if (const std::string* p = Param(s, "stickiness")) {
        stickiness = *p;
      }
      out.variants =
          CompileVariants(s.variants, group ? std::string_view(*group) : "undefined", stickiness);
    }
    const bool no_conditions = out.constraints.begin == out.constraints.end && s.segments.empty();
    const bool always_rolled_in = out.kind == StrategyKind::kFlexibleRollout &&
                                  out.percentage >= 100 &&
                                  out.stickiness != internal::Stickiness::kField;
    out.unconditional = no_conditions && (out.kind == StrategyKind::kDefault || always_rolled_in);
    return out;
  }

  CompiledFeature CompileFeature(const Feature& f) {
    CompiledFeature out;
    out.name = f.name;
    out.enabled = f.enabled;
    for (const Strategy& s : f.strategies) out.strategies.push_back(CompileStrategy(s));
    if (!f.variants.empty()) {
      // selectVariant: stickiness = variants[0].stickiness ?? 'default', group = name.
      out.variants =
          CompileVariants(f.variants, f.name, f.variants[0].stickiness.value_or("default"));
    }
    for (const Dependency& d : f.dependencies) {
      internal::CompiledDependency cd;
      if (auto it = snap_.index.find(d.feature); it != snap_.index.end()) {
        cd.parent = static_cast<int32_t>(it->second);
      }
      cd.expect_enabled = d.enabled.value_or(true);
      cd.variants = d.variants;
      out.dependencies.push_back(std::move(cd));
    }
    // Static: nothing about the context can change the result or the variant.
    if (out.dependencies.empty() && (out.strategies.empty() || out.strategies[0].unconditional)) {
      const VariantGroup* group = nullptr;
      if (!out.strategies.empty() && out.strategies[0].variants &&
          out.strategies[0].variants->total_weight > 0) {
        group = &*out.strategies[0].variants;
      } else if (out.variants && out.variants->total_weight > 0) {
        group = &*out.variants;
      }
      out.is_static = group == nullptr || VariantsAreStatic(*group);
    }
    return out;
  }

  FlagSnapshot& snap_;
  const std::string hostname_;
  std::unordered_map<int64_t, uint32_t> segment_index_;
};

}  // namespace

ClientFeatures ClientView(ClientFeatures features) {
  for (Feature& f : features.features) {
    std::erase_if(f.strategies, [](const Strategy& s) { return s.disabled; });
    std::stable_sort(f.strategies.begin(), f.strategies.end(),
                     [](const Strategy& a, const Strategy& b) {
                       return a.sort_order.value_or(std::numeric_limits<int64_t>::max()) <
                              b.sort_order.value_or(std::numeric_limits<int64_t>::max());
                     });
  }
  return features;
}

std::shared_ptr<const FlagSnapshot> Compile(const ClientFeatures& features,
                                            const CompileOptions& options) {
  auto snap = std::make_shared<FlagSnapshot>();
  Compiler(*snap, options).Run(ClientView(features));
  return snap;
}

size_t FlagCount(const FlagSnapshot& snapshot) { return snapshot.order.size(); }

std::vector<std::string_view> FlagNames(const FlagSnapshot& snapshot) {
  std::vector<std::string_view> out;
  out.reserve(snapshot.order.size());
  for (uint32_t i : snapshot.order) out.emplace_back(snapshot.features[i].name);
  return out;
}

}  // namespace gov::flags
