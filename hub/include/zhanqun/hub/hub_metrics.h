// The hub's GET /metrics: its counters and the cluster status as
// Prometheus text (base/metrics.h). See docs/api.md for the families.
#ifndef ZHANQUN_HUB_HUB_METRICS_H_
#define ZHANQUN_HUB_HUB_METRICS_H_

#include <string>

#include "zhanqun/hub/hub.h"

namespace zhanqun::hub {

// Every counter of Hub::CounterSets() as zhanqun_hub_<name>_total; the head
// seq of each log the hub holds; per registered node and origin its stage
// seqs, missing entries and oldest-missing lag; per node the age of its
// last acknowledgement (no sample for a node never heard from). Fails, as
// Hub::ReadClusterStatus does, when the store cannot be read. Thread-safe
// as Hub is.
base::Result<std::string> HubMetricsText(Hub& hub);

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_HUB_METRICS_H_
