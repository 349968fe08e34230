#include "zhanqun/hub/config.h"

namespace zhanqun::hub {

HubConfig ReadHubConfig(base::ConfigReader& r) {
  HubConfig c;
  c.data_dir = r.Path("data_dir", true);
  c.key_file = r.Path("key_file", false);
  if (c.key_file.empty()) c.key_file = c.data_dir + "/hub.key";
  r.HostPort("listen", false, &c.listen_host, &c.listen_port);
  c.public_url = r.Url("public_url", false);
  if (c.public_url.empty()) {
    c.public_url = "http://" + c.listen_host + ":" + std::to_string(c.listen_port);
  }
  c.divisions_file = r.Path("divisions_file", true);
  c.page_size = static_cast<std::size_t>(r.Int("page_size", 1, 1000, 100));
  c.max_wait_s = static_cast<int>(r.Int("max_wait_s", 0, 300, 30));
  c.http_threads = static_cast<int>(r.Int("http_threads", 4, 4096, 256));
  c.slo_s = static_cast<int>(r.Int("slo_s", 1, 86400, 60));
  c.offline_after_s = static_cast<int>(r.Int("offline_after_s", 1, 86400, 30));
  c.stall_after_s = static_cast<int>(r.Int("stall_after_s", 1, 86400, 30));
  c.health_window = static_cast<int>(r.Int("health_window", 3, 100, 10));
  c.head_interval_s = static_cast<int>(r.Int("head_interval_s", 1, 3600, 10));
  c.head_expiry_s = static_cast<int>(r.Int("head_expiry_s", 2, 86400, 30));
  if (c.head_expiry_s <= c.head_interval_s) {
    r.Problem("head_expiry_s: must be longer than head_interval_s (" +
              std::to_string(c.head_interval_s) + ")");
  }
  if (r.Has("websub")) r.AddProblems(feeds::ParseWebSubSettings(r.Raw("websub"), &c.websub));
  return c;
}

}  // namespace zhanqun::hub
