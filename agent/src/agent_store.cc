#include "zhanqun/agent/agent_store.h"

#include <utility>

#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/atom.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      R"sql(
CREATE TABLE entries (
  origin TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, kind TEXT NOT NULL,
  stored_ms INTEGER NOT NULL, wire BLOB NOT NULL, PRIMARY KEY (origin, seq)) WITHOUT ROWID;
CREATE TABLE trust (
  origin TEXT NOT NULL, key_id TEXT NOT NULL, public_key TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (origin, key_id));
CREATE TABLE quarantine (
  origin TEXT NOT NULL, seq INTEGER NOT NULL, wire_hash TEXT NOT NULL, reason TEXT NOT NULL,
  source TEXT NOT NULL, at_ms INTEGER NOT NULL, wire BLOB NOT NULL,
  PRIMARY KEY (origin, seq, wire_hash));
)sql",
      // 2: what the local site is made of, kept current as entries arrive.
      R"sql(
CREATE TABLE registry (
  code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, parent TEXT NOT NULL);
CREATE TABLE release_view (
  id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL, origin TEXT NOT NULL,
  seq INTEGER NOT NULL);
CREATE TABLE layer_view (
  release_id TEXT NOT NULL, origin TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (release_id, origin));
CREATE TABLE topic_view (
  id TEXT NOT NULL, origin TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (id, origin));
)sql",
      // 3: the site asks the views what a range of a log changed (ChangedAfter).
      R"sql(
CREATE INDEX release_view_by_seq ON release_view (origin, seq);
CREATE INDEX layer_view_by_seq ON layer_view (origin, seq);
CREATE INDEX topic_view_by_seq ON topic_view (origin, seq);
)sql",
      // 4: each trusted key signs a range of its origin's log (the registry's key spans).
      R"sql(
ALTER TABLE trust ADD COLUMN from_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE trust ADD COLUMN until_seq INTEGER NOT NULL DEFAULT 0;
)sql",
  };
  return kMigrations;
}

}  // namespace

Result<std::unique_ptr<AgentStore>> AgentStore::Open(const std::string& path) {
  Result<std::unique_ptr<sql::Db>> db = sql::Db::Open(path, Migrations());
  if (!db.ok()) return db.status();
  // SQLite's default page cache (2 MB) fills with the whole registry after a
  // catch-up; an agent's hot pages are the newest few (the kernel's page
  // cache keeps the rest a pread away). Thousands of agents share a machine
  // in the whole-country simulation, so each keeps 512 KiB.
  Status cs = (*db)->Exec("PRAGMA cache_size=-512");
  if (!cs.ok()) return cs.Context(path);
  return std::unique_ptr<AgentStore>(new AgentStore(std::move(*db)));
}

void AgentStore::ReleaseMemory() {
  std::lock_guard<std::mutex> lock(mu_);
  db_->ReleaseMemory();
}

Result<feeds::ChainHead> AgentStore::HeadOf(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  return HeadLocked(origin);
}

Result<feeds::ChainHead> AgentStore::HeadLocked(const std::string& origin) {
  auto it = heads_.find(origin);
  if (it != heads_.end()) return it->second;
  Result<feeds::ChainHead> head = log_.Head(origin);
  if (head.ok()) heads_[origin] = *head;  // a failed read is not remembered
  return head;
}

Status AgentStore::InsertLocked(const feeds::SignedEntry& e, base::TimeMs now_ms) {
  ZQ_RETURN_IF_ERROR(log_.Insert(e.entry.log.origin, e, now_ms));
  ZQ_RETURN_IF_ERROR(UpdateViewsLocked(e.entry));
  // Keys are trusted only from the hub's registry (see TrustedKeys::Learn).
  if (!e.entry.node || e.entry.log.origin != feeds::kHubCode) return Status::Ok();
  // The newest registry entry of a node restates its key history: replace.
  Result<sql::CachedStmt> d = db_->Cached("DELETE FROM trust WHERE origin = ?1");
  if (!d.ok()) return d.status();
  d->Bind(1, e.entry.node->code);
  ZQ_RETURN_IF_ERROR(d->Run());
  for (const feeds::KeyGrant& g : feeds::NodeGrants(*e.entry.node)) {
    Result<sql::CachedStmt> t = db_->Cached(
        "INSERT OR REPLACE INTO trust (origin, key_id, public_key, seq, from_seq, until_seq) "
        "VALUES (?1,?2,?3,?4,?5,?6)");
    if (!t.ok()) return t.status();
    t->Bind(1, e.entry.node->code).Bind(2, g.key.KeyIdHex());
    t->Bind(3, feeds::PublicKeyBase64(g.key));
    t->Bind(4, static_cast<std::int64_t>(e.entry.log.seq));
    t->Bind(5, static_cast<std::int64_t>(g.from_seq));
    t->Bind(6, static_cast<std::int64_t>(g.until_seq));
    ZQ_RETURN_IF_ERROR(t->Run());
  }
  return TruncateUngrantedLocked(*e.entry.node, e.entry.log.seq);
}

namespace {

// Why `grants` do not cover `seq` signed by `key_id`; empty when they do.
std::string NotCovered(const std::vector<feeds::KeyGrant>& grants, const feeds::Node& node,
                       const std::string& key_id, std::uint64_t seq) {
  for (const feeds::KeyGrant& g : grants) {
    if (g.key.KeyIdHex() != key_id) continue;
    if (g.Covers(seq)) return "";
    return "key " + key_id + " is granted " + feeds::DescribeGrant(g);
  }
  if (node.status == feeds::NodeStatus::kRemoved) return "node " + node.code + " is removed";
  return "key " + key_id + " is not granted in epoch " + std::to_string(node.epoch);
}

}  // namespace

Status AgentStore::TruncateUngrantedLocked(const feeds::Node& node, std::uint64_t by_seq) {
  const std::string& origin = node.code;
  if (origin == feeds::kHubCode) return Status::Ok();  // the hub's keys come from trust entries
  Result<feeds::ChainHead> head = HeadLocked(origin);
  if (!head.ok()) return head.status();
  if (head->seq == 0) return Status::Ok();
  const std::vector<feeds::KeyGrant> grants = feeds::NodeGrants(node);
  // The first held entry the new grants do not cover, read a chunk at a time.
  std::uint64_t cut = 0;
  std::string reason;
  Status decoded = Status::Ok();
  for (std::uint64_t after = 0; cut == 0 && decoded.ok() && after < head->seq;) {
    std::uint64_t last = after;
    ZQ_RETURN_IF_ERROR(log_.ForEachAfter(origin, after, 256, [&](feeds::LogRow row) {
      last = row.seq;
      if (cut != 0 || !decoded.ok()) return;
      Result<feeds::ParsedEntry> pe = feeds::DecodeEntry(row.wire);
      if (!pe.ok()) {
        decoded = Status::Corruption("stored entry " + origin + "#" + std::to_string(row.seq) +
                                     " does not decode: " + pe.status().message());
        return;
      }
      reason = NotCovered(grants, node, pe->signature.key_id, row.seq);
      if (!reason.empty()) cut = row.seq;
    }));
    if (last == after) break;
    after = last;
  }
  ZQ_RETURN_IF_ERROR(decoded);
  if (cut == 0) return Status::Ok();
  Result<sql::CachedStmt> d = db_->Cached("DELETE FROM entries WHERE origin = ?1 AND seq >= ?2");
  if (!d.ok()) return d.status();
  d->Bind(1, origin).Bind(2, static_cast<std::int64_t>(cut));
  ZQ_RETURN_IF_ERROR(d->Run());
  for (const char* sql :
       {"DELETE FROM layer_view WHERE origin = ?1", "DELETE FROM topic_view WHERE origin = ?1"}) {
    Result<sql::CachedStmt> v = db_->Cached(sql);
    if (!v.ok()) return v.status();
    v->Bind(1, origin);
    ZQ_RETURN_IF_ERROR(v->Run());
  }
  // The views show the newest entries left of each layer and topic: replay
  // what is kept, in order, as the appends did.
  Status replayed = Status::Ok();
  ZQ_RETURN_IF_ERROR(log_.ForEachAfter(origin, 0, cut - 1, [&](feeds::LogRow row) {
    if (!replayed.ok()) return;
    Result<feeds::Entry> e = feeds::DecodeStoredEntry(row.wire);
    replayed = e.ok() ? UpdateViewsLocked(*e)
                      : Status::Corruption("stored entry " + origin + "#" +
                                           std::to_string(row.seq) + " does not decode");
  }));
  ZQ_RETURN_IF_ERROR(replayed);
  // Read again from the table (this transaction's view) when next asked, and
  // after the commit or a rollback.
  heads_.erase(origin);
  pending_truncations_.push_back({origin, cut, head->seq - cut + 1, by_seq, reason});
  return Status::Ok();
}

std::vector<Truncation> AgentStore::TakeTruncations() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(committed_truncations_, {});
}

std::uint64_t AgentStore::truncation_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return truncation_count_;
}

Status AgentStore::AppendVerified(const std::vector<feeds::SignedEntry>& entries,
                                  base::TimeMs now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_truncations_.clear();
  std::map<std::string, feeds::ChainHead> moved;  // heads once this commits
  Status s = AppendVerifiedLocked(entries, now_ms, &moved);
  if (!s.ok()) {
    // Rolled back: a truncated log's head may have been cached from inside
    // the transaction (a second registry entry of the same node); read the
    // stored one again.
    for (const Truncation& t : pending_truncations_) heads_.erase(t.origin);
    pending_truncations_.clear();
    return s;
  }
  for (auto& [origin, head] : moved) heads_[origin] = std::move(head);
  for (Truncation& t : pending_truncations_) {
    heads_.erase(t.origin);
    ++truncation_count_;
    committed_truncations_.push_back(std::move(t));
  }
  pending_truncations_.clear();
  return Status::Ok();
}

Status AgentStore::AppendVerifiedLocked(const std::vector<feeds::SignedEntry>& entries,
                                        base::TimeMs now_ms,
                                        std::map<std::string, feeds::ChainHead>* moved) {
  sql::Transaction txn(*db_);
  ZQ_RETURN_IF_ERROR(txn.status());
  for (const feeds::SignedEntry& e : entries) {
    const std::string& origin = e.entry.log.origin;
    auto m = moved->find(origin);
    feeds::ChainHead head;
    if (m != moved->end()) {
      head = m->second;
    } else {
      Result<feeds::ChainHead> stored = HeadLocked(origin);
      if (!stored.ok()) return stored.status();
      head = std::move(*stored);
    }
    if (e.entry.log.seq != head.seq + 1 || e.entry.log.prev_hash != head.hash) {
      return Status::Precondition("entry " + origin + "#" + std::to_string(e.entry.log.seq) +
                                  " does not extend the stored head #" + std::to_string(head.seq));
    }
    ZQ_RETURN_IF_ERROR(InsertLocked(e, now_ms));
    (*moved)[origin] = {origin, e.entry.log.seq, e.hash};
  }
  return txn.Commit();
}

Result<feeds::SignedEntry> AgentStore::AppendOwn(const std::string& origin, const Signer& sign,
                                                 base::TimeMs now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  Result<feeds::ChainHead> head = HeadLocked(origin);
  if (!head.ok()) return head.status();
  Result<feeds::SignedEntry> e = sign(*head);
  if (!e.ok()) return e.status();
  ZQ_RETURN_IF_ERROR(InsertLocked(*e, now_ms));
  ZQ_RETURN_IF_ERROR(txn.Commit());
  heads_[origin] = {origin, e->entry.log.seq, e->hash};
  return e;
}

Result<std::optional<std::string>> AgentStore::HashAt(const std::string& origin,
                                                      std::uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<feeds::LogRow> row = log_.Find(origin, seq);
  if (!row.ok()) {
    if (row.status().code() == base::Code::kNotFound) return std::optional<std::string>();
    return row.status();
  }
  return std::optional<std::string>(std::move(row->hash));
}

Result<std::vector<StoredEntry>> AgentStore::ReadRange(const std::string& origin,
                                                       std::uint64_t after, std::size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredEntry> out;
  ZQ_RETURN_IF_ERROR(log_.ForEachAfter(origin, after, limit, [&](feeds::LogRow row) {
    out.push_back({origin, row.seq, std::move(row.hash), std::move(row.wire)});
  }));
  return out;
}

Status AgentStore::Quarantine(const QuarantineRow& row) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare(
      "INSERT OR IGNORE INTO quarantine (origin, seq, wire_hash, reason, source, at_ms, wire) "
      "VALUES (?1,?2,?3,?4,?5,?6,?7)");
  if (!st.ok()) return st.status();
  st->Bind(1, row.origin).Bind(2, static_cast<std::int64_t>(row.seq));
  st->Bind(3, base::Sha256Hex(row.wire)).Bind(4, row.reason).Bind(5, row.source);
  st->Bind(6, row.at_ms).BindBlob(7, row.wire);
  return st->Run();
}

Result<std::vector<QuarantineRow>> AgentStore::Quarantined(std::size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<QuarantineRow> out;
  Result<sql::Stmt> st = db_->Prepare(
      "SELECT origin, seq, reason, source, at_ms, wire FROM quarantine ORDER BY at_ms DESC "
      "LIMIT ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, static_cast<std::int64_t>(limit));
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(*st, [&](sql::Stmt& row) {
    out.push_back({row.Text(0), static_cast<std::uint64_t>(row.Int(1)), row.Text(2), row.Text(3),
                   row.Int(4), row.Text(5)});
  }));
  return out;
}

Result<std::uint64_t> AgentStore::QuarantineCount() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare("SELECT count(*) FROM quarantine");
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<std::uint64_t>(st->Int(0)) : std::uint64_t{0};
}

Result<std::vector<std::pair<std::string, feeds::PublicKey>>> AgentStore::TrustedKeys() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare("SELECT origin, public_key FROM trust ORDER BY seq");
  if (!st.ok()) return st.status();
  using Key = std::pair<std::string, feeds::PublicKey>;
  return feeds::ReadRows<Key>(*st, [](const sql::Stmt& row) -> Result<Key> {
    Result<feeds::PublicKey> k = feeds::ParsePublicKey(row.Text(1));
    if (!k.ok()) {
      return Status::Corruption("trust.public_key of origin " + row.Text(0) + ": " +
                                k.status().message());
    }
    return Key{row.Text(0), *k};
  });
}

Result<std::optional<std::string>> AgentStore::LatestTrustWire() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare(
      "SELECT wire FROM entries WHERE origin = ?1 AND kind = 'trust' ORDER BY seq DESC LIMIT 1");
  if (!st.ok()) return st.status();
  st->Bind(1, std::string_view(feeds::kHubCode));
  Result<std::vector<std::string>> rows = feeds::ReadRows<std::string>(
      *st, [](const sql::Stmt& row) -> Result<std::string> { return row.Text(0); });
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(rows->front()));
}

Result<std::vector<std::pair<std::string, feeds::KeyGrant>>> AgentStore::TrustedGrants() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st =
      db_->Prepare("SELECT origin, public_key, from_seq, until_seq FROM trust ORDER BY seq");
  if (!st.ok()) return st.status();
  using Row = std::pair<std::string, feeds::KeyGrant>;
  return feeds::ReadRows<Row>(*st, [](const sql::Stmt& row) -> Result<Row> {
    Result<feeds::PublicKey> k = feeds::ParsePublicKey(row.Text(1));
    if (!k.ok()) {
      return Status::Corruption("trust.public_key of origin " + row.Text(0) + ": " +
                                k.status().message());
    }
    if (row.Int(2) < 1 || row.Int(3) < 0) {
      return Status::Corruption("trust of origin " + row.Text(0) + ": bad range from " +
                                std::to_string(row.Int(2)) + " until " +
                                std::to_string(row.Int(3)));
    }
    return Row{row.Text(0), feeds::KeyGrant{*k, static_cast<std::uint64_t>(row.Int(2)),
                                            static_cast<std::uint64_t>(row.Int(3))}};
  });
}

Result<std::vector<std::string>> AgentStore::ReadWire(const std::string& origin,
                                                      std::uint64_t after, std::size_t limit) {
  Result<std::vector<StoredEntry>> range = ReadRange(origin, after, limit);
  if (!range.ok()) return range.status();
  std::vector<std::string> out;
  for (StoredEntry& e : *range) out.push_back(std::move(e.wire));
  return out;
}

Result<std::uint64_t> AgentStore::Head(const std::string& origin) {
  Result<feeds::ChainHead> head = HeadOf(origin);
  if (!head.ok()) return head.status();
  return head->seq;
}

Result<std::vector<std::string>> AgentStore::Origins() {
  std::lock_guard<std::mutex> lock(mu_);
  return log_.Origins();
}

}  // namespace zhanqun::agent
