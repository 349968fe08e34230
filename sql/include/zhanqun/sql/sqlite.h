// Thin adapter over SQLite: the only place that includes sqlite3.h.
//
// A Db owns one connection opened in WAL mode with a busy timeout and
// foreign keys on. Schema versions are applied in order at Open and recorded
// in PRAGMA user_version, each in its own transaction. Statements take only
// bound parameters. A Db is not thread-safe: guard it with a mutex or give
// each thread its own Db on the same file.
#ifndef ZHANQUN_SQL_SQLITE_H_
#define ZHANQUN_SQL_SQLITE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace zhanqun::sql {

class Stmt {
 public:
  Stmt(Stmt&&) noexcept;
  Stmt& operator=(Stmt&&) noexcept;
  ~Stmt();

  // Binders take 1-based parameter indexes and return *this for chaining.
  Stmt& Bind(int i, std::int64_t v);
  Stmt& Bind(int i, std::string_view text);
  Stmt& BindBlob(int i, std::string_view bytes);
  Stmt& BindNull(int i);
  // Binds `values` as the text of one JSON array, for SQL that reads it as
  // `IN (SELECT value FROM json_each(?i))`: a list of any length in a
  // statement whose text never changes (so Db::Cached can keep it).
  Stmt& BindIntList(int i, const std::vector<std::uint64_t>& values);

  // Advances: true when a row is available, false when done.
  base::Result<bool> Step();
  // Runs to completion, ignoring rows.
  base::Status Run();
  void Reset();

  std::int64_t Int(int col) const;
  std::string Text(int col) const;  // text or blob bytes
  bool IsNull(int col) const;

 private:
  friend class Db;
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  base::Status bind_error_;
};

// A statement from Db::Cached: reset (bindings cleared, read snapshot
// released) when it goes out of scope, ready for the next use.
class CachedStmt {
 public:
  explicit CachedStmt(Stmt* st) : st_(st) {}
  CachedStmt(CachedStmt&& o) noexcept : st_(o.st_) { o.st_ = nullptr; }
  CachedStmt& operator=(CachedStmt&&) = delete;
  ~CachedStmt() {
    if (st_ != nullptr) st_->Reset();
  }
  Stmt* operator->() const { return st_; }
  Stmt& operator*() const { return *st_; }
  operator Stmt&() const { return *st_; }  // NOLINT: used where a Stmt& is expected
  Stmt& Bind(int i, std::int64_t v) { return st_->Bind(i, v); }
  Stmt& Bind(int i, std::string_view text) { return st_->Bind(i, text); }
  base::Result<bool> Step() { return st_->Step(); }
  base::Status Run() { return st_->Run(); }
  std::int64_t Int(int col) const { return st_->Int(col); }
  std::string Text(int col) const { return st_->Text(col); }

 private:
  Stmt* st_;
};

class Db {
 public:
  // `migrations[i]` moves the schema from version i to i+1.
  static base::Result<std::unique_ptr<Db>> Open(const std::string& path,
                                                const std::vector<std::string>& migrations);
  ~Db();

  base::Status Exec(const std::string& sql);
  base::Result<Stmt> Prepare(const std::string& sql);
  // Prepared once per Db and reused: for statements on hot paths. At most
  // one CachedStmt per SQL text may be alive at a time.
  base::Result<CachedStmt> Cached(const std::string& sql);
  int SchemaVersion();
  std::int64_t LastInsertRowId() const;
  // Frees the connection's unused page-cache memory (sqlite3_db_release_memory).
  void ReleaseMemory();
  const std::string& path() const { return path_; }
  // Statements used on this connection since it opened: one per Exec,
  // Prepare or Cached call, whether or not it succeeded. Lets tests see how
  // many queries an operation makes without timing it.
  std::uint64_t statements() const { return statements_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  base::Status Migrate(const std::vector<std::string>& migrations);
  base::Result<Stmt> PrepareUncounted(const std::string& sql);
  sqlite3* db_;
  std::string path_;
  std::uint64_t statements_ = 0;
  std::map<std::string, std::unique_ptr<Stmt>> cache_;
};

// Steps `st` to the end, calling `fn` with the statement positioned on each
// row. Returns the first error; rows before it have been visited.
base::Status ForEachRow(Stmt& st, const std::function<void(Stmt&)>& fn);
// Like ForEachRow, for rows that may fail to convert (an unknown enum value,
// unparsable JSON): stops at the first error of a step or of `fn` and
// returns it.
base::Status ForEachRowChecked(Stmt& st, const std::function<base::Status(Stmt&)>& fn);

// RAII transaction: BEGIN IMMEDIATE at construction (so writers serialize
// up front), ROLLBACK at destruction unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  const base::Status& status() const { return begin_; }
  base::Status Commit();

 private:
  Db& db_;
  base::Status begin_;
  bool done_ = false;
};

}  // namespace zhanqun::sql

#endif  // ZHANQUN_SQL_SQLITE_H_
