// Env: every file-system operation the libraries do, behind one interface
// (LevelDB's Env), so tests can run the same code against an in-memory file
// system and code paths that depend on failures can be driven on purpose.
//
// Env::Default() is the POSIX implementation; NewMemEnv() an in-memory one.
// One contract test suite runs against both (tests/base/test_env.cc).
//
// Errors are Status values whose messages name the path: kNotFound (absent),
// kAlreadyExists, kPermissionDenied, kInvalidArgument (not a regular file),
// kResourceExhausted (over a size limit), kFailedPrecondition (a lock held
// elsewhere), kIoError (anything else, with the system's reason).
//
// Thread-safe: every method may be called from any thread.
#ifndef ZHANQUN_BASE_ENV_H_
#define ZHANQUN_BASE_ENV_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"

namespace zhanqun::base {

struct FileInfo {
  enum class Type { kRegular, kDirectory, kOther };
  Type type = Type::kOther;
  std::uint64_t size = 0;
  unsigned mode = 0;  // permission bits, e.g. 0644
  // Identity and change times: equal values mean the file was not changed
  // (used to keep a file's content between reads).
  std::uint64_t dev = 0, ino = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  bool operator==(const FileInfo&) const = default;
};

// An exclusive lock on a file, released when destroyed. REQUIRES: destroyed
// before the Env that made it.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;
  // The process's POSIX file system. Never destroyed.
  static Env& Default();

  // The whole content of the regular file at `path`. kResourceExhausted when
  // it is larger than `max_bytes` (checked before reading).
  virtual Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) = 0;
  // ReadFile for a secret (a key, a token): kPermissionDenied, naming the
  // mode and the chmod that fixes it, when group or others may read or write
  // it; checked on the opened file before a byte is read.
  virtual Result<std::string> ReadSecretFile(const std::string& path, std::size_t max_bytes) = 0;

  enum class Sync { kNone, kDurable };
  // Replaces `path` atomically: the data goes to a dot-named temp file in the
  // same directory, gets exactly `mode`, and is renamed over `path`, so a
  // reader sees the old content or the new, never a part. kDurable fsyncs
  // the file before the rename and the directory after it. Parent
  // directories are created (0755). On failure nothing of the temp file
  // remains.
  virtual Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode,
                                 Sync sync) = 0;
  // Creates `path`, which must not exist (kAlreadyExists), with exactly
  // `mode`, and fsyncs it; a partly written file is removed.
  virtual Status CreateFile(const std::string& path, std::string_view data, unsigned mode) = 0;
  // Creates `path` and its missing parents with `mode`; an existing
  // directory is fine.
  virtual Status CreateDirs(const std::string& path, unsigned mode) = 0;
  // Removes a file; one that does not exist is fine.
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  // Names (not paths) of the regular files in `dir`, sorted; kNotFound when
  // `dir` does not exist.
  virtual Result<std::vector<std::string>> ListFiles(const std::string& dir) = 0;
  // Takes an exclusive lock on `path` (created 0600 when absent) and writes
  // `holder` into it (a pid, say). While another lock on it lives, in this
  // process or another: kFailedPrecondition with the holder it wrote.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path,
                                                     const std::string& holder) = 0;
};

// An Env that keeps everything in memory: for tests. Directories exist
// implicitly once a file is under them or CreateDirs named them.
std::unique_ptr<Env> NewMemEnv();

// Reads a text file that configuration names (a profile, a template): at
// most kMaxConfigFileBytes.
inline constexpr std::size_t kMaxConfigFileBytes = 4 * 1024 * 1024;

// The directory part of `path` ("." when there is none).
std::string DirName(const std::string& path);

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_ENV_H_
