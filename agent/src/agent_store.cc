#include "zhanqun/agent/agent_store.h"

namespace zhanqun::agent {

using feeds::Result;
using feeds::Status;

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
  };
  return kMigrations;
}

}  // namespace

Result<std::unique_ptr<AgentStore>> AgentStore::Open(const std::string& path) {
  Result<std::unique_ptr<feeds::Db>> db = feeds::Db::Open(path, Migrations());
  if (!db.ok()) return db.status();
  return std::unique_ptr<AgentStore>(new AgentStore(std::move(*db)));
}

feeds::ChainHead AgentStore::HeadLocked(const std::string& origin) {
  feeds::ChainHead head;
  head.origin = origin;
  Result<feeds::Stmt> st =
      db_->Prepare("SELECT seq, hash FROM entries WHERE origin = ?1 ORDER BY seq DESC LIMIT 1");
  if (!st.ok()) return head;
  st->Bind(1, origin);
  Result<bool> row = st->Step();
  if (row.ok() && *row) {
    head.seq = static_cast<std::uint64_t>(st->Int(0));
    head.hash = st->Text(1);
  }
  return head;
}

feeds::ChainHead AgentStore::HeadOf(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  return HeadLocked(origin);
}

Status AgentStore::InsertLocked(const feeds::SignedEntry& e, feeds::TimeMs now_ms) {
  Result<feeds::Stmt> st = db_->Prepare(
      "INSERT INTO entries (origin, seq, hash, kind, stored_ms, wire) VALUES (?1,?2,?3,?4,?5,?6)");
  if (!st.ok()) return st.status();
  st->Bind(1, e.entry.log.origin)
      .Bind(2, static_cast<std::int64_t>(e.entry.log.seq))
      .Bind(3, e.hash)
      .Bind(4, std::string_view(feeds::EntryKindName(e.entry.kind)))
      .Bind(5, now_ms)
      .BindBlob(6, e.wire);
  ZQ_RETURN_IF_ERROR(st->Run());
  // Keys are trusted only from the hub's registry (see Agent::ApplyPage).
  if (!e.entry.node || e.entry.log.origin != feeds::kHubCode) return Status::Ok();
  for (const feeds::PublicKey& k : e.entry.node->keys) {
    Result<feeds::Stmt> t = db_->Prepare(
        "INSERT OR IGNORE INTO trust (origin, key_id, public_key, seq) VALUES (?1,?2,?3,?4)");
    if (!t.ok()) return t.status();
    t->Bind(1, e.entry.node->code).Bind(2, k.KeyIdHex()).Bind(3, feeds::PublicKeyBase64(k));
    t->Bind(4, static_cast<std::int64_t>(e.entry.log.seq));
    ZQ_RETURN_IF_ERROR(t->Run());
  }
  return Status::Ok();
}

Status AgentStore::AppendVerified(const std::vector<feeds::SignedEntry>& entries,
                                  feeds::TimeMs now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  feeds::Transaction txn(*db_);
  ZQ_RETURN_IF_ERROR(txn.status());
  for (const feeds::SignedEntry& e : entries) {
    feeds::ChainHead head = HeadLocked(e.entry.log.origin);
    if (e.entry.log.seq != head.seq + 1 || e.entry.log.prev_hash != head.hash) {
      return Status::Precondition("entry " + e.entry.log.origin + "#" +
                                  std::to_string(e.entry.log.seq) +
                                  " does not extend the stored head #" + std::to_string(head.seq));
    }
    ZQ_RETURN_IF_ERROR(InsertLocked(e, now_ms));
  }
  return txn.Commit();
}

std::optional<std::string> AgentStore::HashAt(const std::string& origin, std::uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<feeds::Stmt> st = db_->Prepare("SELECT hash FROM entries WHERE origin = ?1 AND seq = ?2");
  if (!st.ok()) return std::nullopt;
  st->Bind(1, origin).Bind(2, static_cast<std::int64_t>(seq));
  Result<bool> row = st->Step();
  if (!row.ok() || !*row) return std::nullopt;
  return st->Text(0);
}

std::vector<StoredEntry> AgentStore::ReadRange(const std::string& origin, std::uint64_t after,
                                               std::size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredEntry> out;
  Result<feeds::Stmt> st = db_->Prepare(
      "SELECT seq, hash, wire FROM entries WHERE origin = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
  if (!st.ok()) return out;
  st->Bind(1, origin).Bind(2, static_cast<std::int64_t>(after));
  st->Bind(3, static_cast<std::int64_t>(limit));
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok() || !*row) break;
    out.push_back({origin, static_cast<std::uint64_t>(st->Int(0)), st->Text(1), st->Text(2)});
  }
  return out;
}

Status AgentStore::Quarantine(const QuarantineRow& row) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<feeds::Stmt> st = db_->Prepare(
      "INSERT OR IGNORE INTO quarantine (origin, seq, wire_hash, reason, source, at_ms, wire) "
      "VALUES (?1,?2,?3,?4,?5,?6,?7)");
  if (!st.ok()) return st.status();
  st->Bind(1, row.origin).Bind(2, static_cast<std::int64_t>(row.seq));
  st->Bind(3, feeds::Sha256Hex(row.wire)).Bind(4, row.reason).Bind(5, row.source);
  st->Bind(6, row.at_ms).BindBlob(7, row.wire);
  return st->Run();
}

std::vector<QuarantineRow> AgentStore::Quarantined(std::size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<QuarantineRow> out;
  Result<feeds::Stmt> st = db_->Prepare(
      "SELECT origin, seq, reason, source, at_ms, wire FROM quarantine ORDER BY at_ms DESC "
      "LIMIT ?1");
  if (!st.ok()) return out;
  st->Bind(1, static_cast<std::int64_t>(limit));
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok() || !*row) break;
    out.push_back({st->Text(0), static_cast<std::uint64_t>(st->Int(1)), st->Text(2), st->Text(3),
                   st->Int(4), st->Text(5)});
  }
  return out;
}

std::uint64_t AgentStore::QuarantineCount() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<feeds::Stmt> st = db_->Prepare("SELECT count(*) FROM quarantine");
  if (!st.ok()) return 0;
  Result<bool> row = st->Step();
  return row.ok() && *row ? static_cast<std::uint64_t>(st->Int(0)) : 0;
}

std::vector<std::pair<std::string, feeds::PublicKey>> AgentStore::TrustedKeys() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, feeds::PublicKey>> out;
  Result<feeds::Stmt> st = db_->Prepare("SELECT origin, public_key FROM trust ORDER BY seq");
  if (!st.ok()) return out;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok() || !*row) break;
    Result<feeds::PublicKey> k = feeds::ParsePublicKey(st->Text(1));
    if (k.ok()) out.emplace_back(st->Text(0), *k);
  }
  return out;
}

Result<std::vector<std::string>> AgentStore::ReadWire(const std::string& origin,
                                                      std::uint64_t after, std::size_t limit) {
  std::vector<std::string> out;
  for (StoredEntry& e : ReadRange(origin, after, limit)) out.push_back(std::move(e.wire));
  return out;
}

std::uint64_t AgentStore::Head(const std::string& origin) { return HeadOf(origin).seq; }

std::vector<std::string> AgentStore::Origins() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  Result<feeds::Stmt> st = db_->Prepare("SELECT DISTINCT origin FROM entries ORDER BY origin");
  if (!st.ok()) return out;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok() || !*row) break;
    out.push_back(st->Text(0));
  }
  return out;
}

}  // namespace zhanqun::agent
