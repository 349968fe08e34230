// The agent's GET /metrics: its counters and follow/index progress as
// Prometheus text (base/metrics.h). See docs/api.md for the families.
#ifndef ZHANQUN_AGENT_AGENT_METRICS_H_
#define ZHANQUN_AGENT_AGENT_METRICS_H_

#include <string>

#include "zhanqun/agent/agent.h"

namespace zhanqun::agent {

// Every counter of Agent::counters() as zhanqun_agent_<name>_total;
// zhanqun_agent_info{node,level}; per followed origin (and the agent's own
// log) the stored head seq and the indexed seq; the quarantine size.
// Thread-safe as Agent is. Fails when the store cannot be read.
base::Result<std::string> AgentMetricsText(Agent& agent);

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_AGENT_METRICS_H_
