// The localization library: what each agent adds to national releases for
// its own site. Public headers:
//   node_profile.h    the node's own data (region, hotline, departments, services)
//   interpretation.h  Mustache interpretation templates per topic (政策解读)
//   site.h            the site model and the id -> file/URL mapping
//   site_renderer.h   the static site renderer and its default theme
#ifndef ZHANQUN_LOCALIZATION_LOCALIZATION_H_
#define ZHANQUN_LOCALIZATION_LOCALIZATION_H_

namespace zhanqun::localization {
// Version of the template data format (the keys templates may use); bumped
// when a key is removed or changes meaning.
int TemplateFormatVersion();
}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_LOCALIZATION_H_
