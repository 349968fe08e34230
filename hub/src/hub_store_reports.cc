// HubStore: node reports (acknowledgements and heartbeats from the tree).
#include <algorithm>

#include "hub_store_rows.h"
#include "zhanqun/hub/hub_store.h"

namespace zhanqun::hub {

using base::Result;
using base::Status;

namespace {

constexpr const char* kReportColumns =
    "SELECT node, via, boot, n, received_ms, sent_ms, clock_known, clock_offset_ms, "
    "clock_error_ms, head_seq, head_time_ms, head_expires_ms, upstream, reports, "
    "reports_missing, reports_replayed FROM node_reports ";

NodeReportRow ReadReport(sql::Stmt& st) {
  auto u = [&](int i) { return static_cast<std::uint64_t>(st.Int(i)); };
  NodeReportRow r;
  r.node = st.Text(0);
  r.via = st.Text(1);
  r.boot = u(2);
  r.n = u(3);
  r.received_ms = st.Int(4);
  r.sent_ms = st.Int(5);
  r.clock_known = st.Int(6) != 0;
  r.clock_offset_ms = st.Int(7);
  r.clock_error_ms = st.Int(8);
  r.head_seq = u(9);
  r.head_time_ms = st.Int(10);
  r.head_expires_ms = st.Int(11);
  r.upstream = st.Text(12);
  r.reports = u(13);
  r.reports_missing = u(14);
  r.reports_replayed = u(15);
  return r;
}

std::int64_t I(std::uint64_t v) { return static_cast<std::int64_t>(v); }

}  // namespace

Result<bool> HubStore::RecordReportLocked(const ReportToRecord& in) {
  Result<sql::CachedStmt> st = status_db_->Cached(std::string(kReportColumns) + "WHERE node = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, in.row.node);
  Result<bool> found = st->Step();
  if (!found.ok()) return found.status();
  NodeReportRow row = in.row;
  bool fresh = true;
  if (*found) {
    NodeReportRow prev = ReadReport(*st);
    row.reports = prev.reports;
    row.reports_missing = prev.reports_missing;
    row.reports_replayed = prev.reports_replayed;
    // Numbered reports (boot != 0) within one boot must arrive in order: an
    // old number is a replay, a jump means reports were lost on the way.
    if (in.row.boot != 0 && in.row.boot == prev.boot) {
      if (in.row.n <= prev.n) {
        fresh = false;
        prev.reports_replayed++;
        row = prev;
      } else {
        row.reports_missing += in.row.n - prev.n - 1;
      }
    }
    // A report never moves what we know of the head statement backwards.
    if (fresh && row.head_time_ms < prev.head_time_ms) {
      row.head_seq = prev.head_seq;
      row.head_time_ms = prev.head_time_ms;
      row.head_expires_ms = prev.head_expires_ms;
    }
  }
  if (fresh) row.reports++;
  Result<sql::CachedStmt> up = status_db_->Cached(
      "INSERT OR REPLACE INTO node_reports (node, via, boot, n, received_ms, sent_ms, "
      "clock_known, clock_offset_ms, clock_error_ms, head_seq, head_time_ms, head_expires_ms, "
      "upstream, reports, reports_missing, reports_replayed) "
      "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)");
  if (!up.ok()) return up.status();
  up->Bind(1, row.node).Bind(2, row.via).Bind(3, I(row.boot)).Bind(4, I(row.n));
  up->Bind(5, row.received_ms).Bind(6, row.sent_ms).Bind(7, row.clock_known ? 1 : 0);
  up->Bind(8, row.clock_offset_ms).Bind(9, row.clock_error_ms).Bind(10, I(row.head_seq));
  up->Bind(11, row.head_time_ms).Bind(12, row.head_expires_ms).Bind(13, row.upstream);
  up->Bind(14, I(row.reports)).Bind(15, I(row.reports_missing)).Bind(16, I(row.reports_replayed));
  ZQ_RETURN_IF_ERROR(up->Run());
  if (!fresh) return false;
  for (const AckRow& a : in.acks) {
    ZQ_RETURN_IF_ERROR(
        RecordAckLocked(row.node, a.origin, a.stage, a.seq, a.hub_ms, in.row.received_ms));
  }
  for (const RejectionRow& r : in.rejections) ZQ_RETURN_IF_ERROR(RecordRejectionLocked(r));
  return true;
}

Result<std::vector<bool>> HubStore::RecordReports(const std::vector<ReportToRecord>& reports) {
  // Short transactions: publishing waits for the write lock between them.
  constexpr std::size_t kPerTransaction = 64;
  std::vector<bool> out;
  out.reserve(reports.size());
  for (std::size_t i = 0; i < reports.size(); i += kPerTransaction) {
    std::lock_guard<std::mutex> lock(status_mu_);
    sql::Transaction txn(*status_db_);
    ZQ_RETURN_IF_ERROR(txn.status());
    for (std::size_t j = i; j < std::min(reports.size(), i + kPerTransaction); ++j) {
      Result<bool> fresh = RecordReportLocked(reports[j]);
      if (!fresh.ok()) return fresh.status().Context("report of node " + reports[j].row.node);
      out.push_back(*fresh);
    }
    ZQ_RETURN_IF_ERROR(txn.Commit());
  }
  return out;
}

Result<std::vector<NodeReportRow>> HubStore::NodeReports() {
  std::lock_guard<std::mutex> lock(status_mu_);
  std::vector<NodeReportRow> out;
  Result<sql::CachedStmt> st = status_db_->Cached(std::string(kReportColumns) + "ORDER BY node");
  if (!st.ok()) return st.status();
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(*st, [&](sql::Stmt& row) { out.push_back(ReadReport(row)); }));
  return out;
}

Result<std::uint64_t> HubStore::StageSeq(const std::string& node, const std::string& origin,
                                         feeds::Stage stage) {
  std::lock_guard<std::mutex> lock(status_mu_);
  Result<sql::CachedStmt> st =
      status_db_->Cached("SELECT seq FROM acks WHERE node = ?1 AND origin = ?2 AND stage = ?3");
  if (!st.ok()) return st.status();
  st->Bind(1, node).Bind(2, origin).Bind(3, std::string_view(feeds::StageName(stage)));
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<std::uint64_t>(st->Int(0)) : std::uint64_t{0};
}

Result<std::vector<AckRow>> HubStore::EventsFor(const std::string& origin, std::uint64_t seq) {
  std::lock_guard<std::mutex> lock(status_mu_);
  Result<sql::CachedStmt> st = status_db_->Cached(
      "SELECT node, origin, stage, seq, hub_ms FROM ack_events WHERE origin = ?1 AND seq = ?2");
  if (!st.ok()) return st.status();
  st->Bind(1, origin).Bind(2, I(seq));
  return feeds::ReadRows<AckRow>(
      *st, [](const sql::Stmt& row) { return store_rows::ReadAck(row, "ack_events.stage"); });
}

}  // namespace zhanqun::hub
