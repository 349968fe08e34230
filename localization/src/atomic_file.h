// File access for the renderer. Pages are replaced atomically so a web server
// reading the publish directory never serves a half-written page.
#ifndef ZHANQUN_LOCALIZATION_ATOMIC_FILE_H_
#define ZHANQUN_LOCALIZATION_ATOMIC_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"

namespace zhanqun::localization {

// Creates the parent directories of `path`, writes `content` to a temp file
// beside it and renames it over `path`: a reader sees the old page or the new
// one, never a part. The file is world-readable (0644) so any web server can
// serve it. On error the temp file is removed and kIoError names the path.
//
// Nothing is fsynced: pages are derived data, and the agent renders its whole
// site again at every start, so a page a power cut lost is rewritten then.
// (Two fsyncs per page were a tenth of a refresh's cost.)
base::Status WriteFileAtomically(const std::string& path, std::string_view content);

// Whole file. kNotFound if absent, kIoError otherwise.
base::Result<std::string> ReadWholeFile(const std::string& path);

// The same as ReadWholeFile, for files read on every render (theme
// templates, the stylesheet): the content is kept and read again only when
// one stat shows the file changed (inode, size, modification or change
// time), so an operator's edit applies at the next render. Thread-safe; keeps
// at most 64 files.
base::Result<std::string> ReadFileCached(const std::string& path);
// Drops every file ReadFileCached keeps.
void ForgetCachedFiles();

bool FileExists(const std::string& path);

// Removes `path`; a missing file is not an error.
base::Status RemoveFileIfExists(const std::string& path);

// Names of regular files in `dir`; empty if `dir` does not exist.
std::vector<std::string> ListFiles(const std::string& dir);

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_ATOMIC_FILE_H_
