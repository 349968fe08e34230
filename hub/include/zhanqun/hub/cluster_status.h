// The cluster's status as plain values: what Hub::ReadClusterStatus and
// Hub::ReadReleaseStatus build once per request, from a fixed number of
// store queries and the health tracker, and what every rendering reads:
// JSON (status_json.h: /api/v1/status, `zhanqun-hubd status`, the console's
// JSON twins), Prometheus text (hub_metrics.h) and the console pages (web/).
//
// Values only: they hold no reference into the store, so a renderer may keep
// one as long as it likes. All times are on the hub's clock.
#ifndef ZHANQUN_HUB_CLUSTER_STATUS_H_
#define ZHANQUN_HUB_CLUSTER_STATUS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/time.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/hub/hub_store.h"
#include "zhanqun/hub/node_health.h"

namespace zhanqun::hub {

// How long entries took to reach one stage at one node (hub_ms - appended_ms).
// Quantiles are nearest-rank: the value at index floor(q * count) of the
// sorted lags.
struct LagSummary {
  std::size_t count = 0;
  base::TimeMs p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
};
// nullopt when `lags` is empty.
std::optional<LagSummary> SummarizeLags(std::vector<base::TimeMs> lags);

// What the node's newest report said of itself.
struct NodeReportSummary {
  struct Clock {
    std::int64_t offset_ms = 0;  // hub time = node time + offset
    std::int64_t error_ms = 0;   // bound on the estimate's error
  };
  struct HeldHeadStatement {
    std::uint64_t seq = 0;
    base::TimeMs issued_ms = 0, expires_ms = 0;
  };
  std::string via;             // the node whose envelope carried it (itself when direct)
  std::string upstream;        // the upstream it follows
  std::optional<Clock> clock;  // absent: the node does not know it
  std::optional<HeldHeadStatement> head_statement;  // absent: it holds none
  std::uint64_t accepted = 0;                       // reports recorded so far
  std::uint64_t missing = 0;   // gaps in its numbering: reports that never arrived
  std::uint64_t replayed = 0;  // old numbers seen again, ignored
};

struct NodeStatus {
  std::string code, name;
  feeds::NodeLevel level = feeds::NodeLevel::kNational;
  std::string parent;
  NodeState state = NodeState::kOk;
  std::string why;  // the health rule that chose `state`, with its figures
  // origin -> stage -> highest seq acknowledged, for every log the node
  // acknowledged. The hub's log is always there with every stage of
  // feeds::kStages (0: none yet).
  std::map<std::string, std::map<std::string, std::uint64_t>> stage_seqs;
  // Of the hub's log:
  std::uint64_t missing = 0;               // entries not yet live at the node
  std::uint64_t missing_verified = 0;      // entries not yet verified there
  base::TimeMs oldest_missing_lag_ms = 0;  // how long the first missing one is due (0: none)
  // Every stage of feeds::kStages -> the lags of the entries appended after
  // the node was registered that reached it; nullopt when none has.
  std::map<std::string, std::optional<LagSummary>> lags;
  std::optional<base::TimeMs> last_contact_ms;  // absent: never heard from
  std::optional<NodeReportSummary> report;      // absent: no report recorded
  std::optional<RejectionRow> last_rejection;   // the newest entry it refused

  // The seq the node acknowledged for (hub log, `stage`); 0 if none.
  std::uint64_t HubSeq(const std::string& stage) const;
};

struct ClusterStatus {
  base::TimeMs now_ms = 0;
  std::uint64_t hub_head = 0;  // head seq of the hub's log
  int slo_s = 0;
  std::map<NodeState, int> state_counts;  // every state, 0 included
  std::vector<NodeStatus> nodes;          // every registered node but the hub, by code
};

// One node's progress on one release.
struct ReleaseNodeProgress {
  std::string code, name;
  feeds::NodeLevel level = feeds::NodeLevel::kNational;
  std::map<std::string, base::TimeMs> reached_ms;  // stage -> when it got there
  // When the release became due there: its append, or the node's
  // registration if that came later.
  base::TimeMs due_since_ms = 0;
};

struct ReleaseStatus {
  ReleaseRow release;  // its newest version
  base::TimeMs now_ms = 0;
  std::vector<ReleaseNodeProgress> live;     // nodes where it is live, by code
  std::vector<ReleaseNodeProgress> lacking;  // the others, by code
};

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_CLUSTER_STATUS_H_
