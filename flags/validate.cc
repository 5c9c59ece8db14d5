#include "flags/internal/validate.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "core/json_util.h"
#include "flags/internal/date.h"
#include "flags/internal/ip.h"
#include "flags/internal/js.h"
#include "flags/internal/operand.h"
#include "flags/internal/semver.h"

namespace gov::flags {

namespace {

using internal::JsStringToNumber;
using internal::OperandKind;

constexpr std::string_view kBuiltInStrategies[] = {"default",
                                                   "userWithId",
                                                   "flexibleRollout",
                                                   "gradualRolloutUserId",
                                                   "gradualRolloutSessionId",
                                                   "gradualRolloutRandom",
                                                   "remoteAddress",
                                                   "applicationHostname"};

std::string Join(std::string_view parent, std::string_view child) {
  return core::JoinFieldPath(parent, child);
}

core::Status ValidateConstraint(const Constraint& c, const std::string& path) {
  if (c.context_name.empty())
    return core::InvalidArgument("must not be empty", Join(path, "contextName"));
  const Operator op = OperatorFromName(c.op);
  if (op == Operator::kUnknown) {
    return core::InvalidArgument("unknown operator \"" + c.op + "\"", Join(path, "operator"));
  }
  const OperandKind kind = internal::OperandKindOf(op);
  if (internal::ReadsValueList(kind)) {
    if (kind == OperandKind::kCidrs) {
      for (size_t i = 0; i < c.values.size(); ++i) {
        if (!internal::ParseIp(internal::JsTrim(c.values[i]))) {
          return core::InvalidArgument("expected an IPv4/IPv6 address or CIDR range",
                                       core::IndexFieldPath(Join(path, "values"), i));
        }
      }
    }
    return core::Status::Ok();
  }
  if (!c.value) return core::InvalidArgument("is required for " + c.op, Join(path, "value"));
  const std::string& v = *c.value;
  const std::string value_path = Join(path, "value");
  switch (kind) {
    case OperandKind::kNumber:
      if (!std::isfinite(JsStringToNumber(v)))
        return core::InvalidArgument("expected a number", value_path);
      break;
    case OperandKind::kDate:
      if (!internal::ParseDateMillis(v))
        return core::InvalidArgument("expected an RFC 3339 date-time", value_path);
      break;
    case OperandKind::kSemver:
      if (!internal::ParseSemver(v))
        return core::InvalidArgument("expected a semantic version", value_path);
      break;
    case OperandKind::kRegex: {
      const RE2 re(v, internal::RegexOptions(c.case_insensitive));
      if (!re.ok()) return core::InvalidArgument("invalid RE2 pattern: " + re.error(), value_path);
      break;
    }
    default:
      break;
  }
  return core::Status::Ok();
}

core::Status ValidateConstraints(const std::vector<Constraint>& constraints,
                                 const std::string& path) {
  for (size_t i = 0; i < constraints.size(); ++i) {
    RETURN_IF_ERROR(
        ValidateConstraint(constraints[i], core::IndexFieldPath(Join(path, "constraints"), i)));
  }
  return core::Status::Ok();
}

core::Status ValidatePayload(const Payload& p, const std::string& path) {
  if (p.type == "json") {
    if (!core::ParseJson(p.value).ok())
      return core::InvalidArgument("expected JSON text", Join(path, "value"));
  } else if (p.type == "number") {
    if (!std::isfinite(JsStringToNumber(p.value))) {
      return core::InvalidArgument("expected a number", Join(path, "value"));
    }
  } else if (p.type != "string" && p.type != "csv") {
    return core::InvalidArgument("expected string, json, csv or number", Join(path, "type"));
  }
  return core::Status::Ok();
}

core::Status ValidateVariants(const std::vector<Variant>& variants, const std::string& path) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < variants.size(); ++i) {
    const Variant& v = variants[i];
    const std::string vp = core::IndexFieldPath(Join(path, "variants"), i);
    if (v.name.empty()) return core::InvalidArgument("must not be empty", Join(vp, "name"));
    if (!names.insert(v.name).second)
      return core::InvalidArgument("duplicate variant name", Join(vp, "name"));
    if (v.weight < 0) return core::InvalidArgument("must be >= 0", Join(vp, "weight"));
    if (v.weight_type && *v.weight_type != "variable" && *v.weight_type != "fix") {
      return core::InvalidArgument("expected \"variable\" or \"fix\"", Join(vp, "weightType"));
    }
    if (v.stickiness && v.stickiness->empty()) {
      return core::InvalidArgument("must not be empty", Join(vp, "stickiness"));
    }
    if (v.payload) RETURN_IF_ERROR(ValidatePayload(*v.payload, Join(vp, "payload")));
    for (size_t k = 0; k < v.overrides.size(); ++k) {
      if (v.overrides[k].context_name.empty()) {
        return core::InvalidArgument(
            "must not be empty",
            Join(core::IndexFieldPath(Join(vp, "overrides"), k), "contextName"));
      }
    }
  }
  return core::Status::Ok();
}

core::Status RequireParam(const Strategy& s, std::string_view key, const std::string& params_path) {
  auto it = s.parameters.find(std::string(key));
  if (it == s.parameters.end() || it->second.empty()) {
    return core::InvalidArgument("is required for " + s.name, Join(params_path, key));
  }
  return core::Status::Ok();
}

core::Status RequirePercentage(const Strategy& s, std::string_view key,
                               const std::string& params_path) {
  RETURN_IF_ERROR(RequireParam(s, key, params_path));
  const double v = JsStringToNumber(s.parameters.at(std::string(key)));
  if (!(v >= 0 && v <= 100))
    return core::InvalidArgument("expected a number from 0 to 100", Join(params_path, key));
  return core::Status::Ok();
}

core::Status ValidateStrategy(const Strategy& s, const std::string& path) {
  const std::string params = Join(path, "parameters");
  if (std::find(std::begin(kBuiltInStrategies), std::end(kBuiltInStrategies), s.name) ==
      std::end(kBuiltInStrategies)) {
    return core::InvalidArgument("unknown strategy \"" + s.name + "\"", Join(path, "name"));
  }
  if (s.name == "flexibleRollout") {
    RETURN_IF_ERROR(RequirePercentage(s, "rollout", params));
    if (auto it = s.parameters.find("stickiness"); it != s.parameters.end() && it->second.empty()) {
      return core::InvalidArgument("must not be empty", Join(params, "stickiness"));
    }
  } else if (s.name == "gradualRolloutUserId" || s.name == "gradualRolloutSessionId" ||
             s.name == "gradualRolloutRandom") {
    RETURN_IF_ERROR(RequirePercentage(s, "percentage", params));
  } else if (s.name == "userWithId") {
    RETURN_IF_ERROR(RequireParam(s, "userIds", params));
  } else if (s.name == "applicationHostname") {
    RETURN_IF_ERROR(RequireParam(s, "hostNames", params));
  } else if (s.name == "remoteAddress") {
    RETURN_IF_ERROR(RequireParam(s, "IPs", params));
    core::Status bad;
    internal::JsSplitOnCommas(s.parameters.at("IPs"), [&](std::string_view ip) {
      if (bad.ok() && !internal::ParseIp(ip)) {
        std::string message = "\"";
        message.append(ip).append("\" is not an IP address or CIDR range");
        bad = core::InvalidArgument(std::move(message), Join(params, "IPs"));
      }
    });
    RETURN_IF_ERROR(bad);
  }
  RETURN_IF_ERROR(ValidateConstraints(s.constraints, path));
  return ValidateVariants(s.variants, path);
}

}  // namespace

core::Status ValidateFeature(const Feature& f, std::string_view path_view) {
  const std::string path(path_view);
  if (f.name.empty()) return core::InvalidArgument("must not be empty", Join(path, "name"));
  if (!f.type.empty() && std::find(std::begin(kFeatureTypes), std::end(kFeatureTypes), f.type) ==
                             std::end(kFeatureTypes)) {
    return core::InvalidArgument(
        "expected release, experiment, operational, kill-switch or permission", Join(path, "type"));
  }
  for (size_t i = 0; i < f.strategies.size(); ++i) {
    RETURN_IF_ERROR(
        ValidateStrategy(f.strategies[i], core::IndexFieldPath(Join(path, "strategies"), i)));
  }
  RETURN_IF_ERROR(ValidateVariants(f.variants, path));
  for (size_t i = 0; i < f.dependencies.size(); ++i) {
    const Dependency& d = f.dependencies[i];
    const std::string dp = core::IndexFieldPath(Join(path, "dependencies"), i);
    if (d.feature.empty()) return core::InvalidArgument("must not be empty", Join(dp, "feature"));
    if (d.feature == f.name)
      return core::InvalidArgument("a feature cannot depend on itself", Join(dp, "feature"));
    if (d.enabled == false && !d.variants.empty()) {
      return core::InvalidArgument("variants apply only to an enabled parent",
                                   Join(dp, "variants"));
    }
  }
  return core::Status::Ok();
}

core::Status ValidateSegment(const Segment& s, std::string_view path) {
  return ValidateConstraints(s.constraints, std::string(path));
}

core::Status ValidateClientFeatures(const ClientFeatures& cf) {
  std::set<int64_t> segment_ids;
  for (size_t i = 0; i < cf.segments.size(); ++i) {
    const std::string sp = core::IndexFieldPath("segments", i);
    RETURN_IF_ERROR(ValidateSegment(cf.segments[i], sp));
    if (!segment_ids.insert(cf.segments[i].id).second) {
      return core::InvalidArgument("duplicate segment id", Join(sp, "id"));
    }
  }
  std::set<std::string_view> names;
  for (size_t i = 0; i < cf.features.size(); ++i) {
    if (!names.insert(cf.features[i].name).second) {
      return core::InvalidArgument("duplicate feature name",
                                   Join(core::IndexFieldPath("features", i), "name"));
    }
  }
  for (size_t i = 0; i < cf.features.size(); ++i) {
    const Feature& f = cf.features[i];
    const std::string fp = core::IndexFieldPath("features", i);
    RETURN_IF_ERROR(ValidateFeature(f, fp));
    for (size_t j = 0; j < f.strategies.size(); ++j) {
      const std::vector<int64_t>& ids = f.strategies[j].segments;
      for (size_t k = 0; k < ids.size(); ++k) {
        if (!segment_ids.count(ids[k])) {
          return core::InvalidArgument(
              "unknown segment id " + std::to_string(ids[k]),
              core::IndexFieldPath(
                  Join(core::IndexFieldPath(Join(fp, "strategies"), j), "segments"), k));
        }
      }
    }
    for (size_t k = 0; k < f.dependencies.size(); ++k) {
      if (!names.count(f.dependencies[k].feature)) {
        return core::InvalidArgument(
            "unknown feature \"" + f.dependencies[k].feature + "\"",
            Join(core::IndexFieldPath(Join(fp, "dependencies"), k), "feature"));
      }
    }
  }
  return core::Status::Ok();
}

}  // namespace gov::flags
