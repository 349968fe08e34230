// The console's view of the cluster, from Hub::ReadClusterStatus(): plain
// structs the console pages render.
#ifndef ZHANQUN_WEB_SRC_CONSOLE_DATA_H_
#define ZHANQUN_WEB_SRC_CONSOLE_DATA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/hub/cluster_status.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/net/http.h"

namespace zhanqun::web {

struct ConsoleNode {
  std::string code, name, level, parent, state, why;
  std::optional<std::int64_t> lag_p50_ms, lag_p95_ms;  // live, else indexed
  std::string lag_stage;                               // "live" or "indexed"
  std::string last_contact;                            // ISO time, or ""
  std::optional<std::int64_t> last_contact_age_ms;
  hub::NodeStatus status;  // everything else the hub knows of the node
};

struct ClusterView {
  base::TimeMs now_ms = 0;
  std::string now;
  std::uint64_t head = 0;
  std::map<std::string, int> state_counts;  // every state, 0 included
  std::vector<ConsoleNode> nodes;           // in code order
  const ConsoleNode* Find(const std::string& code) const;
};

// Fails when the hub's store cannot be read (Hub::ReadClusterStatus).
base::Result<ClusterView> LoadCluster(hub::Hub& hub);

class Web;
struct WebContext;
// The answer to a console request whose data could not be read: the
// status's HTTP code (500 for a store failure), as a page or as JSON.
net::HttpResponse ConsoleFailure(const Web& w, const WebContext& ctx, const base::Status& s);

// "国家", "省", "市", "县" for "national", ... (the name itself otherwise).
std::string LevelLabel(const std::string& level);
// "已接收", "已验证", "已本地化", "已索引", "已上线"; "未到达" for "".
std::string StageLabel(const std::string& stage);
// "850 毫秒", "12.5 秒", "3 分 20 秒", "2 小时 5 分".
std::string FormatDuration(std::int64_t ms);

// States and levels the filters accept, in display order.
const std::vector<std::string>& StateNames();
const std::vector<std::string>& LevelNames();

}  // namespace zhanqun::web

#endif  // ZHANQUN_WEB_SRC_CONSOLE_DATA_H_
