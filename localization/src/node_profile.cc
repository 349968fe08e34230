#include "zhanqun/localization/node_profile.h"

#include <nlohmann/json.hpp>

namespace zhanqun::localization {
namespace {

using nlohmann::json;

// Reads obj[key] into *out. A missing optional field leaves *out unchanged.
base::Status GetString(const json& obj, const std::string& key, const std::string& where,
                       bool required, std::string* out) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return required ? base::Status::Invalid(where + key + ": required string is missing")
                    : base::Status::Ok();
  }
  if (!it->is_string()) {
    return base::Status::Invalid(where + key + ": expected a string, found " +
                                 std::string(it->type_name()));
  }
  *out = it->get<std::string>();
  if (required && out->empty()) return base::Status::Invalid(where + key + ": must not be empty");
  return base::Status::Ok();
}

bool IsServiceUrl(const std::string& url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0 ||
         (url.size() > 1 && url[0] == '/' && url[1] != '/');
}

// Returns the array at obj[key] (empty if absent) or an error naming it.
base::Result<json> GetArray(const json& obj, const std::string& key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return json::array();
  if (!it->is_array()) return base::Status::Invalid(key + ": expected an array");
  return *it;
}

base::Status ParseDepartments(const json& obj, NodeProfile* p) {
  base::Result<json> arr = GetArray(obj, "departments");
  if (!arr.ok()) return arr.status();
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string where = "departments[" + std::to_string(i) + "].";
    const json& d = (*arr)[i];
    if (!d.is_object())
      return base::Status::Invalid(where.substr(0, where.size() - 1) + ": expected an object");
    Department dep;
    ZQ_RETURN_IF_ERROR(GetString(d, "name", where, true, &dep.name));
    ZQ_RETURN_IF_ERROR(GetString(d, "address", where, false, &dep.address));
    ZQ_RETURN_IF_ERROR(GetString(d, "phone", where, false, &dep.phone));
    p->departments.push_back(std::move(dep));
  }
  return base::Status::Ok();
}

base::Status ParseServices(const json& obj, NodeProfile* p) {
  base::Result<json> arr = GetArray(obj, "services");
  if (!arr.ok()) return arr.status();
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string where = "services[" + std::to_string(i) + "].";
    const json& s = (*arr)[i];
    if (!s.is_object())
      return base::Status::Invalid(where.substr(0, where.size() - 1) + ": expected an object");
    ServiceLink link;
    ZQ_RETURN_IF_ERROR(GetString(s, "title", where, true, &link.title));
    ZQ_RETURN_IF_ERROR(GetString(s, "url", where, true, &link.url));
    if (!IsServiceUrl(link.url)) {
      return base::Status::Invalid(
          where + "url: expected an http(s) URL or a path starting with '/', found \"" + link.url +
          "\"");
    }
    p->services.push_back(std::move(link));
  }
  return base::Status::Ok();
}

base::Status ParseObject(const json& obj, NodeProfile* p) {
  ZQ_RETURN_IF_ERROR(GetString(obj, "code", "", true, &p->code));
  if (!feeds::IsDivisionCode(p->code)) {
    return base::Status::Invalid("code: expected 6 digits, found \"" + p->code + "\"");
  }
  ZQ_RETURN_IF_ERROR(GetString(obj, "name", "", true, &p->name));
  std::string level;
  ZQ_RETURN_IF_ERROR(GetString(obj, "level", "", true, &level));
  base::Result<feeds::NodeLevel> parsed = feeds::ParseNodeLevel(level);
  if (!parsed.ok()) {
    return base::Status::Invalid("level: expected national, province, city or county, found \"" +
                                 level + "\"");
  }
  p->level = *parsed;
  ZQ_RETURN_IF_ERROR(GetString(obj, "site_title", "", false, &p->site_title));
  if (p->site_title.empty()) p->site_title = p->name;
  ZQ_RETURN_IF_ERROR(GetString(obj, "hotline", "", false, &p->hotline));
  ZQ_RETURN_IF_ERROR(ParseDepartments(obj, p));
  return ParseServices(obj, p);
}

}  // namespace

base::Result<NodeProfile> ParseNodeProfile(const std::string& json_text) {
  const json obj = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (obj.is_discarded()) return base::Status::Invalid("node profile: not valid JSON");
  if (!obj.is_object()) return base::Status::Invalid("node profile: expected a JSON object");
  NodeProfile p;
  ZQ_RETURN_IF_ERROR(ParseObject(obj, &p));
  return p;
}

const char* LevelLabel(feeds::NodeLevel level) {
  switch (level) {
    case feeds::NodeLevel::kNational:
      return "国家级";
    case feeds::NodeLevel::kProvince:
      return "省级";
    case feeds::NodeLevel::kCity:
      return "市级";
    case feeds::NodeLevel::kCounty:
      return "县级";
  }
  return "";
}

}  // namespace zhanqun::localization
