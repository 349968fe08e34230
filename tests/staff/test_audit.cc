#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "test_support.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/sql/sqlite.h"
#include "zhanqun/staff/audit.h"

namespace zhanqun::staff {
namespace {

using base::Code;
using base::Result;
using testing::Must;
using testing::TempDir;

constexpr base::TimeMs kT0 = 1700000000000;

std::unique_ptr<AuditLog> OpenLog(const std::string& path) {
  Result<std::unique_ptr<AuditLog>> log = AuditLog::Open(path);
  INFO(log.status().ToString());
  REQUIRE(log.ok());
  return std::move(log).value();
}

// A plain connection to the audit file, for what the AuditLog never does.
std::unique_ptr<sql::Db> RawDb(const std::string& path) {
  Result<std::unique_ptr<sql::Db>> db = sql::Db::Open(path, {"-- created by AuditLog"});
  REQUIRE(db.ok());
  return std::move(db).value();
}

std::string Marker(int n) { return "marker-" + std::to_string(n) + "-only-here"; }

// 20 records whose details each carry a string found nowhere else; the WAL
// is checkpointed into the main file and every connection is closed.
void WriteTwenty(const std::string& path) {
  std::unique_ptr<AuditLog> log = OpenLog(path);
  for (int i = 1; i <= 20; ++i) {
    REQUIRE(log->Append(kT0 + i, "alice", "draft.edit", "draft:" + std::to_string(i),
                        "{\"note\":\"" + Marker(i) + "\"}")
                .ok());
  }
  REQUIRE(RawDb(path)->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  log.reset();
  const std::string wal = path + "-wal";
  CHECK((!std::filesystem::exists(wal) || std::filesystem::file_size(wal) == 0));
}

// Changes one byte of the file at `offset` on disk.
void FlipByte(const std::string& path, std::size_t offset, char to) {
  std::string bytes = testing::ReadText(path);
  REQUIRE(offset < bytes.size());
  REQUIRE(bytes[offset] != to);
  bytes[offset] = to;
  testing::WriteText(path, bytes);
}

std::size_t FindOnce(const std::string& haystack, const std::string& needle) {
  std::size_t at = haystack.find(needle);
  REQUIRE(at != std::string::npos);
  REQUIRE(haystack.find(needle, at + 1) == std::string::npos);
  return at;
}

TEST_CASE("audit appends chain each record to the one before", "[audit]") {
  TempDir dir;
  std::unique_ptr<AuditLog> log = OpenLog(dir.File("audit.db"));
  CHECK(Must(log->Head()) == 0);
  Result<AuditRecord> a = log->Append(kT0, "alice", "user.add", "user:bob", "");
  REQUIRE(a.ok());
  CHECK(a->seq == 1);
  CHECK(a->detail == "{}");
  CHECK(a->prev_hash == std::string(64, '0'));
  CHECK(a->hash == AuditRecordHash(*a));
  Result<AuditRecord> b = log->Append(kT0 + 1, "bob", "login.ok", "user:bob", R"({"remote":"x"})");
  REQUIRE(b.ok());
  CHECK(b->seq == 2);
  CHECK(b->prev_hash == a->hash);
  CHECK(Must(log->Head()) == 2);
  std::optional<AuditRecord> got = Must(log->Get(2));
  REQUIRE(got);
  CHECK(got->hash == b->hash);
  CHECK(got->detail == R"({"remote":"x"})");
  CHECK_FALSE(Must(log->Get(3)));
  CHECK(log->Append(kT0, "a", "b", "c", "[1]").status().code() == Code::kInvalidArgument);
  CHECK(log->Append(kT0, "a", "b", "c", "not json").status().code() == Code::kInvalidArgument);
  CHECK(Must(log->Head()) == 2);
}

TEST_CASE("the record hash is SHA-256 over the canonical JSON array", "[audit]") {
  AuditRecord r{1, 5, "alice", "user.add", "user:bob", "{}", std::string(64, '0'), ""};
  CHECK(AuditRecordHash(r) == base::Sha256Hex("[1,5,\"alice\",\"user.add\",\"user:bob\",\"{}\",\"" +
                                              std::string(64, '0') + "\"]"));
}

TEST_CASE("audit lists newest first and filters by actor, action prefix, object and seq",
          "[audit]") {
  TempDir dir;
  std::unique_ptr<AuditLog> log = OpenLog(dir.File("audit.db"));
  REQUIRE(log->Append(kT0, "alice", "draft.create", "draft:1").ok());
  REQUIRE(log->Append(kT0, "bob", "review.pass", "draft:1").ok());
  REQUIRE(log->Append(kT0, "alice", "draft.edit", "draft:2").ok());
  REQUIRE(log->Append(kT0, "carol", "user.add", "user:dan").ok());
  std::vector<AuditRecord> all = Must(log->List({}));
  REQUIRE(all.size() == 4);
  CHECK(all[0].seq == 4);
  CHECK(all[3].seq == 1);
  AuditFilter f;
  f.actor = "alice";
  CHECK(Must(log->List(f)).size() == 2);
  f = {};
  f.action_prefix = "draft.";
  CHECK(Must(log->List(f)).size() == 2);
  f = {};
  f.object = "draft:1";
  std::vector<AuditRecord> d1 = Must(log->List(f));
  REQUIRE(d1.size() == 2);
  CHECK(d1[0].action == "review.pass");
  f = {};
  f.before_seq = 3;
  f.limit = 1;
  std::vector<AuditRecord> page = Must(log->List(f));
  REQUIRE(page.size() == 1);
  CHECK(page[0].seq == 2);
}

TEST_CASE("the audit table refuses UPDATE and DELETE", "[audit][security]") {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  std::unique_ptr<AuditLog> log = OpenLog(path);
  REQUIRE(log->Append(kT0, "alice", "user.add", "user:bob").ok());
  std::unique_ptr<sql::Db> raw = RawDb(path);
  base::Status upd = raw->Exec("UPDATE audit SET actor = 'mallory' WHERE seq = 1");
  REQUIRE_FALSE(upd.ok());
  CHECK_THAT(upd.message(), Catch::Contains("append-only: UPDATE refused"));
  base::Status del = raw->Exec("DELETE FROM audit WHERE seq = 1");
  REQUIRE_FALSE(del.ok());
  CHECK_THAT(del.message(), Catch::Contains("append-only: DELETE refused"));
  CHECK(Must(log->Get(1))->actor == "alice");
  CHECK(Must(log->Verify()).ok());
}

TEST_CASE("audit verify walks an intact chain", "[audit]") {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  WriteTwenty(path);
  AuditVerification v = Must(OpenLog(path)->Verify());
  CHECK(v.ok());
  CHECK(v.records == 20);
  CHECK(v.problem.empty());
  CHECK(Must(OpenLog(dir.File("empty.db"))->Verify()).ok());
}

TEST_CASE("audit verify names record 7 when one byte of its detail is changed on disk",
          "[audit][security]") {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  WriteTwenty(path);
  std::size_t at = FindOnce(testing::ReadText(path), Marker(7));
  FlipByte(path, at, 'M');  // "marker-7-..." becomes "Marker-7-..."
  std::unique_ptr<AuditLog> log = OpenLog(path);
  CHECK(Must(log->Get(7))->detail == "{\"note\":\"M" + Marker(7).substr(1) + "\"}");
  AuditVerification v = Must(log->Verify());
  CHECK(v.first_bad == 7);
  CHECK(v.records == 6);
  CHECK_THAT(v.problem, Catch::StartsWith("record 7: "));
  CHECK_THAT(v.problem, Catch::Contains("hash does not match"));
}

TEST_CASE("audit verify names record 13 when one byte of its stored hash is changed on disk",
          "[audit][security]") {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  WriteTwenty(path);
  std::string h12 = Must(OpenLog(path)->Get(12))->hash, h13 = Must(OpenLog(path)->Get(13))->hash;
  // Record 13's row stores prev_hash (= h12) and then its own hash; record
  // 14's row holds h13 too, as its prev_hash, followed by h14.
  std::size_t at = FindOnce(testing::ReadText(path), h12 + h13) + 64 + 10;
  FlipByte(path, at, h13[10] == '0' ? '1' : '0');
  AuditVerification v = Must(OpenLog(path)->Verify());
  CHECK(v.first_bad == 13);
  CHECK_THAT(v.problem, Catch::StartsWith("record 13: "));
}

TEST_CASE("audit verify names the gap when a record is deleted behind the triggers' back",
          "[audit][security]") {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  WriteTwenty(path);
  {
    std::unique_ptr<sql::Db> raw = RawDb(path);
    REQUIRE(raw->Exec("DROP TRIGGER audit_no_delete").ok());
    REQUIRE(raw->Exec("DELETE FROM audit WHERE seq = 9").ok());
  }
  AuditVerification v = Must(OpenLog(path)->Verify());
  CHECK(v.first_bad == 9);
  CHECK(v.problem == "record 9: missing (next stored record is 10)");
}

TEST_CASE("audit verify catches a record rewritten with a fresh hash of its own",
          "[audit][security]") {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  WriteTwenty(path);
  {
    // An attacker who recomputes record 5's hash still breaks record 6's link.
    std::unique_ptr<AuditLog> log = OpenLog(path);
    AuditRecord r = *Must(log->Get(5));
    r.actor = "mallory";
    std::unique_ptr<sql::Db> raw = RawDb(path);
    REQUIRE(raw->Exec("DROP TRIGGER audit_no_update").ok());
    Result<sql::Stmt> st = raw->Prepare("UPDATE audit SET actor = ?1, hash = ?2 WHERE seq = 5");
    REQUIRE(st.ok());
    st->Bind(1, r.actor).Bind(2, AuditRecordHash(r));
    REQUIRE(st->Run().ok());
  }
  AuditVerification v = Must(OpenLog(path)->Verify());
  CHECK(v.first_bad == 6);
  CHECK(v.problem == "record 6: prev_hash does not link to record 5");
}

TEST_CASE("an audit table that cannot be read is an error, not an empty or broken log",
          "[audit][store]") {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  std::unique_ptr<AuditLog> log = OpenLog(path);
  REQUIRE(log->Append(kT0, "alice", "user.add", "user:bob").ok());
  REQUIRE(RawDb(path)->Exec("DROP TABLE audit").ok());
  for (const base::Status& s : {log->List({}).status(), log->Get(1).status(), log->Head().status(),
                                log->Verify().status()}) {
    INFO(s.ToString());
    CHECK(s.code() == Code::kIoError);
    CHECK_THAT(s.message(), Catch::Contains("no such table: audit"));
  }
}

TEST_CASE("two audit logs on one file keep a single chain", "[audit]") {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  std::unique_ptr<AuditLog> a = OpenLog(path);
  std::unique_ptr<AuditLog> b = OpenLog(path);  // stands in for the CLI process
  for (int i = 0; i < 5; ++i) {
    REQUIRE(a->Append(kT0, "serve", "x", "y").ok());
    REQUIRE(b->Append(kT0, "cli", "x", "y").ok());
  }
  AuditVerification v = Must(a->Verify());
  CHECK(v.ok());
  CHECK(v.records == 10);
}

}  // namespace
}  // namespace zhanqun::staff
