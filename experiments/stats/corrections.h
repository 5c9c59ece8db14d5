#pragma once

// Multiple-testing corrections across metrics × variants: adjusted p-values, in input order,
// each in [0, 1]. Pure functions.

#include <span>
#include <vector>

namespace gov::experiments::stats {

// Holm–Bonferroni (step-down; controls the family-wise error rate): with p sorted ascending,
// adjusted p(i) = max over j <= i of min(1, (m − j + 1)·p(j)).
std::vector<double> HolmAdjusted(std::span<const double> p_values);

// Benjamini–Hochberg (step-up; controls the false discovery rate): with p sorted ascending,
// adjusted p(i) = min over j >= i of min(1, m·p(j)/j).
std::vector<double> BenjaminiHochbergAdjusted(std::span<const double> p_values);

}  // namespace gov::experiments::stats
