// Templates (web/templates/*.mustache) and static files
// (web/static/*), compiled into the binary by web/embed.cmake.
#ifndef ZHANQUN_WEB_SRC_ASSETS_H_
#define ZHANQUN_WEB_SRC_ASSETS_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace zhanqun::web {

struct EmbeddedFile {
  const char* path;  // relative to web/: "templates/layout.mustache", "static/desk.css"
  const unsigned char* data;
  std::size_t size;
  const char* sha256;  // hex, of the content
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const std::size_t kEmbeddedFileCount;

// The file at `path`, or nullptr.
const EmbeddedFile* FindAsset(std::string_view path);
std::string_view AssetText(const EmbeddedFile& f);

// The text of templates/<name>.mustache. REQUIRES: the template exists
// (a missing template is a build error, found by the web tests).
std::string_view Template(std::string_view name);

}  // namespace zhanqun::web

#endif  // ZHANQUN_WEB_SRC_ASSETS_H_
