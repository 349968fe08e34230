// Hub configuration: a JSON file turned into a plain struct, validated once.
#ifndef ZHANQUN_HUB_CONFIG_H_
#define ZHANQUN_HUB_CONFIG_H_

#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/websub.h"
#include "zhanqun/hub/accounts.h"

namespace zhanqun::hub {

// One upstream RSS/Atom source polled by the Ingestor (ingest.h); the
// "sources" array of hub.json.
struct SourceConfig {
  std::string name;       // [a-z0-9_-]{1,40}, unique
  std::string url;        // http:// or https://
  int interval_s = 300;   // >= 10
  int timeout_s = 20;     // per request
  bool trusted = false;   // its drafts skip the review levels (Desk::Import)
  std::string authority;  // 发文机关 given to its items (required)
  std::vector<std::string> topics;
  int max_items = 50;  // new items imported per poll
};

// Parses a JSON array of sources into `out`; returns one problem line per bad
// field ("sources[1] (mof): url: expected an http:// or https:// URL").
std::vector<std::string> ParseSourceConfigs(const std::string& json_array_text,
                                            std::vector<SourceConfig>* out);

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
  // Editorial desk ("review_levels": 1..5 non-empty names; desk.h). The desk
  // lives in <data_dir>/desk.db, attachments in <data_dir>/attachments.
  std::vector<std::string> review_levels = {"初审", "复审", "终审"};
  std::string DeskDbPath() const { return data_dir + "/desk.db"; }
  std::string AttachmentsDir() const { return data_dir + "/attachments"; }
  std::vector<SourceConfig> sources;  // upstream ingestion ("sources" array)
  std::string IngestDbPath() const { return data_dir + "/ingest.db"; }
  std::string WebSubDbPath() const { return data_dir + "/websub.db"; }
  std::string DbPath() const { return data_dir + "/hub.db"; }
  // Staff accounts ("accounts" object: session_ttl_s, session_idle_s,
  // throttle_user_failures, throttle_remote_failures, throttle_window_s,
  // argon2_t_cost, argon2_m_cost_kib) in <data_dir>/accounts.db; the audit
  // log in <data_dir>/audit.db.
  AccountsOptions accounts;
  std::string AccountsDbPath() const { return data_dir + "/accounts.db"; }
  std::string AuditDbPath() const { return data_dir + "/audit.db"; }
};

// Parses and validates; on failure the message has one line per problem,
// each naming the field ("hub.json: listen: expected host:port, got 'x'").
base::Result<HubConfig> LoadHubConfig(const std::string& path);
base::Result<HubConfig> ParseHubConfig(const std::string& json_text, const std::string& base_dir);

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_CONFIG_H_
