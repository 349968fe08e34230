#include "atomic_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>

namespace zhanqun::localization {
namespace fs = std::filesystem;
namespace {

base::Status Errno(const std::string& what, const std::string& path) {
  return base::Status::IoError(what + " " + path + ": " + std::strerror(errno));
}

base::Status WriteAll(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", path);
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return base::Status::Ok();
}

}  // namespace

base::Status WriteFileAtomically(const std::string& path, std::string_view content) {
  const fs::path target(path);
  const std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return base::Status::IoError("create directory " + dir + ": " + ec.message());
  // A dot name keeps the temp file out of directory listings and globbing.
  std::string tmp = dir + "/." + target.filename().string() + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Errno("create temp file in", dir);
  base::Status s = WriteAll(fd, content, tmp);
  if (s.ok() && ::fchmod(fd, 0644) != 0) s = Errno("chmod", tmp);
  if (::close(fd) != 0 && s.ok()) s = Errno("close", tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = Errno("rename to", path);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return base::Status::Ok();
}

base::Result<std::string> ReadWholeFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return base::Status::NotFound("no file " + path);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) return base::Status::IoError("cannot read " + path);
  return ss.str();
}

namespace {

struct FileVersion {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  bool operator==(const FileVersion&) const = default;
};

std::int64_t Ns(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

class FileCache {
 public:
  base::Result<std::string> Read(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      std::lock_guard<std::mutex> lock(mu_);
      files_.erase(path);
      return ReadWholeFile(path);  // its error, with its wording
    }
    const FileVersion version{st.st_dev, st.st_ino, st.st_size, Ns(st.st_mtim), Ns(st.st_ctim)};
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = files_.find(path);
      if (it != files_.end() && it->second.first == version) return it->second.second;
    }
    base::Result<std::string> content = ReadWholeFile(path);
    // Kept only if the file did not change while it was read, and was last
    // changed over a second ago: file times come from a clock that ticks
    // every few ms, so a write in the same tick as this read would leave
    // the times as they are.
    struct stat after {};
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    if (!content.ok() || ::stat(path.c_str(), &after) != 0 ||
        FileVersion{after.st_dev, after.st_ino, after.st_size, Ns(after.st_mtim),
                    Ns(after.st_ctim)} != version ||
        Ns(now) - std::max(version.mtime_ns, version.ctime_ns) < kSettledNs) {
      return content;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (files_.size() >= kMaxFiles) files_.clear();
    files_[path] = {version, *content};
    return content;
  }

  void Clear() {
    std::map<std::string, std::pair<FileVersion, std::string>> dropped;
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(files_);
  }

 private:
  static constexpr std::size_t kMaxFiles = 64;
  static constexpr std::int64_t kSettledNs = 1000000000;
  std::mutex mu_;
  std::map<std::string, std::pair<FileVersion, std::string>> files_;
};

}  // namespace

FileCache& Files() {
  static FileCache* cache = new FileCache();  // never destroyed: no exit-order issue
  return *cache;
}

base::Result<std::string> ReadFileCached(const std::string& path) { return Files().Read(path); }

void ForgetCachedFiles() { Files().Clear(); }

bool FileExists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

base::Status RemoveFileIfExists(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return base::Status::IoError("remove " + path + ": " + ec.message());
  return base::Status::Ok();
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
