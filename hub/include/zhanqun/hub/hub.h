// The hub service: publishing, the node registry, acknowledgements and
// cluster status, independent of HTTP (hub_http.h maps routes onto it).
//
// Owns its HubStore and signing key. Thread-safe.
#ifndef ZHANQUN_HUB_HUB_H_
#define ZHANQUN_HUB_HUB_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "zhanqun/feeds/clock.h"
#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/hub/config.h"
#include "zhanqun/hub/divisions.h"
#include "zhanqun/hub/hub_store.h"

namespace zhanqun::hub {

struct HubCounters {
  std::atomic<std::uint64_t> releases_published{0};
  std::atomic<std::uint64_t> nodes_added{0};
  std::atomic<std::uint64_t> publish_rejected{0};
  std::atomic<std::uint64_t> acks_accepted{0};
  std::atomic<std::uint64_t> acks_rejected{0};
  std::atomic<std::uint64_t> auth_failures{0};
};

class Hub {
 public:
  // Opens the store and loads the key named in `config`.
  static feeds::Result<std::unique_ptr<Hub>> Open(const HubConfig& config,
                                                  const feeds::Clock& clock);

  // Creates the data directory, a fresh key and the database, and appends
  // the hub's own registry entry. Fails if a key already exists.
  static feeds::Status Init(const HubConfig& config, const feeds::Clock& clock);

  // Validates (errors name the field), sanitizes, signs and appends. Returns
  // once the entry is durable. An existing id gets the next version.
  feeds::Result<feeds::SignedEntry> Publish(feeds::Release release);

  // Registers a node from the division table and announces it in the log.
  // `parent` empty means the nearest registered ancestor.
  feeds::Result<feeds::SignedEntry> AddNode(const std::string& code, const std::string& parent,
                                            const feeds::PublicKey& key);

  // Defines (or redefines) a national topic (专题) in the log.
  feeds::Result<feeds::SignedEntry> AddTopic(feeds::TopicDef topic);

  // Verifies a signed acknowledgement batch from a node (see docs/protocol.md)
  // and records it. `signature_header` is the X-Zhanqun-Signature value.
  feeds::Status AcceptAcks(const std::string& body, const std::string& signature_header);

  // Cluster status as JSON: per node, per origin, stage seqs, missing
  // entries, lag of the oldest missing entry.
  std::string StatusJson();
  std::string CountersJson() const;

  // Creates an API token; returns the secret (shown once, stored hashed).
  feeds::Result<std::string> CreateToken(const std::string& name);
  bool CheckBearer(const std::string& authorization_header);

  HubStore& store() { return *store_; }
  feeds::AppendNotifier& notifier() { return notifier_; }
  const HubConfig& config() const { return config_; }
  const feeds::PublicKey& public_key() const { return key_.public_key(); }
  HubCounters& counters() { return counters_; }
  const feeds::Clock& clock() const { return clock_; }

 private:
  Hub(HubConfig config, const feeds::Clock& clock, std::unique_ptr<HubStore> store,
      feeds::SecretKey key, Divisions divisions);
  feeds::Result<feeds::SignedEntry> AppendEntry(feeds::Entry entry);

  HubConfig config_;
  const feeds::Clock& clock_;
  std::unique_ptr<HubStore> store_;
  feeds::SecretKey key_;
  Divisions divisions_;
  feeds::AppendNotifier notifier_;
  HubCounters counters_;
};

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_HUB_H_
