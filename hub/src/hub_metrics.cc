#include "zhanqun/hub/hub_metrics.h"

#include <map>

#include "zhanqun/base/metrics.h"
#include "zhanqun/hub/cluster_status.h"
#include "zhanqun/hub/node_health.h"

namespace zhanqun::hub {

using base::MetricLabels;
using base::MetricsWriter;
using base::MetricType;

namespace {

void WriteCounters(Hub& hub, MetricsWriter& w) {
  for (const base::CounterSet* set : hub.CounterSets()) w.Counters("zhanqun_hub_", *set);
}

base::Status WriteHeads(Hub& hub, MetricsWriter& w) {
  base::Result<std::vector<std::string>> origins = hub.store().Origins();
  if (!origins.ok()) return origins.status().Context("log origins");
  std::vector<std::pair<std::string, std::uint64_t>> heads;
  for (const std::string& origin : *origins) {
    base::Result<std::uint64_t> head = hub.store().Head(origin);
    if (!head.ok()) return head.status();
    heads.emplace_back(origin, *head);
  }
  w.Family("zhanqun_hub_log_head_seq", MetricType::kGauge,
           "Highest seq of each log the hub holds.");
  for (const auto& [origin, head] : heads) w.Sample(head, {{"origin", origin}});
  return base::Status::Ok();
}

struct StageGauge {
  const char* name;
  const char* stage;
  const char* help;
};

constexpr StageGauge kStageGauges[] = {
    {"zhanqun_hub_node_received_seq", "received", "Highest seq the node acknowledged as received."},
    {"zhanqun_hub_node_verified_seq", "verified", "Highest seq the node acknowledged as verified."},
    {"zhanqun_hub_node_localized_seq", "localized",
     "Highest seq the node acknowledged as localized (its interpretation written)."},
    {"zhanqun_hub_node_indexed_seq", "indexed", "Highest seq the node acknowledged as indexed."},
    {"zhanqun_hub_node_live_seq", "live",
     "Highest seq the node acknowledged as live (on its site, or searchable without one)."},
};

MetricLabels NodeLabels(const NodeStatus& n) {
  return {{"node", n.code}, {"level", feeds::NodeLevelName(n.level)}};
}

MetricLabels OriginLabels(const NodeStatus& n, const std::string& origin) {
  MetricLabels labels = NodeLabels(n);
  labels.push_back({"origin", origin});
  return labels;
}

// Per node and origin, for every log the node acknowledged.
void WriteStageSeqs(const ClusterStatus& status, MetricsWriter& w) {
  for (const StageGauge& g : kStageGauges) {
    w.Family(g.name, MetricType::kGauge, g.help);
    for (const NodeStatus& n : status.nodes) {
      for (const auto& [origin, stages] : n.stage_seqs) {
        auto seq = stages.find(g.stage);
        if (seq != stages.end()) w.Sample(seq->second, OriginLabels(n, origin));
      }
    }
  }
}

// Per node, of the hub's log only.
void WriteMissing(const ClusterStatus& status, MetricsWriter& w) {
  w.Family("zhanqun_hub_node_missing_entries", MetricType::kGauge,
           "Entries of the log not yet live at the node.");
  for (const NodeStatus& n : status.nodes) {
    w.Sample(n.missing, OriginLabels(n, feeds::kHubCode));
  }
  w.Family("zhanqun_hub_node_oldest_missing_lag_seconds", MetricType::kGauge,
           "How long the oldest entry not live at the node has been due (0 when none is "
           "missing).");
  for (const NodeStatus& n : status.nodes) {
    w.Sample(static_cast<double>(n.oldest_missing_lag_ms) / 1000.0,
             OriginLabels(n, feeds::kHubCode));
  }
}

void WriteStates(const ClusterStatus& status, MetricsWriter& w) {
  w.Family("zhanqun_hub_node_state", MetricType::kGauge,
           "1 for the node's current state (OK, WARN, ERR, STALLED, OFFLINE, STALE), 0 for the "
           "others.");
  for (const NodeStatus& n : status.nodes) {
    for (NodeState st : kAllNodeStates) {
      MetricLabels labels = NodeLabels(n);
      labels.push_back({"state", NodeStateName(st)});
      w.Sample(std::uint64_t{n.state == st ? 1u : 0u}, labels);
    }
  }
  w.Family("zhanqun_hub_nodes", MetricType::kGauge, "Nodes in each state.");
  // By name, as the JSON status lists them.
  std::map<std::string, int> by_name;
  for (const auto& [state, count] : status.state_counts) by_name[NodeStateName(state)] = count;
  for (const auto& [name, count] : by_name) {
    w.Sample(static_cast<std::uint64_t>(count), {{"state", name}});
  }
}

void WriteLastContact(const ClusterStatus& status, MetricsWriter& w) {
  w.Family("zhanqun_hub_node_last_contact_age_seconds", MetricType::kGauge,
           "Seconds since the node's last accepted acknowledgement (absent if never).");
  for (const NodeStatus& n : status.nodes) {
    if (!n.last_contact_ms) continue;
    w.Sample(static_cast<double>(status.now_ms - *n.last_contact_ms) / 1000.0, NodeLabels(n));
  }
}

// The same typed value /api/v1/status renders, so the two never disagree.
void WriteNodes(const ClusterStatus& status, MetricsWriter& w) {
  WriteStageSeqs(status, w);
  WriteMissing(status, w);
  WriteStates(status, w);
  WriteLastContact(status, w);
}

}  // namespace

base::Result<std::string> HubMetricsText(Hub& hub) {
  base::Result<ClusterStatus> status = hub.ReadClusterStatus();
  if (!status.ok()) return status.status();
  MetricsWriter w;
  WriteCounters(hub, w);
  ZQ_RETURN_IF_ERROR(WriteHeads(hub, w));
  WriteNodes(*status, w);
  for (const Hub::MetricsSource& source : hub.metrics_sources()) source(w);
  return w.Text();
}

}  // namespace zhanqun::hub
