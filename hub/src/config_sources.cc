// The "sources" array of hub.json (SourceConfig in config.h).
#include <nlohmann/json.hpp>
#include <set>

#include "zhanqun/hub/config.h"

namespace zhanqun::hub {
namespace {

using json = nlohmann::json;

bool ValidName(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool HttpUrl(const std::string& s) {
  for (const char* scheme : {"http://", "https://"}) {
    std::string p = scheme;
    if (s.size() > p.size() && s.compare(0, p.size(), p) == 0) return true;
  }
  return false;
}

class SourceFields {
 public:
  SourceFields(const json& j, std::string where, std::vector<std::string>* problems)
      : j_(j), where_(std::move(where)), problems_(problems) {}

  void Problem(const std::string& field, const std::string& what) {
    problems_->push_back(where_ + ": " + field + ": " + what);
  }

  std::string Str(const char* key, bool required) {
    if (!j_.contains(key)) {
      if (required) Problem(key, "required");
      return "";
    }
    if (!j_[key].is_string() || j_[key].get<std::string>().empty()) {
      Problem(key, "expected a non-empty string");
      return "";
    }
    return j_[key].get<std::string>();
  }

  int Int(const char* key, int lo, int hi, int dflt) {
    if (!j_.contains(key)) return dflt;
    const json& v = j_[key];
    if (!v.is_number_integer() || v.get<long>() < lo || v.get<long>() > hi) {
      Problem(key, "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
      return dflt;
    }
    return v.get<int>();
  }

  bool Bool(const char* key, bool dflt) {
    if (!j_.contains(key)) return dflt;
    if (!j_[key].is_boolean()) {
      Problem(key, "expected true or false");
      return dflt;
    }
    return j_[key].get<bool>();
  }

  std::vector<std::string> Strings(const char* key) {
    std::vector<std::string> out;
    if (!j_.contains(key)) return out;
    bool ok = j_[key].is_array();
    for (const json& v : ok ? j_[key] : json::array()) {
      if (!v.is_string() || v.get<std::string>().empty()) ok = false;
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
    if (!ok) Problem(key, "expected an array of non-empty strings");
    return out;
  }

  void CheckKnown() {
    static const std::set<std::string> kKnown = {"name",    "url",       "interval_s", "timeout_s",
                                                 "trusted", "authority", "topics",     "max_items"};
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (kKnown.count(it.key()) == 0) Problem(it.key(), "unknown setting");
    }
  }

 private:
  const json& j_;
  std::string where_;
  std::vector<std::string>* problems_;
};

SourceConfig ParseOne(const json& j, std::size_t i, std::vector<std::string>* problems) {
  std::string where = "sources[" + std::to_string(i) + "]";
  if (j.contains("name") && j["name"].is_string()) {
    where += " (" + j["name"].get<std::string>() + ")";
  }
  SourceFields f(j, where, problems);
  f.CheckKnown();
  SourceConfig s;
  s.name = f.Str("name", true);
  if (!s.name.empty() && !ValidName(s.name)) {
    f.Problem("name", "expected 1-40 characters of a-z 0-9 _ -, got '" + s.name + "'");
  }
  s.url = f.Str("url", true);
  if (!s.url.empty() && !HttpUrl(s.url)) f.Problem("url", "expected an http:// or https:// URL");
  s.interval_s = f.Int("interval_s", 10, 7 * 86400, 300);
  s.timeout_s = f.Int("timeout_s", 1, 600, 20);
  s.trusted = f.Bool("trusted", false);
  s.authority = f.Str("authority", true);
  s.topics = f.Strings("topics");
  s.max_items = f.Int("max_items", 1, 1000, 50);
  return s;
}

}  // namespace

std::vector<std::string> ParseSourceConfigs(const std::string& text,
                                            std::vector<SourceConfig>* out) {
  std::vector<std::string> problems;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return {"sources: expected an array of objects"};
  std::set<std::string> names;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_object()) {
      problems.push_back("sources[" + std::to_string(i) + "]: expected an object");
      continue;
    }
    SourceConfig s = ParseOne(j[i], i, &problems);
    if (!s.name.empty() && !names.insert(s.name).second) {
      problems.push_back("sources[" + std::to_string(i) + "] (" + s.name +
                         "): name: duplicate of an earlier source");
    }
    out->push_back(std::move(s));
  }
  return problems;
}

}  // namespace zhanqun::hub
