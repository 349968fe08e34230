// HubStore: the batched reads behind the cluster and release status. Each
// method is one statement whatever the number of nodes or entries, so a
// status request costs a fixed number of queries.
#include "hub_store_rows.h"
#include "zhanqun/hub/hub_store.h"

namespace zhanqun::hub {

using base::Result;

Result<HubStore::LagsByNode> HubStore::AllStageLags() {
  std::lock_guard<std::mutex> lock(status_mu_);
  Result<sql::CachedStmt> st = status_db_->Cached(
      "SELECT a.node, a.stage, a.hub_ms - l.appended_ms FROM ack_events a JOIN log l "
      "ON l.origin = a.origin AND l.seq = a.seq LEFT JOIN nodes n ON n.code = a.node "
      // As StageLags: catch-up before the node was registered is not lag.
      "WHERE a.seq > COALESCE(n.seq, 0) ORDER BY a.node, a.origin, a.stage, a.seq");
  if (!st.ok()) return st.status();
  LagsByNode out;
  std::vector<base::TimeMs>* lags = nullptr;
  std::string node, stage;
  base::Status bad;
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(*st, [&](sql::Stmt& row) {
    if (!bad.ok()) return;
    // Rows arrive in key order (node, origin, stage): look the vector up
    // only when the group changes.
    if (lags == nullptr || row.Text(0) != node || row.Text(1) != stage) {
      Result<feeds::Stage> parsed =
          feeds::ReadEnumColumn(row, 1, "ack_events.stage", &feeds::ParseStage);
      if (!parsed.ok()) {
        bad = parsed.status();
        return;
      }
      node = row.Text(0);
      stage = row.Text(1);
      lags = &out[node][*parsed];
    }
    lags->push_back(row.Int(2));
  }));
  ZQ_RETURN_IF_ERROR(bad);
  return out;
}

Result<std::vector<RejectionRow>> HubStore::NewestRejections() {
  std::lock_guard<std::mutex> lock(status_mu_);
  Result<sql::CachedStmt> st = status_db_->Cached(
      "SELECT node, origin, seq, reason, hub_ms FROM ("
      "  SELECT node, origin, seq, reason, hub_ms, ROW_NUMBER() OVER ("
      "    PARTITION BY node ORDER BY hub_ms DESC, rowid DESC) AS k FROM rejections) "
      "WHERE k = 1 ORDER BY node");
  if (!st.ok()) return st.status();
  std::vector<RejectionRow> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(*st, [&](sql::Stmt& row) {
    out.push_back({row.Text(0), row.Text(1), static_cast<std::uint64_t>(row.Int(2)), row.Text(3),
                   row.Int(4)});
  }));
  return out;
}

Result<std::map<std::uint64_t, base::TimeMs>> HubStore::AppendedAtEach(
    const std::string& origin, const std::vector<std::uint64_t>& seqs) {
  std::lock_guard<std::mutex> lock(mu_);
  return log_.StoredAt(origin, seqs);
}

Result<std::vector<AckRow>> HubStore::EventsForEach(const std::string& origin,
                                                    const std::vector<std::uint64_t>& seqs) {
  std::lock_guard<std::mutex> lock(status_mu_);
  Result<sql::CachedStmt> st = status_db_->Cached(
      "SELECT node, origin, stage, seq, hub_ms FROM ack_events "
      "WHERE origin = ?1 AND seq IN (SELECT value FROM json_each(?2))");
  if (!st.ok()) return st.status();
  st->Bind(1, origin).BindIntList(2, seqs);
  return feeds::ReadRows<AckRow>(
      *st, [](const sql::Stmt& row) { return store_rows::ReadAck(row, "ack_events.stage"); });
}

std::uint64_t HubStore::StatementCount() {
  std::scoped_lock lock(mu_, status_mu_);
  return db_->statements() + status_db_->statements();
}

}  // namespace zhanqun::hub
