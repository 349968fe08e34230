#include "zhanqun/hub/config.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace zhanqun::hub {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

std::string Resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || p[0] == '/' || base_dir.empty()) return p;
  return base_dir + "/" + p;
}

bool SplitHostPort(const std::string& s, std::string* host, int* port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    std::size_t used = 0;
    int p = std::stoi(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1 || p < 0 || p > 65535) return false;
    *host = s.substr(0, colon);
    *port = p;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

namespace {

// Reads settings from a JSON object, collecting one problem line per bad setting.
class Fields {
 public:
  explicit Fields(const json& j) : j_(j) {}

  void Problem(std::string line) { problems_.push_back(std::move(line)); }
  const std::vector<std::string>& problems() const { return problems_; }

  void CheckKnown() {
    static const char* kKnown[] = {
        "data_dir",      "key_file",      "listen",          "public_url",    "divisions_file",
        "page_size",     "max_wait_s",    "http_threads",    "slo_s",         "offline_after_s",
        "stall_after_s", "health_window", "head_interval_s", "head_expiry_s", "websub",
        "accounts",      "review_levels", "sources"};
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool known = false;
      for (const char* k : kKnown) known = known || it.key() == k;
      if (!known) Problem(it.key() + ": unknown setting");
    }
  }

  std::string Str(const char* key, bool required) {
    if (!j_.contains(key)) {
      if (required) Problem(std::string(key) + ": required");
      return "";
    }
    if (!j_[key].is_string() || j_[key].get<std::string>().empty()) {
      Problem(std::string(key) + ": expected a non-empty string");
      return "";
    }
    return j_[key].get<std::string>();
  }

  long Num(const char* key, long lo, long hi, long dflt) {
    if (!j_.contains(key)) return dflt;
    if (!j_[key].is_number_integer() || j_[key].get<long>() < lo || j_[key].get<long>() > hi) {
      Problem(std::string(key) + ": expected an integer in " + std::to_string(lo) + ".." +
              std::to_string(hi));
      return dflt;
    }
    return j_[key].get<long>();
  }

 private:
  const json& j_;
  std::vector<std::string> problems_;
};

void ParseEndpoints(Fields& f, HubConfig& c) {
  std::string listen = f.Str("listen", false);
  if (!listen.empty() && !SplitHostPort(listen, &c.listen_host, &c.listen_port)) {
    f.Problem("listen: expected host:port, got '" + listen + "'");
  }
  c.public_url = f.Str("public_url", false);
  if (c.public_url.empty()) {
    c.public_url = "http://" + c.listen_host + ":" + std::to_string(c.listen_port);
  } else if (c.public_url.rfind("http://", 0) != 0 && c.public_url.rfind("https://", 0) != 0) {
    f.Problem("public_url: expected an http:// or https:// URL");
  }
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
}

// The optional "websub" object: {"enabled", "default_lease_s", "min_lease_s",
// "max_lease_s", "workers", "retry_workers", "timeout_ms"}.
void ParseWebSub(const json& j, Fields& f, HubConfig& c) {
  if (!j.contains("websub")) return;
  for (const std::string& p : feeds::ParseWebSubSettings(j["websub"].dump(), &c.websub)) {
    f.Problem(p);
  }
}

// The optional "accounts" object (AccountsOptions); problems are prefixed
// "accounts.".
void ParseAccounts(const json& j, Fields& f, HubConfig& c) {
  if (!j.contains("accounts")) return;
  if (!j["accounts"].is_object()) {
    f.Problem("accounts: expected an object");
    return;
  }
  const json& a = j["accounts"];
  Fields af(a);
  static const char* kKnown[] = {
      "session_ttl_s",     "session_idle_s", "throttle_user_failures", "throttle_remote_failures",
      "throttle_window_s", "argon2_t_cost",  "argon2_m_cost_kib"};
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (std::none_of(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return it.key() == k; })) {
      af.Problem(it.key() + ": unknown setting");
    }
  }
  AccountsOptions& o = c.accounts;
  o.session_ttl_s = static_cast<int>(af.Num("session_ttl_s", 60, 30 * 86400, o.session_ttl_s));
  o.session_idle_s = static_cast<int>(af.Num("session_idle_s", 60, 30 * 86400, o.session_idle_s));
  o.throttle_user_failures =
      static_cast<int>(af.Num("throttle_user_failures", 1, 1000, o.throttle_user_failures));
  o.throttle_remote_failures =
      static_cast<int>(af.Num("throttle_remote_failures", 1, 100000, o.throttle_remote_failures));
  o.throttle_window_s =
      static_cast<int>(af.Num("throttle_window_s", 1, 86400, o.throttle_window_s));
  o.argon2_t_cost = static_cast<std::uint32_t>(af.Num("argon2_t_cost", 1, 10, o.argon2_t_cost));
  o.argon2_m_cost_kib = static_cast<std::uint32_t>(
      af.Num("argon2_m_cost_kib", 1024, 4 * 1024 * 1024, o.argon2_m_cost_kib));
  if (o.session_idle_s > o.session_ttl_s) {
    af.Problem("session_idle_s: must not be longer than session_ttl_s (" +
               std::to_string(o.session_ttl_s) + ")");
  }
  for (const std::string& p : af.problems()) f.Problem("accounts." + p);
}

// The optional "review_levels" array: 1..5 non-empty level names.
void ParseReviewLevels(const json& j, Fields& f, HubConfig& c) {
  if (!j.contains("review_levels")) return;
  const json& v = j["review_levels"];
  bool ok = v.is_array() && !v.empty() && v.size() <= 5;
  for (std::size_t i = 0; ok && i < v.size(); ++i) {
    ok = v[i].is_string() && !v[i].get<std::string>().empty();
  }
  if (!ok) {
    f.Problem(
        "review_levels: expected an array of 1..5 non-empty level names, e.g. "
        "[\"初审\", \"复审\", \"终审\"]");
    return;
  }
  c.review_levels = v.get<std::vector<std::string>>();
}

}  // namespace

Result<HubConfig> ParseHubConfig(const std::string& text, const std::string& base_dir) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("not a JSON object");
  HubConfig c;
  Fields f(j);
  f.CheckKnown();
  c.data_dir = Resolve(base_dir, f.Str("data_dir", true));
  c.key_file = Resolve(base_dir, f.Str("key_file", false));
  if (c.key_file.empty()) c.key_file = c.data_dir + "/hub.key";
  ParseEndpoints(f, c);
  c.divisions_file = Resolve(base_dir, f.Str("divisions_file", true));
  c.page_size = static_cast<std::size_t>(f.Num("page_size", 1, 1000, 100));
  c.max_wait_s = static_cast<int>(f.Num("max_wait_s", 0, 300, 30));
  c.http_threads = static_cast<int>(f.Num("http_threads", 4, 4096, 256));
  c.slo_s = static_cast<int>(f.Num("slo_s", 1, 86400, 60));
  c.offline_after_s = static_cast<int>(f.Num("offline_after_s", 1, 86400, 30));
  c.stall_after_s = static_cast<int>(f.Num("stall_after_s", 1, 86400, 30));
  c.health_window = static_cast<int>(f.Num("health_window", 3, 100, 10));
  c.head_interval_s = static_cast<int>(f.Num("head_interval_s", 1, 3600, 10));
  c.head_expiry_s = static_cast<int>(f.Num("head_expiry_s", 2, 86400, 30));
  if (c.head_expiry_s <= c.head_interval_s) {
    f.Problem("head_expiry_s: must be longer than head_interval_s (" +
              std::to_string(c.head_interval_s) + ")");
  }
  ParseWebSub(j, f, c);
  ParseAccounts(j, f, c);
  ParseReviewLevels(j, f, c);
  if (j.contains("sources")) {
    for (const std::string& p : ParseSourceConfigs(j["sources"].dump(), &c.sources)) f.Problem(p);
  }
  if (!f.problems().empty()) {
    std::string msg;
    for (const auto& p : f.problems()) msg += (msg.empty() ? "" : "\n") + p;
    return Status::Invalid(msg);
  }
  return c;
}

Result<HubConfig> LoadHubConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto slash = path.rfind('/');
  std::string base = slash == std::string::npos ? "." : path.substr(0, slash);
  Result<HubConfig> c = ParseHubConfig(ss.str(), base);
  if (!c.ok()) {
    std::string msg;
    std::stringstream lines(c.status().message());
    for (std::string line; std::getline(lines, line);) {
      msg += (msg.empty() ? "" : "\n") + path + ": " + line;
    }
    return Status(c.status().code(), msg);
  }
  return c;
}

}  // namespace zhanqun::hub
