// The cluster and release status (cluster_status.h) as JSON: the documents
// of /api/v1/status and /api/v1/status/releases/{id} (docs/api.md), which
// `zhanqun-hubd status` prints and the console's JSON twins embed.
//
// Like desk/desk_json.h, a public header that names a third-party type:
// nlohmann::json values are what these functions are about, so the console
// can embed a node's object in its own documents without a string round
// trip (docs/architecture.md, "Third-party libraries"). Pure functions.
#ifndef ZHANQUN_HUB_STATUS_JSON_H_
#define ZHANQUN_HUB_STATUS_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "zhanqun/base/time.h"
#include "zhanqun/hub/cluster_status.h"

namespace zhanqun::hub {

// One element of the status document's "nodes"; `now_ms` gives
// last_contact_age_ms. Absent facts are null (last_contact, clock,
// head_statement, lag summaries) or left out (via, upstream, clock,
// head_statement and reports without a report; last_rejection without one).
nlohmann::json NodeStatusToJson(const NodeStatus& n, base::TimeMs now_ms);
nlohmann::json ClusterStatusToJson(const ClusterStatus& s);
nlohmann::json ReleaseStatusToJson(const ReleaseStatus& s);

// The documents as the API serves them: indented by two spaces, no final newline.
std::string ClusterStatusJson(const ClusterStatus& s);
std::string ReleaseStatusJson(const ReleaseStatus& s);

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_STATUS_JSON_H_
