// AgentStore's views: the current state of releases, interpretation layers,
// topics and the registry, updated in the same transaction as each append.
#include "zhanqun/agent/agent_store.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

Status Upsert(sql::Db& db, const std::string& sql, const std::function<void(sql::Stmt&)>& bind) {
  Result<sql::CachedStmt> st = db.Cached(sql);
  if (!st.ok()) return st.status();
  bind(**st);
  return st->Run();
}

std::int64_t I64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

}  // namespace

Status AgentStore::UpdateViewsLocked(const feeds::SignedEntry& se) {
  const feeds::Entry& e = se.entry;
  const std::string& origin = e.log.origin;
  if (e.release) {
    return Upsert(*db_,
                  "INSERT OR REPLACE INTO release_view (id, version, status, origin, seq) "
                  "VALUES (?1,?2,?3,?4,?5)",
                  [&](sql::Stmt& st) {
                    st.Bind(1, e.release->id).Bind(2, e.release->version);
                    st.Bind(3, std::string_view(feeds::ReleaseStatusName(e.release->status)));
                    st.Bind(4, origin).Bind(5, I64(e.log.seq));
                  });
  }
  if (e.interpretation) {
    return Upsert(*db_,
                  "INSERT OR REPLACE INTO layer_view (release_id, origin, seq) VALUES (?1,?2,?3)",
                  [&](sql::Stmt& st) {
                    st.Bind(1, e.interpretation->release_id).Bind(2, origin);
                    st.Bind(3, I64(e.log.seq));
                  });
  }
  if (e.topic) {
    return Upsert(
        *db_, "INSERT OR REPLACE INTO topic_view (id, origin, seq) VALUES (?1,?2,?3)",
        [&](sql::Stmt& st) { st.Bind(1, e.topic->id).Bind(2, origin).Bind(3, I64(e.log.seq)); });
  }
  if (e.node && origin == feeds::kHubCode) {
    return Upsert(*db_,
                  "INSERT OR REPLACE INTO registry (code, name, level, parent) "
                  "VALUES (?1,?2,?3,?4)",
                  [&](sql::Stmt& st) {
                    st.Bind(1, e.node->code).Bind(2, e.node->name);
                    st.Bind(3, std::string_view(feeds::NodeLevelName(e.node->level)));
                    st.Bind(4, e.node->parent);
                  });
  }
  return Status::Ok();
}

std::optional<ReleaseRef> AgentStore::FindRelease(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::CachedStmt> st =
      db_->Cached("SELECT id, version, status, origin, seq FROM release_view WHERE id = ?1");
  if (!st.ok()) return std::nullopt;
  st->Bind(1, id);
  std::optional<ReleaseRef> out;
  (void)sql::ForEachRow(*st, [&](sql::Stmt& r) {
    out = ReleaseRef{r.Text(0),
                     static_cast<int>(r.Int(1)),
                     r.Text(2),
                     {r.Text(3), static_cast<std::uint64_t>(r.Int(4))}};
  });
  return out;
}

std::vector<ReleaseRef> AgentStore::Releases() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ReleaseRef> out;
  Result<sql::Stmt> st =
      db_->Prepare("SELECT id, version, status, origin, seq FROM release_view ORDER BY seq DESC");
  if (!st.ok()) return out;
  (void)sql::ForEachRow(*st, [&](sql::Stmt& r) {
    out.push_back({r.Text(0),
                   static_cast<int>(r.Int(1)),
                   r.Text(2),
                   {r.Text(3), static_cast<std::uint64_t>(r.Int(4))}});
  });
  return out;
}

std::vector<EntryRef> AgentStore::Layers(const std::string& release_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<EntryRef> out;
  Result<sql::CachedStmt> st =
      db_->Cached("SELECT origin, seq FROM layer_view WHERE release_id = ?1 ORDER BY origin");
  if (!st.ok()) return out;
  st->Bind(1, release_id);
  (void)sql::ForEachRow(*st, [&](sql::Stmt& r) {
    out.push_back({r.Text(0), static_cast<std::uint64_t>(r.Int(1))});
  });
  return out;
}

ViewChanges AgentStore::ChangedAfter(const std::string& origin, std::uint64_t after,
                                     std::uint64_t upto) {
  std::lock_guard<std::mutex> lock(mu_);
  ViewChanges out;
  Result<sql::CachedStmt> ids = db_->Cached(
      "SELECT id FROM release_view WHERE origin = ?1 AND seq > ?2 AND seq <= ?3 "
      "UNION SELECT release_id FROM layer_view WHERE origin = ?1 AND seq > ?2 AND seq <= ?3");
  if (ids.ok()) {
    ids->Bind(1, origin).Bind(2, static_cast<std::int64_t>(after));
    ids->Bind(3, static_cast<std::int64_t>(upto));
    (void)sql::ForEachRow(*ids, [&](sql::Stmt& r) { out.release_ids.push_back(r.Text(0)); });
  }
  Result<sql::CachedStmt> topics =
      db_->Cached("SELECT 1 FROM topic_view WHERE origin = ?1 AND seq > ?2 AND seq <= ?3 LIMIT 1");
  if (topics.ok()) {
    topics->Bind(1, origin).Bind(2, static_cast<std::int64_t>(after));
    topics->Bind(3, static_cast<std::int64_t>(upto));
    Result<bool> row = topics->Step();
    out.topics = row.ok() && *row;
  }
  return out;
}

std::vector<EntryRef> AgentStore::Topics() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<EntryRef> out;
  Result<sql::Stmt> st = db_->Prepare("SELECT origin, seq FROM topic_view ORDER BY origin, id");
  if (!st.ok()) return out;
  (void)sql::ForEachRow(*st, [&](sql::Stmt& r) {
    out.push_back({r.Text(0), static_cast<std::uint64_t>(r.Int(1))});
  });
  return out;
}

std::optional<RegistryNode> AgentStore::FindRegistryNode(const std::string& code) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::CachedStmt> st =
      db_->Cached("SELECT code, name, level, parent FROM registry WHERE code = ?1");
  if (!st.ok()) return std::nullopt;
  st->Bind(1, code);
  std::optional<RegistryNode> out;
  (void)sql::ForEachRow(*st, [&](sql::Stmt& r) {
    out = RegistryNode{r.Text(0), r.Text(1), r.Text(2), r.Text(3)};
  });
  return out;
}

Result<std::string> AgentStore::Wire(const std::string& origin, std::uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<feeds::LogRow> row = log_.Find(origin, seq);
  if (!row.ok()) return row.status();
  return row->wire;
}

}  // namespace zhanqun::agent
