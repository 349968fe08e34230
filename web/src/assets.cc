#include "assets.h"

namespace zhanqun::web {

const EmbeddedFile* FindAsset(std::string_view path) {
  for (std::size_t i = 0; i < kEmbeddedFileCount; ++i) {
    if (path == kEmbeddedFiles[i].path) return &kEmbeddedFiles[i];
  }
  return nullptr;
}

std::string_view AssetText(const EmbeddedFile& f) {
  return std::string_view(reinterpret_cast<const char*>(f.data), f.size);
}

std::string_view Template(std::string_view name) {
  const EmbeddedFile* f = FindAsset("templates/" + std::string(name) + ".mustache");
  return f ? AssetText(*f) : std::string_view();
}

}  // namespace zhanqun::web
