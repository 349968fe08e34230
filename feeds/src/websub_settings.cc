#include <nlohmann/json.hpp>

#include "zhanqun/feeds/websub.h"

namespace zhanqun::feeds {

using json = nlohmann::json;

WebSubOptions WebSubSettings::Options(const std::string& public_base, const std::string& db_path,
                                      const std::string& feed_title, std::size_t page_size) const {
  WebSubOptions o;
  o.public_base = public_base;
  o.db_path = db_path;
  o.feed_title = feed_title;
  o.default_lease_s = default_lease_s;
  o.min_lease_s = min_lease_s;
  o.max_lease_s = max_lease_s;
  o.workers = workers;
  o.retry_workers = retry_workers;
  o.timeout_ms = timeout_ms;
  o.page_size = page_size;
  return o;
}

std::vector<std::string> ParseWebSubSettings(const std::string& json_text, WebSubSettings* out) {
  std::vector<std::string> problems;
  json w = json::parse(json_text, nullptr, false);
  if (w.is_discarded() || !w.is_object()) return {"websub: expected an object"};
  struct IntField {
    const char* name;
    int lo, hi;
    int* value;
  };
  const IntField ints[] = {{"default_lease_s", 1, 31536000, &out->default_lease_s},
                           {"min_lease_s", 1, 31536000, &out->min_lease_s},
                           {"max_lease_s", 1, 31536000, &out->max_lease_s},
                           {"workers", 1, 256, &out->workers},
                           {"retry_workers", 1, 256, &out->retry_workers},
                           {"timeout_ms", 100, 120000, &out->timeout_ms}};
  for (auto it = w.begin(); it != w.end(); ++it) {
    const std::string& key = it.key();
    if (key == "enabled") {
      if (it->is_boolean()) {
        out->enabled = it->get<bool>();
      } else {
        problems.push_back("websub.enabled: expected true or false");
      }
      continue;
    }
    const IntField* f = nullptr;
    for (const IntField& i : ints) {
      if (key == i.name) f = &i;
    }
    if (f == nullptr) {
      problems.push_back("websub." + key + ": unknown setting");
    } else if (!it->is_number_integer() || it->get<long>() < f->lo || it->get<long>() > f->hi) {
      problems.push_back("websub." + key + ": expected an integer in " + std::to_string(f->lo) +
                         ".." + std::to_string(f->hi));
    } else {
      *f->value = it->get<int>();
    }
  }
  if (!(out->min_lease_s <= out->default_lease_s && out->default_lease_s <= out->max_lease_s)) {
    problems.push_back("websub: expected min_lease_s <= default_lease_s <= max_lease_s");
  }
  return problems;
}

}  // namespace zhanqun::feeds
