#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "test_support.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::sql {
namespace {

using testing::TempDir;

std::unique_ptr<Db> OpenDb(const std::string& path, const std::vector<std::string>& migrations) {
  base::Result<std::unique_ptr<Db>> db = Db::Open(path, migrations);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

std::int64_t CountRows(Db& db, const std::string& table) {
  base::Result<Stmt> st = db.Prepare("SELECT count(*) FROM " + table);
  REQUIRE(st.ok());
  base::Result<bool> row = st->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return st->Int(0);
}

// Version 1 creates a table and seeds one row, so re-applying it would show
// (either as an error or as a second row).
const std::vector<std::string> kV1 = {
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
    "INSERT INTO notes (body) VALUES ('seed');",
};
const std::vector<std::string> kV2 = {
    kV1[0],
    "CREATE TABLE blobs (k TEXT PRIMARY KEY, v BLOB NOT NULL);",
};

}  // namespace

TEST_CASE("migrations are applied in order and recorded in user_version", "[feeds][sqlite]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV2);
  CHECK(db->SchemaVersion() == 2);
  CHECK(CountRows(*db, "notes") == 1);
  CHECK(CountRows(*db, "blobs") == 0);
}

TEST_CASE("reopening a database does not reapply its migrations", "[feeds][sqlite]") {
  TempDir dir;
  const std::string path = dir.File("a.db");
  { OpenDb(path, kV1); }
  std::unique_ptr<Db> db = OpenDb(path, kV1);
  CHECK(db->SchemaVersion() == 1);
  CHECK(CountRows(*db, "notes") == 1);
}

TEST_CASE("reopening with a longer migration list applies only the new versions",
          "[feeds][sqlite]") {
  TempDir dir;
  const std::string path = dir.File("a.db");
  { OpenDb(path, kV1); }
  std::unique_ptr<Db> db = OpenDb(path, kV2);
  CHECK(db->SchemaVersion() == 2);
  CHECK(CountRows(*db, "notes") == 1);
  CHECK(CountRows(*db, "blobs") == 0);
}

TEST_CASE("a database with a newer schema than the program knows is refused", "[feeds][sqlite]") {
  TempDir dir;
  const std::string path = dir.File("a.db");
  { OpenDb(path, kV2); }
  base::Result<std::unique_ptr<Db>> db = Db::Open(path, kV1);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == base::Code::kFailedPrecondition);
  CHECK_THAT(db.status().message(), Catch::Contains("newer"));
  CHECK_THAT(db.status().message(), Catch::Contains(path));
}

TEST_CASE("a failing migration is rolled back and leaves the version unchanged",
          "[feeds][sqlite]") {
  TempDir dir;
  const std::string path = dir.File("a.db");
  { OpenDb(path, kV1); }
  std::vector<std::string> broken = kV1;
  broken.push_back("CREATE TABLE half (x INTEGER); THIS IS NOT SQL;");
  base::Result<std::unique_ptr<Db>> db = Db::Open(path, broken);
  REQUIRE_FALSE(db.ok());
  CHECK_THAT(db.status().message(), Catch::Contains("migration 2"));

  std::unique_ptr<Db> again = OpenDb(path, kV1);
  CHECK(again->SchemaVersion() == 1);
  base::Result<Stmt> half = again->Prepare("SELECT * FROM half");
  CHECK_FALSE(half.ok());  // the table created before the error was rolled back too
}

TEST_CASE("a transaction that is not committed rolls back", "[feeds][sqlite]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV1);
  {
    Transaction txn(*db);
    REQUIRE(txn.status().ok());
    base::Result<Stmt> st = db->Prepare("INSERT INTO notes (body) VALUES (?1)");
    REQUIRE(st.ok());
    st->Bind(1, std::string_view("lost"));
    REQUIRE(st->Run().ok());
    CHECK(CountRows(*db, "notes") == 2);  // visible inside the transaction
  }
  CHECK(CountRows(*db, "notes") == 1);
}

TEST_CASE("a committed transaction persists across reopening", "[feeds][sqlite]") {
  TempDir dir;
  const std::string path = dir.File("a.db");
  {
    std::unique_ptr<Db> db = OpenDb(path, kV1);
    Transaction txn(*db);
    REQUIRE(txn.status().ok());
    base::Result<Stmt> st = db->Prepare("INSERT INTO notes (body) VALUES (?1)");
    REQUIRE(st.ok());
    st->Bind(1, std::string_view("kept"));
    REQUIRE(st->Run().ok());
    REQUIRE(txn.Commit().ok());
  }
  std::unique_ptr<Db> db = OpenDb(path, kV1);
  CHECK(CountRows(*db, "notes") == 2);
}

TEST_CASE("bound text that looks like SQL is stored verbatim", "[feeds][sqlite][security]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV1);
  const std::string evil = "'); DROP TABLE notes;-- \"quoted\" 国务院 `tick`";
  base::Result<Stmt> ins = db->Prepare("INSERT INTO notes (body) VALUES (?1)");
  REQUIRE(ins.ok());
  ins->Bind(1, evil);
  REQUIRE(ins->Run().ok());

  CHECK(CountRows(*db, "notes") == 2);
  base::Result<Stmt> sel = db->Prepare("SELECT body FROM notes WHERE body = ?1");
  REQUIRE(sel.ok());
  sel->Bind(1, evil);
  base::Result<bool> row = sel->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(sel->Text(0) == evil);
}

TEST_CASE("a blob with embedded NUL bytes round-trips exactly", "[feeds][sqlite]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV2);
  std::string bytes("a\0b\0\0c", 6);
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  base::Result<Stmt> ins = db->Prepare("INSERT INTO blobs (k, v) VALUES (?1, ?2)");
  REQUIRE(ins.ok());
  ins->Bind(1, std::string_view("k")).BindBlob(2, bytes);
  REQUIRE(ins->Run().ok());

  base::Result<Stmt> sel = db->Prepare("SELECT v, length(v) FROM blobs WHERE k = 'k'");
  REQUIRE(sel.ok());
  base::Result<bool> row = sel->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(sel->Text(0) == bytes);
  CHECK(sel->Int(1) == static_cast<std::int64_t>(bytes.size()));
}

TEST_CASE("a statement reused after Reset takes fresh bindings", "[feeds][sqlite]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV1);
  base::Result<Stmt> ins = db->Prepare("INSERT INTO notes (body) VALUES (?1)");
  REQUIRE(ins.ok());
  for (const char* body : {"one", "two", "three"}) {
    ins->Bind(1, std::string_view(body));
    REQUIRE(ins->Run().ok());
    ins->Reset();
  }
  CHECK(CountRows(*db, "notes") == 4);
}

TEST_CASE("ForEachRowChecked stops at the first row the callback refuses", "[feeds][sqlite]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV1);
  REQUIRE(db->Exec("INSERT INTO notes (body) VALUES ('bad'), ('after')").ok());
  base::Result<Stmt> sel = db->Prepare("SELECT body FROM notes ORDER BY id");
  REQUIRE(sel.ok());
  std::vector<std::string> seen;
  base::Status s = ForEachRowChecked(*sel, [&](Stmt& row) {
    seen.push_back(row.Text(0));
    if (row.Text(0) == "bad") return base::Status::Corruption("notes.body: 'bad'");
    return base::Status::Ok();
  });
  CHECK(s.code() == base::Code::kCorruption);
  CHECK(s.message() == "notes.body: 'bad'");
  CHECK(seen == std::vector<std::string>{"seed", "bad"});
}

TEST_CASE("a constraint violation is reported as already exists", "[feeds][sqlite]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV2);
  base::Result<Stmt> ins = db->Prepare("INSERT INTO blobs (k, v) VALUES ('same', x'00')");
  REQUIRE(ins.ok());
  REQUIRE(ins->Run().ok());
  ins->Reset();
  base::Status again = ins->Run();
  CHECK(again.code() == base::Code::kAlreadyExists);
}

TEST_CASE("a file that is not a database is refused with a message naming it", "[feeds][sqlite]") {
  TempDir dir;
  const std::string path = dir.File("garbage.db");
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(8192, 'x');
  }
  base::Result<std::unique_ptr<Db>> db = Db::Open(path, kV1);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == base::Code::kCorruption);
  CHECK_THAT(db.status().message(), Catch::Contains(path));
}

TEST_CASE("a syntax error in prepared SQL is a status, not a crash", "[feeds][sqlite]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV1);
  base::Result<Stmt> st = db->Prepare("SELEC nonsense");
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.status().message(), Catch::Contains("SELEC nonsense"));
}

TEST_CASE("a connection counts every statement it is asked for, cached ones at each use",
          "[sql][sqlite]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV1);
  const std::uint64_t start = db->statements();
  REQUIRE(db->Exec("INSERT INTO notes (body) VALUES ('two')").ok());
  CHECK(db->statements() == start + 1);
  for (int i = 0; i < 3; ++i) {
    base::Result<CachedStmt> st = db->Cached("SELECT count(*) FROM notes");
    REQUIRE(st.ok());
  }
  CHECK(db->statements() == start + 4);
  CHECK_FALSE(db->Prepare("SELEC nonsense").ok());  // asked for, even if refused
  CHECK(db->statements() == start + 5);
}

TEST_CASE("an integer list binds as one parameter whatever its length", "[sql][sqlite]") {
  TempDir dir;
  std::unique_ptr<Db> db = OpenDb(dir.File("a.db"), kV1);
  for (const char* body : {"two", "three", "four"}) {
    base::Result<Stmt> ins = db->Prepare("INSERT INTO notes (body) VALUES (?1)");
    REQUIRE(ins.ok());
    REQUIRE(ins->Bind(1, std::string_view(body)).Run().ok());
  }
  auto bodies = [&](const std::vector<std::uint64_t>& ids) {
    base::Result<CachedStmt> st = db->Cached(
        "SELECT body FROM notes WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id");
    REQUIRE(st.ok());
    (*st)->BindIntList(1, ids);
    std::vector<std::string> out;
    REQUIRE(ForEachRow(*st, [&](Stmt& row) { out.push_back(row.Text(0)); }).ok());
    return out;
  };
  CHECK(bodies({}).empty());
  CHECK(bodies({3}) == std::vector<std::string>{"three"});
  CHECK(bodies({4, 1, 99}) == std::vector<std::string>{"seed", "four"});
}

}  // namespace zhanqun::sql
