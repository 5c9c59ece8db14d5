#pragma once

// Conversions between gov_store's flag records (JSON text) and the flag model, and the
// reads that assemble one environment's flags.

#include <string>
#include <vector>

#include "core/status.h"
#include "flags/feature_list.h"
#include "flags/flag_service_model.h"
#include "flags/flag_service_repositories.h"
#include "flags/model.h"
#include "store/database.h"
#include "store/flag_repository.h"

namespace gov::flags {

// The state a stored record describes.
core::StatusOr<EnvironmentState> DecodeState(const store::FeatureEnvironmentRecord& record);
// The record for `state` of `feature` in `environment`.
store::FeatureEnvironmentRecord EncodeState(const std::string& feature,
                                            const std::string& environment,
                                            const EnvironmentState& state);
core::StatusOr<AdminSegment> DecodeSegment(const store::SegmentRecord& record);
// The feature with its state in every existing environment (defaults where none is stored).
// The reads below go through `repos`, in `tx`.
core::StatusOr<AdminFeature> LoadAdminFeature(const FlagRepositories& repos, store::Transaction& tx,
                                              const std::string& name);
// Every feature, as LoadAdminFeature.
core::StatusOr<std::vector<AdminFeature>> LoadAdminFeatures(const FlagRepositories& repos,
                                                            store::Transaction& tx);
// The page of features `query` selects (by name), as LoadAdminFeature.
core::StatusOr<store::Page<AdminFeature>> LoadAdminFeaturePage(const FlagRepositories& repos,
                                                               store::Transaction& tx,
                                                               const FeatureListQuery& query);
// Every segment, by id.
core::StatusOr<std::vector<Segment>> LoadSegments(const FlagRepositories& repos,
                                                  store::Transaction& tx);
// `environment`'s flags in the client-API shape, features by name, all segments.
core::StatusOr<ClientFeatures> LoadClientFeatures(const FlagRepositories& repos,
                                                  store::Transaction& tx,
                                                  const std::string& environment);

}  // namespace gov::flags
