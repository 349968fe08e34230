// The agent's durable state in one SQLite file (WAL): verified entries of
// every followed origin (wire bytes exactly as received and verified), the
// keys learned from the registry, and quarantined input.
//
// Thread-safe: every method takes the store's mutex.
//
// Reads never turn a failed query into an empty answer: every read returns
// the query's error, and a stored enum value that does not parse is
// kCorruption naming the table, column and value.
#ifndef ZHANQUN_AGENT_AGENT_STORE_H_
#define ZHANQUN_AGENT_AGENT_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/log_table.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::agent {

struct QuarantineRow {
  std::string origin;
  std::uint64_t seq = 0;
  std::string reason;
  std::string source;  // URL it came from
  base::TimeMs at_ms = 0;
  std::string wire;
};

// Where the current state of a release, a layer or a topic is in the logs.
struct EntryRef {
  std::string origin;
  std::uint64_t seq = 0;
};

struct ReleaseRef {
  std::string id;
  int version = 0;
  feeds::ReleaseStatus status = feeds::ReleaseStatus::kActive;
  EntryRef at;
};

// What entries of one log changed in the site's views (see ChangedAfter).
struct ViewChanges {
  std::vector<std::string> release_ids;  // releases, or layers of them, now current there
  bool topics = false;                   // a topic definition is
};

struct RegistryNode {
  std::string code, name;
  feeds::NodeLevel level = feeds::NodeLevel::kNational;
  std::string parent;
};

// Entries of a held log that a registry entry took back: the first one a
// key the registry no longer grants had signed, and everything after it
// (docs/protocol.md §4.1, "what a held log loses").
struct Truncation {
  std::string origin;
  std::uint64_t from_seq = 0;  // first seq removed
  std::uint64_t removed = 0;   // how many entries
  std::uint64_t by_seq = 0;    // the hub log's registry entry that caused it
  std::string reason;          // the grant that no longer covers from_seq
};

struct StoredEntry {
  std::string origin;
  std::uint64_t seq = 0;
  std::string hash;
  std::string wire;
};

class AgentStore : public feeds::LogReader {
 public:
  static base::Result<std::unique_ptr<AgentStore>> Open(const std::string& path);

  // From memory once read: the long-polls held for children ask on every
  // wake-up. A failed first read is an error (and is tried again next time).
  base::Result<feeds::ChainHead> HeadOf(const std::string& origin);
  // Appends verified entries (contiguous, extending the head) in one
  // transaction. REQUIRES: each was returned by feeds::VerifyEntry against
  // the current head. A registry entry replaces its node's grants in the
  // trust table and, in the same transaction, truncates the node's held log
  // from the first entry its new grants do not cover (a revoked key's
  // entries after the revocation point, every entry of a removed node or of
  // an epoch that ended), restoring the views those entries had replaced.
  // What was truncated is kept for TakeTruncations.
  base::Status AppendVerified(const std::vector<feeds::SignedEntry>& entries, base::TimeMs now_ms);
  // Appends the next entry of our own log (`origin` is our code) in one
  // transaction: `sign` receives the current head and returns the entry.
  using Signer = std::function<base::Result<feeds::SignedEntry>(const feeds::ChainHead&)>;
  base::Result<feeds::SignedEntry> AppendOwn(const std::string& origin, const Signer& sign,
                                             base::TimeMs now_ms);

  // Views kept current by every append (agent_views.cc).
  // nullopt when no release has that id.
  base::Result<std::optional<ReleaseRef>> FindRelease(const std::string& id);
  base::Result<std::vector<ReleaseRef>> Releases();  // every release, newest entry first
  // Newest interpretation entry of each origin for `release_id`.
  base::Result<std::vector<EntryRef>> Layers(const std::string& release_id);
  base::Result<std::vector<EntryRef>> Topics();  // newest entry of each (topic, origin)
  // The views' rows that `origin`'s entries in (after, upto] made current:
  // what those entries changed on the site, read without decoding them. An
  // entry already superseded by a later one is not reported (the later one
  // is, in its own range).
  base::Result<ViewChanges> ChangedAfter(const std::string& origin, std::uint64_t after,
                                         std::uint64_t upto);
  // nullopt when the registry has no such node (yet).
  base::Result<std::optional<RegistryNode>> FindRegistryNode(const std::string& code);
  // Every code a registry entry has named, removed nodes included.
  base::Result<std::vector<std::string>> RegistryCodes();
  // The registered ancestors of `code`, parent first, up to (not including)
  // the hub: [] for a node under the hub, or one the registry lacks. A move
  // (a newer node entry) changes it.
  base::Result<std::vector<std::string>> Ancestors(const std::string& code);
  // Wire bytes at (origin, seq).
  base::Result<std::string> Wire(const std::string& origin, std::uint64_t seq);

  // Hash stored at (origin, seq); nullopt when nothing is stored there.
  base::Result<std::optional<std::string>> HashAt(const std::string& origin, std::uint64_t seq);
  // Entries of `origin` after `after`, in seq order, at most `limit`.
  base::Result<std::vector<StoredEntry>> ReadRange(const std::string& origin, std::uint64_t after,
                                                   std::size_t limit);

  // The truncations committed since the last call, oldest first.
  std::vector<Truncation> TakeTruncations();
  // How many truncations were committed since the store was opened: a
  // reader that keeps derived state (the site) starts over when it changes.
  std::uint64_t truncation_count();

  // Records rejected input; the same bytes are recorded once.
  base::Status Quarantine(const QuarantineRow& row);
  base::Result<std::vector<QuarantineRow>> Quarantined(std::size_t limit);  // newest first
  base::Result<std::uint64_t> QuarantineCount();

  // Hands the connection's page cache back (the next reads fill it again).
  void ReleaseMemory();

  // Keys learned from verified registry entries, keyed by origin; a stored
  // key that does not parse is kCorruption.
  base::Result<std::vector<std::pair<std::string, feeds::PublicKey>>> TrustedKeys();
  // Wire bytes of the newest `trust` entry of the hub's log (the root-signed
  // certificate of the hub's online keys, feeds/trust.h); nullopt when none
  // is stored. Stored with the entry itself, so it is as durable as the log.
  base::Result<std::optional<std::string>> LatestTrustWire();
  // The grants the newest registry entry of each origin states (replacing
  // earlier ones); a removed node has none. kCorruption as above.
  base::Result<std::vector<std::pair<std::string, feeds::KeyGrant>>> TrustedGrants();

  // feeds::LogReader
  base::Result<std::vector<std::string>> ReadWire(const std::string& origin, std::uint64_t after,
                                                  std::size_t limit) override;
  base::Result<std::uint64_t> Head(const std::string& origin) override;
  base::Result<std::vector<std::string>> Origins() override;

 private:
  explicit AgentStore(std::unique_ptr<sql::Db> db)
      : db_(std::move(db)), log_(*db_, "entries", "stored_ms") {}
  base::Status InsertLocked(const feeds::SignedEntry& e, base::TimeMs now_ms);
  // AppendVerified's transaction; `moved` receives the heads it commits.
  base::Status AppendVerifiedLocked(const std::vector<feeds::SignedEntry>& entries,
                                    base::TimeMs now_ms,
                                    std::map<std::string, feeds::ChainHead>* moved);
  base::Status UpdateViewsLocked(const feeds::Entry& e);
  // The grant rules of AppendVerified for registry entry `node` (at seq
  // `by_seq` of the hub's log): truncates the node's held log if its grants
  // no longer cover it. REQUIRES: mu_ held, inside a transaction.
  base::Status TruncateUngrantedLocked(const feeds::Node& node, std::uint64_t by_seq);
  // The head of `origin`, from heads_ or else read once from the table.
  // REQUIRES: mu_ held.
  base::Result<feeds::ChainHead> HeadLocked(const std::string& origin);

  std::mutex mu_;
  std::unique_ptr<sql::Db> db_;
  feeds::LogTable log_;  // guarded by mu_, like db_
  // Committed heads, so that the long-polls held for children (which ask
  // for the head on every wake-up) cost a map lookup, not a query. Only
  // this object writes the entries table; updated after each commit.
  std::map<std::string, feeds::ChainHead> heads_;  // guarded by mu_
  // Truncations of the transaction under way, and the committed ones not
  // taken yet.
  std::vector<Truncation> pending_truncations_;    // guarded by mu_
  std::vector<Truncation> committed_truncations_;  // guarded by mu_
  std::uint64_t truncation_count_ = 0;             // guarded by mu_
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_AGENT_STORE_H_
