#include "zhanqun/hub/hub_metrics.h"

#include <map>
#include <nlohmann/json.hpp>

#include "zhanqun/base/metrics.h"
#include "zhanqun/base/time.h"
#include "zhanqun/hub/node_health.h"

namespace zhanqun::hub {

using base::MetricLabels;
using base::MetricsWriter;
using base::MetricType;
using json = nlohmann::json;

namespace {

void WriteCounters(Hub& hub, MetricsWriter& w) {
  for (const base::CounterSet* set : hub.CounterSets()) w.Counters("zhanqun_hub_", *set);
}

void WriteHeads(Hub& hub, MetricsWriter& w) {
  w.Family("zhanqun_hub_log_head_seq", MetricType::kGauge,
           "Highest seq of each log the hub holds.");
  for (const std::string& origin : hub.store().Origins()) {
    w.Sample(hub.store().Head(origin), {{"origin", origin}});
  }
}

struct NodeGauge {
  const char* name;
  const char* key;  // in the status JSON, per node and origin
  bool ms;          // the status gives milliseconds; the metric is in seconds
  const char* help;
};

constexpr NodeGauge kNodeGauges[] = {
    {"zhanqun_hub_node_received_seq", "received", false,
     "Highest seq the node acknowledged as received."},
    {"zhanqun_hub_node_verified_seq", "verified", false,
     "Highest seq the node acknowledged as verified."},
    {"zhanqun_hub_node_localized_seq", "localized", false,
     "Highest seq the node acknowledged as localized (its interpretation written)."},
    {"zhanqun_hub_node_indexed_seq", "indexed", false,
     "Highest seq the node acknowledged as indexed."},
    {"zhanqun_hub_node_live_seq", "live", false,
     "Highest seq the node acknowledged as live (on its site, or searchable without one)."},
    {"zhanqun_hub_node_missing_entries", "missing", false,
     "Entries of the log not yet live at the node."},
    {"zhanqun_hub_node_oldest_missing_lag_seconds", "oldest_missing_lag_ms", true,
     "How long the oldest entry not live at the node has been due (0 when none is missing)."},
};

MetricLabels NodeLabels(const json& node) {
  return {{"node", node.at("code").get<std::string>()},
          {"level", node.at("level").get<std::string>()}};
}

// The gauges come from StatusJson, the same figures /api/v1/status shows,
// so the two never disagree.
void WriteNodes(const json& status, MetricsWriter& w) {
  const json& nodes = status.at("nodes");
  for (const NodeGauge& g : kNodeGauges) {
    w.Family(g.name, MetricType::kGauge, g.help);
    for (const json& n : nodes) {
      for (const auto& [origin, o] : n.at("origins").items()) {
        if (!o.contains(g.key) || !o[g.key].is_number()) continue;
        MetricLabels labels = NodeLabels(n);
        labels.push_back({"origin", origin});
        if (g.ms) {
          w.Sample(o[g.key].get<double>() / 1000.0, labels);
        } else {
          w.Sample(o[g.key].get<std::uint64_t>(), labels);
        }
      }
    }
  }
  w.Family("zhanqun_hub_node_state", MetricType::kGauge,
           "1 for the node's current state (OK, WARN, ERR, STALLED, OFFLINE, STALE), 0 for the "
           "others.");
  for (const json& n : nodes) {
    for (NodeState st : kAllNodeStates) {
      MetricLabels labels = NodeLabels(n);
      labels.push_back({"state", NodeStateName(st)});
      w.Sample(std::uint64_t{n.value("state", "") == NodeStateName(st) ? 1u : 0u}, labels);
    }
  }
  w.Family("zhanqun_hub_nodes", MetricType::kGauge, "Nodes in each state.");
  for (const auto& [state, count] : status.at("hub").at("states").items()) {
    w.Sample(count.get<std::uint64_t>(), {{"state", state}});
  }
  w.Family("zhanqun_hub_node_last_contact_age_seconds", MetricType::kGauge,
           "Seconds since the node's last accepted acknowledgement (absent if never).");
  base::Result<base::TimeMs> now = base::ParseTime(status.at("hub").at("now"));
  for (const json& n : nodes) {
    if (!now.ok() || !n.value("last_contact", json()).is_string()) continue;
    base::Result<base::TimeMs> at = base::ParseTime(n["last_contact"].get<std::string>());
    if (!at.ok()) continue;
    w.Sample(static_cast<double>(*now - *at) / 1000.0, NodeLabels(n));
  }
}

}  // namespace

std::string HubMetricsText(Hub& hub) {
  MetricsWriter w;
  WriteCounters(hub, w);
  WriteHeads(hub, w);
  WriteNodes(json::parse(hub.StatusJson()), w);
  for (const Hub::MetricsSource& source : hub.metrics_sources()) source(w);
  return w.Text();
}

}  // namespace zhanqun::hub
