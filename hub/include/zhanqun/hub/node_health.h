// Node health over a sliding window, after Kafka's Burrow: every node is in
// exactly one state, chosen by explicit rules evaluated in this order
// (docs/operations.md, "Node states"):
//
//   OFFLINE  no report for offline_after (or never reported)
//   STALE    the node has never reported a hub head statement that
//            verified, or the newest one it holds has expired: nothing
//            signed says it is current, however healthy it looks
//   STALLED  reporting, behind the hub, and its live seq has not moved for
//            stall_after
//   ERR      an entry published more than slo ago is not live there
//   WARN     behind, and the lag (hub head - live seq) grew across the
//            window's reports without ever shrinking
//   OK       otherwise
//
// All times are on the hub's clock. Thread-safe.
#ifndef ZHANQUN_HUB_NODE_HEALTH_H_
#define ZHANQUN_HUB_NODE_HEALTH_H_

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "zhanqun/feeds/model.h"

namespace zhanqun::hub {

enum class NodeState { kOk, kWarn, kErr, kStalled, kOffline, kStale };
const char* NodeStateName(NodeState s);  // "OK", "WARN", ...
inline constexpr NodeState kAllNodeStates[] = {NodeState::kOk,      NodeState::kWarn,
                                               NodeState::kErr,     NodeState::kStalled,
                                               NodeState::kOffline, NodeState::kStale};

struct HealthRules {
  std::int64_t slo_ms = 60000;
  std::int64_t offline_after_ms = 30000;
  std::int64_t stall_after_ms = 30000;
  std::size_t window = 10;
};

// What the hub knows of one node right now.
struct NodeFacts {
  bool reported = false;  // ever, since the hub started or in the store
  base::TimeMs last_report_ms = 0;
  base::TimeMs head_expires_ms = 0;  // 0: no head statement reported
  base::TimeMs head_time_ms = 0;
  std::uint64_t hub_head = 0;
  std::uint64_t live = 0;                    // highest seq live at the node
  base::TimeMs oldest_missing_since_ms = 0;  // when seq live+1 became due there (0: none)
};

struct Evaluation {
  NodeState state = NodeState::kOk;
  std::string why;  // one sentence naming the rule and the figures
};

class HealthTracker {
 public:
  explicit HealthTracker(HealthRules rules) : rules_(rules) {}
  const HealthRules& rules() const { return rules_; }
  // One report's view: at `at_ms` the hub head was `hub_head` and the node's
  // live seq `live`.
  void AddSample(const std::string& node, base::TimeMs at_ms, std::uint64_t hub_head,
                 std::uint64_t live);
  Evaluation Evaluate(const std::string& node, const NodeFacts& facts, base::TimeMs now) const;

 private:
  struct Sample {
    base::TimeMs at_ms;
    std::uint64_t hub_head, live;
  };
  struct Track {
    std::deque<Sample> window;
    std::uint64_t live = 0;
    base::TimeMs live_since_ms = 0;  // when `live` was first seen at its value
  };
  HealthRules rules_;
  mutable std::mutex mu_;
  std::map<std::string, Track> tracks_;
};

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_NODE_HEALTH_H_
