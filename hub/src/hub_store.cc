#include "zhanqun/hub/hub_store.h"

#include "hub_store_rows.h"

namespace zhanqun::hub {

namespace store_rows {

base::Result<AckRow> ReadAck(const sql::Stmt& row, const char* stage_column) {
  base::Result<feeds::Stage> stage =
      feeds::ReadEnumColumn(row, 2, stage_column, &feeds::ParseStage);
  if (!stage.ok()) return stage.status();
  return AckRow{row.Text(0), row.Text(1), *stage, static_cast<std::uint64_t>(row.Int(3)),
                row.Int(4)};
}

}  // namespace store_rows

using base::Result;
using base::Status;

namespace {

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      R"sql(
CREATE TABLE log (
  origin TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, kind TEXT NOT NULL,
  appended_ms INTEGER NOT NULL, wire BLOB NOT NULL, PRIMARY KEY (origin, seq)) WITHOUT ROWID;
CREATE TABLE releases (
  id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL, title TEXT NOT NULL,
  seq INTEGER NOT NULL, appended_ms INTEGER NOT NULL);
CREATE TABLE nodes (
  code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, parent TEXT NOT NULL,
  key_id TEXT NOT NULL, public_key TEXT NOT NULL, seq INTEGER NOT NULL,
  added_ms INTEGER NOT NULL);
CREATE TABLE acks (
  node TEXT NOT NULL, origin TEXT NOT NULL, stage TEXT NOT NULL, seq INTEGER NOT NULL,
  hub_ms INTEGER NOT NULL, PRIMARY KEY (node, origin, stage));
CREATE TABLE ack_events (
  node TEXT NOT NULL, origin TEXT NOT NULL, stage TEXT NOT NULL, seq INTEGER NOT NULL,
  hub_ms INTEGER NOT NULL, PRIMARY KEY (node, origin, stage, seq)) WITHOUT ROWID;
CREATE TABLE tokens (
  name TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL);
)sql",
      // 2: nodes report what they quarantined, so the hub can say why a node lags.
      R"sql(
CREATE TABLE rejections (
  node TEXT NOT NULL, origin TEXT NOT NULL, seq INTEGER NOT NULL, reason TEXT NOT NULL,
  hub_ms INTEGER NOT NULL);
CREATE INDEX rejections_by_node ON rejections (node, hub_ms);
)sql",
      // 3: a follower retrying the same bad entry reports it again and again;
      // keep one row per distinct rejection (the first report).
      R"sql(
DELETE FROM rejections WHERE rowid NOT IN (
  SELECT min(rowid) FROM rejections GROUP BY node, origin, seq, reason);
CREATE UNIQUE INDEX rejections_once ON rejections (node, origin, seq, reason);
)sql",
      // 4: reports travel up the tree; the hub keeps each node's newest one
      // (numbering, clock offset, head statement, route) and finds events by seq.
      R"sql(
CREATE TABLE node_reports (
  node TEXT PRIMARY KEY, via TEXT NOT NULL, boot INTEGER NOT NULL, n INTEGER NOT NULL,
  received_ms INTEGER NOT NULL, sent_ms INTEGER NOT NULL, clock_known INTEGER NOT NULL,
  clock_offset_ms INTEGER NOT NULL, clock_error_ms INTEGER NOT NULL,
  head_seq INTEGER NOT NULL, head_time_ms INTEGER NOT NULL, head_expires_ms INTEGER NOT NULL,
  upstream TEXT NOT NULL, reports INTEGER NOT NULL, reports_missing INTEGER NOT NULL,
  reports_replayed INTEGER NOT NULL);
CREATE INDEX ack_events_by_seq ON ack_events (origin, seq, stage);
)sql",
      // 5: a node's newest registry entry (re-key, revoke, move) is not its
      // registration: `seq`/`added_ms` stay where its epoch began, so its
      // lag history survives a key change; `entry_seq` is the newest entry.
      R"sql(
ALTER TABLE nodes ADD COLUMN entry_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1;
UPDATE nodes SET entry_seq = seq;
)sql",
  };
  return kMigrations;
}

}  // namespace

Result<std::unique_ptr<HubStore>> HubStore::Open(const std::string& path) {
  Result<std::unique_ptr<sql::Db>> db = sql::Db::Open(path, Migrations());
  if (!db.ok()) return db.status();
  Result<std::unique_ptr<sql::Db>> status_db = sql::Db::Open(path, Migrations());
  if (!status_db.ok()) return status_db.status();
  return std::unique_ptr<HubStore>(new HubStore(std::move(*db), std::move(*status_db)));
}

Result<feeds::ChainHead> HubStore::HeadOf(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  return log_.Head(origin);
}

namespace {

Result<std::uint64_t> TrustSeqLocked(sql::Db& db) {
  Result<sql::Stmt> st =
      db.Prepare("SELECT COALESCE(MAX(seq), 0) FROM log WHERE origin = ?1 AND kind = 'trust'");
  if (!st.ok()) return st.status();
  st->Bind(1, std::string_view(feeds::kHubCode));
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  return static_cast<std::uint64_t>(st->Int(0));
}

Status CheckBasisLocked(sql::Db& db, const HubStore::Basis& b) {
  if (!b.node.empty()) {
    Result<sql::Stmt> st = db.Prepare("SELECT entry_seq FROM nodes WHERE code = ?1");
    if (!st.ok()) return st.status();
    st->Bind(1, b.node);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    const std::uint64_t now = *row ? static_cast<std::uint64_t>(st->Int(0)) : 0;
    if (now != b.node_entry_seq) {
      return Status::Precondition(
          "node " + b.node + " changed meanwhile (its registry entry is now seq " +
          std::to_string(now) + ", not " + std::to_string(b.node_entry_seq) +
          "); nothing appended, run the command again");
    }
  }
  if (b.trust_seq) {
    Result<std::uint64_t> now = TrustSeqLocked(db);
    if (!now.ok()) return now.status();
    if (*now != *b.trust_seq) {
      return Status::Precondition("the hub's trust statement changed meanwhile (now seq " +
                                  std::to_string(*now) + ", not " + std::to_string(*b.trust_seq) +
                                  "); nothing appended, run the command again");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::uint64_t> HubStore::LatestTrustSeq() {
  std::lock_guard<std::mutex> lock(mu_);
  return TrustSeqLocked(*db_);
}

Result<feeds::SignedEntry> HubStore::Append(const std::string& origin, const Signer& sign,
                                            base::TimeMs now_ms, const Basis* basis) {
  std::lock_guard<std::mutex> lock(mu_);
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  if (basis != nullptr) ZQ_RETURN_IF_ERROR(CheckBasisLocked(*db_, *basis));
  Result<feeds::ChainHead> head = log_.Head(origin);
  if (!head.ok()) return head.status();
  Result<feeds::SignedEntry> signed_entry = sign(*head);
  if (!signed_entry.ok()) return signed_entry.status();
  ZQ_RETURN_IF_ERROR(log_.Insert(origin, *signed_entry, now_ms));
  ZQ_RETURN_IF_ERROR(IndexEntry(*signed_entry, now_ms));
  ZQ_RETURN_IF_ERROR(txn.Commit());
  return signed_entry;
}

// Runs inside the append transaction, so two writers (daemon and CLI, or
// two requests) can never both sign the same version of a release.
Status HubStore::CheckNextVersion(const feeds::Release& r) {
  Result<sql::Stmt> st = db_->Prepare("SELECT version FROM releases WHERE id = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, r.id);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  std::int64_t have = *row ? st->Int(0) : 0;
  if (r.version == have + 1) return Status::Ok();
  return Status(base::Code::kAlreadyExists,
                "version: release '" + r.id + "' is at version " + std::to_string(have) +
                    "; the next version must be " + std::to_string(have + 1) + ", got " +
                    std::to_string(r.version));
}

Status HubStore::IndexEntry(const feeds::SignedEntry& se, base::TimeMs now_ms) {
  const feeds::Entry& e = se.entry;
  if (e.release) {
    ZQ_RETURN_IF_ERROR(CheckNextVersion(*e.release));
    Result<sql::Stmt> st = db_->Prepare(
        "INSERT OR REPLACE INTO releases (id, version, status, title, seq, appended_ms) "
        "VALUES (?1,?2,?3,?4,?5,?6)");
    if (!st.ok()) return st.status();
    st->Bind(1, e.release->id)
        .Bind(2, e.release->version)
        .Bind(3, std::string_view(feeds::ReleaseStatusName(e.release->status)))
        .Bind(4, e.release->title)
        .Bind(5, static_cast<std::int64_t>(e.log.seq))
        .Bind(6, now_ms);
    return st->Run();
  }
  if (e.node) {
    const feeds::Node& n = *e.node;
    // A new epoch (a rejoin) registers the node again; any other restatement
    // keeps where it was registered.
    Result<sql::Stmt> st = db_->Prepare(
        "INSERT INTO nodes (code, name, level, parent, key_id, public_key, seq, added_ms, "
        "entry_seq, epoch) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?7,?9) "
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, "
        "parent = excluded.parent, key_id = excluded.key_id, public_key = excluded.public_key, "
        "entry_seq = excluded.entry_seq, "
        "seq = CASE WHEN excluded.epoch = nodes.epoch THEN nodes.seq ELSE excluded.seq END, "
        "added_ms = CASE WHEN excluded.epoch = nodes.epoch THEN nodes.added_ms "
        "ELSE excluded.added_ms END, epoch = excluded.epoch");
    if (!st.ok()) return st.status();
    // The key its reports are verified with: none once revoked or removed.
    const std::optional<feeds::PublicKey> current = feeds::CurrentNodeKey(n);
    std::string key_id = current ? current->KeyIdHex() : "";
    std::string pk = current ? feeds::PublicKeyBase64(*current) : "";
    st->Bind(1, n.code)
        .Bind(2, n.name)
        .Bind(3, std::string_view(feeds::NodeLevelName(n.level)))
        .Bind(4, n.parent)
        .Bind(5, key_id)
        .Bind(6, pk)
        .Bind(7, static_cast<std::int64_t>(e.log.seq))
        .Bind(8, now_ms)
        .Bind(9, static_cast<std::int64_t>(n.epoch));
    return st->Run();
  }
  return Status::Ok();  // topics need no hub-side view: the log is their record
}

namespace {

constexpr const char* kReleaseColumns =
    "SELECT id, version, status, title, seq, appended_ms FROM releases ";

Result<ReleaseRow> ReadRelease(const sql::Stmt& st) {
  Result<feeds::ReleaseStatus> status =
      feeds::ReadEnumColumn(st, 2, "releases.status", &feeds::ParseReleaseStatus);
  if (!status.ok()) return status.status().Context("release " + st.Text(0));
  return ReleaseRow{st.Text(0), static_cast<int>(st.Int(1)),           *status,
                    st.Text(3), static_cast<std::uint64_t>(st.Int(4)), st.Int(5)};
}

}  // namespace

Result<std::optional<ReleaseRow>> HubStore::FindRelease(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare(std::string(kReleaseColumns) + "WHERE id = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<ReleaseRow>();
  Result<ReleaseRow> r = ReadRelease(*st);
  if (!r.ok()) return r.status();
  return std::optional<ReleaseRow>(std::move(*r));
}

Result<std::vector<ReleaseRow>> HubStore::Releases(std::size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare(std::string(kReleaseColumns) + "ORDER BY seq DESC LIMIT ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, static_cast<std::int64_t>(limit));
  return feeds::ReadRows<ReleaseRow>(*st, ReadRelease);
}

namespace {

Result<NodeRow> ReadNode(const sql::Stmt& st) {
  NodeRow row;
  row.node.code = st.Text(0);
  row.node.name = st.Text(1);
  Result<feeds::NodeLevel> level =
      feeds::ReadEnumColumn(st, 2, "nodes.level", &feeds::ParseNodeLevel);
  if (!level.ok()) return level.status().Context("node " + row.node.code);
  row.node.level = *level;
  row.node.parent = st.Text(3);
  // A node registered without a key is stored with an empty one.
  if (std::string pk = st.Text(4); !pk.empty()) {
    Result<feeds::PublicKey> key = feeds::ParsePublicKey(pk);
    if (!key.ok()) {
      return Status::Corruption("nodes.public_key of node " + row.node.code + ": " +
                                key.status().message());
    }
    row.node.keys.push_back(*key);
  }
  row.seq = static_cast<std::uint64_t>(st.Int(5));
  row.added_ms = st.Int(6);
  row.entry_seq = static_cast<std::uint64_t>(st.Int(7));
  row.node.epoch = static_cast<std::uint32_t>(st.Int(8));
  return row;
}

constexpr const char* kNodeColumns =
    "SELECT code, name, level, parent, public_key, seq, added_ms, entry_seq, epoch FROM nodes ";

}  // namespace

Result<std::optional<NodeRow>> HubStore::FindNode(const std::string& code) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare(std::string(kNodeColumns) + "WHERE code = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, code);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<NodeRow>();
  Result<NodeRow> n = ReadNode(*st);
  if (!n.ok()) return n.status();
  return std::optional<NodeRow>(std::move(*n));
}

Result<std::vector<NodeRow>> HubStore::Nodes() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare(std::string(kNodeColumns) + "ORDER BY code");
  if (!st.ok()) return st.status();
  return feeds::ReadRows<NodeRow>(*st, ReadNode);
}

Result<std::optional<std::string>> HubStore::LatestTrustWire() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare(
      "SELECT wire FROM log WHERE origin = ?1 AND kind = 'trust' ORDER BY seq DESC LIMIT 1");
  if (!st.ok()) return st.status();
  st->Bind(1, std::string_view(feeds::kHubCode));
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->Text(0));
}

Result<base::TimeMs> HubStore::AppendedAt(const std::string& origin, std::uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<feeds::LogRow> row = log_.Find(origin, seq);
  if (!row.ok()) return row.status();
  return row->stored_ms;
}

Status HubStore::RecordAck(const std::string& node, const std::string& origin, feeds::Stage stage,
                           std::uint64_t seq, base::TimeMs hub_ms) {
  std::lock_guard<std::mutex> lock(status_mu_);
  sql::Transaction txn(*status_db_);
  ZQ_RETURN_IF_ERROR(txn.status());
  ZQ_RETURN_IF_ERROR(RecordAckLocked(node, origin, stage, seq, hub_ms, hub_ms));
  return txn.Commit();
}

Status HubStore::RecordAckLocked(const std::string& node, const std::string& origin,
                                 feeds::Stage stage, std::uint64_t seq, base::TimeMs at_ms,
                                 base::TimeMs received_ms) {
  const std::string_view stage_name = feeds::StageName(stage);
  Result<sql::CachedStmt> prev =
      status_db_->Cached("SELECT seq FROM acks WHERE node = ?1 AND origin = ?2 AND stage = ?3");
  if (!prev.ok()) return prev.status();
  prev->Bind(1, node).Bind(2, origin).Bind(3, stage_name);
  Result<bool> row = prev->Step();
  if (!row.ok()) return row.status();
  std::uint64_t have = *row ? static_cast<std::uint64_t>(prev->Int(0)) : 0;
  if (seq <= have) return Status::Ok();  // cumulative: old or replayed acks change nothing
  Result<sql::CachedStmt> up = status_db_->Cached(
      "INSERT OR REPLACE INTO acks (node, origin, stage, seq, hub_ms) VALUES (?1,?2,?3,?4,?5)");
  if (!up.ok()) return up.status();
  up->Bind(1, node).Bind(2, origin).Bind(3, stage_name).Bind(4, static_cast<std::int64_t>(seq));
  up->Bind(5, std::min(at_ms, received_ms));
  ZQ_RETURN_IF_ERROR(up->Run());
  // An entry cannot reach a node before it was appended, nor after the hub
  // heard of it: each event's time is clamped into [appended, received].
  // Only releases get events: lag is a release's, and registry and topic
  // entries would make the table nodes x nodes (3,433^2 for the country).
  Result<sql::CachedStmt> ev = status_db_->Cached(
      "INSERT OR IGNORE INTO ack_events (node, origin, stage, seq, hub_ms) "
      "SELECT ?1, ?2, ?3, seq, MIN(?7, MAX(?6, appended_ms)) FROM log "
      "WHERE origin = ?2 AND seq > ?4 AND seq <= ?5 AND kind = 'release'");
  if (!ev.ok()) return ev.status();
  ev->Bind(1, node).Bind(2, origin).Bind(3, stage_name);
  ev->Bind(4, static_cast<std::int64_t>(have)).Bind(5, static_cast<std::int64_t>(seq));
  ev->Bind(6, at_ms).Bind(7, received_ms);
  return ev->Run();
}

Status HubStore::RecordRejection(const RejectionRow& r) {
  std::lock_guard<std::mutex> lock(status_mu_);
  return RecordRejectionLocked(r);
}

Status HubStore::RecordRejectionLocked(const RejectionRow& r) {
  Result<sql::CachedStmt> st = status_db_->Cached(
      "INSERT OR IGNORE INTO rejections (node, origin, seq, reason, hub_ms) "
      "VALUES (?1,?2,?3,?4,?5)");
  if (!st.ok()) return st.status();
  st->Bind(1, r.node).Bind(2, r.origin).Bind(3, static_cast<std::int64_t>(r.seq));
  st->Bind(4, r.reason).Bind(5, r.hub_ms);
  return st->Run();
}

Result<std::vector<RejectionRow>> HubStore::Rejections(const std::string& node, std::size_t limit) {
  std::lock_guard<std::mutex> lock(status_mu_);
  std::vector<RejectionRow> out;
  Result<sql::CachedStmt> st = status_db_->Cached(
      "SELECT node, origin, seq, reason, hub_ms FROM rejections WHERE node = ?1 "
      "ORDER BY hub_ms DESC, rowid DESC LIMIT ?2");
  if (!st.ok()) return st.status();
  st->Bind(1, node).Bind(2, static_cast<std::int64_t>(limit));
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(*st, [&](sql::Stmt& row) {
    out.push_back({row.Text(0), row.Text(1), static_cast<std::uint64_t>(row.Int(2)), row.Text(3),
                   row.Int(4)});
  }));
  return out;
}

Result<std::vector<AckRow>> HubStore::Acks() {
  std::lock_guard<std::mutex> lock(status_mu_);
  Result<sql::CachedStmt> st =
      status_db_->Cached("SELECT node, origin, stage, seq, hub_ms FROM acks");
  if (!st.ok()) return st.status();
  return feeds::ReadRows<AckRow>(
      *st, [](const sql::Stmt& row) { return store_rows::ReadAck(row, "acks.stage"); });
}

Result<std::vector<base::TimeMs>> HubStore::StageLags(const std::string& node, feeds::Stage stage) {
  std::lock_guard<std::mutex> lock(status_mu_);
  std::vector<base::TimeMs> out;
  Result<sql::CachedStmt> st = status_db_->Cached(
      "SELECT a.hub_ms - l.appended_ms FROM ack_events a JOIN log l "
      "ON l.origin = a.origin AND l.seq = a.seq WHERE a.node = ?1 AND a.stage = ?2 "
      // Entries appended before the node was registered are catch-up, not live
      // propagation: they say how long the node took to exist, not how late it is.
      "AND a.seq > COALESCE((SELECT seq FROM nodes WHERE code = ?1), 0) "
      "ORDER BY a.seq");
  if (!st.ok()) return st.status();
  st->Bind(1, node).Bind(2, std::string_view(feeds::StageName(stage)));
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(*st, [&](sql::Stmt& row) { out.push_back(row.Int(0)); }));
  return out;
}

Result<std::vector<std::string>> HubStore::ReadWire(const std::string& origin, std::uint64_t after,
                                                    std::size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  ZQ_RETURN_IF_ERROR(log_.ForEachAfter(
      origin, after, limit, [&](feeds::LogRow row) { out.push_back(std::move(row.wire)); }));
  return out;
}

Result<std::uint64_t> HubStore::Head(const std::string& origin) {
  Result<feeds::ChainHead> head = HeadOf(origin);
  if (!head.ok()) return head.status();
  return head->seq;
}

Result<std::vector<std::string>> HubStore::Origins() {
  std::lock_guard<std::mutex> lock(mu_);
  return log_.Origins();
}

}  // namespace zhanqun::hub
