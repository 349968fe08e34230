// Local interpretation and page rendering. Placeholder until the
// "Local interpretation, topics and the local site" issue.
#ifndef ZHANQUN_LOCALIZATION_LOCALIZATION_H_
#define ZHANQUN_LOCALIZATION_LOCALIZATION_H_

namespace zhanqun::localization {
// Version of the template format this library renders.
int TemplateFormatVersion();
}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_LOCALIZATION_H_
