#include "mustache.h"

#include "assets.h"

namespace zhanqun::web {

base::Result<std::string> RenderMustache(std::string_view name, std::string_view tmpl,
                                         const mustache::data& data) {
  mustache::mustache m{std::string(tmpl)};
  auto fail = [&] {
    return base::Status::Invalid("template " + std::string(name) + ": " + m.error_message());
  };
  if (!m.is_valid()) return fail();
  std::string out = m.render(data);
  // kainjow reports errors found while rendering (e.g. a bad partial) here.
  if (!m.is_valid()) return fail();
  return out;
}

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
