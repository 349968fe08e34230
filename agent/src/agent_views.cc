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

Status AgentStore::UpdateViewsLocked(const feeds::Entry& e) {
  const std::string& origin = e.log.origin;
  // Defence in depth: the applier refused entries their origin may not sign
  // (feeds/authority.h) before they got here; the views would not show
  // them anyway. Registered levels are not known here, so what needs them
  // is checked again where pages are built (Localizer).
  const bool hub = origin == feeds::kHubCode;
  if ((e.release || e.node) && !hub) return Status::Ok();
  if (e.interpretation && hub) return Status::Ok();
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
  if (e.node) {
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

namespace {

constexpr const char* kReleaseColumns =
    "SELECT id, version, status, origin, seq FROM release_view ";

Result<ReleaseRef> ReadReleaseRef(const sql::Stmt& r) {
  Result<feeds::ReleaseStatus> status =
      feeds::ReadEnumColumn(r, 2, "release_view.status", &feeds::ParseReleaseStatus);
  if (!status.ok()) return status.status().Context("release " + r.Text(0));
  return ReleaseRef{r.Text(0),
                    static_cast<int>(r.Int(1)),
                    *status,
                    {r.Text(3), static_cast<std::uint64_t>(r.Int(4))}};
}

Result<EntryRef> ReadEntryRef(const sql::Stmt& r) {
  return EntryRef{r.Text(0), static_cast<std::uint64_t>(r.Int(1))};
}

}  // namespace

Result<std::optional<ReleaseRef>> AgentStore::FindRelease(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::CachedStmt> st = db_->Cached(std::string(kReleaseColumns) + "WHERE id = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  Result<std::vector<ReleaseRef>> rows = feeds::ReadRows<ReleaseRef>(*st, ReadReleaseRef);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<ReleaseRef>();
  return std::optional<ReleaseRef>(std::move(rows->front()));
}

Result<std::vector<ReleaseRef>> AgentStore::Releases() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare(std::string(kReleaseColumns) + "ORDER BY seq DESC");
  if (!st.ok()) return st.status();
  return feeds::ReadRows<ReleaseRef>(*st, ReadReleaseRef);
}

Result<std::vector<EntryRef>> AgentStore::Layers(const std::string& release_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::CachedStmt> st =
      db_->Cached("SELECT origin, seq FROM layer_view WHERE release_id = ?1 ORDER BY origin");
  if (!st.ok()) return st.status();
  st->Bind(1, release_id);
  return feeds::ReadRows<EntryRef>(*st, ReadEntryRef);
}

Result<ViewChanges> AgentStore::ChangedAfter(const std::string& origin, std::uint64_t after,
                                             std::uint64_t upto) {
  std::lock_guard<std::mutex> lock(mu_);
  ViewChanges out;
  Result<sql::CachedStmt> ids = db_->Cached(
      "SELECT id FROM release_view WHERE origin = ?1 AND seq > ?2 AND seq <= ?3 "
      "UNION SELECT release_id FROM layer_view WHERE origin = ?1 AND seq > ?2 AND seq <= ?3");
  if (!ids.ok()) return ids.status();
  ids->Bind(1, origin).Bind(2, static_cast<std::int64_t>(after));
  ids->Bind(3, static_cast<std::int64_t>(upto));
  ZQ_RETURN_IF_ERROR(
      sql::ForEachRow(*ids, [&](sql::Stmt& r) { out.release_ids.push_back(r.Text(0)); }));
  Result<sql::CachedStmt> topics =
      db_->Cached("SELECT 1 FROM topic_view WHERE origin = ?1 AND seq > ?2 AND seq <= ?3 LIMIT 1");
  if (!topics.ok()) return topics.status();
  topics->Bind(1, origin).Bind(2, static_cast<std::int64_t>(after));
  topics->Bind(3, static_cast<std::int64_t>(upto));
  Result<bool> row = topics->Step();
  if (!row.ok()) return row.status();
  out.topics = *row;
  return out;
}

Result<std::vector<EntryRef>> AgentStore::Topics() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare("SELECT origin, seq FROM topic_view ORDER BY origin, id");
  if (!st.ok()) return st.status();
  return feeds::ReadRows<EntryRef>(*st, ReadEntryRef);
}

Result<std::vector<std::string>> AgentStore::Ancestors(const std::string& code) {
  std::vector<std::string> out;
  Result<std::optional<RegistryNode>> n = FindRegistryNode(code);
  // Codes are divisions, at most three levels below the hub; the bound also
  // ends a loop no registry the hub signs can hold.
  for (int guard = 0; guard < 8; ++guard) {
    if (!n.ok()) return n.status().Context("registry");
    if (!*n || (*n)->parent.empty() || (*n)->parent == feeds::kHubCode) break;
    const std::string parent = (*n)->parent;
    out.push_back(parent);
    n = FindRegistryNode(parent);
  }
  return out;
}

Result<std::optional<RegistryNode>> AgentStore::FindRegistryNode(const std::string& code) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::CachedStmt> st =
      db_->Cached("SELECT code, name, level, parent FROM registry WHERE code = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, code);
  Result<std::vector<RegistryNode>> rows =
      feeds::ReadRows<RegistryNode>(*st, [](const sql::Stmt& r) -> Result<RegistryNode> {
        Result<feeds::NodeLevel> level =
            feeds::ReadEnumColumn(r, 2, "registry.level", &feeds::ParseNodeLevel);
        if (!level.ok()) return level.status().Context("node " + r.Text(0));
        return RegistryNode{r.Text(0), r.Text(1), *level, r.Text(3)};
      });
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<RegistryNode>();
  return std::optional<RegistryNode>(std::move(rows->front()));
}

Result<std::vector<std::string>> AgentStore::RegistryCodes() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  Result<sql::CachedStmt> st = db_->Cached("SELECT code FROM registry ORDER BY code");
  if (!st.ok()) return st.status();
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(**st, [&](sql::Stmt& r) { out.push_back(r.Text(0)); }));
  return out;
}

Result<std::string> AgentStore::Wire(const std::string& origin, std::uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<feeds::LogRow> row = log_.Find(origin, seq);
  if (!row.ok()) return row.status();
  return row->wire;
}

}  // namespace zhanqun::agent
