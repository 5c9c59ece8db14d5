#pragma once

// The `governor decide` input of the documented example (the spec's example, with its behavior
// block left to HPA's defaults); DecideJsonTest and DecideE2eTest both check its answer: 12
// replicas.
namespace gov::controller::test_data {

inline constexpr const char* kIssueDecideInput = R"({"now": 1700000000,
   "target": {"minReplicas": 3, "maxReplicas": 50, "tolerance": 0.1,
              "cooldown": {"scaleUpSeconds": 60, "scaleDownSeconds": 300}},
   "currentReplicas": 10, "readyReplicas": 10,
   "metrics": [{"name": "cpu", "type": "Utilization", "target": 70, "current": 80},
               {"name": "memory", "type": "Utilization", "target": 80, "current": null}],
   "recommendations": [{"replicas": 4, "timestamp": 1699999880}],
   "scaleUpEvents":   [{"change": 5, "timestamp": 1699999940}],
   "scaleDownEvents": [{"change": 2, "timestamp": 1699999940}],
   "lastScaleUp": 1699999000, "lastScaleDown": 1699999880})";

}  // namespace gov::controller::test_data
