#include "ingest_store.h"

#include <vector>

namespace zhanqun::desk::ingest_internal {
namespace {

const std::vector<std::string> kMigrations = {
    R"sql(
CREATE TABLE source_state (
  name TEXT PRIMARY KEY,
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  last_poll_ms INTEGER NOT NULL DEFAULT 0,
  last_ok_ms INTEGER NOT NULL DEFAULT 0,
  last_status TEXT NOT NULL DEFAULT 'never',
  last_error TEXT NOT NULL DEFAULT '',
  failures INTEGER NOT NULL DEFAULT 0,
  next_poll_ms INTEGER NOT NULL DEFAULT 0,
  items_seen INTEGER NOT NULL DEFAULT 0,
  items_imported INTEGER NOT NULL DEFAULT 0,
  items_rejected INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE seen_item (
  source TEXT NOT NULL,
  item_key TEXT NOT NULL,
  draft_id INTEGER NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  PRIMARY KEY (source, item_key)
);
)sql"};

base::Result<SourceStatus> StatusFromName(const std::string& s, const std::string& source) {
  for (SourceStatus v :
       {SourceStatus::kNever, SourceStatus::kOk, SourceStatus::kNotModified,
        SourceStatus::kHttpError, SourceStatus::kNetwork, SourceStatus::kBadFeed}) {
    if (s == SourceStatusName(v)) return v;
  }
  return base::Status::Corruption("ingest.db source_state.last_status of source '" + source +
                                  "': unknown status '" + s + "'");
}

}  // namespace

base::Result<std::unique_ptr<IngestStore>> IngestStore::Open(const std::string& path) {
  auto db = sql::Db::Open(path, kMigrations);
  if (!db.ok()) return db.status().Context("ingest.db");
  return std::unique_ptr<IngestStore>(new IngestStore(std::move(*db)));
}

base::Result<SourceState> IngestStore::Load(const std::string& source) {
  auto st = db_->Cached(
      "SELECT etag, last_modified, last_poll_ms, last_ok_ms, last_status, last_error, failures, "
      "next_poll_ms, items_seen, items_imported, items_rejected FROM source_state WHERE name = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, source);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  SourceState s;
  if (!*row) return s;
  s.etag = st->Text(0);
  s.last_modified = st->Text(1);
  s.last_poll_ms = st->Int(2);
  s.last_ok_ms = st->Int(3);
  base::Result<SourceStatus> status = StatusFromName(st->Text(4), source);
  if (!status.ok()) return status.status();
  s.last_status = *status;
  s.last_error = st->Text(5);
  s.failures = static_cast<int>(st->Int(6));
  s.next_poll_ms = st->Int(7);
  s.items_seen = st->Int(8);
  s.items_imported = st->Int(9);
  s.items_rejected = st->Int(10);
  return s;
}

base::Status IngestStore::Save(const std::string& source, const SourceState& s) {
  auto st = db_->Cached(
      "INSERT OR REPLACE INTO source_state (name, etag, last_modified, last_poll_ms, last_ok_ms, "
      "last_status, last_error, failures, next_poll_ms, items_seen, items_imported, "
      "items_rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, source)
      .Bind(2, s.etag)
      .Bind(3, s.last_modified)
      .Bind(4, s.last_poll_ms)
      .Bind(5, s.last_ok_ms)
      .Bind(6, std::string(SourceStatusName(s.last_status)))
      .Bind(7, s.last_error)
      .Bind(8, static_cast<std::int64_t>(s.failures))
      .Bind(9, s.next_poll_ms)
      .Bind(10, s.items_seen)
      .Bind(11, s.items_imported)
      .Bind(12, s.items_rejected);
  return st->Run();
}

base::Result<std::optional<std::int64_t>> IngestStore::Seen(const std::string& source,
                                                            const std::string& key) {
  auto st = db_->Cached("SELECT draft_id FROM seen_item WHERE source = ? AND item_key = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, source).Bind(2, key);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(st->Int(0));
}

base::Status IngestStore::MarkSeen(const std::string& source, const std::string& key,
                                   std::int64_t draft_id, base::TimeMs at_ms) {
  auto st = db_->Cached(
      "INSERT OR IGNORE INTO seen_item (source, item_key, draft_id, first_seen_ms) "
      "VALUES (?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, source).Bind(2, key).Bind(3, draft_id).Bind(4, at_ms);
  return st->Run();
}

}  // namespace zhanqun::desk::ingest_internal
