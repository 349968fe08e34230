// How the agent's parts reach each other: the hooks and environments the
// Agent hands each part, and what each event sets off elsewhere.
#include "zhanqun/agent/agent.h"

namespace zhanqun::agent {

ApplyHooks Agent::ApplierHooks() {
  ApplyHooks h;
  h.stored = [this](const std::string& origin, const std::vector<feeds::SignedEntry>& stored) {
    notifier_.Notify(origin);  // our children's long-polls on that log
    indexer_.HandOff(origin, stored);
  };
  h.progressed = [this](const std::string& origin, std::uint64_t received, std::uint64_t verified) {
    reporter_.RecordStages(
        origin, {{feeds::Stage::kReceived, received}, {feeds::Stage::kVerified, verified}});
  };
  h.truncated = [this](const std::string& origin, std::uint64_t /*from_seq*/) {
    notifier_.Notify(origin);  // children's long-polls answer from the shorter log
    RequestSiteRefresh();      // the site renders again without what was taken back
  };
  h.rejected = [this](const std::string& origin, std::uint64_t seq, const std::string& reason) {
    reporter_.NoteRejection(origin, seq, reason);
  };
  return h;
}

IndexHooks Agent::IndexerHooks() {
  IndexHooks h;
  h.indexed = [this](const std::string& origin, std::uint64_t seq) {
    // Without a local site, a node is live once its search serves the entry.
    if (site_) {
      reporter_.RecordStages(origin, {{feeds::Stage::kIndexed, seq}});
    } else {
      reporter_.RecordStages(origin, {{feeds::Stage::kIndexed, seq},
                                      {feeds::Stage::kLocalized, seq},
                                      {feeds::Stage::kLive, seq}});
    }
  };
  h.pass_done = [this] {
    EnsureFollowers();
    RequestSiteRefresh();
  };
  h.release_memory = [this] {
    feed_pages_->Clear();
    if (site_) site_->localizer().ReleaseMemory();
  };
  return h;
}

ReporterEnv Agent::ReporterEnvironment() {
  return ReporterEnv{config_.node,
                     key_,
                     config_.report_interval_s,
                     upstreams_,
                     freshness_,
                     trust_,
                     watch_,
                     [this](const std::string& reason) { NoteSwitch(reason); },
                     clock_,
                     counters_,
                     sink_,
                     http_};
}

FollowerEnv Agent::FollowerEnvironment() {
  return FollowerEnv{config_,
                     *store_,
                     upstreams_,
                     applier_,
                     freshness_,
                     clock_,
                     counters_,
                     sink_,
                     http_,
                     [this](const std::string& reason) { NoteSwitch(reason); },
                     [this] { RequestSiteRefresh(); },
                     frozen_};
}

void Agent::NoteSwitch(const std::string& reason) {
  counters_.upstream_switches++;
  Emit(sink_, "upstream_switched", {{"to", upstreams_.Current().url}, {"reason", reason}});
  // Held long-polls (our children's) re-check at once. Our own long-polls
  // held at the upstream we left end now and ask the new one; a follower
  // in its backoff tries the new upstream when the backoff ends.
  notifier_.NotifyAll();
  std::lock_guard<std::mutex> lock(threads_mu_);
  for (auto& [origin, follower] : followers_) follower->Retarget();
}

}  // namespace zhanqun::agent
