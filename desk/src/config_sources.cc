// The desk's settings in hub.json: "sources" and "review_levels" (config.h).
#include <nlohmann/json.hpp>
#include <set>

#include "zhanqun/base/config.h"
#include "zhanqun/desk/config.h"

namespace zhanqun::desk {
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

SourceConfig ParseOne(const json& j, std::size_t i, std::vector<std::string>* problems) {
  std::string where = "sources[" + std::to_string(i) + "]";
  if (j.contains("name") && j["name"].is_string()) {
    where += " (" + j["name"].get<std::string>() + ")";
  }
  base::ConfigReader f = base::ConfigReader::Parse(j.dump(), where + ": ");
  f.CheckKnown(
      {"name", "url", "interval_s", "timeout_s", "trusted", "authority", "topics", "max_items"});
  SourceConfig s;
  s.name = f.Str("name", true);
  if (!s.name.empty() && !ValidName(s.name)) {
    f.Problem("name: expected 1-40 characters of a-z 0-9 _ -, got '" + s.name + "'");
  }
  s.url = f.Url("url", true);
  s.interval_s = static_cast<int>(f.Int("interval_s", 10, 7 * 86400, 300));
  s.timeout_s = static_cast<int>(f.Int("timeout_s", 1, 600, 20));
  s.trusted = f.Bool("trusted", false);
  s.authority = f.Str("authority", true);
  s.topics = f.Strings("topics");
  s.max_items = static_cast<int>(f.Int("max_items", 1, 1000, 50));
  problems->insert(problems->end(), f.problems().begin(), f.problems().end());
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

std::vector<std::string> ParseReviewLevels(const std::string& text, std::vector<std::string>* out) {
  json v = json::parse(text, nullptr, false);
  bool ok = !v.is_discarded() && v.is_array() && !v.empty() && v.size() <= 5;
  for (std::size_t i = 0; ok && i < v.size(); ++i) {
    ok = v[i].is_string() && !v[i].get<std::string>().empty();
  }
  if (!ok) {
    return {
        "review_levels: expected an array of 1..5 non-empty level names, e.g. "
        "[\"初审\", \"复审\", \"终审\"]"};
  }
  *out = v.get<std::vector<std::string>>();
  return {};
}

}  // namespace zhanqun::desk
