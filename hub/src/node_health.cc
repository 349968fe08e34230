#include "zhanqun/hub/node_health.h"

#include <algorithm>

namespace zhanqun::hub {

namespace {

std::string Secs(base::TimeMs ms) {
  std::int64_t tenths = (std::max<base::TimeMs>(ms, 0) + 50) / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

}  // namespace

const char* NodeStateName(NodeState s) {
  switch (s) {
    case NodeState::kOk:
      return "OK";
    case NodeState::kWarn:
      return "WARN";
    case NodeState::kErr:
      return "ERR";
    case NodeState::kStalled:
      return "STALLED";
    case NodeState::kOffline:
      return "OFFLINE";
    case NodeState::kStale:
      return "STALE";
  }
  return "?";
}

void HealthTracker::AddSample(const std::string& node, base::TimeMs at_ms, std::uint64_t hub_head,
                              std::uint64_t live) {
  std::lock_guard<std::mutex> lock(mu_);
  Track& t = tracks_[node];
  if (t.window.empty() || live != t.live) {
    t.live = live;
    t.live_since_ms = at_ms;
  }
  t.window.push_back({at_ms, hub_head, live});
  while (t.window.size() > rules_.window) t.window.pop_front();
}

Evaluation HealthTracker::Evaluate(const std::string& node, const NodeFacts& f,
                                   base::TimeMs now) const {
  if (!f.reported) return {NodeState::kOffline, "has never reported"};
  if (now - f.last_report_ms > rules_.offline_after_ms) {
    return {NodeState::kOffline, "no report for " + Secs(now - f.last_report_ms) +
                                     " (offline after " + Secs(rules_.offline_after_ms) + ")"};
  }
  if (f.head_expires_ms == 0) {
    return {NodeState::kStale,
            "has never reported a head statement that verifies: nothing signed says it is current"};
  }
  if (now > f.head_expires_ms) {
    return {NodeState::kStale, "its newest head statement (issued " + Secs(now - f.head_time_ms) +
                                   " ago) expired " + Secs(now - f.head_expires_ms) +
                                   " ago: its upstream is not passing fresh ones on"};
  }
  Track t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tracks_.find(node);
    if (it != tracks_.end()) t = it->second;
  }
  bool behind = f.live < f.hub_head;
  if (behind && !t.window.empty() && t.live == f.live) {
    // Not advancing since it first reported this seq, or since it fell
    // behind, whichever is later.
    base::TimeMs since = t.live_since_ms;
    for (const Sample& s : t.window) {
      if (s.live == f.live && s.hub_head > s.live) {
        since = std::max(since, s.at_ms);
        break;
      }
    }
    if (now - since >= rules_.stall_after_ms) {
      return {NodeState::kStalled, "reports arrive but live seq " + std::to_string(f.live) +
                                       " has not moved for " + Secs(now - since) +
                                       " while the hub head is " + std::to_string(f.hub_head)};
    }
  }
  if (behind && f.oldest_missing_since_ms > 0 && now - f.oldest_missing_since_ms > rules_.slo_ms) {
    return {NodeState::kErr, "entry " + std::to_string(f.live + 1) + " has been due for " +
                                 Secs(now - f.oldest_missing_since_ms) + " and is not live (SLO " +
                                 Secs(rules_.slo_ms) + ")"};
  }
  if (behind && t.window.size() >= 3) {
    bool growing = true;
    for (std::size_t i = 1; i < t.window.size() && growing; ++i) {
      growing = t.window[i].hub_head - std::min(t.window[i].hub_head, t.window[i].live) >=
                t.window[i - 1].hub_head - std::min(t.window[i - 1].hub_head, t.window[i - 1].live);
    }
    const Sample& first = t.window.front();
    const Sample& last = t.window.back();
    std::uint64_t lag0 = first.hub_head - std::min(first.hub_head, first.live);
    std::uint64_t lag1 = last.hub_head - std::min(last.hub_head, last.live);
    if (growing && lag1 > lag0) {
      return {NodeState::kWarn, "lag grew from " + std::to_string(lag0) + " to " +
                                    std::to_string(lag1) + " entries over its last " +
                                    std::to_string(t.window.size()) + " reports"};
    }
  }
  return {NodeState::kOk, behind ? "catching up, within the SLO" : "live at the hub head"};
}

}  // namespace zhanqun::hub
