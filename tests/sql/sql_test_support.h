// Helpers for tests that need a store's database to fail: a second
// connection on the same file changes it behind the store's back, as a
// damaged file, an old binary or an operator's mistake would. Header-only.
#ifndef ZHANQUN_TESTS_SQL_SQL_TEST_SUPPORT_H_
#define ZHANQUN_TESTS_SQL_SQL_TEST_SUPPORT_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "zhanqun/sql/sqlite.h"

namespace zhanqun::testing {

// Runs `sql` on the database at `path` through a connection of its own.
// REQUIRES: the store has created the file at schema version 1.
inline void BreakDb(const std::string& path, const std::string& sql) {
  base::Result<std::unique_ptr<sql::Db>> db = sql::Db::Open(path, {"-- created by the store"});
  INFO(path << ": " << db.status().ToString());
  REQUIRE(db.ok());
  base::Status s = (*db)->Exec(sql);
  INFO(sql << ": " << s.ToString());
  REQUIRE(s.ok());
}

}  // namespace zhanqun::testing

#endif  // ZHANQUN_TESTS_SQL_SQL_TEST_SUPPORT_H_
