// Agent configuration: a JSON file turned into a plain struct, validated
// once at start; every problem is reported on its own line.
#ifndef ZHANQUN_AGENT_CONFIG_H_
#define ZHANQUN_AGENT_CONFIG_H_

#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/websub.h"

namespace zhanqun::agent {

struct AgentConfig {
  std::string node;        // our GB/T 2260 code
  std::string parent_url;  // the hub or the agent one level up
  std::string hub_url;     // where acknowledgements go
  std::string data_dir;    // agent.db and xapian/ live here
  std::string key_file;    // our Ed25519 key (0600); signs acknowledgements
  // The trust anchor: trust_root (a file of the hub's offline root public
  // keys, one minisign key per line, with trust_threshold of them required)
  // or, legacy, hub_public_key (one fixed hub key). Exactly one is set.
  std::string trust_root;
  int trust_threshold = 1;
  std::string hub_public_key;  // legacy: file with the hub's minisign public key
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;
  std::string public_url;                         // how our children reach us
  std::vector<std::string> origins = {"000000"};  // logs we follow and relay
  int poll_wait_s = 25;                           // long-poll wait asked of the parent
  std::size_t page_size = 100;                    // page size we serve
  int max_wait_s = 30;                            // longest long-poll we hold for children
  int http_threads = 64;
  // The local site (off unless templates_dir, theme_dir and profile are set).
  std::string profile;             // node profile JSON (region name, hotline, departments...)
  std::string templates_dir;       // interpretation templates
  std::string theme_dir;           // page templates and stylesheet
  std::string theme_override_dir;  // operator overrides, optional
  std::string site_dir;            // publish directory; default <data_dir>/site
  std::string admin_token_file;    // bearer token for POST /api/v1/interpretations (0600)
  // Where we follow and report, in order of preference: parent, then
  // grandparent or hub (failover; see docs/operations.md).
  std::vector<std::string> upstreams;
  int report_interval_s = 5;  // heartbeat: a report at least this often
  // Testing and drills only. clock_skew_ms moves this agent's wall clock;
  // fault_injection lets SIGUSR1 freeze/unfreeze following (a frozen relay).
  long clock_skew_ms = 0;
  bool fault_injection = false;
  // WebSub: the hub we host for our children (docs/protocol.md §7) ...
  feeds::WebSubSettings websub;
  // ... and push from our parent: when set, the base URL at which the parent
  // reaches us; callbacks are <push_callback_url>/websub/callback/<token>.
  std::string push_callback_url;
  int push_lease_s = 86400;  // lease asked of the parent
  bool SiteEnabled() const { return !templates_dir.empty(); }
  std::string DbPath() const { return data_dir + "/agent.db"; }
  std::string IndexPath() const { return data_dir + "/xapian"; }
  std::string WebSubDbPath() const { return data_dir + "/websub.db"; }
};

// One line per problem, each prefixed with the field name.
base::Result<AgentConfig> ParseAgentConfig(const std::string& json_text,
                                           const std::string& base_dir);
base::Result<AgentConfig> LoadAgentConfig(const std::string& path);

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_CONFIG_H_
