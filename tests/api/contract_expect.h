#pragma once

// The test harnesses' contract check: every response their server sent must agree with
// api/openapi.yaml (see api/contract_check.h).

#include <gtest/gtest.h>

#include <string>

#include "api/router.h"

namespace gov::api::testing {

// Turns the contract check on for `router`.
inline void EnableContractCheck(Router& router) {
  const core::Status s = router.EnableContractCheck();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

// Fails the test with every violation `router` saw.
inline void ExpectNoContractViolations(const Router& router) {
  const std::vector<std::string> violations = router.contract_violations();
  std::string lines;
  for (const std::string& v : violations) lines += "\n  " + v;
  EXPECT_TRUE(violations.empty()) << violations.size()
                                  << " response(s) disagree with api/openapi.yaml:" << lines;
}

}  // namespace gov::api::testing
