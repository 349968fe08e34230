// The POSIX Env: open/read/write/rename/fsync/flock on the real file system.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "zhanqun/base/env.h"

namespace zhanqun::base {
namespace {

Status ErrnoStatus(const std::string& what, int err) {
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(message);
  if (err == EEXIST) return Status(Code::kAlreadyExists, message);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(message);
  return Status::IoError(message);
}

std::string ModeString(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

std::int64_t Ns(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

FileInfo InfoOf(const struct stat& st) {
  FileInfo info;
  info.type = S_ISREG(st.st_mode)   ? FileInfo::Type::kRegular
              : S_ISDIR(st.st_mode) ? FileInfo::Type::kDirectory
                                    : FileInfo::Type::kOther;
  info.size = static_cast<std::uint64_t>(st.st_size);
  info.mode = st.st_mode & 07777;
  info.dev = st.st_dev;
  info.ino = st.st_ino;
  info.mtime_ns = Ns(st.st_mtim);
  info.ctime_ns = Ns(st.st_ctim);
  return info;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot write " + path, errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot open directory " + dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("cannot sync directory " + dir, errno);
  return Status::Ok();
}

// Reads all of `fd` into a buffer sized from `size_hint` (the file's size at
// open) plus one byte, so a file that does not grow meanwhile (a secret) is
// never copied by a reallocation; one that grows is read up to max_bytes + 1.
Result<std::string> ReadAll(int fd, const std::string& path, std::size_t size_hint,
                            std::size_t max_bytes, bool secret) {
  std::string data(std::min(size_hint, max_bytes) + 1, '\0');
  std::size_t used = 0;
  for (;;) {
    if (used == data.size()) {
      if (data.size() > max_bytes) break;
      data.resize(std::min(data.size() * 2, max_bytes + 1));
    }
    const ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      if (secret) std::fill(data.begin(), data.end(), '\0');
      return ErrnoStatus("cannot read " + path, err);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > max_bytes) {
    if (secret) std::fill(data.begin(), data.end(), '\0');
    return Status::Exhausted(path + " grew beyond " + std::to_string(max_bytes) +
                             " bytes while being read");
  }
  data.resize(used);
  return data;
}

class PosixLock : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override { ::close(fd_); }  // closing the descriptor drops the flock

 private:
  int fd_;
};

class PosixEnv : public Env {
 public:
  Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) override {
    return Read(path, max_bytes, /*secret=*/false);
  }
  Result<std::string> ReadSecretFile(const std::string& path, std::size_t max_bytes) override {
    return Read(path, max_bytes, /*secret=*/true);
  }

  Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode,
                         Sync sync) override {
    const std::string dir = DirName(path);
    ZQ_RETURN_IF_ERROR(CreateDirs(dir, 0755));
    const std::string base = path.substr(path.rfind('/') + 1);
    std::string tmp = dir + "/." + base + ".tmp-XXXXXX";
    Fd fd(::mkstemp(tmp.data()));
    if (fd.get() < 0) return ErrnoStatus("cannot create a temp file in " + dir, errno);
    Status s = WriteAll(fd.get(), data, tmp);
    if (s.ok() && ::fchmod(fd.get(), mode) != 0) s = ErrnoStatus("cannot chmod " + tmp, errno);
    if (s.ok() && sync == Sync::kDurable && ::fsync(fd.get()) != 0) {
      s = ErrnoStatus("cannot sync " + tmp, errno);
    }
    if (::close(fd.release()) != 0 && s.ok()) s = ErrnoStatus("cannot close " + tmp, errno);
    if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
      s = ErrnoStatus("cannot rename over " + path, errno);
    }
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
    return sync == Sync::kDurable ? SyncDir(dir) : Status::Ok();
  }

  Status CreateFile(const std::string& path, std::string_view data, unsigned mode) override {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode));
    if (fd.get() < 0) return ErrnoStatus("cannot create " + path, errno);
    Status s;
    if (::fchmod(fd.get(), mode) != 0) s = ErrnoStatus("cannot chmod " + path, errno);
    if (s.ok()) s = WriteAll(fd.get(), data, path);
    if (s.ok() && ::fsync(fd.get()) != 0) s = ErrnoStatus("cannot sync " + path, errno);
    if (!s.ok()) ::unlink(path.c_str());
    return s;
  }

  Status CreateDirs(const std::string& path, unsigned mode) override {
    if (path.empty()) return Status::Ok();
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status::Ok();
      return Status(Code::kAlreadyExists, path + " exists and is not a directory");
    }
    const std::string parent = DirName(path);
    if (parent != path && parent != "." && parent != "/") {
      ZQ_RETURN_IF_ERROR(CreateDirs(parent, mode));
    }
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
      return ErrnoStatus("cannot create directory " + path, errno);
    }
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot remove " + path, errno);
    }
    return Status::Ok();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus("cannot rename " + from + " to " + to, errno);
    }
    return Status::Ok();
  }

  Result<FileInfo> Stat(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("cannot stat " + path, errno);
    return InfoOf(st);
  }

  Result<std::vector<std::string>> ListFiles(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoStatus("cannot list " + dir, errno);
    std::vector<std::string> names;
    while (const struct dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, 0) == 0 && S_ISREG(st.st_mode)) {
        names.push_back(name);
      }
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path,
                                             const std::string& holder) override {
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) return ErrnoStatus("cannot open " + path, errno);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err != EWOULDBLOCK) return ErrnoStatus("cannot lock " + path, err);
      char buf[64] = {0};
      const ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
      std::string other = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
      while (!other.empty() && (other.back() == '\n' || other.back() == ' ')) other.pop_back();
      return Status::Precondition(path + " is locked" + (other.empty() ? "" : " by " + other));
    }
    // Failing to record the holder only leaves it out of another's message.
    const std::string text = holder + "\n";
    if (::ftruncate(fd.get(), 0) == 0) (void)!::pwrite(fd.get(), text.data(), text.size(), 0);
    return std::unique_ptr<FileLock>(new PosixLock(fd.release()));
  }

 private:
  Result<std::string> Read(const std::string& path, std::size_t max_bytes, bool secret) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) return ErrnoStatus("cannot open " + path, errno);
    // fstat on the open descriptor, so the mode checked is that of the file read.
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("cannot stat " + path, errno);
    if (!S_ISREG(st.st_mode)) return Status::Invalid(path + " is not a regular file");
    if (secret && (st.st_mode & 077) != 0) {
      return Status::PermissionDenied(path + " has mode " + ModeString(st.st_mode) +
                                      "; it must be 0600 (chmod 600 " + path + ")");
    }
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
      return Status::Exhausted(path + " is " + std::to_string(st.st_size) + " bytes; at most " +
                               std::to_string(max_bytes) + " are read");
    }
    return ReadAll(fd.get(), path, static_cast<std::size_t>(st.st_size), max_bytes, secret);
  }
};

}  // namespace

Env& Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: no exit-order issue
  return *env;
}

std::string DirName(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace zhanqun::base
