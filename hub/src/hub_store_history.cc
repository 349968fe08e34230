// Per-node propagation history for the console's lag charts.
#include "zhanqun/hub/hub_store.h"

namespace zhanqun::hub {

base::Result<std::vector<StageEventRow>> HubStore::NodeHistory(const std::string& node,
                                                               std::size_t limit) {
  std::lock_guard<std::mutex> lock(status_mu_);
  base::Result<sql::CachedStmt> st = status_db_->Cached(
      "SELECT a.seq, l.appended_ms, a.stage, a.hub_ms FROM ack_events a JOIN log l "
      "ON l.origin = a.origin AND l.seq = a.seq "
      "WHERE a.node = ?1 AND a.origin = ?2 AND a.seq IN ("
      "  SELECT DISTINCT seq FROM ack_events WHERE node = ?1 AND origin = ?2 "
      "  AND seq > COALESCE((SELECT seq FROM nodes WHERE code = ?1), 0) "
      "  ORDER BY seq DESC LIMIT ?3) "
      "ORDER BY a.seq, a.stage");
  if (!st.ok()) return st.status();
  st->Bind(1, node).Bind(2, std::string(feeds::kHubCode)).Bind(3, static_cast<std::int64_t>(limit));
  return feeds::ReadRows<
      StageEventRow>(*st, [](const sql::Stmt& row) -> base::Result<StageEventRow> {
    base::Result<feeds::Stage> stage =
        feeds::ReadEnumColumn(row, 2, "ack_events.stage", &feeds::ParseStage);
    if (!stage.ok()) return stage.status();
    return StageEventRow{static_cast<std::uint64_t>(row.Int(0)), row.Int(1), *stage, row.Int(3)};
  });
}

}  // namespace zhanqun::hub
