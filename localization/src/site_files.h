// The renderer's file access, over a base::Env. Pages are replaced
// atomically so a web server reading the publish directory never serves a
// half-written page; files read on every render are kept while unchanged.
#ifndef ZHANQUN_LOCALIZATION_SRC_SITE_FILES_H_
#define ZHANQUN_LOCALIZATION_SRC_SITE_FILES_H_

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zhanqun/base/env.h"
#include "zhanqun/base/status.h"

namespace zhanqun::localization {

// Thread-safe. The Env must outlive it.
class SiteFiles {
 public:
  explicit SiteFiles(base::Env& env) : env_(env) {}

  // Writes `content` to a temp file beside `path` (parents created) and
  // renames it over `path`: a reader sees the old page or the new one,
  // never a part. World-readable (0644) so any web server can serve it.
  //
  // Nothing is fsynced: pages are derived data, and the agent renders its
  // whole site again at every start, so a page a power cut lost is
  // rewritten then. (Two fsyncs per page were a tenth of a refresh's cost.)
  base::Status WriteAtomically(const std::string& path, std::string_view content);

  // Whole file (templates, stylesheets: at most base::kMaxConfigFileBytes).
  base::Result<std::string> Read(const std::string& path);

  // The same, for files read on every render (theme templates, the
  // stylesheet): the content is kept and read again only when one stat shows
  // the file changed (inode, size, modification or change time), so an
  // operator's edit applies at the next render. Keeps at most 64 files.
  base::Result<std::string> ReadCached(const std::string& path);
  // Drops every file ReadCached keeps.
  void Forget();

  bool Exists(const std::string& path);
  // Removes `path`; a missing file is not an error.
  base::Status Remove(const std::string& path);
  // Names of regular files in `dir`; empty if `dir` does not exist.
  std::vector<std::string> List(const std::string& dir);

  base::Env& env() { return env_; }

 private:
  static constexpr std::size_t kMaxFiles = 64;
  base::Env& env_;
  std::mutex mu_;
  std::map<std::string, std::pair<base::FileInfo, std::string>> cache_;  // guarded by mu_
};

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_SRC_SITE_FILES_H_
