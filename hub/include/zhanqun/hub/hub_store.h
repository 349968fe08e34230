// The hub's durable state in one SQLite file (WAL): the signed log, the
// current state of releases, the node registry, acknowledgements and API
// tokens. Schema changes are versioned migrations.
//
// Thread-safe: log, release and node methods take the store's mutex; ack,
// report and rejection methods take the status mutex (their own connection). Appends from another
// process (the CLI) are safe too: appends run in BEGIN IMMEDIATE
// transactions, so two writers can never take the same seq.
//
// Reads never turn a failed query into an empty answer: every read returns
// the query's error, and a stored enum value that does not parse is
// kCorruption naming the table, column and value.
#ifndef ZHANQUN_HUB_HUB_STORE_H_
#define ZHANQUN_HUB_HUB_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/log_table.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::hub {

struct ReleaseRow {
  std::string id;
  int version = 0;
  feeds::ReleaseStatus status = feeds::ReleaseStatus::kActive;
  std::string title;
  std::uint64_t seq = 0;
  base::TimeMs appended_ms = 0;
};

struct NodeRow {
  feeds::Node node;
  // The registry entry that registered it in its current epoch, and when:
  // catch-up before it is not lag. Re-keys, revocations and moves keep it.
  std::uint64_t seq = 0;
  base::TimeMs added_ms = 0;
  std::uint64_t entry_seq = 0;  // its newest registry entry (the whole key history)
};

struct AckRow {
  std::string node, origin;
  feeds::Stage stage = feeds::Stage::kReceived;
  std::uint64_t seq = 0;
  base::TimeMs hub_ms = 0;
};

// An entry a node refused (signature, chain or format), as it reported it.
struct RejectionRow {
  std::string node, origin;
  std::uint64_t seq = 0;
  std::string reason;
  base::TimeMs hub_ms = 0;
};

// When one hub-log entry reached one stage at one node (console history).
struct StageEventRow {
  std::uint64_t seq = 0;
  base::TimeMs appended_ms = 0;  // when the hub appended the entry
  feeds::Stage stage = feeds::Stage::kReceived;
  base::TimeMs hub_ms = 0;  // when it reached `stage`, on the hub's clock
};

// A node's newest report, as the hub keeps it.
struct NodeReportRow {
  std::string node;
  std::string via;  // the node whose envelope carried it (itself when direct)
  std::uint64_t boot = 0, n = 0;
  base::TimeMs received_ms = 0;  // hub clock
  base::TimeMs sent_ms = 0;      // node clock
  bool clock_known = false;
  std::int64_t clock_offset_ms = 0, clock_error_ms = 0;
  std::uint64_t head_seq = 0;  // newest head statement the node holds (0: none)
  base::TimeMs head_time_ms = 0, head_expires_ms = 0;
  std::string upstream;
  std::uint64_t reports = 0;           // accepted so far
  std::uint64_t reports_missing = 0;   // gaps in (boot, n): reports that never arrived
  std::uint64_t reports_replayed = 0;  // old (boot, n) seen again, ignored
};

// One verified report to record: `at_ms` of each ack is already on the hub's clock.
struct ReportToRecord {
  NodeReportRow row;
  std::vector<AckRow> acks;  // hub_ms = the node's time converted to the hub clock
  std::vector<RejectionRow> rejections;
};

class HubStore : public feeds::LogReader {
 public:
  static base::Result<std::unique_ptr<HubStore>> Open(const std::string& path);

  // Builds the next entry from the current head (inside one write
  // transaction), signs it via `sign`, stores it. `sign` receives the head
  // and returns the signed entry. The entry is durable when this returns OK.
  using Signer = std::function<base::Result<feeds::SignedEntry>(const feeds::ChainHead&)>;
  // What a restatement was derived from: checked inside the append's write
  // transaction, so two writers (daemon and CLI) changing the same node's
  // registry entry, or the trust statement, cannot both build on one
  // version and the later silently undo the earlier (e.g. a move restoring
  // a key a revocation had just ended). kFailedPrecondition when it moved on.
  struct Basis {
    std::string node;  // with node_entry_seq: nodes.entry_seq now
    std::uint64_t node_entry_seq = 0;
    std::optional<std::uint64_t> trust_seq;  // seq of the newest trust entry now
  };
  base::Result<feeds::SignedEntry> Append(const std::string& origin, const Signer& sign,
                                          base::TimeMs now_ms, const Basis* basis = nullptr);

  base::Result<feeds::ChainHead> HeadOf(const std::string& origin);
  // nullopt when no release has that id.
  base::Result<std::optional<ReleaseRow>> FindRelease(const std::string& id);
  // The newest `limit` releases, newest first.
  base::Result<std::vector<ReleaseRow>> Releases(std::size_t limit);
  // nullopt when no node has that code.
  base::Result<std::optional<NodeRow>> FindNode(const std::string& code);
  base::Result<std::vector<NodeRow>> Nodes();  // ordered by code
  // National topics defined in the hub's log: the newest definition of each
  // id, ordered by id. A stored topic entry that does not decode is kCorruption.
  base::Result<std::vector<feeds::TopicDef>> Topics();
  // Wire bytes of the newest `trust` entry of the hub's log; nullopt if none.
  base::Result<std::optional<std::string>> LatestTrustWire();
  // Its seq; 0 if none.
  base::Result<std::uint64_t> LatestTrustSeq();
  base::Result<base::TimeMs> AppendedAt(const std::string& origin, std::uint64_t seq);

  // Cumulative acknowledgement: every seq up to `seq` reached `stage` at
  // `node`. Records a per-entry event for each newly covered seq.
  base::Status RecordAck(const std::string& node, const std::string& origin, feeds::Stage stage,
                         std::uint64_t seq, base::TimeMs hub_ms);
  base::Result<std::vector<AckRow>> Acks();
  // Records every report in one transaction. For each report, true if it was
  // recorded, false if its (boot, n) was already seen (a replay: ignored).
  base::Result<std::vector<bool>> RecordReports(const std::vector<ReportToRecord>& reports);
  base::Result<std::vector<NodeReportRow>> NodeReports();  // ordered by node
  // The seq `node` acknowledged for (origin, stage); 0 if none.
  base::Result<std::uint64_t> StageSeq(const std::string& node, const std::string& origin,
                                       feeds::Stage stage);
  // Every stage event of entry (origin, seq), at every node.
  base::Result<std::vector<AckRow>> EventsFor(const std::string& origin, std::uint64_t seq);
  base::Status RecordRejection(const RejectionRow& r);
  // Newest first.
  base::Result<std::vector<RejectionRow>> Rejections(const std::string& node, std::size_t limit);
  // Lags (hub_ms - appended_ms) of every entry appended after `node` was
  // registered that reached `stage` at `node`.
  base::Result<std::vector<base::TimeMs>> StageLags(const std::string& node, feeds::Stage stage);

  // Batched reads for the cluster and release status (hub_store_status.cc):
  // one query each, however many nodes or entries they cover, so building
  // the status costs the same number of queries for 3 nodes as for 3000.
  //
  // StageLags of every node at every stage: node -> stage -> lags, in no
  // particular order.
  using LagsByNode = std::map<std::string, std::map<feeds::Stage, std::vector<base::TimeMs>>>;
  base::Result<LagsByNode> AllStageLags();
  // The newest rejection of each node that reported any (Rejections(node, 1)
  // for each), ordered by node.
  base::Result<std::vector<RejectionRow>> NewestRejections();
  // When each of `seqs` of `origin` was appended; seqs not in the log are
  // absent from the map.
  base::Result<std::map<std::uint64_t, base::TimeMs>> AppendedAtEach(
      const std::string& origin, const std::vector<std::uint64_t>& seqs);
  // Every stage event of each entry (origin, seq) for seq in `seqs`, at every node.
  base::Result<std::vector<AckRow>> EventsForEach(const std::string& origin,
                                                  const std::vector<std::uint64_t>& seqs);
  // Statements run on both connections since the store opened (sql::Db::statements).
  std::uint64_t StatementCount();

  // Stage events at `node` of the newest `limit` hub-log entries it has
  // acknowledged that were appended after it was registered (catch-up is not
  // propagation), ordered by seq then stage (hub_store_history.cc).
  base::Result<std::vector<StageEventRow>> NodeHistory(const std::string& node, std::size_t limit);

  // feeds::LogReader
  base::Result<std::vector<std::string>> ReadWire(const std::string& origin, std::uint64_t after,
                                                  std::size_t limit) override;
  base::Result<std::uint64_t> Head(const std::string& origin) override;
  base::Result<std::vector<std::string>> Origins() override;

 private:
  HubStore(std::unique_ptr<sql::Db> db, std::unique_ptr<sql::Db> status_db)
      : db_(std::move(db)), log_(*db_, "log", "appended_ms"), status_db_(std::move(status_db)) {}
  base::Status IndexEntry(const feeds::SignedEntry& e, base::TimeMs now_ms);
  // REQUIRES: mu_ held, inside a transaction.
  base::Status RecordAckLocked(const std::string& node, const std::string& origin,
                               feeds::Stage stage, std::uint64_t seq, base::TimeMs at_ms,
                               base::TimeMs received_ms);
  base::Status RecordRejectionLocked(const RejectionRow& r);
  base::Result<bool> RecordReportLocked(const ReportToRecord& r);
  base::Status CheckNextVersion(const feeds::Release& r);

  std::mutex mu_;
  std::unique_ptr<sql::Db> db_;
  feeds::LogTable log_;  // guarded by mu_, like db_
  // A second connection for acknowledgements, reports and rejections, so a
  // burst of reports never holds up feed reads or publishing (WAL: readers
  // do not wait for the writer).
  std::mutex status_mu_;
  std::unique_ptr<sql::Db> status_db_;  // guarded by status_mu_
};

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_HUB_STORE_H_
