#include "zhanqun/sql/sqlite.h"

#include <sqlite3.h>

namespace zhanqun::sql {
namespace {

base::Status SqlError(sqlite3* db, const std::string& what) {
  int code = sqlite3_extended_errcode(db);
  std::string msg = what + ": " + sqlite3_errmsg(db);
  if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB) {
    return base::Status::Corruption(msg);
  }
  if ((code & 0xff) == SQLITE_CONSTRAINT) return base::Status(base::Code::kAlreadyExists, msg);
  return base::Status::IoError(msg);
}

}  // namespace

Stmt::Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_), bind_error_(std::move(o.bind_error_)) {
  o.stmt_ = nullptr;
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    bind_error_ = std::move(o.bind_error_);
    o.stmt_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::Bind(int i, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) bind_error_ = SqlError(db_, "bind");
  return *this;
}

Stmt& Stmt::Bind(int i, std::string_view text) {
  if (sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
      SQLITE_OK) {
    bind_error_ = SqlError(db_, "bind");
  }
  return *this;
}

Stmt& Stmt::BindBlob(int i, std::string_view bytes) {
  if (sqlite3_bind_blob64(stmt_, i, bytes.data(), bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK) {
    bind_error_ = SqlError(db_, "bind");
  }
  return *this;
}

Stmt& Stmt::BindNull(int i) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) bind_error_ = SqlError(db_, "bind");
  return *this;
}

Stmt& Stmt::BindIntList(int i, const std::vector<std::uint64_t>& values) {
  std::string list = "[";
  for (std::uint64_t v : values) list += (list.size() > 1 ? "," : "") + std::to_string(v);
  return Bind(i, list + "]");
}

base::Result<bool> Stmt::Step() {
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqlError(db_, std::string("step '") + sqlite3_sql(stmt_) + "'");
}

base::Status Stmt::Run() {
  for (;;) {
    base::Result<bool> r = Step();
    if (!r.ok()) return r.status();
    if (!*r) return base::Status::Ok();
  }
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = base::Status::Ok();
}

std::int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::Text(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

base::Result<std::unique_ptr<Db>> Db::Open(const std::string& path,
                                           const std::vector<std::string>& migrations) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Db> db(new Db(raw, path));
  if (rc != SQLITE_OK) return SqlError(raw, "open " + path);
  sqlite3_busy_timeout(raw, 10000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    base::Status ps = db->Exec(pragma);
    if (!ps.ok()) return ps.Context(path);
  }
  base::Status s = db->Migrate(migrations);
  if (!s.ok()) return s.Context(path);
  return db;
}

Db::~Db() {
  cache_.clear();  // finalize before closing
  sqlite3_close_v2(db_);
}

void Db::ReleaseMemory() { sqlite3_db_release_memory(db_); }

base::Result<CachedStmt> Db::Cached(const std::string& sql) {
  statements_++;
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    base::Result<Stmt> st = PrepareUncounted(sql);
    if (!st.ok()) return st.status();
    it = cache_.emplace(sql, std::make_unique<Stmt>(std::move(*st))).first;
  }
  return CachedStmt(it->second.get());
}

base::Status Db::Exec(const std::string& sql) {
  statements_++;
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return SqlError(db_, "sql");  // keeps the code: a corrupt file is not an I/O error
  }
  return base::Status::Ok();
}

base::Result<Stmt> Db::Prepare(const std::string& sql) {
  statements_++;
  return PrepareUncounted(sql);
}

base::Result<Stmt> Db::PrepareUncounted(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare '" + sql + "'");
  }
  return Stmt(db_, stmt);
}

int Db::SchemaVersion() {
  base::Result<Stmt> st = Prepare("PRAGMA user_version");
  if (!st.ok()) return -1;
  base::Result<bool> row = st->Step();
  return (row.ok() && *row) ? static_cast<int>(st->Int(0)) : -1;
}

std::int64_t Db::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

base::Status Db::Migrate(const std::vector<std::string>& migrations) {
  int have = SchemaVersion();
  if (have < 0) return base::Status::IoError("cannot read schema version");
  if (static_cast<std::size_t>(have) > migrations.size()) {
    return base::Status::Precondition("database schema version " + std::to_string(have) +
                                      " is newer than this program understands (" +
                                      std::to_string(migrations.size()) + ")");
  }
  for (std::size_t v = static_cast<std::size_t>(have); v < migrations.size(); ++v) {
    Transaction txn(*this);
    ZQ_RETURN_IF_ERROR(txn.status());
    ZQ_RETURN_IF_ERROR(Exec(migrations[v]).Context("migration " + std::to_string(v + 1)));
    ZQ_RETURN_IF_ERROR(Exec("PRAGMA user_version=" + std::to_string(v + 1)));
    ZQ_RETURN_IF_ERROR(txn.Commit());
  }
  return base::Status::Ok();
}

namespace {

// Transactions are begun and ended on every write: their statements are
// prepared once per connection.
base::Status RunCached(Db& db, const std::string& sql) {
  base::Result<CachedStmt> st = db.Cached(sql);
  if (!st.ok()) return st.status();
  return st->Run();
}

}  // namespace

Transaction::Transaction(Db& db) : db_(db), begin_(RunCached(db, "BEGIN IMMEDIATE")) {}

Transaction::~Transaction() {
  if (begin_.ok() && !done_) (void)RunCached(db_, "ROLLBACK");
}

base::Status Transaction::Commit() {
  ZQ_RETURN_IF_ERROR(begin_);
  base::Status s = RunCached(db_, "COMMIT");
  if (s.ok()) done_ = true;
  return s;
}

base::Status ForEachRow(Stmt& st, const std::function<void(Stmt&)>& fn) {
  while (true) {
    base::Result<bool> row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) return base::Status::Ok();
    fn(st);
  }
}

base::Status ForEachRowChecked(Stmt& st, const std::function<base::Status(Stmt&)>& fn) {
  while (true) {
    base::Result<bool> row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) return base::Status::Ok();
    ZQ_RETURN_IF_ERROR(fn(st));
  }
}

}  // namespace zhanqun::sql
