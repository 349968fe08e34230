#include "zhanqun/staff/audit.h"

#include <nlohmann/json.hpp>

#include "zhanqun/base/hash.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::staff {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      R"sql(
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  object TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX audit_by_object ON audit (object, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;
)sql",
  };
  return kMigrations;
}

constexpr const char* kColumns = "seq, time_ms, actor, action, object, detail, prev_hash, hash";

AuditRecord FromRow(sql::Stmt& st) {
  AuditRecord r;
  r.seq = static_cast<std::uint64_t>(st.Int(0));
  r.time_ms = st.Int(1);
  r.actor = st.Text(2);
  r.action = st.Text(3);
  r.object = st.Text(4);
  r.detail = st.Text(5);
  r.prev_hash = st.Text(6);
  r.hash = st.Text(7);
  return r;
}

bool IsJsonObject(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return !j.is_discarded() && j.is_object();
}

}  // namespace

std::string AuditRecordHash(const AuditRecord& r) {
  json a = json::array({r.seq, r.time_ms, r.actor, r.action, r.object, r.detail, r.prev_hash});
  // replace: a damaged record (invalid UTF-8) must hash, not throw.
  return base::Sha256Hex(a.dump(-1, ' ', false, json::error_handler_t::replace));
}

AuditLog::AuditLog(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}
AuditLog::~AuditLog() = default;

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  Result<std::unique_ptr<sql::Db>> db = sql::Db::Open(path, Migrations());
  if (!db.ok()) return db.status();
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(*db)));
}

Result<AuditRecord> AuditLog::Append(const base::TimeMs time_ms, const std::string& actor,
                                     const std::string& action, const std::string& object,
                                     const std::string& detail) {
  AuditRecord r{0, time_ms, actor, action, object, detail.empty() ? "{}" : detail, "", ""};
  if (!IsJsonObject(r.detail)) return Status::Invalid("audit: detail must be a JSON object");
  std::lock_guard<std::mutex> lock(mu_);
  sql::Transaction txn(*db_);
  if (!txn.status().ok()) return txn.status();
  Result<sql::Stmt> head = db_->Prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  if (!head.ok()) return head.status();
  Result<bool> row = head->Step();
  if (!row.ok()) return row.status();
  r.seq = *row ? static_cast<std::uint64_t>(head->Int(0)) + 1 : 1;
  r.prev_hash = *row ? head->Text(1) : std::string(64, '0');
  r.hash = AuditRecordHash(r);
  Result<sql::Stmt> ins = db_->Prepare(
      "INSERT INTO audit (seq, time_ms, actor, action, object, detail, prev_hash, hash) "
      "VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, static_cast<std::int64_t>(r.seq))
      .Bind(2, r.time_ms)
      .Bind(3, r.actor)
      .Bind(4, r.action)
      .Bind(5, r.object)
      .Bind(6, r.detail)
      .Bind(7, r.prev_hash)
      .Bind(8, r.hash);
  ZQ_RETURN_IF_ERROR(ins->Run());
  ZQ_RETURN_IF_ERROR(txn.Commit());
  return r;
}

Result<std::vector<AuditRecord>> AuditLog::List(const AuditFilter& f) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st =
      db_->Prepare(std::string("SELECT ") + kColumns +
                   " FROM audit WHERE (?1 = 0 OR seq < ?1) AND (?2 = '' OR actor = ?2) AND "
                   "(?3 = '' OR substr(action, 1, length(?3)) = ?3) AND (?4 = '' OR object = ?4) "
                   "ORDER BY seq DESC LIMIT ?5");
  if (!st.ok()) return st.status();
  st->Bind(1, static_cast<std::int64_t>(f.before_seq))
      .Bind(2, f.actor)
      .Bind(3, f.action_prefix)
      .Bind(4, f.object)
      .Bind(5, static_cast<std::int64_t>(f.limit));
  std::vector<AuditRecord> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(*st, [&](sql::Stmt& s) { out.push_back(FromRow(s)); }));
  return out;
}

Result<std::optional<AuditRecord>> AuditLog::Get(std::uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st =
      db_->Prepare(std::string("SELECT ") + kColumns + " FROM audit WHERE seq = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, static_cast<std::int64_t>(seq));
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<AuditRecord>();
  return std::optional<AuditRecord>(FromRow(*st));
}

Result<std::uint64_t> AuditLog::Head() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sql::Stmt> st = db_->Prepare("SELECT coalesce(max(seq), 0) FROM audit");
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("audit: max(seq) returned no row");
  return static_cast<std::uint64_t>(st->Int(0));
}

Result<AuditVerification> AuditLog::Verify() {
  std::lock_guard<std::mutex> lock(mu_);
  AuditVerification v;
  auto fail = [&v](std::uint64_t seq, std::string problem) {
    v.first_bad = seq;
    v.problem = "record " + std::to_string(seq) + ": " + std::move(problem);
  };
  Result<sql::Stmt> st =
      db_->Prepare(std::string("SELECT ") + kColumns + " FROM audit ORDER BY seq");
  if (!st.ok()) {
    if (st.status().code() != base::Code::kCorruption) return st.status().Context("audit verify");
    fail(1, "cannot read the audit table: " + st.status().message());
    return v;
  }
  std::string prev(64, '0');
  for (std::uint64_t expect = 1;; ++expect) {
    Result<bool> row = st->Step();
    if (!row.ok()) {
      // A damaged page is what Verify looks for; a busy or failing disk says
      // nothing about the chain and is the caller's error.
      if (row.status().code() != base::Code::kCorruption) {
        return row.status().Context("audit verify");
      }
      fail(expect, "unreadable (" + row.status().message() + ")");
      return v;
    }
    if (!*row) break;
    AuditRecord r = FromRow(*st);
    if (r.seq != expect) {
      fail(expect, r.seq > expect ? "missing (next stored record is " + std::to_string(r.seq) + ")"
                                  : "sequence out of order (found " + std::to_string(r.seq) + ")");
      return v;
    }
    if (r.prev_hash != prev) {
      fail(r.seq, "prev_hash does not link to record " + std::to_string(r.seq - 1));
      return v;
    }
    if (AuditRecordHash(r) != r.hash) {
      fail(r.seq, "hash does not match its contents (the record was altered)");
      return v;
    }
    prev = r.hash;
    v.records = r.seq;
  }
  return v;
}

}  // namespace zhanqun::staff
