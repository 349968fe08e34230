#include "zhanqun/base/config.h"
#include "zhanqun/feeds/websub.h"

namespace zhanqun::feeds {

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
  base::ConfigReader r = base::ConfigReader::Parse(json_text, "websub.");
  r.CheckKnown({"enabled", "default_lease_s", "min_lease_s", "max_lease_s", "workers",
                "retry_workers", "timeout_ms"});
  out->enabled = r.Bool("enabled", out->enabled);
  auto num = [&r](const char* key, int lo, int hi, int* value) {
    *value = static_cast<int>(r.Int(key, lo, hi, *value));
  };
  num("default_lease_s", 1, 31536000, &out->default_lease_s);
  num("min_lease_s", 1, 31536000, &out->min_lease_s);
  num("max_lease_s", 1, 31536000, &out->max_lease_s);
  num("retry_workers", 1, 256, &out->retry_workers);
  num("timeout_ms", 100, 120000, &out->timeout_ms);
  num("workers", 1, 256, &out->workers);
  if (r.is_object() &&
      !(out->min_lease_s <= out->default_lease_s && out->default_lease_s <= out->max_lease_s)) {
    r.AddProblems({"websub: expected min_lease_s <= default_lease_s <= max_lease_s"});
  }
  return r.problems();
}

}  // namespace zhanqun::feeds
