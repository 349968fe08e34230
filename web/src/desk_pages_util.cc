#include <ctime>
#include <map>

#include "desk_pages.h"
#include "zhanqun/base/time.h"

namespace zhanqun::web {

using json = nlohmann::json;

text::TemplateData JsonToData(const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      text::TemplateData d;
      for (auto it = j.begin(); it != j.end(); ++it) {
        // An empty string or null is left out, so {{#x}} is false for it
        // (kainjow treats every string as true) and {{x}} renders nothing.
        const json& v = it.value();
        if (v.is_null() || (v.is_string() && v.get<std::string>().empty())) continue;
        d.set(it.key(), JsonToData(v));
      }
      return d;
    }
    case json::value_t::array: {
      text::TemplateData d = text::TemplateData::List();
      for (const json& v : j) d.push_back(JsonToData(v));
      return d;
    }
    case json::value_t::string:
      return text::TemplateData(j.get<std::string>());
    case json::value_t::boolean:
      return text::TemplateData(j.get<bool>());
    case json::value_t::null:
      return text::TemplateData(false);
    default:
      return text::TemplateData(j.dump());
  }
}

std::string LocalTime(base::TimeMs t) {
  return t == 0 ? "—" : base::FormatBeijingTime(t, "%Y-%m-%d %H:%M");
}

base::Result<base::TimeMs> ParseLocalTime(const std::string& value) {
  // "YYYY-MM-DDTHH:MM[:SS]" from <input type="datetime-local">.
  std::string v = value.size() == 16 ? value + ":00" : value;
  base::Result<base::TimeMs> t = base::ParseTime(v + "+08:00");
  if (!t.ok()) {
    return base::Status::Invalid("time: expected YYYY-MM-DDTHH:MM (Beijing time), got '" + value +
                                 "'");
  }
  return t;
}

void AddLocalTimes(json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (!j.contains(k) || !j[k].is_string()) continue;
    base::Result<base::TimeMs> t = base::ParseTime(j[k].get<std::string>());
    j[std::string(k) + "_local"] = t.ok() ? LocalTime(*t) : "—";
  }
}

std::string FlashMessage(const std::string& code) {
  static const std::map<std::string, std::string> kMessages = {
      {"created", "稿件已保存。"},
      {"saved", "修改已保存为新的一稿。"},
      {"submitted", "已提交审核。"},
      {"passed", "已通过本级审核。"},
      {"rejected", "已退回修改，意见已通知撰稿人。"},
      {"approved", "已签发，可以发布或定时发布。"},
      {"published", "已签名发布，正在向各站点传播。"},
      {"scheduled", "已设置定时发布。"},
      {"unscheduled", "已取消定时发布。"},
      {"embargo", "禁发时间已更新。"},
      {"attached", "附件已上传。"},
      {"amended", "已新建修订稿。"},
      {"withdrawn", "已撤回，撤回条目已签名下发。"},
      {"repealed", "已废止，废止条目已签名下发。"},
      {"topic", "专题已保存并下发。"},
      {"user", "用户已保存。"},
      {"revoked", "令牌已吊销。"},
      {"polled", "已抓取。"},
  };
  auto it = kMessages.find(code);
  return it == kMessages.end() ? "" : it->second;
}

void AddDeskPage(net::HttpServer& server, const std::shared_ptr<DeskPages>& pages,
                 const char* method, const char* path, Access access, DeskPageFn fn) {
  server.Route(method, path,
               pages->web->Page(access, [pages, fn](WebContext& ctx) { return fn(*pages, ctx); }));
}

int ErrorStatus(const base::Status& s) {
  // Pages take no stored bytes from the request: kCorruption is damaged data
  // of our own stores, the server's failure rather than the request's 422.
  return s.code() == base::Code::kCorruption ? 500 : net::HttpStatusFor(s.code());
}

}  // namespace zhanqun::web
