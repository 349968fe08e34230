// Reading and writing key files with the modes and bounds key material needs.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "signature_internal.h"

namespace zhanqun::feeds::signature_internal {
namespace {

// Key and public key files are tiny; a bound keeps a wrong path from reading
// a huge file into memory.
constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

// Closes a descriptor on every return path.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

std::string ModeString(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

base::Status ErrnoStatus(const std::string& what, int err) {
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOENT) return base::Status::NotFound(message);
  if (err == EEXIST) return base::Status(base::Code::kAlreadyExists, message);
  if (err == EACCES || err == EPERM) return base::Status::PermissionDenied(message);
  return base::Status::IoError(message);
}

base::Status WriteAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("write", errno);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<std::string> ReadSmallFile(const std::string& path, bool secret) {
  const char* kind = secret ? "key file " : "public key file ";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(std::string("cannot open ") + kind + path, errno);
  FdCloser closer(fd);
  // fstat on the open descriptor, so the mode checked is that of the file read.
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus(std::string("cannot stat ") + kind + path, errno);
  if (!S_ISREG(st.st_mode)) return base::Status::Invalid(kind + path + " is not a regular file");
  if (secret && (st.st_mode & 077) != 0) {
    return base::Status::PermissionDenied(kind + path + " has mode " + ModeString(st.st_mode) +
                                          "; it must be 0600 (chmod 600 " + path + ")");
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxKeyFileBytes) {
    return base::Status::Invalid(kind + path + " is " + std::to_string(st.st_size) +
                                 " bytes; a key file is at most " +
                                 std::to_string(kMaxKeyFileBytes));
  }
  // Sized once up front so a secret is never copied by a reallocation.
  std::string data(kMaxKeyFileBytes + 1, '\0');
  std::size_t used = 0;
  while (used < data.size()) {
    ssize_t n = read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      OPENSSL_cleanse(data.data(), used);
      return ErrnoStatus(std::string("cannot read ") + kind + path, err);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxKeyFileBytes) {
    OPENSSL_cleanse(data.data(), data.size());
    return base::Status::Invalid(kind + path + " grew beyond " + std::to_string(kMaxKeyFileBytes) +
                                 " bytes while being read");
  }
  data.resize(used);
  return data;
}

base::Status WriteFile(const std::string& path, const char* data, std::size_t size, mode_t mode,
                       bool exclusive) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (exclusive ? O_EXCL : O_TRUNC);
  int fd = open(path.c_str(), flags, mode);
  if (fd < 0) return ErrnoStatus("cannot create " + path, errno);
  base::Status s;
  {
    FdCloser closer(fd);
    if (fchmod(fd, mode) != 0) s = ErrnoStatus("cannot chmod " + path, errno);
    if (s.ok()) s = WriteAll(fd, data, size).Context("cannot write " + path);
    if (s.ok() && fsync(fd) != 0) s = ErrnoStatus("cannot sync " + path, errno);
  }
  if (!s.ok() && exclusive) unlink(path.c_str());
  return s;
}

}  // namespace zhanqun::feeds::signature_internal
