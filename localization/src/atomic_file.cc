#include "atomic_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace zhanqun::localization {
namespace fs = std::filesystem;
namespace {

feeds::Status Errno(const std::string& what, const std::string& path) {
  return feeds::Status::IoError(what + " " + path + ": " + std::strerror(errno));
}

feeds::Status WriteAll(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", path);
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return feeds::Status::Ok();
}

}  // namespace

feeds::Status WriteFileAtomically(const std::string& path, std::string_view content) {
  const fs::path target(path);
  const std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return feeds::Status::IoError("create directory " + dir + ": " + ec.message());
  // A dot name keeps the temp file out of directory listings and globbing.
  std::string tmp = dir + "/." + target.filename().string() + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Errno("create temp file in", dir);
  feeds::Status s = WriteAll(fd, content, tmp);
  if (s.ok() && ::fchmod(fd, 0644) != 0) s = Errno("chmod", tmp);
  if (::close(fd) != 0 && s.ok()) s = Errno("close", tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = Errno("rename to", path);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return feeds::Status::Ok();
}

feeds::Result<std::string> ReadWholeFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return feeds::Status::NotFound("no file " + path);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) return feeds::Status::IoError("cannot read " + path);
  return ss.str();
}

bool FileExists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

feeds::Status RemoveFileIfExists(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return feeds::Status::IoError("remove " + path + ": " + ec.message());
  return feeds::Status::Ok();
}

std::vector<std::string> ListFiles(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) names.push_back(it->path().filename().string());
  }
  return names;
}

}  // namespace zhanqun::localization
