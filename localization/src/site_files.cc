#include "site_files.h"

#include <time.h>

#include <algorithm>

namespace zhanqun::localization {
namespace {

// File times come from a clock that ticks every few ms, so a file changed in
// the same tick as a read would keep its times: a file is kept only once its
// last change is this old.
constexpr std::int64_t kSettledNs = 1000000000;

std::int64_t NowNs() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

}  // namespace

base::Status SiteFiles::WriteAtomically(const std::string& path, std::string_view content) {
  return env_.WriteFileAtomic(path, content, 0644, base::Env::Sync::kNone);
}

base::Result<std::string> SiteFiles::Read(const std::string& path) {
  return env_.ReadFile(path, base::kMaxConfigFileBytes);
}

base::Result<std::string> SiteFiles::ReadCached(const std::string& path) {
  base::Result<base::FileInfo> version = env_.Stat(path);
  if (!version.ok() || version->type != base::FileInfo::Type::kRegular) {
    std::lock_guard<std::mutex> lock(mu_);
    cache_.erase(path);
    return Read(path);  // its error, with its wording
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(path);
    if (it != cache_.end() && it->second.first == *version) return it->second.second;
  }
  base::Result<std::string> content = Read(path);
  // Kept only if the file did not change while it was read, and has settled.
  base::Result<base::FileInfo> after = env_.Stat(path);
  if (!content.ok() || !after.ok() || !(*after == *version) ||
      NowNs() - std::max(version->mtime_ns, version->ctime_ns) < kSettledNs) {
    return content;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.size() >= kMaxFiles) cache_.clear();
  cache_[path] = {*version, *content};
  return content;
}

void SiteFiles::Forget() {
  std::map<std::string, std::pair<base::FileInfo, std::string>> dropped;
  std::lock_guard<std::mutex> lock(mu_);
  dropped.swap(cache_);
}

bool SiteFiles::Exists(const std::string& path) {
  base::Result<base::FileInfo> info = env_.Stat(path);
  return info.ok() && info->type == base::FileInfo::Type::kRegular;
}

base::Status SiteFiles::Remove(const std::string& path) { return env_.RemoveFile(path); }

std::vector<std::string> SiteFiles::List(const std::string& dir) {
  base::Result<std::vector<std::string>> names = env_.ListFiles(dir);
  return names.ok() ? std::move(names).value() : std::vector<std::string>();
}

}  // namespace zhanqun::localization
