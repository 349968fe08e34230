// The agent's side of reports (acknowledgements and heartbeats): its own
// progress, its children's reports passed up the tree, the hub's clock and
// head statements, and the choice of upstream.
#include <algorithm>

#include "zhanqun/agent/agent.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

constexpr std::size_t kMaxTransitions = 256;
constexpr std::size_t kMaxRelayQueue = 20000;
constexpr base::TimeMs kProbeIntervalMs = 10000;
// Without an offset estimate after this long (an upstream that sends no
// X-Zhanqun-Clock), stage times are sent anyway: the hub then bounds them by
// the receipt time.
constexpr base::TimeMs kClockWaitMs = 30000;

}  // namespace

void Agent::RecordStage(const std::string& origin, const std::string& stage, std::uint64_t seq) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    RecordStageLocked(origin, stage, seq, clock_.NowMs());
    ack_wanted_ = true;
  }
  ack_cv_.notify_one();
}

void Agent::RecordStageLocked(const std::string& origin, const std::string& stage,
                              std::uint64_t seq, base::TimeMs at) {
  if (origin != feeds::kHubCode) return;  // the hub measures propagation of its own log
  StageMark& mark = hub_stages_[stage];
  if (seq <= mark.seq) return;
  mark = {seq, at};
  transitions_.push_back({origin, stage, seq, at});
  // Bounded: the oldest marks go first; the current one is always reported.
  while (transitions_.size() > kMaxTransitions) transitions_.pop_front();
}

bool Agent::ClockReadyForAcks() {
  base::TimeMs now = clock_.MonotonicMs();
  if (first_report_ms_ == 0) first_report_ms_ = now;
  return clock_sync_.Estimate().known || now - first_report_ms_ >= kClockWaitMs;
}

std::string Agent::BuildOwnReport(bool with_acks, std::size_t* rejections, std::size_t* acks) {
  feeds::NodeReport r;
  r.node = config_.node;
  r.boot = boot_;
  r.n = report_n_ + 1;
  r.sent_ms = clock_.NowMs();
  r.clock = clock_sync_.Estimate();
  r.upstream = upstreams_.Current().url;
  r.head_statement = HeadStatementText();
  std::lock_guard<std::mutex> lock(mu_);
  *acks = 0;
  if (with_acks) {
    *acks = transitions_.size();
    r.acks.assign(transitions_.begin(), transitions_.end());
    // The current mark of every other stage too: acks are cumulative, so a
    // report that went missing costs timing detail only, never progress.
    for (const auto& [stage, mark] : hub_stages_) {
      bool moved = std::any_of(transitions_.begin(), transitions_.end(),
                               [&](const feeds::StageAck& a) { return a.stage == stage; });
      if (mark.seq > 0 && !moved) {
        r.acks.push_back({feeds::kHubCode, stage, mark.seq, mark.at_ms});
      }
    }
  }
  for (const Rejection& x : pending_rejections_) r.rejected.push_back({x.origin, x.seq, x.reason});
  *rejections = pending_rejections_.size();
  return feeds::EncodeReport(r);
}

Result<std::size_t> Agent::AcceptChildReports(const std::string& body,
                                              const std::string& signature_header) {
  Result<feeds::Envelope> env = feeds::ParseEnvelope(body, signature_header);
  if (!env.ok()) return env.status();
  std::vector<feeds::PublicKey> keys;
  {
    std::lock_guard<std::mutex> lock(trust_mu_);
    keys = trust_.Keys(env->from);
  }
  if (keys.empty()) {
    return Status::Unauthenticated("reports from " + env->from +
                                   ", which is not a registered node here");
  }
  Status s = feeds::VerifySignatureFor(keys, body, signature_header);
  if (!s.ok()) return s.Context("X-Zhanqun-Signature of node " + env->from);
  // Inner reports are passed on byte for byte: the hub verifies each against
  // its own node's key, so we could not alter one if we wanted to.
  std::size_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (feeds::SignedReport& r : env->reports) relay_queue_.push_back(std::move(r));
    while (relay_queue_.size() > kMaxRelayQueue) {
      relay_queue_.pop_front();
      dropped++;
    }
    ack_wanted_ = true;
  }
  ack_cv_.notify_one();
  if (dropped > 0) {
    counters_.reports_dropped += dropped;
    Emit("reports_dropped", {{"count", std::to_string(dropped)}, {"reason", "relay queue full"}});
  }
  return env->reports.size();
}

std::string Agent::HeadStatementText() {
  std::lock_guard<std::mutex> lock(head_mu_);
  return head_.text;
}

bool Agent::IsStale() {
  base::TimeMs now = HubNowMs();
  std::lock_guard<std::mutex> lock(head_mu_);
  return !head_.text.empty() && now > head_.expires_ms;
}

void Agent::OfferHeadStatement(const std::string& text) {
  {
    std::lock_guard<std::mutex> lock(head_mu_);
    if (text == head_.text) return;
  }
  Result<feeds::HeadStatement> hs = feeds::VerifyHeadStatement(text, hub_key_);
  if (!hs.ok() || hs->origin != feeds::kHubCode) {
    counters_.head_statements_refused++;
    Emit("head_statement_refused",
         {{"reason", hs.ok() ? "not for the hub's log" : hs.status().ToString()}});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(head_mu_);
    if (hs->time_ms <= head_.time_ms) return;
    head_ = std::move(*hs);
  }
  notifier_.Notify(feeds::kHubCode);  // our children's long-polls pass it on
}

void Agent::SetFrozen(bool frozen) {
  frozen_ = frozen;
  Emit(frozen ? "frozen" : "unfrozen", {{"by", "fault injection"}});
}

void Agent::NoteSwitch(const std::string& reason) {
  counters_.upstream_switches++;
  Emit("upstream_switched", {{"to", upstreams_.Current().url}, {"reason", reason}});
  notifier_.NotifyAll();  // followers waiting in a backoff try the new one at once
  cv_.notify_all();
}

bool Agent::ProbeUpstream(std::size_t index, net::HttpClient& client) {
  std::uint64_t ours = store_->Head(feeds::kHubCode);
  Result<net::HttpResult> res =
      client.Get(feeds::FeedUrl(upstreams_.url(index), feeds::kHubCode, ours), 3000);
  if (!res.ok() || res->status != 200) return false;
  auto hs = res->headers.find("x-zhanqun-head-statement");
  auto head = res->headers.find("x-zhanqun-head");
  if (hs == res->headers.end() || head == res->headers.end()) return false;
  Result<feeds::HeadStatement> st = feeds::VerifyHeadStatement(hs->second, hub_key_);
  // Healthy: a fresh statement, and it holds at least what we hold.
  return st.ok() && HubNowMs() <= st->expires_ms &&
         std::strtoull(head->second.c_str(), nullptr, 10) >= ours;
}

void Agent::CheckUpstreams(net::HttpClient& client) {
  if (upstreams_.size() < 2 || frozen_) return;
  Upstreams::Choice up = upstreams_.Current();
  if (IsStale() && upstreams_.Stale(up.index)) {
    NoteSwitch("head statement from " + up.url + " expired (frozen upstream?)");
    return;
  }
  base::TimeMs now = clock_.MonotonicMs();
  if (up.index == 0 || now - last_probe_ms_ < kProbeIntervalMs) return;
  last_probe_ms_ = now;
  for (std::size_t i = 0; i < up.index; ++i) {
    if (ProbeUpstream(i, client) && upstreams_.SwitchTo(i)) {
      NoteSwitch("better-ranked upstream " + upstreams_.url(i) + " is healthy again");
      return;
    }
  }
}

}  // namespace zhanqun::agent
