// The Env contract, run against the POSIX file system (in a temp directory)
// and the in-memory Env: the same behaviour from both, as the store and
// index harnesses do for their backends.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "test_support.h"
#include "zhanqun/base/env.h"

namespace zhanqun::base {
namespace {

struct PosixBackend {
  testing::TempDir dir;
  Env& env = Env::Default();
  std::string Path(const std::string& name) const { return dir.File(name); }
};

struct MemBackend {
  std::unique_ptr<Env> owned = NewMemEnv();
  Env& env = *owned;
  std::string Path(const std::string& name) const { return "/mem/" + name; }
  MemBackend() { REQUIRE(env.CreateDirs("/mem", 0755).ok()); }
};

#define ENV_TEST(name, tags) TEMPLATE_TEST_CASE(name, "[base][env]" tags, PosixBackend, MemBackend)

ENV_TEST("a file written atomically reads back whole, with its mode", "") {
  TestType b;
  const std::string path = b.Path("pages/a/index.html");
  REQUIRE(b.env.WriteFileAtomic(path, "<p>一</p>", 0644, Env::Sync::kNone).ok());
  Result<std::string> text = b.env.ReadFile(path, 1024);
  REQUIRE(text.ok());
  CHECK(*text == "<p>一</p>");
  Result<FileInfo> info = b.env.Stat(path);
  REQUIRE(info.ok());
  CHECK(info->type == FileInfo::Type::kRegular);
  CHECK(info->size == std::string("<p>一</p>").size());
  CHECK(info->mode == 0644u);
  CHECK(b.env.Stat(b.Path("pages/a"))->type == FileInfo::Type::kDirectory);
}

ENV_TEST("replacing a file changes its identity and leaves no temp file behind", "") {
  TestType b;
  const std::string path = b.Path("site/page.html");
  REQUIRE(b.env.WriteFileAtomic(path, "old", 0644, Env::Sync::kNone).ok());
  Result<FileInfo> before = b.env.Stat(path);
  REQUIRE(b.env.WriteFileAtomic(path, "newer", 0600, Env::Sync::kDurable).ok());
  Result<FileInfo> after = b.env.Stat(path);
  REQUIRE((before.ok() && after.ok()));
  CHECK_FALSE(*before == *after);
  CHECK(after->mode == 0600u);
  CHECK(*b.env.ReadFile(path, 100) == "newer");
  Result<std::vector<std::string>> names = b.env.ListFiles(b.Path("site"));
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"page.html"});
}

ENV_TEST("reading names what is wrong: absent, too large, a directory", "") {
  TestType b;
  Result<std::string> absent = b.env.ReadFile(b.Path("none"), 10);
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.status().code() == Code::kNotFound);
  CHECK_THAT(absent.status().message(), Catch::Contains(b.Path("none")));
  REQUIRE(b.env.WriteFileAtomic(b.Path("big"), std::string(11, 'x'), 0644, Env::Sync::kNone).ok());
  Result<std::string> big = b.env.ReadFile(b.Path("big"), 10);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == Code::kResourceExhausted);
  CHECK(*b.env.ReadFile(b.Path("big"), 11) == std::string(11, 'x'));
  REQUIRE(b.env.CreateDirs(b.Path("d/e"), 0755).ok());
  CHECK(b.env.ReadFile(b.Path("d"), 10).status().code() == Code::kInvalidArgument);
  CHECK(b.env.Stat(b.Path("none")).status().code() == Code::kNotFound);
  CHECK(b.env.ListFiles(b.Path("none")).status().code() == Code::kNotFound);
}

ENV_TEST("a secret readable by group or others is refused, naming its mode", "[security]") {
  TestType b;
  const std::string path = b.Path("key");
  REQUIRE(b.env.WriteFileAtomic(path, "secret", 0640, Env::Sync::kNone).ok());
  Result<std::string> loose = b.env.ReadSecretFile(path, 100);
  REQUIRE_FALSE(loose.ok());
  CHECK(loose.status().code() == Code::kPermissionDenied);
  CHECK_THAT(loose.status().message(), Catch::Contains("0640") && Catch::Contains("chmod 600"));
  REQUIRE(b.env.WriteFileAtomic(path, "secret", 0600, Env::Sync::kNone).ok());
  CHECK(*b.env.ReadSecretFile(path, 100) == "secret");
}

ENV_TEST("creating a file never overwrites one", "") {
  TestType b;
  const std::string path = b.Path("hub.key");
  REQUIRE(b.env.CreateFile(path, "first", 0600).ok());
  Status again = b.env.CreateFile(path, "second", 0600);
  CHECK(again.code() == Code::kAlreadyExists);
  CHECK(*b.env.ReadSecretFile(path, 100) == "first");
  CHECK(b.env.Stat(path)->mode == 0600u);
  CHECK(b.env.CreateFile(b.Path("no/such/dir/f"), "x", 0600).code() == Code::kNotFound);
}

ENV_TEST("files are removed and renamed; removing a missing file is fine", "") {
  TestType b;
  REQUIRE(b.env.WriteFileAtomic(b.Path("a"), "A", 0644, Env::Sync::kNone).ok());
  REQUIRE(b.env.Rename(b.Path("a"), b.Path("b")).ok());
  CHECK(b.env.Stat(b.Path("a")).status().code() == Code::kNotFound);
  CHECK(*b.env.ReadFile(b.Path("b"), 10) == "A");
  CHECK(b.env.Rename(b.Path("a"), b.Path("c")).code() == Code::kNotFound);
  REQUIRE(b.env.RemoveFile(b.Path("b")).ok());
  CHECK(b.env.RemoveFile(b.Path("b")).ok());
  CHECK(b.env.ListFiles(b.Path(""))->empty());
}

ENV_TEST("a lock excludes a second holder until released, and names the first", "") {
  TestType b;
  const std::string path = b.Path("lock");
  Result<std::unique_ptr<FileLock>> first = b.env.LockFile(path, "pid 41");
  REQUIRE(first.ok());
  Result<std::unique_ptr<FileLock>> second = b.env.LockFile(path, "pid 42");
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kFailedPrecondition);
  CHECK_THAT(second.status().message(), Catch::Contains("pid 41"));
  first->reset();
  Result<std::unique_ptr<FileLock>> third = b.env.LockFile(path, "pid 43");
  REQUIRE(third.ok());
  CHECK(*b.env.ReadFile(path, 100) == "pid 43\n");
}

ENV_TEST("listing gives the regular files of one directory, sorted", "") {
  TestType b;
  for (const char* name : {"b.html", "a.html", "sub/c.html"}) {
    REQUIRE(b.env.WriteFileAtomic(b.Path(std::string("list/") + name), "x", 0644, Env::Sync::kNone)
                .ok());
  }
  Result<std::vector<std::string>> names = b.env.ListFiles(b.Path("list"));
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"a.html", "b.html"});
}

TEST_CASE("DirName gives the directory part of a path", "[base][env]") {
  CHECK(DirName("/a/b/c") == "/a/b");
  CHECK(DirName("/a") == "/");
  CHECK(DirName("a") == ".");
  CHECK(DirName("a/b") == "a");
}

}  // namespace
}  // namespace zhanqun::base
