#include "mustache.h"

namespace zhanqun::localization {

feeds::Result<std::string> RenderMustache(const std::string& name, const std::string& tmpl,
                                          const mustache::data& data) {
  mustache::mustache m(tmpl);
  if (!m.is_valid()) return feeds::Status::Invalid("template " + name + ": " + m.error_message());
  std::string out = m.render(data);
  // kainjow reports errors found while rendering (e.g. a bad partial) here.
  if (!m.is_valid()) return feeds::Status::Invalid("template " + name + ": " + m.error_message());
  return out;
}

feeds::Status CheckMustache(const std::string& name, const std::string& tmpl) {
  mustache::mustache m(tmpl);
  if (!m.is_valid()) return feeds::Status::Invalid("template " + name + ": " + m.error_message());
  return feeds::Status::Ok();
}

}  // namespace zhanqun::localization
