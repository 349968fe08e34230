// Helpers shared by the unit tests of every library: a temporary directory
// that cleans up after itself, small file helpers and a fresh signing key.
// Header-only; not thread-safe beyond what each helper says.
#ifndef ZHANQUN_TESTS_TEST_SUPPORT_H_
#define ZHANQUN_TESTS_TEST_SUPPORT_H_

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "zhanqun/base/status.h"

namespace zhanqun::testing {

// A fresh directory under the system temp dir, removed with everything in it
// when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "zq-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory (not created).
  std::string File(const std::string& name) const {
    return (std::filesystem::path(path_) / name).string();
  }

 private:
  std::string path_;
};

// Replaces the file at `path` with `text`.
inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

// The whole content of the file at `path`; empty if it cannot be read.
inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value `r` holds; fails the test case, showing the status, when it
// holds an error instead.
template <typename T>
T Must(base::Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

// The permission bits of the file at `path`.
inline unsigned ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode & 07777);
}

}  // namespace zhanqun::testing

#endif  // ZHANQUN_TESTS_TEST_SUPPORT_H_
