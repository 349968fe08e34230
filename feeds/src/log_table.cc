#include "zhanqun/feeds/log_table.h"

#include <string_view>
#include <utility>

namespace zhanqun::feeds {

LogTable::LogTable(sql::Db& db, std::string table, std::string time_column)
    : db_(db), table_(std::move(table)), time_column_(std::move(time_column)) {}

base::Result<ChainHead> LogTable::Head(const std::string& origin) {
  ChainHead head;
  head.origin = origin;
  base::Result<sql::CachedStmt> st = db_.Cached("SELECT seq, hash FROM " + table_ +
                                                " WHERE origin = ?1 ORDER BY seq DESC LIMIT 1");
  if (!st.ok()) return st.status().Context("head of " + origin);
  st->Bind(1, origin);
  base::Result<bool> row = st->Step();
  if (!row.ok()) return row.status().Context("head of " + origin);
  if (*row) {
    head.seq = static_cast<std::uint64_t>(st->Int(0));
    head.hash = st->Text(1);
  }
  return head;
}

base::Status LogTable::Insert(const std::string& origin, const SignedEntry& e,
                              base::TimeMs now_ms) {
  base::Result<sql::CachedStmt> st =
      db_.Cached("INSERT INTO " + table_ + " (origin, seq, hash, kind, " + time_column_ +
                 ", wire) VALUES (?1,?2,?3,?4,?5,?6)");
  if (!st.ok()) return st.status();
  st->Bind(1, origin)
      .Bind(2, static_cast<std::int64_t>(e.entry.log.seq))
      .Bind(3, e.hash)
      .Bind(4, std::string_view(EntryKindName(e.entry.kind)))
      .Bind(5, now_ms)
      .BindBlob(6, e.wire);
  return st->Run();
}

base::Result<LogRow> LogTable::Find(const std::string& origin, std::uint64_t seq) {
  base::Result<sql::CachedStmt> st = db_.Cached("SELECT hash, wire, " + time_column_ + " FROM " +
                                                table_ + " WHERE origin = ?1 AND seq = ?2");
  if (!st.ok()) return st.status();
  st->Bind(1, origin).Bind(2, static_cast<std::int64_t>(seq));
  base::Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return base::Status::NotFound("no entry " + origin + "#" + std::to_string(seq));
  return LogRow{origin, seq, st->Text(0), st->Text(1), st->Int(2)};
}

base::Result<std::map<std::uint64_t, base::TimeMs>> LogTable::StoredAt(
    const std::string& origin, const std::vector<std::uint64_t>& seqs) {
  base::Result<sql::CachedStmt> st =
      db_.Cached("SELECT seq, " + time_column_ + " FROM " + table_ +
                 " WHERE origin = ?1 AND seq IN (SELECT value FROM json_each(?2))");
  if (!st.ok()) return st.status();
  st->Bind(1, origin).BindIntList(2, seqs);
  std::map<std::uint64_t, base::TimeMs> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(
      **st, [&](sql::Stmt& row) { out[static_cast<std::uint64_t>(row.Int(0))] = row.Int(1); }));
  return out;
}

base::Status LogTable::ForEachAfter(const std::string& origin, std::uint64_t after,
                                    std::size_t limit, const std::function<void(LogRow)>& fn) {
  base::Result<sql::CachedStmt> st =
      db_.Cached("SELECT seq, hash, wire, " + time_column_ + " FROM " + table_ +
                 " WHERE origin = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
  if (!st.ok()) return st.status();
  st->Bind(1, origin).Bind(2, static_cast<std::int64_t>(after));
  st->Bind(3, static_cast<std::int64_t>(limit));
  return sql::ForEachRow(**st, [&](sql::Stmt& row) {
    fn(LogRow{origin, static_cast<std::uint64_t>(row.Int(0)), row.Text(1), row.Text(2),
              row.Int(3)});
  });
}

base::Result<std::vector<std::string>> LogTable::Origins() {
  std::vector<std::string> out;
  base::Result<sql::CachedStmt> st =
      db_.Cached("SELECT DISTINCT origin FROM " + table_ + " ORDER BY origin");
  if (!st.ok()) return st.status();
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(**st, [&](sql::Stmt& row) { out.push_back(row.Text(0)); }));
  return out;
}

}  // namespace zhanqun::feeds
