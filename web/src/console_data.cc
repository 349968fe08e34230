#include "console_data.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "web_internal.h"
#include "zhanqun/base/time.h"
#include "zhanqun/hub/node_health.h"

namespace zhanqun::web {

namespace {

ConsoleNode NodeFrom(hub::NodeStatus n, base::TimeMs now) {
  ConsoleNode c;
  c.code = n.code;
  c.name = n.name;
  c.level = feeds::NodeLevelName(n.level);
  c.parent = n.parent;
  c.state = hub::NodeStateName(n.state);
  c.why = n.why;
  if (n.last_contact_ms) {
    c.last_contact = base::FormatTime(*n.last_contact_ms);
    c.last_contact_age_ms = now - *n.last_contact_ms;
  }
  // Live lag where the node has a site, else indexed (searchable) lag.
  for (const char* stage : {"live", "indexed"}) {
    auto lag = n.lags.find(stage);
    if (lag != n.lags.end() && lag->second) {
      c.lag_stage = stage;
      c.lag_p50_ms = lag->second->p50_ms;
      c.lag_p95_ms = lag->second->p95_ms;
      break;
    }
  }
  c.status = std::move(n);
  return c;
}

}  // namespace

const ConsoleNode* ClusterView::Find(const std::string& code) const {
  for (const ConsoleNode& n : nodes) {
    if (n.code == code) return &n;
  }
  return nullptr;
}

base::Result<ClusterView> LoadCluster(hub::Hub& hub) {
  base::Result<hub::ClusterStatus> status = hub.ReadClusterStatus();
  if (!status.ok()) return status.status();
  ClusterView v;
  v.now_ms = status->now_ms;
  v.now = base::FormatTime(status->now_ms);
  v.head = status->hub_head;
  for (hub::NodeState s : hub::kAllNodeStates) v.state_counts[hub::NodeStateName(s)] = 0;
  for (hub::NodeStatus& n : status->nodes) {
    v.nodes.push_back(NodeFrom(std::move(n), status->now_ms));
    v.state_counts[v.nodes.back().state]++;
  }
  std::sort(v.nodes.begin(), v.nodes.end(),
            [](const ConsoleNode& a, const ConsoleNode& b) { return a.code < b.code; });
  return v;
}

net::HttpResponse ConsoleFailure(const Web& w, const WebContext& ctx, const base::Status& s) {
  const int code = net::HttpStatusFor(s.code());
  if (ctx.json) return JsonResponse(code, nlohmann::json{{"error", s.ToString()}}.dump() + "\n");
  return w.ErrorPage(ctx, code, "无法读取集群状态", s.ToString());
}

std::string LevelLabel(const std::string& level) {
  if (level == "national") return "国家";
  if (level == "province") return "省";
  if (level == "city") return "市";
  if (level == "county") return "县";
  return level;
}

std::string StageLabel(const std::string& stage) {
  if (stage == "received") return "已接收";
  if (stage == "verified") return "已验证";
  if (stage == "localized") return "已本地化";
  if (stage == "indexed") return "已索引";
  if (stage == "live") return "已上线";
  if (stage.empty()) return "未到达";
  return stage;
}

std::string FormatDuration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  char buf[64];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lld 毫秒", static_cast<long long>(ms));
  } else if (ms < 60000) {
    std::snprintf(buf, sizeof buf, "%.1f 秒", static_cast<double>(ms) / 1000.0);
  } else if (ms < 3600000) {
    std::snprintf(buf, sizeof buf, "%lld 分 %lld 秒", static_cast<long long>(ms / 60000),
                  static_cast<long long>(ms / 1000 % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld 小时 %lld 分", static_cast<long long>(ms / 3600000),
                  static_cast<long long>(ms / 60000 % 60));
  }
  return buf;
}

const std::vector<std::string>& StateNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> v;
    for (hub::NodeState s : hub::kAllNodeStates) v.push_back(hub::NodeStateName(s));
    return v;
  }();
  return kNames;
}

const std::vector<std::string>& LevelNames() {
  static const std::vector<std::string> kNames = {"national", "province", "city", "county"};
  return kNames;
}

}  // namespace zhanqun::web
