#include "experiments/model.h"

// The name tables live beside their enums in model.h; this file anchors the library.
namespace gov::experiments {

static_assert(kMetricTypeNames.size() == static_cast<size_t>(MetricType::kRatio) + 1);
static_assert(kExperimentStatusNames.size() ==
              static_cast<size_t>(ExperimentStatus::kConcluded) + 1);
static_assert(kCorrectionNames.size() == static_cast<size_t>(Correction::kBenjaminiHochberg) + 1);

}  // namespace gov::experiments
