#include "zhanqun/agent/agent_metrics.h"

#include <map>
#include <optional>

#include "zhanqun/base/metrics.h"

namespace zhanqun::agent {

using base::MetricsWriter;
using base::MetricType;

namespace {

void WriteCounters(Agent& agent, MetricsWriter& w) {
  w.Counters("zhanqun_agent_", agent.counters());
  w.Family("zhanqun_agent_entries_refused_total", MetricType::kCounter,
           "Entries refused by each authority rule (who may sign what).");
  for (feeds::AuthorityRule rule : feeds::AllAuthorityRules()) {
    w.Sample(agent.counters().Refusals(rule), {{"rule", feeds::AuthorityRuleName(rule)}});
  }
}

// The level the hub registered this node with, once its registry entry has
// arrived ("unknown" until then).
base::Result<std::string> RegisteredLevel(Agent& agent) {
  base::Result<std::optional<RegistryNode>> n = agent.store().FindRegistryNode(agent.config().node);
  if (!n.ok()) return n.status();
  return std::string(*n ? feeds::NodeLevelName((*n)->level) : "unknown");
}

// Progress read from the parts themselves, the same figures /api/v1/status
// shows.
base::Status WriteProgress(Agent& agent, MetricsWriter& w) {
  const std::string& node = agent.config().node;
  std::map<std::string, std::uint64_t> heads, indexed;
  std::vector<std::string> logs = agent.FollowedOrigins();
  logs.push_back(node);  // our own log, when not followed
  for (const std::string& origin : logs) {
    base::Result<std::uint64_t> head = agent.store().Head(origin);
    if (!head.ok()) return head.status();
    heads[origin] = *head;
  }
  for (const std::string& origin : agent.FollowedOrigins()) {
    indexed[origin] = agent.indexer().ProgressOf(origin).indexed;
  }
  base::Result<std::string> level = RegisteredLevel(agent);
  if (!level.ok()) return level.status();
  base::Result<std::uint64_t> quarantined = agent.store().QuarantineCount();
  if (!quarantined.ok()) return quarantined.status();
  w.Family("zhanqun_agent_info", MetricType::kGauge,
           "This agent's node code and level (always 1).");
  w.Sample(std::uint64_t{1}, {{"node", node}, {"level", *level}});
  w.Family("zhanqun_agent_log_head_seq", MetricType::kGauge,
           "Highest seq stored of each log held (followed origins and the agent's own).");
  for (const auto& [origin, seq] : heads) w.Sample(seq, {{"origin", origin}});
  w.Family("zhanqun_agent_indexed_seq", MetricType::kGauge,
           "Highest seq of each followed origin in the search index.");
  for (const auto& [origin, seq] : indexed) w.Sample(seq, {{"origin", origin}});
  w.Family("zhanqun_agent_quarantined_entries", MetricType::kGauge,
           "Entries held in quarantine (refused input, kept for inspection).");
  w.Sample(*quarantined);
  w.Family("zhanqun_agent_stale", MetricType::kGauge,
           "1 when this agent holds no verified hub head statement, or the newest has expired.");
  w.Sample(std::uint64_t{agent.freshness().IsStale() ? 1u : 0u});
  w.Family("zhanqun_agent_upstream_index", MetricType::kGauge,
           "Position in the upstreams list of the upstream followed now (0: the parent).");
  w.Sample(std::uint64_t{agent.upstreams().Current().index});
  feeds::ClockEstimate clock = agent.freshness().ClockEstimate();
  w.Family("zhanqun_agent_clock_offset_seconds", MetricType::kGauge,
           "Estimated offset of the hub's clock from this agent's (hub = local + offset).");
  if (clock.known) w.Sample(static_cast<double>(clock.offset_ms) / 1000.0);
  return base::Status::Ok();
}

}  // namespace

base::Result<std::string> AgentMetricsText(Agent& agent) {
  MetricsWriter w;
  WriteCounters(agent, w);
  ZQ_RETURN_IF_ERROR(WriteProgress(agent, w));
  return w.Text();
}

}  // namespace zhanqun::agent
