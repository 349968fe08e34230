// A node's own data for its local site and interpretations: region name,
// hotline, local departments and links to local online services. Read from
// the agent's configuration as JSON.
//
// Plain value types; thread-compatible.
#ifndef ZHANQUN_LOCALIZATION_NODE_PROFILE_H_
#define ZHANQUN_LOCALIZATION_NODE_PROFILE_H_

#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::localization {

struct Department {
  std::string name;     // 西湖区教育局
  std::string address;  // may be empty
  std::string phone;    // may be empty
  bool operator==(const Department&) const = default;
};

struct ServiceLink {
  std::string title;  // 西湖区政务服务网
  std::string url;    // absolute http(s) URL or a path starting with '/'
  bool operator==(const ServiceLink&) const = default;
};

struct NodeProfile {
  std::string code;  // GB/T 2260 division code, 6 digits
  std::string name;  // 西湖区
  feeds::NodeLevel level = feeds::NodeLevel::kNational;
  std::string site_title;  // 杭州市西湖区人民政府; defaults to name
  std::string hotline;     // 12345; may be empty
  std::vector<Department> departments;
  std::vector<ServiceLink> services;
  bool operator==(const NodeProfile&) const = default;
};

// Parses a JSON object:
//   {"code": "330106", "name": "西湖区", "level": "county",
//    "site_title": "...", "hotline": "12345",
//    "departments": [{"name": "...", "address": "...", "phone": "..."}],
//    "services": [{"title": "...", "url": "https://..."}]}
// code, name and level are required. On error returns kInvalidArgument whose
// message names the field (e.g. "departments[2].name: required string").
base::Result<NodeProfile> ParseNodeProfile(const std::string& json_text);

// Chinese label of a level as used in headings: 国家级, 省级, 市级, 县级.
const char* LevelLabel(feeds::NodeLevel level);

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_NODE_PROFILE_H_
