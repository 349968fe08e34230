#include "zhanqun/agent/config.h"

#include <nlohmann/json.hpp>

#include "zhanqun/base/config.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

void CheckUnknown(base::ConfigReader& c) {
  c.CheckKnown({"node",
                "parent_url",
                "hub_url",
                "data_dir",
                "key_file",
                "hub_public_key",
                "trust_root",
                "trust_threshold",
                "listen",
                "public_url",
                "origins",
                "poll_wait_s",
                "page_size",
                "max_wait_s",
                "http_threads",
                "profile",
                "templates_dir",
                "theme_dir",
                "theme_override_dir",
                "site_dir",
                "admin_token_file",
                "upstreams",
                "report_interval_s",
                "clock_skew_ms",
                "fault_injection",
                "websub",
                "push_callback_url",
                "push_lease_s"});
}

void ParseOrigins(const json& j, base::ConfigReader& c, AgentConfig& a) {
  if (!j.contains("origins")) return;
  a.origins.clear();
  if (!j["origins"].is_array() || j["origins"].empty()) {
    c.Problem("origins: expected a non-empty array of division codes");
    return;
  }
  for (const json& o : j["origins"]) {
    if (!o.is_string() || !feeds::IsDivisionCode(o.get<std::string>())) {
      c.Problem("origins: expected 6-digit division codes, got " + o.dump());
      continue;
    }
    a.origins.push_back(o.get<std::string>());
  }
}

// Ordered upstreams: parent first, then grandparent or hub. Without the
// setting: parent_url, then hub_url when it differs.
void ParseUpstreams(const json& j, base::ConfigReader& c, AgentConfig& a) {
  if (!j.contains("upstreams")) {
    if (!a.parent_url.empty()) a.upstreams.push_back(a.parent_url);
    if (!a.hub_url.empty() && a.hub_url != a.parent_url) a.upstreams.push_back(a.hub_url);
    return;
  }
  if (!j["upstreams"].is_array() || j["upstreams"].empty() || j["upstreams"].size() > 8) {
    c.Problem("upstreams: expected 1 to 8 http:// or https:// URLs, parent first");
    return;
  }
  for (const json& u : j["upstreams"]) {
    std::string url = u.is_string() ? u.get<std::string>() : "";
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      c.Problem("upstreams: expected http:// or https:// URLs, got " + u.dump());
      continue;
    }
    a.upstreams.push_back(url);
  }
  if (!a.upstreams.empty() && !a.parent_url.empty() && a.upstreams.front() != a.parent_url) {
    c.Problem("upstreams: the first upstream must be parent_url (" + a.parent_url + ")");
  }
}

// The local site is on when templates and theme are configured; then the
// node profile is required too.
void ParseSite(base::ConfigReader& c, AgentConfig& a) {
  a.profile = c.Path("profile", false);
  a.templates_dir = c.Path("templates_dir", false);
  a.theme_dir = c.Path("theme_dir", false);
  a.theme_override_dir = c.Path("theme_override_dir", false);
  a.site_dir = c.Path("site_dir", false);
  a.admin_token_file = c.Path("admin_token_file", false);
  bool any = !a.templates_dir.empty() || !a.theme_dir.empty() || !a.profile.empty();
  if (!any) return;
  if (a.templates_dir.empty()) c.Problem("templates_dir: required when the local site is on");
  if (a.theme_dir.empty()) c.Problem("theme_dir: required when the local site is on");
  if (a.profile.empty()) c.Problem("profile: required when the local site is on");
  if (a.site_dir.empty() && !a.data_dir.empty()) a.site_dir = a.data_dir + "/site";
}

// The optional "websub" object: {"enabled", "default_lease_s", "min_lease_s",
// "max_lease_s", "workers", "retry_workers", "timeout_ms"}.
void ParseWebSub(base::ConfigReader& c, AgentConfig& a) {
  if (c.Has("websub")) c.AddProblems(feeds::ParseWebSubSettings(c.Raw("websub"), &a.websub));
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& base_dir) {
  base::ConfigReader c = base::ConfigReader::Parse(text, "", base_dir);
  if (!c.is_object()) return c.Check();
  const json j = json::parse(text);
  AgentConfig a;
  CheckUnknown(c);
  a.node = c.Str("node", true);
  if (!a.node.empty() && (!feeds::IsDivisionCode(a.node) || a.node == feeds::kHubCode)) {
    c.Problem("node: expected a 6-digit division code other than 000000, got '" + a.node + "'");
  }
  a.parent_url = c.Url("parent_url", true);
  a.hub_url = c.Url("hub_url", true);
  a.data_dir = c.Path("data_dir", true);
  a.key_file = c.Path("key_file", true);
  a.trust_root = c.Path("trust_root", false);
  a.trust_threshold = static_cast<int>(c.Int("trust_threshold", 1, 16, 1));
  a.hub_public_key = c.Path("hub_public_key", false);
  if (a.trust_root.empty() == a.hub_public_key.empty()) {
    c.Problem(a.trust_root.empty()
                  ? "trust_root: required (a file of the hub's root public keys; or the legacy "
                    "hub_public_key)"
                  : "trust_root and hub_public_key: set one, not both (hub_public_key is legacy)");
  }
  c.HostPort("listen", true, &a.listen_host, &a.listen_port);
  a.public_url = c.Url("public_url", false);
  if (a.public_url.empty()) {
    a.public_url = "http://" + a.listen_host + ":" + std::to_string(a.listen_port);
  }
  ParseOrigins(j, c, a);
  a.poll_wait_s = static_cast<int>(c.Int("poll_wait_s", 1, 120, 25));
  a.page_size = static_cast<std::size_t>(c.Int("page_size", 1, 1000, 100));
  a.max_wait_s = static_cast<int>(c.Int("max_wait_s", 0, 300, 30));
  a.http_threads = static_cast<int>(c.Int("http_threads", 4, 4096, 64));
  ParseSite(c, a);
  ParseUpstreams(j, c, a);
  a.report_interval_s = static_cast<int>(c.Int("report_interval_s", 1, 3600, 5));
  a.clock_skew_ms = c.Int("clock_skew_ms", -86400000L, 86400000L, 0);
  a.fault_injection = c.Bool("fault_injection", false);
  ParseWebSub(c, a);
  a.push_callback_url = c.Url("push_callback_url", false);
  a.push_lease_s = static_cast<int>(c.Int("push_lease_s", 60, 31536000, 86400));
  ZQ_RETURN_IF_ERROR(c.Check());
  return a;
}

Result<AgentConfig> LoadAgentConfig(const std::string& path) {
  return base::LoadConfigFile<AgentConfig>(path, ParseAgentConfig);
}

}  // namespace zhanqun::agent
