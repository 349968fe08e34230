// The publishing core's configuration: the part of hub.json the Hub itself
// reads (the daemon's config, hubd, adds the desk's and the staff's
// sections). A plain struct, validated once.
#ifndef ZHANQUN_HUB_CONFIG_H_
#define ZHANQUN_HUB_CONFIG_H_

#include <cstddef>
#include <string>

#include "zhanqun/base/config.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/websub.h"

namespace zhanqun::hub {

struct HubConfig {
  std::string data_dir;  // holds hub.db
  std::string key_file;  // Ed25519 secret key (0600); default <data_dir>/hub.key
  std::string listen_host = "127.0.0.1";
  int listen_port = 8100;
  std::string public_url;      // how children reach us; default http://<listen>
  std::string divisions_file;  // GB/T 2260 CSV: code,name,parent_code,level,gbt2260
  std::size_t page_size = 100;
  int max_wait_s = 30;
  int http_threads = 256;  // every child long-poll and ack in flight holds one
  // Node states (node_health.h).
  int slo_s = 60;            // an entry must be live at every node within this
  int offline_after_s = 30;  // no report for this long: OFFLINE
  int stall_after_s = 30;    // behind and not advancing for this long: STALLED
  int health_window = 10;    // reports per node the rules look at
  // Head statements (feeds/freshness.h).
  int head_interval_s = 10;  // a new statement at least this often
  int head_expiry_s = 30;    // each statement expires this long after it is issued
  // WebSub push ("websub" object; docs/protocol.md §7). Subscriptions live in
  // <data_dir>/websub.db.
  feeds::WebSubSettings websub;
  std::string WebSubDbPath() const { return data_dir + "/websub.db"; }
  std::string DbPath() const { return data_dir + "/hub.db"; }
};

// The settings of the core in `r` (a hub.json object). Problems go to `r`,
// each naming its field ("listen: expected host:port, got 'x'"). Settings
// of other sections are the caller's to read and to declare known.
HubConfig ReadHubConfig(base::ConfigReader& r);

// The names of the settings ReadHubConfig reads, for ConfigReader::CheckKnown.
inline constexpr const char* kHubConfigKeys[] = {
    "data_dir",      "key_file",      "listen",          "public_url",    "divisions_file",
    "page_size",     "max_wait_s",    "http_threads",    "slo_s",         "offline_after_s",
    "stall_after_s", "health_window", "head_interval_s", "head_expiry_s", "websub"};

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_CONFIG_H_
