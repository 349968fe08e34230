#include "zhanqun/localization/localization.h"

namespace zhanqun::localization {
int TemplateFormatVersion() { return 1; }
}  // namespace zhanqun::localization
