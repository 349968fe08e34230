#include "console_data.h"

#include <algorithm>
#include <cstdio>

#include "zhanqun/hub/node_health.h"

namespace zhanqun::web {

using json = nlohmann::json;

namespace {

std::optional<std::int64_t> IntOrNone(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<std::int64_t>();
}

ConsoleNode NodeFrom(const json& n) {
  ConsoleNode c;
  c.code = n.value("code", "");
  c.name = n.value("name", "");
  c.level = n.value("level", "");
  c.parent = n.value("parent", "");
  c.state = n.value("state", "");
  c.why = n.value("why", "");
  if (n.contains("last_contact") && n["last_contact"].is_string()) {
    c.last_contact = n["last_contact"].get<std::string>();
  }
  c.last_contact_age_ms = IntOrNone(n, "last_contact_age_ms");
  const json origins = n.value("origins", json::object());
  const json lag = origins.value(feeds::kHubCode, json::object()).value("lag_ms", json());
  for (const char* stage : {"live", "indexed"}) {
    if (lag.is_object() && lag.contains(stage) && lag[stage].is_object()) {
      c.lag_stage = stage;
      c.lag_p50_ms = IntOrNone(lag[stage], "p50");
      c.lag_p95_ms = IntOrNone(lag[stage], "p95");
      break;
    }
  }
  c.raw = n;
  return c;
}

}  // namespace

const ConsoleNode* ClusterView::Find(const std::string& code) const {
  for (const ConsoleNode& n : nodes) {
    if (n.code == code) return &n;
  }
  return nullptr;
}

ClusterView LoadCluster(hub::Hub& hub) {
  json status = json::parse(hub.StatusJson());
  ClusterView v;
  v.now = status["hub"].value("now", "");
  v.head = status["hub"]["heads"].value(feeds::kHubCode, std::uint64_t{0});
  for (hub::NodeState s : hub::kAllNodeStates) v.state_counts[hub::NodeStateName(s)] = 0;
  for (const json& n : status["nodes"]) {
    v.nodes.push_back(NodeFrom(n));
    v.state_counts[v.nodes.back().state]++;
  }
  std::sort(v.nodes.begin(), v.nodes.end(),
            [](const ConsoleNode& a, const ConsoleNode& b) { return a.code < b.code; });
  return v;
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
