#include "flags/evaluator.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>

#include "flags/internal/compiled.h"
#include "flags/internal/js.h"
#include "flags/internal/semver.h"

namespace gov::flags {

namespace {

using internal::CompiledConstraint;
using internal::CompiledFeature;
using internal::CompiledStrategy;
using internal::Field;
using internal::FieldRef;
using internal::StrategyKind;
using internal::VariantGroup;

// splitmix64 (Steele, Lea & Flood 2014) over a per-thread state word. The state is a
// plain thread_local integer (no constructor or destructor to register, so a thread's
// first evaluation does not allocate either); it is seeded on first use from a
// process-wide counter and the word's own address, so threads draw different sequences.
thread_local uint64_t tls_random_state = 0;

class ThreadRandom final : public RandomSource {
 public:
  ThreadRandom() : state_(tls_random_state) {
    if (state_ == 0) {
      static std::atomic<uint64_t> counter{0x2545F4914F6CDD1DULL};
      state_ = (counter.fetch_add(0x9E3779B97F4A7C15ULL) ^
                reinterpret_cast<uintptr_t>(&tls_random_state)) |
               1;
    }
  }
  double NextDouble() override { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t& state_;
};

// Scratch space for values the context does not hold as text (currentTime, random ids).
struct Scratch {
  char time[40];
  char random[24];
};

// new Date(t).toISOString(), written into `buf` (by hand: snprintf may allocate).
std::string_view FormatTime(core::TimePoint t, char (&buf)[40]) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t.time_since_epoch());
  const auto days = floor<std::chrono::days>(ms);
  const year_month_day ymd{sys_days{days}};
  const hh_mm_ss<milliseconds> hms{ms - days};
  const int year = int(ymd.year());
  if (year < 0 || year > 9999) return {};
  size_t n = 0;
  auto put = [&](long v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[n + i] = static_cast<char>('0' + v % 10);
    n += width;
  };
  auto sep = [&](char c) { buf[n++] = c; };
  put(year, 4), sep('-'), put(unsigned(ymd.month()), 2), sep('-'), put(unsigned(ymd.day()), 2);
  sep('T'), put(hms.hours().count(), 2), sep(':'), put(hms.minutes().count(), 2), sep(':');
  put(hms.seconds().count(), 2), sep('.'), put(hms.subseconds().count(), 3), sep('Z');
  return std::string_view(buf, n);
}

// resolveContextValue(context, field).
std::optional<std::string_view> Resolve(const FieldRef& f, const Context& ctx, Scratch& scratch) {
  const std::optional<std::string>* standard = nullptr;
  switch (f.field) {
    case Field::kUserId:
      standard = &ctx.user_id;
      break;
    case Field::kSessionId:
      standard = &ctx.session_id;
      break;
    case Field::kRemoteAddress:
      standard = &ctx.remote_address;
      break;
    case Field::kEnvironment:
      standard = &ctx.environment;
      break;
    case Field::kAppName:
      standard = &ctx.app_name;
      break;
    case Field::kCurrentTime:
      if (ctx.current_time) return FormatTime(*ctx.current_time, scratch.time);
      break;
    case Field::kProperty:
      break;
  }
  if (standard && standard->has_value()) return **standard;
  if (const std::string* p = ctx.Property(f.name)) return *p;
  return std::nullopt;
}

std::string_view FormatInt(int64_t v, char (&buf)[24]) {
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string_view(buf, res.ptr - buf);
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// MurmurHash3 of "<group>:<id>" given the state after "<group>:".
uint32_t HashKey(const core::Murmur3X86_32& prefix, std::string_view id, bool utf16_low_byte) {
  core::Murmur3X86_32 h = prefix;
  if (!utf16_low_byte || IsAscii(id)) {
    h.Update(id);
  } else {
    internal::ForEachHashByte(id, true, [&](uint8_t b) { h.UpdateByte(b); });
  }
  return h.Finish();
}

bool StartsWithFolded(std::string_view s, std::string_view lower) {
  if (lower.size() > s.size()) return false;
  for (size_t i = 0; i < lower.size(); ++i) {
    if (internal::AsciiLower(s[i]) != lower[i]) return false;
  }
  return true;
}

bool EndsWithFolded(std::string_view s, std::string_view lower) {
  return lower.size() <= s.size() && StartsWithFolded(s.substr(s.size() - lower.size()), lower);
}

bool ContainsFolded(std::string_view s, std::string_view lower) {
  if (lower.size() > s.size()) return false;
  for (size_t i = 0; i + lower.size() <= s.size(); ++i) {
    if (StartsWithFolded(s.substr(i), lower)) return true;
  }
  return false;
}

bool StringMatch(Operator op, bool folded, std::string_view s, std::string_view v) {
  switch (op) {
    case Operator::kStrStartsWith:
      return folded ? StartsWithFolded(s, v) : s.starts_with(v);
    case Operator::kStrEndsWith:
      return folded ? EndsWithFolded(s, v) : s.ends_with(v);
    default:
      return folded ? ContainsFolded(s, v) : s.find(v) != std::string_view::npos;
  }
}

bool Compare(Operator op, int cmp) {
  switch (op) {
    case Operator::kNumEq:
    case Operator::kSemverEq:
      return cmp == 0;
    case Operator::kNumGt:
    case Operator::kSemverGt:
    case Operator::kDateAfter:
      return cmp > 0;
    case Operator::kNumGte:
    case Operator::kSemverGte:
      return cmp >= 0;
    case Operator::kNumLt:
    case Operator::kSemverLt:
    case Operator::kDateBefore:
      return cmp < 0;
    case Operator::kNumLte:
    case Operator::kSemverLte:
      return cmp <= 0;
    default:
      return false;
  }
}

bool MatchCidr(const CompiledConstraint& c, std::string_view value) {
  const std::optional<internal::IpAddress> addr = internal::ParseIp(value);
  if (!addr) return false;
  for (const internal::IpAddress& range : c.cidrs) {
    if (internal::SameAddress(*addr, range) || internal::InSubnet(*addr, range)) return true;
  }
  return false;
}

// The operator's verdict before inversion, as unleash-client-node's operator table.
bool EvalOperator(const CompiledConstraint& c, const Context& ctx, core::TimePoint now,
                  Scratch& scratch) {
  switch (c.op) {
    case Operator::kIn:
    case Operator::kNotIn: {
      const auto v = Resolve(c.field, ctx, scratch);
      const bool in = v && std::binary_search(c.values.begin(), c.values.end(), *v);
      return c.op == Operator::kIn ? in : !in;
    }
    case Operator::kStrStartsWith:
    case Operator::kStrEndsWith:
    case Operator::kStrContains: {
      const auto v = Resolve(c.field, ctx, scratch);
      if (!v) return false;
      for (const std::string& value : c.values) {
        if (StringMatch(c.op, c.case_insensitive, *v, value)) return true;
      }
      return false;
    }
    case Operator::kNumEq:
    case Operator::kNumGt:
    case Operator::kNumGte:
    case Operator::kNumLt:
    case Operator::kNumLte: {
      if (std::isnan(c.number)) return false;
      const auto v = Resolve(c.field, ctx, scratch);
      const double x = v ? internal::JsStringToNumber(*v) : std::nan("");
      if (std::isnan(x)) return false;
      return Compare(c.op, x == c.number ? 0 : (x < c.number ? -1 : 1));
    }
    case Operator::kDateAfter:
    case Operator::kDateBefore: {
      // The SDK compares context.currentTime (or now) whatever the contextName says.
      if (!c.date_valid) return false;
      const core::TimePoint t = ctx.current_time.value_or(now);
      const int64_t ms =
          std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
      return Compare(c.op, ms == c.date_ms ? 0 : (ms < c.date_ms ? -1 : 1));
    }
    case Operator::kSemverEq:
    case Operator::kSemverGt:
    case Operator::kSemverLt:
    case Operator::kSemverGte:
    case Operator::kSemverLte: {
      const auto v = Resolve(c.field, ctx, scratch);
      if (!v || v->empty() || (*v)[0] == 'v' || !c.semver_valid) return false;
      const std::optional<internal::SemverView> mine = internal::ParseSemver(*v);
      if (!mine) return false;
      const internal::SemverView theirs{c.semver_major, c.semver_minor, c.semver_patch,
                                        c.semver_prerelease};
      return Compare(c.op, internal::CompareSemver(*mine, theirs));
    }
    case Operator::kRegex: {
      const auto v = Resolve(c.field, ctx, scratch);
      return v && c.regex && RE2::PartialMatch(*v, *c.regex);
    }
    case Operator::kInCidr: {
      const auto v = Resolve(c.field, ctx, scratch);
      return v && MatchCidr(c, *v);
    }
    case Operator::kUnknown:
      return false;
  }
  return false;
}

bool ConstraintHolds(const CompiledConstraint& c, const Context& ctx, core::TimePoint now,
                     Scratch& scratch) {
  if (c.op == Operator::kUnknown) return false;  // not inverted either
  return EvalOperator(c, ctx, now, scratch) != c.inverted;
}

class FeatureEvaluator {
 public:
  FeatureEvaluator(const FlagSnapshot& snap, const Context& ctx, core::TimePoint now,
                   RandomSource& rng)
      : snap_(snap), ctx_(ctx), now_(now), rng_(rng) {}

  EvaluationResult Evaluate(const CompiledFeature& f) {
    EvaluationResult r;
    r.found = true;
    if (!f.enabled) {
      r.reason = Reason::kDisabled;
      return r;
    }
    if (!DependenciesSatisfied(f)) {
      r.reason = Reason::kTargetingMatch;
      return r;
    }
    const CompiledStrategy* decided = nullptr;
    bool decided_split = false, any_split = false;
    if (f.strategies.empty()) {
      r.enabled = true;
    } else {
      for (const CompiledStrategy& s : f.strategies) {
        const Outcome o = EvalStrategy(s);
        any_split = any_split || o.split;
        if (o.enabled) {
          decided = &s;
          decided_split = o.split;
          r.enabled = true;
          break;
        }
      }
    }
    if (!r.enabled) {
      r.reason = any_split ? Reason::kSplit : Reason::kTargetingMatch;
      return r;
    }
    r.variant.feature_enabled = true;
    bool variant_split = false;
    const bool chosen =
        decided && decided->variants && SelectVariant(*decided->variants, r.variant, variant_split);
    if (!chosen && f.variants) SelectVariant(*f.variants, r.variant, variant_split);
    if (f.is_static) {
      r.reason = Reason::kStatic;
    } else {
      r.reason = decided_split || variant_split ? Reason::kSplit : Reason::kTargetingMatch;
    }
    return r;
  }

 private:
  struct Outcome {
    bool enabled = false;
    bool split = false;  // a percentage strictly between 0 and 100 decided it
  };

  bool DependenciesSatisfied(const CompiledFeature& f) {
    for (const internal::CompiledDependency& d : f.dependencies) {
      if (d.parent < 0) return false;
      const CompiledFeature& parent = snap_.features[d.parent];
      if (!parent.dependencies.empty()) return false;  // only one level is allowed
      const EvaluationResult pr = Evaluate(parent);
      if (!d.expect_enabled) {
        if (pr.enabled) return false;
      } else if (!d.variants.empty()) {
        if (!pr.variant.feature_enabled ||
            std::find(d.variants.begin(), d.variants.end(), pr.variant.name) == d.variants.end()) {
          return false;
        }
      } else if (!pr.enabled) {
        return false;
      }
    }
    return true;
  }

  bool ConstraintsHold(internal::ConstraintRange range) {
    for (uint32_t i = range.begin; i < range.end; ++i) {
      if (!ConstraintHolds(snap_.constraints[i], ctx_, now_, scratch_)) return false;
    }
    return true;
  }

  std::string_view RandomId(int64_t scale, int64_t offset) {
    // String(Math.round(Math.random() * scale) + offset)
    const double r = rng_.NextDouble();
    return FormatInt(
        static_cast<int64_t>(std::floor(r * static_cast<double>(scale) + 0.5)) + offset,
        scratch_.random);
  }

  Outcome Rollout(double percentage, const core::Murmur3X86_32& prefix, std::string_view id) {
    if (id.empty()) return {};
    const uint32_t normalized = HashKey(prefix, id, snap_.utf16_low_byte_keys) % 100 + 1;
    return {percentage > 0 && normalized <= percentage, percentage > 0 && percentage < 100};
  }

  bool RemoteAddressMatches(const CompiledStrategy& s) {
    const std::string_view remote =
        ctx_.remote_address ? std::string_view(*ctx_.remote_address) : std::string_view();
    std::optional<std::optional<internal::IpAddress>> v4, v6;  // parsed lazily
    for (const internal::RemoteAddressEntry& e : s.addresses) {
      if (ctx_.remote_address && e.text == remote) return true;
      if (!e.network) continue;
      std::optional<std::optional<internal::IpAddress>>& parsed = e.network->v6 ? v6 : v4;
      if (!parsed)
        parsed = e.network->v6 ? internal::ParseIpv6(remote) : internal::ParseIpv4(remote);
      if (*parsed && internal::InSubnet(**parsed, *e.network)) return true;
    }
    return false;
  }

  Outcome EvalStrategy(const CompiledStrategy& s) {
    if (s.kind == StrategyKind::kUnknown || s.missing_segment) return {};
    if (!ConstraintsHold(s.constraints)) return {};
    for (uint32_t seg : s.segments) {
      if (!ConstraintsHold(snap_.segments[seg])) return {};
    }
    switch (s.kind) {
      case StrategyKind::kDefault:
        return {true, false};
      case StrategyKind::kUserWithId:
        return {
            ctx_.user_id && std::binary_search(s.user_ids.begin(), s.user_ids.end(), *ctx_.user_id),
            false};
      case StrategyKind::kFlexibleRollout: {
        std::string_view id;
        switch (s.stickiness) {
          case internal::Stickiness::kDefault:
            if (ctx_.user_id && !ctx_.user_id->empty())
              id = *ctx_.user_id;
            else if (ctx_.session_id && !ctx_.session_id->empty())
              id = *ctx_.session_id;
            else
              id = RandomId(10000, 1);
            break;
          case internal::Stickiness::kRandom:
            id = RandomId(10000, 1);
            break;
          case internal::Stickiness::kField:
            id = Resolve(s.stickiness_field, ctx_, scratch_).value_or(std::string_view());
            break;
        }
        return Rollout(s.percentage, s.rollout_prefix, id);
      }
      case StrategyKind::kGradualUserId:
        return Rollout(s.percentage, s.rollout_prefix,
                       ctx_.user_id ? std::string_view(*ctx_.user_id) : std::string_view());
      case StrategyKind::kGradualSessionId:
        return Rollout(s.percentage, s.rollout_prefix,
                       ctx_.session_id ? std::string_view(*ctx_.session_id) : std::string_view());
      case StrategyKind::kGradualRandom: {
        const double random = std::floor(rng_.NextDouble() * 100) + 1;
        return {s.percentage >= random, s.percentage > 0 && s.percentage < 100};
      }
      case StrategyKind::kRemoteAddress:
        return {RemoteAddressMatches(s), false};
      case StrategyKind::kApplicationHostname:
        return {s.hostname_matches, false};
      case StrategyKind::kUnknown:
        break;
    }
    return {};
  }

  // selectVariantDefinition: overrides first, then the weighted bucket of
  // normalizedVariantValue(seed, group, totalWeight). False when it yields null.
  bool SelectVariant(const VariantGroup& g, VariantResult& out, bool& split) {
    if (g.total_weight <= 0) return false;
    const internal::CompiledVariant* chosen = nullptr;
    if (g.has_overrides) {
      for (const internal::CompiledVariant& v : g.variants) {
        for (const internal::CompiledOverride& o : v.overrides) {
          const auto value = Resolve(o.field, ctx_, scratch_);
          if (value && std::find(o.values.begin(), o.values.end(), *value) != o.values.end()) {
            chosen = &v;
            break;
          }
        }
        if (chosen) break;
      }
    }
    if (!chosen) {
      std::string_view seed;
      if (g.default_stickiness) {
        for (const std::optional<std::string>* f :
             {&ctx_.user_id, &ctx_.session_id, &ctx_.remote_address}) {
          if (f->has_value() && !(*f)->empty()) {
            seed = **f;
            break;
          }
        }
      } else {
        seed = Resolve(g.stickiness_field, ctx_, scratch_).value_or(std::string_view());
      }
      if (seed.empty()) seed = RandomId(100000, 0);
      const uint64_t target = HashKey(g.prefix, seed, snap_.utf16_low_byte_keys) %
                                  static_cast<uint64_t>(g.total_weight) +
                              1;
      int64_t counter = 0;
      for (const internal::CompiledVariant& v : g.variants) {
        if (v.weight == 0) continue;
        counter += v.weight;
        if (counter >= static_cast<int64_t>(target)) {
          chosen = &v;
          break;
        }
      }
      if (!chosen) return false;
      split = g.nonzero > 1;
    }
    out.name = chosen->name;
    out.enabled = true;
    out.has_payload = chosen->has_payload;
    out.payload_type = chosen->payload_type;
    out.payload_value = chosen->payload_value;
    return true;
  }

  const FlagSnapshot& snap_;
  const Context& ctx_;
  const core::TimePoint now_;
  RandomSource& rng_;
  Scratch scratch_;
};

}  // namespace

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kStatic:
      return "STATIC";
    case Reason::kTargetingMatch:
      return "TARGETING_MATCH";
    case Reason::kSplit:
      return "SPLIT";
    case Reason::kDisabled:
      return "DISABLED";
    case Reason::kError:
      return "ERROR";
  }
  return "ERROR";
}

EvaluationResult Evaluate(const FlagSnapshot& snapshot, std::string_view flag,
                          const Context& context, core::TimePoint now, RandomSource& random) {
  const auto it = snapshot.index.find(flag);
  if (it == snapshot.index.end()) return EvaluationResult{};
  return FeatureEvaluator(snapshot, context, now, random).Evaluate(snapshot.features[it->second]);
}

EvaluationResult Evaluate(const FlagSnapshot& snapshot, std::string_view flag,
                          const Context& context, core::TimePoint now) {
  ThreadRandom random;
  return Evaluate(snapshot, flag, context, now, random);
}

bool IsEnabled(const FlagSnapshot& snapshot, std::string_view flag, const Context& context,
               core::TimePoint now) {
  return Evaluate(snapshot, flag, context, now).enabled;
}

uint32_t RolloutBucket(std::string_view group_id, std::string_view id) {
  const bool utf16_low_byte = CompileOptions{}.hash_key_encoding == HashKeyEncoding::kUtf16LowByte;
  core::Murmur3X86_32 prefix(0);
  internal::ForEachHashByte(group_id, utf16_low_byte, [&](uint8_t b) { prefix.UpdateByte(b); });
  prefix.UpdateByte(':');
  return HashKey(prefix, id, utf16_low_byte) % 100 + 1;
}

VariantResult GetVariant(const FlagSnapshot& snapshot, std::string_view flag,
                         const Context& context, core::TimePoint now) {
  return Evaluate(snapshot, flag, context, now).variant;
}

}  // namespace gov::flags
