#include "zhanqun/agent/config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "zhanqun/feeds/model.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

class Checker {
 public:
  Checker(const json& j, std::string base_dir) : j_(j), base_dir_(std::move(base_dir)) {}

  std::string Str(const char* key, bool required) {
    if (!j_.contains(key)) {
      if (required) problems_.push_back(std::string(key) + ": required");
      return "";
    }
    if (!j_[key].is_string() || j_[key].get<std::string>().empty()) {
      problems_.push_back(std::string(key) + ": expected a non-empty string");
      return "";
    }
    return j_[key].get<std::string>();
  }

  std::string Path(const char* key, bool required) {
    std::string p = Str(key, required);
    if (p.empty() || p[0] == '/') return p;
    return base_dir_ + "/" + p;
  }

  std::string Url(const char* key, bool required) {
    std::string u = Str(key, required);
    if (!u.empty() && u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0) {
      problems_.push_back(std::string(key) + ": expected an http:// or https:// URL, got '" + u +
                          "'");
    }
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  }

  long Int(const char* key, long lo, long hi, long dflt) {
    if (!j_.contains(key)) return dflt;
    if (!j_[key].is_number_integer() || j_[key].get<long>() < lo || j_[key].get<long>() > hi) {
      problems_.push_back(std::string(key) + ": expected an integer in " + std::to_string(lo) +
                          ".." + std::to_string(hi));
      return dflt;
    }
    return j_[key].get<long>();
  }

  void Problem(std::string p) { problems_.push_back(std::move(p)); }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  const json& j_;
  std::string base_dir_;
  std::vector<std::string> problems_;
};

void CheckUnknown(const json& j, Checker& c) {
  static const std::set<std::string> kKnown = {"node",
                                               "parent_url",
                                               "hub_url",
                                               "data_dir",
                                               "key_file",
                                               "hub_public_key",
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
                                               "push_lease_s"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!kKnown.count(it.key())) c.Problem(it.key() + ": unknown setting");
  }
}

void ParseListen(Checker& c, AgentConfig& a) {
  std::string listen = c.Str("listen", true);
  auto colon = listen.rfind(':');
  if (listen.empty()) return;
  try {
    if (colon == std::string::npos || colon == 0) throw std::invalid_argument("no port");
    std::size_t used = 0;
    int port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port < 0 || port > 65535) {
      throw std::invalid_argument("bad port");
    }
    a.listen_host = listen.substr(0, colon);
    a.listen_port = port;
  } catch (const std::exception&) {
    c.Problem("listen: expected host:port, got '" + listen + "'");
  }
}

void ParseOrigins(const json& j, Checker& c, AgentConfig& a) {
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
void ParseUpstreams(const json& j, Checker& c, AgentConfig& a) {
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
void ParseSite(Checker& c, AgentConfig& a) {
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
void ParseWebSub(const json& j, Checker& c, AgentConfig& a) {
  if (!j.contains("websub")) return;
  for (const std::string& p : feeds::ParseWebSubSettings(j["websub"].dump(), &a.websub)) {
    c.Problem(p);
  }
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& base_dir) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("not a JSON object");
  Checker c(j, base_dir);
  AgentConfig a;
  CheckUnknown(j, c);
  a.node = c.Str("node", true);
  if (!a.node.empty() && (!feeds::IsDivisionCode(a.node) || a.node == feeds::kHubCode)) {
    c.Problem("node: expected a 6-digit division code other than 000000, got '" + a.node + "'");
  }
  a.parent_url = c.Url("parent_url", true);
  a.hub_url = c.Url("hub_url", true);
  a.data_dir = c.Path("data_dir", true);
  a.key_file = c.Path("key_file", true);
  a.hub_public_key = c.Path("hub_public_key", true);
  ParseListen(c, a);
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
  if (j.contains("fault_injection")) {
    if (!j["fault_injection"].is_boolean())
      c.Problem("fault_injection: expected true or false");
    else
      a.fault_injection = j["fault_injection"].get<bool>();
  }
  ParseWebSub(j, c, a);
  a.push_callback_url = c.Url("push_callback_url", false);
  a.push_lease_s = static_cast<int>(c.Int("push_lease_s", 60, 31536000, 86400));
  if (!c.problems().empty()) {
    std::string msg;
    for (const auto& p : c.problems()) msg += (msg.empty() ? "" : "\n") + p;
    return Status::Invalid(msg);
  }
  return a;
}

Result<AgentConfig> LoadAgentConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto slash = path.rfind('/');
  Result<AgentConfig> c =
      ParseAgentConfig(ss.str(), slash == std::string::npos ? "." : path.substr(0, slash));
  if (c.ok()) return c;
  std::string msg;
  std::stringstream lines(c.status().message());
  for (std::string line; std::getline(lines, line);) {
    msg += (msg.empty() ? "" : "\n") + path + ": " + line;
  }
  return Status(c.status().code(), msg);
}

}  // namespace zhanqun::agent
