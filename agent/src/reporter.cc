// The reporter's state: stage marks, our own report, children's reports.
#include "zhanqun/agent/reporter.h"

#include <algorithm>
#include <random>
#include <utility>

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

constexpr std::size_t kMaxTransitions = 256;
constexpr std::size_t kMaxRelayQueue = 20000;
constexpr std::size_t kMaxPendingRejections = 100;
// Without an offset estimate after this long (an upstream that sends no
// X-Zhanqun-Clock), stage times are sent anyway: the hub then bounds them by
// the receipt time.
constexpr base::TimeMs kClockWaitMs = 30000;

std::uint64_t NewBoot() {
  std::random_device rd;
  std::uint64_t boot = (static_cast<std::uint64_t>(rd()) << 32 | rd()) >> 1;  // fits a JSON integer
  return boot == 0 ? 1 : boot;
}

}  // namespace

Reporter::Reporter(ReporterEnv env) : env_(std::move(env)), client_(env_.http()), boot_(NewBoot()) {
  client_->set_abort_flag(signal_.abort_flag());
}

void Reporter::MarkHeldAtStart(std::uint64_t stored, std::uint64_t indexed, bool site_on) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto mark = [&](feeds::Stage stage) -> StageMark& {
      return hub_stages_[feeds::StageName(stage)];
    };
    for (feeds::Stage stage : {feeds::Stage::kReceived, feeds::Stage::kVerified}) {
      mark(stage) = {stored, 0};
    }
    mark(feeds::Stage::kIndexed) = {indexed, 0};
    if (!site_on) {
      mark(feeds::Stage::kLocalized) = {indexed, 0};
      mark(feeds::Stage::kLive) = {indexed, 0};
    }
  }
  signal_.Raise();
}

void Reporter::RecordStageLocked(feeds::Stage stage, std::uint64_t seq, base::TimeMs at) {
  StageMark& mark = hub_stages_[feeds::StageName(stage)];
  if (seq <= mark.seq) return;
  mark = {seq, at};
  transitions_.push_back({feeds::kHubCode, stage, seq, at});
  // Bounded: the oldest marks go first; the current one is always reported.
  while (transitions_.size() > kMaxTransitions) transitions_.pop_front();
}

void Reporter::RecordStages(const std::string& origin, const std::vector<StageReached>& reached) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const base::TimeMs now = env_.clock.NowMs();
    // The hub measures propagation of its own log only.
    if (origin == feeds::kHubCode) {
      for (const StageReached& r : reached) RecordStageLocked(r.stage, r.seq, now);
    }
  }
  signal_.Raise();
}

void Reporter::NoteRejection(const std::string& origin, std::uint64_t seq,
                             const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_rejections_.size() < kMaxPendingRejections) {
      pending_rejections_.push_back({origin, seq, reason});
    }
  }
  signal_.Raise();
}

bool Reporter::ClockReadyForAcks() {
  base::TimeMs now = env_.clock.MonotonicMs();
  if (first_report_ms_ == 0) first_report_ms_ = now;
  return env_.freshness.ClockEstimate().known || now - first_report_ms_ >= kClockWaitMs;
}

std::string Reporter::BuildOwnReport(bool with_acks, std::size_t* rejections, std::size_t* acks) {
  feeds::NodeReport r;
  r.node = env_.node;
  r.boot = boot_;
  r.n = report_n_ + 1;
  r.sent_ms = env_.clock.NowMs();
  r.clock = env_.freshness.ClockEstimate();
  r.upstream = env_.upstreams.Current().url;
  r.head_statement = env_.freshness.NewestText();
  std::lock_guard<std::mutex> lock(mu_);
  *acks = 0;
  if (with_acks) {
    *acks = transitions_.size();
    r.acks.assign(transitions_.begin(), transitions_.end());
    // The current mark of every other stage too: acks are cumulative, so a
    // report that went missing costs timing detail only, never progress.
    for (const auto& [name, mark] : hub_stages_) {
      Result<feeds::Stage> stage = feeds::ParseStage(name);
      if (!stage.ok()) continue;  // every key is a StageName
      bool moved = std::any_of(transitions_.begin(), transitions_.end(),
                               [&](const feeds::StageAck& a) { return a.stage == *stage; });
      if (mark.seq > 0 && !moved) {
        r.acks.push_back({feeds::kHubCode, *stage, mark.seq, mark.at_ms});
      }
    }
  }
  r.rejected = pending_rejections_;
  *rejections = pending_rejections_.size();
  return feeds::EncodeReport(r);
}

Result<std::size_t> Reporter::AcceptChildReports(const std::string& body,
                                                 const std::string& signature_header) {
  Result<feeds::Envelope> env = feeds::ParseEnvelope(body, signature_header);
  if (!env.ok()) return env.status();
  std::vector<feeds::PublicKey> keys = env_.trust.ReportKeys(env->from);
  if (keys.empty()) {
    return Status::Unauthenticated("reports from " + env->from +
                                   ", which has no key granted without end here (not "
                                   "registered, revoked or removed)");
  }
  Status s = feeds::VerifySignatureFor(keys, body, signature_header);
  if (!s.ok()) return s.Context("X-Zhanqun-Signature of node " + env->from);
  // Inner reports are passed on byte for byte: the hub verifies each against
  // its own node's key, so we could not alter one if we wanted to.
  std::size_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (feeds::SignedReport& r : env->reports) relay_queue_.push_back(std::move(r));
    for (; relay_queue_.size() > kMaxRelayQueue; ++dropped) relay_queue_.pop_front();
  }
  signal_.Raise();
  if (dropped > 0) {
    env_.counters.reports_dropped += dropped;
    Emit(env_.sink, "reports_dropped",
         {{"count", std::to_string(dropped)}, {"reason", "relay queue full"}});
  }
  return env->reports.size();
}

}  // namespace zhanqun::agent
