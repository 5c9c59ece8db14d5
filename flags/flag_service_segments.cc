// FlagService: segments (shared constraint sets that strategies reference by id).

#include <algorithm>

#include "flags/features_json.h"
#include "flags/flag_service.h"
#include "flags/internal/flag_service_store.h"

namespace gov::flags {

core::StatusOr<std::vector<AdminSegment>> FlagService::ListSegments() {
  std::vector<AdminSegment> out;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto records, repos_.flags.ListSegments(tx));
        for (const auto& r : records) {
          ASSIGN_OR_RETURN(auto segment, DecodeSegment(r));
          out.push_back(std::move(segment));
        }
        return core::Status::Ok();
      }));
  return out;
}

core::StatusOr<AdminSegment> FlagService::GetSegment(int64_t id) {
  std::optional<AdminSegment> out;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto record, repos_.flags.GetSegment(tx, id));
        ASSIGN_OR_RETURN(out, DecodeSegment(record));
        return core::Status::Ok();
      }));
  return std::move(*out);
}

core::StatusOr<AdminSegment> FlagService::CreateSegment(const store::AuditActor& author,
                                                        const core::Json& body) {
  ASSIGN_OR_RETURN(Segment segment, ParseSegmentBody(body, 0));
  std::optional<AdminSegment> created;
  RETURN_IF_ERROR(Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    const core::TimePoint now = clock_.Now();
    ASSIGN_OR_RETURN(int64_t id, repos_.flags.InsertSegment(
                                     tx, {0, *segment.name, ToJson(segment).dump(), 1, now, now}));
    ASSIGN_OR_RETURN(auto record, repos_.flags.GetSegment(tx, id));
    ASSIGN_OR_RETURN(created, DecodeSegment(record));
    touched.all = true;
    return repos_.audit.Record(tx, author, now, "segment.create", "segments/" + std::to_string(id),
                               std::nullopt, AdminSegmentToJson(*created).dump());
  }));
  return std::move(*created);
}

core::StatusOr<AdminSegment> FlagService::ReplaceSegment(const store::AuditActor& author,
                                                         int64_t id, const core::Json& body,
                                                         std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(Segment segment, ParseSegmentBody(body, id));
  std::optional<AdminSegment> after;
  RETURN_IF_ERROR(Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    ASSIGN_OR_RETURN(auto before_record, repos_.flags.GetSegment(tx, id));
    ASSIGN_OR_RETURN(AdminSegment before, DecodeSegment(before_record));
    const core::TimePoint now = clock_.Now();
    ASSIGN_OR_RETURN(auto record,
                     repos_.flags.UpdateSegment(tx, id, *segment.name, ToJson(segment).dump(),
                                                expected_version, now));
    ASSIGN_OR_RETURN(after, DecodeSegment(record));
    touched.all = true;
    return repos_.audit.Record(tx, author, now, "segment.update", "segments/" + std::to_string(id),
                               AdminSegmentToJson(before).dump(),
                               AdminSegmentToJson(*after).dump());
  }));
  return std::move(*after);
}

core::Status FlagService::DeleteSegment(const store::AuditActor& author, int64_t id,
                                        std::optional<int64_t> expected_version) {
  return Apply([&](store::Transaction& tx, Touched& touched) -> core::Status {
    ASSIGN_OR_RETURN(auto record, repos_.flags.GetSegment(tx, id));
    ASSIGN_OR_RETURN(AdminSegment before, DecodeSegment(record));
    ASSIGN_OR_RETURN(auto states, repos_.flags.ListAllEnvironmentStates(tx));
    std::string users;
    for (const auto& s : states) {
      ASSIGN_OR_RETURN(EnvironmentState state, DecodeState(s));
      for (const auto& strategy : state.strategies) {
        if (std::find(strategy.segments.begin(), strategy.segments.end(), id) !=
            strategy.segments.end()) {
          users += (users.empty() ? "" : ", ") + s.feature + " (" + s.environment + ")";
          break;
        }
      }
    }
    if (!users.empty()) {
      return core::Conflict("segment " + std::to_string(id) + " is in use by: " + users);
    }
    RETURN_IF_ERROR(repos_.flags.DeleteSegment(tx, id, expected_version));
    touched.all = true;
    return repos_.audit.Record(tx, author, clock_.Now(), "segment.delete",
                               "segments/" + std::to_string(id), AdminSegmentToJson(before).dump(),
                               std::nullopt);
  });
}

}  // namespace gov::flags
