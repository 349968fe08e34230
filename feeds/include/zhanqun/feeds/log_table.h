// LogTable: the SQLite table in which a store keeps signed log entries.
//
// The hub and the agent both store entries in a table with the columns
// (origin, seq, hash, kind, <time column>, wire), primary key (origin, seq).
// A LogTable holds the table's name and the name of its time column and runs
// the queries both stores need. It does not own the Db, which must outlive
// it. Not thread-safe: callers guard the Db with their own mutex, as they do
// for every other statement on it.
#ifndef ZHANQUN_FEEDS_LOG_TABLE_H_
#define ZHANQUN_FEEDS_LOG_TABLE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::feeds {

// One stored entry.
struct LogRow {
  std::string origin;
  std::uint64_t seq = 0;
  std::string hash;
  std::string wire;
  base::TimeMs stored_ms = 0;  // the value of the time column
};

class LogTable {
 public:
  // `table` and `time_column` are trusted identifiers (never user input).
  LogTable(sql::Db& db, std::string table, std::string time_column);

  // The newest entry of `origin`; seq 0 and the zero hash when there is none.
  // A failed query is its error, never an empty head.
  base::Result<ChainHead> Head(const std::string& origin);

  // Stores `e` under `origin` with `now_ms` in the time column. Fails with
  // kAlreadyExists if (origin, seq) is taken.
  base::Status Insert(const std::string& origin, const SignedEntry& e, base::TimeMs now_ms);

  // The entry at (origin, seq); kNotFound ("no entry <origin>#<seq>") if none.
  base::Result<LogRow> Find(const std::string& origin, std::uint64_t seq);

  // The time column of each of `seqs` of `origin` that is stored, in one
  // query whatever their number; seqs not stored are absent from the map.
  base::Result<std::map<std::uint64_t, base::TimeMs>> StoredAt(
      const std::string& origin, const std::vector<std::uint64_t>& seqs);

  // Calls `fn` for the entries of `origin` after `after`, in seq order, at
  // most `limit` of them. On an error, rows before it have been visited.
  base::Status ForEachAfter(const std::string& origin, std::uint64_t after, std::size_t limit,
                            const std::function<void(LogRow)>& fn);

  // Every origin with at least one entry, sorted.
  base::Result<std::vector<std::string>> Origins();

 private:
  sql::Db& db_;
  std::string table_;
  std::string time_column_;
};

// Reads the enum stored as text in column `col` of `row` with `parse`
// (ParseReleaseStatus, ParseNodeLevel, ParseStage...). A value that does not
// parse is kCorruption naming `where` ("table.column") and the value.
template <typename T>
base::Result<T> ReadEnumColumn(const sql::Stmt& row, int col, const char* where,
                               base::Result<T> (*parse)(const std::string&)) {
  std::string text = row.Text(col);
  base::Result<T> v = parse(text);
  if (!v.ok()) {
    return base::Status::Corruption(std::string(where) + ": unknown value '" + text + "' stored");
  }
  return v;
}

// Steps `st` to the end and returns `read(row)` of each row, in order: the
// first error, of the query or of `read` (a stored value that does not
// parse), fails the whole read.
template <typename T, typename Read>
base::Result<std::vector<T>> ReadRows(sql::Stmt& st, Read read) {
  std::vector<T> out;
  base::Status bad;
  base::Status s = sql::ForEachRow(st, [&](sql::Stmt& row) {
    if (!bad.ok()) return;
    base::Result<T> v = read(row);
    if (v.ok()) {
      out.push_back(std::move(*v));
    } else {
      bad = v.status();
    }
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_LOG_TABLE_H_
