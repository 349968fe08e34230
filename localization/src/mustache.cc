#include "mustache.h"

namespace zhanqun::localization {

base::Result<std::string> RenderMustache(const std::string& name, const std::string& tmpl,
                                         const mustache::data& data) {
  mustache::mustache m(tmpl);
  if (!m.is_valid()) return base::Status::Invalid("template " + name + ": " + m.error_message());
  std::string out = m.render(data);
  // kainjow reports errors found while rendering (e.g. a bad partial) here.
  if (!m.is_valid()) return base::Status::Invalid("template " + name + ": " + m.error_message());
  return out;
}

base::Status CheckMustache(const std::string& name, const std::string& tmpl) {
  mustache::mustache m(tmpl);
  if (!m.is_valid()) return base::Status::Invalid("template " + name + ": " + m.error_message());
  return base::Status::Ok();
}

}  // namespace zhanqun::localization
