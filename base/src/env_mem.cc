// An Env in memory, for tests: files are strings in a map, directories a set.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "zhanqun/base/env.h"

namespace zhanqun::base {
namespace {

class MemEnv;

// "a//b/" and "a/b" name the same directory.
std::string Clean(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

class MemLock : public FileLock {
 public:
  MemLock(MemEnv& env, std::string path) : env_(env), path_(std::move(path)) {}
  ~MemLock() override;

 private:
  MemEnv& env_;
  std::string path_;
};

class MemEnv : public Env {
 public:
  Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) override {
    return Read(path, max_bytes, /*secret=*/false);
  }
  Result<std::string> ReadSecretFile(const std::string& path, std::size_t max_bytes) override {
    return Read(path, max_bytes, /*secret=*/true);
  }

  Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode,
                         Sync) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (dirs_.count(path))
      return Status::IoError("cannot rename over " + path + ": is a directory");
    AddDirsLocked(DirName(path));
    Put(path, data, mode);
    return Status::Ok();
  }

  Status CreateFile(const std::string& path, std::string_view data, unsigned mode) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (files_.count(path) || dirs_.count(path)) {
      return Status(Code::kAlreadyExists, "cannot create " + path + ": File exists");
    }
    if (!DirExistsLocked(DirName(path))) {
      return Status::NotFound("cannot create " + path + ": No such file or directory");
    }
    Put(path, data, mode);
    return Status::Ok();
  }

  Status CreateDirs(const std::string& raw, unsigned) override {
    const std::string path = Clean(raw);
    std::lock_guard<std::mutex> lock(mu_);
    if (files_.count(path)) {
      return Status(Code::kAlreadyExists, path + " exists and is not a directory");
    }
    AddDirsLocked(path);
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(path);
    return Status::Ok();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(from);
    if (it == files_.end()) {
      return Status::NotFound("cannot rename " + from + " to " + to +
                              ": No such file or directory");
    }
    File f = std::move(it->second);
    files_.erase(it);
    f.ctime_ns = Tick();
    files_[to] = std::move(f);
    return Status::Ok();
  }

  Result<FileInfo> Stat(const std::string& raw) override {
    const std::string path = Clean(raw);
    std::lock_guard<std::mutex> lock(mu_);
    FileInfo info;
    if (auto it = files_.find(path); it != files_.end()) {
      info.type = FileInfo::Type::kRegular;
      info.size = it->second.data.size();
      info.mode = it->second.mode;
      info.ino = it->second.ino;
      info.mtime_ns = it->second.mtime_ns;
      info.ctime_ns = it->second.ctime_ns;
      return info;
    }
    if (DirExistsLocked(path)) {
      info.type = FileInfo::Type::kDirectory;
      info.mode = 0755;
      return info;
    }
    return Status::NotFound("cannot stat " + path + ": No such file or directory");
  }

  Result<std::vector<std::string>> ListFiles(const std::string& raw) override {
    const std::string dir = Clean(raw);
    std::lock_guard<std::mutex> lock(mu_);
    if (!DirExistsLocked(dir)) {
      return Status::NotFound("cannot list " + dir + ": No such file or directory");
    }
    std::vector<std::string> names;
    const std::string prefix = dir == "/" ? "/" : dir + "/";
    for (const auto& [path, file] : files_) {
      if (path.compare(0, prefix.size(), prefix) == 0 &&
          path.find('/', prefix.size()) == std::string::npos) {
        names.push_back(path.substr(prefix.size()));
      }
    }
    return names;  // the map is sorted by path, so names are too
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path,
                                             const std::string& holder) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (locked_.count(path)) {
      const std::string& other = files_[path].data;
      std::string who = other;
      while (!who.empty() && who.back() == '\n') who.pop_back();
      return Status::Precondition(path + " is locked" + (who.empty() ? "" : " by " + who));
    }
    if (!DirExistsLocked(DirName(path))) {
      return Status::NotFound("cannot open " + path + ": No such file or directory");
    }
    locked_.insert(path);
    const unsigned mode = files_.count(path) ? files_[path].mode : 0600;
    Put(path, holder + "\n", mode);
    return std::unique_ptr<FileLock>(new MemLock(*this, path));
  }

  void Unlock(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    locked_.erase(path);
  }

 private:
  struct File {
    std::string data;
    unsigned mode = 0644;
    std::uint64_t ino = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
  };

  Result<std::string> Read(const std::string& path, std::size_t max_bytes, bool secret) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) {
      if (DirExistsLocked(path)) return Status::Invalid(path + " is not a regular file");
      return Status::NotFound("cannot open " + path + ": No such file or directory");
    }
    if (secret && (it->second.mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", it->second.mode & 07777);
      return Status::PermissionDenied(path + " has mode " + mode + "; it must be 0600 (chmod 600 " +
                                      path + ")");
    }
    if (it->second.data.size() > max_bytes) {
      return Status::Exhausted(path + " is " + std::to_string(it->second.data.size()) +
                               " bytes; at most " + std::to_string(max_bytes) + " are read");
    }
    return it->second.data;
  }

  // A new file replaces the old one under a new inode, as rename does.
  void Put(const std::string& path, std::string_view data, unsigned mode) {
    File f;
    f.data = std::string(data);
    f.mode = mode & 07777;
    f.ino = ++next_ino_;
    f.mtime_ns = f.ctime_ns = Tick();
    files_[path] = std::move(f);
  }

  bool DirExistsLocked(const std::string& dir) const {
    if (dir == "." || dir == "/" || dirs_.count(dir)) return true;
    const std::string prefix = dir + "/";
    auto it = files_.lower_bound(prefix);
    return it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
  }

  void AddDirsLocked(std::string dir) {
    while (dir != "." && dir != "/" && !dir.empty() && dirs_.insert(dir).second) dir = DirName(dir);
  }

  // File times from a counter, so every change is seen as one.
  std::int64_t Tick() { return ++clock_; }

  std::mutex mu_;
  std::map<std::string, File> files_;
  std::set<std::string> dirs_;
  std::set<std::string> locked_;
  std::uint64_t next_ino_ = 0;
  std::int64_t clock_ = 0;
};

MemLock::~MemLock() { env_.Unlock(path_); }

}  // namespace

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(); }

}  // namespace zhanqun::base
