#include "flags/snapshot_publisher.h"

#include <algorithm>

#include "core/thread_priority.h"
#include "flags/internal/flag_service_store.h"

namespace gov::flags {

// The revision is read before the flags: on PostgreSQL (read committed) a change that
// commits in between makes the flags newer than the revision says, never older, and that
// change's own notification then publishes its revision again with the same flags.
core::StatusOr<std::shared_ptr<const EnvironmentSnapshot>> LoadEnvironmentSnapshot(
    store::Database& db, const FlagRepositories& repos, const std::string& environment,
    const CompileOptions& options) {
  auto snapshot = std::make_shared<EnvironmentSnapshot>();
  snapshot->environment = environment;
  RETURN_IF_ERROR(store::WithTransaction(
      db, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(snapshot->revision, repos.flags.GetRevision(tx, environment));
        ASSIGN_OR_RETURN(snapshot->features, LoadClientFeatures(repos, tx, environment));
        return core::Status::Ok();
      }));
  snapshot->compiled = Compile(snapshot->features, options);
  return std::shared_ptr<const EnvironmentSnapshot>(std::move(snapshot));
}

SnapshotPublisher::SnapshotPublisher(store::Database& db, SnapshotRegistry& registry,
                                     PublisherOptions options, FlagRepositories repositories)
    : db_(db), registry_(registry), options_(std::move(options)), repos_(repositories) {}

SnapshotPublisher::~SnapshotPublisher() { Stop(); }

core::Status SnapshotPublisher::Start() {
  RETURN_IF_ERROR(CheckRevisions());
  if (options_.listen) {
    std::shared_ptr<Inbox> inbox = inbox_;
    RETURN_IF_ERROR(db_.Listen(kFlagsChannel, [inbox](const std::string&, const std::string& env) {
      std::lock_guard<std::mutex> lock(inbox->mu);
      if (inbox->stopped) return;
      inbox->pending.insert(env);
      inbox->cv.notify_all();
    }));
  }
  thread_ = core::StartThread("gov-flag-pub", [this] { Run(); });
  return core::Status::Ok();
}

core::Status SnapshotPublisher::Reload(const std::string& environment) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  core::StatusOr<int64_t> stored = int64_t{0};
  RETURN_IF_ERROR(
      store::WithTransaction(db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) {
        stored = repos_.flags.GetRevision(tx, environment);
        return stored.status();
      }));
  if (auto current = registry_.Get(environment); current && current->revision >= *stored) {
    return core::Status::Ok();
  }
  ASSIGN_OR_RETURN(auto snapshot,
                   LoadEnvironmentSnapshot(db_, repos_, environment, options_.compile));
  registry_.Publish(snapshot);
  return core::Status::Ok();
}

core::Status SnapshotPublisher::CheckRevisions() {
  std::vector<store::EnvironmentRecord> environments;
  std::map<std::string, int64_t> revisions;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(environments, repos_.environments.List(tx));
        ASSIGN_OR_RETURN(revisions, repos_.flags.ListRevisions(tx));
        return core::Status::Ok();
      }));
  core::Status first_error;
  for (const auto& env : environments) {
    const auto it = revisions.find(env.name);
    const int64_t stored = it == revisions.end() ? 0 : it->second;
    auto current = registry_.Get(env.name);
    if (current && current->revision == stored) continue;
    core::Status s = Reload(env.name);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

void SnapshotPublisher::Run() {
  const core::Clock& clock = *options_.clock;
  core::TimePoint next_check = clock.Now() + options_.check_interval;
  std::unique_lock<std::mutex> lock(inbox_->mu);
  while (!inbox_->stopped) {
    const core::Duration wait = std::clamp<core::Duration>(
        next_check - clock.Now(), std::chrono::milliseconds(1), options_.check_interval);
    inbox_->cv.wait_for(lock, wait, [&] { return inbox_->stopped || !inbox_->pending.empty(); });
    if (inbox_->stopped) break;
    std::set<std::string> pending;
    pending.swap(inbox_->pending);
    lock.unlock();
    // Errors (e.g. the database briefly down) are retried by the next periodic check.
    for (const auto& env : pending) (void)Reload(env);
    if (clock.Now() >= next_check) {
      (void)CheckRevisions();
      next_check = clock.Now() + options_.check_interval;
    }
    lock.lock();
  }
}

void SnapshotPublisher::Stop() {
  {
    std::lock_guard<std::mutex> lock(inbox_->mu);
    inbox_->stopped = true;
    inbox_->cv.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace gov::flags
