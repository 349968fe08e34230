// The 西湖区 (330106) node profile the localization tests and the browser
// test's fixture site both render. Header-only, no test framework.
#ifndef ZHANQUN_TESTS_LOCALIZATION_XIHU_PROFILE_H_
#define ZHANQUN_TESTS_LOCALIZATION_XIHU_PROFILE_H_

#include "zhanqun/feeds/model.h"
#include "zhanqun/localization/node_profile.h"

namespace zhanqun::testing {

inline localization::NodeProfile XihuProfile() {
  localization::NodeProfile n;
  n.code = "330106";
  n.name = "西湖区";
  n.level = feeds::NodeLevel::kCounty;
  n.site_title = "杭州市西湖区人民政府";
  n.hotline = "12345";
  n.departments = {{"西湖区教育局", "杭州市西湖区文三路100号", "0571-00000001"},
                   {"西湖区市场监督管理局", "杭州市西湖区古墩路200号", ""}};
  n.services = {{"西湖区政务服务网", "https://xihu.example.gov.cn/service"}};
  return n;
}

}  // namespace zhanqun::testing

#endif  // ZHANQUN_TESTS_LOCALIZATION_XIHU_PROFILE_H_
