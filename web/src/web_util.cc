// Cookies, forms, redirects and response headers for the web layer.
#include <array>
#include <cctype>

#include "web_internal.h"
#include "zhanqun/base/random.h"
#include "zhanqun/base/strings.h"

namespace zhanqun::web {
std::map<std::string, std::string> ParseCookies(const std::string& header) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(';', start);
    if (end == std::string::npos) end = header.size();
    std::string_view pair(header.data() + start, end - start);
    std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos) {
      std::string name = std::string(base::TrimAscii(pair.substr(0, eq)));
      std::string value = std::string(base::TrimAscii(pair.substr(eq + 1)));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      if (!name.empty()) out.emplace(std::move(name), std::move(value));
    }
    start = end + 1;
  }
  return out;
}

std::string SetCookieHeader(const std::string& name, const std::string& value,
                            const CookieOptions& options) {
  std::string out = name + "=" + value + "; Path=" + options.path + "; HttpOnly; SameSite=Strict";
  if (options.secure) out += "; Secure";
  if (options.max_age_s >= 0) out += "; Max-Age=" + std::to_string(options.max_age_s);
  return out;
}

bool IsLocalPath(const std::string& target) {
  if (target.empty() || target[0] != '/') return false;
  if (target.size() > 1 && (target[1] == '/' || target[1] == '\\')) return false;
  for (char c : target) {
    // Control characters (CR/LF header splitting) and backslashes, which
    // some browsers read as '/'.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return false;
  }
  return true;
}

std::string PathWithQuery(const net::HttpRequest& req) {
  std::string out = req.path;
  char sep = '?';
  for (const auto& [k, v] : req.query) {
    out += sep + net::UrlEncode(k) + "=" + net::UrlEncode(v);
    sep = '&';
  }
  return out;
}

std::string RandomToken() { return base::RandomBase64Url(32); }

Access Access::LoggedIn() { return Access{staff::RoleSet(), "登录"}; }

Access Access::OfRole(staff::Role r) {
  return Access{staff::RoleSet{r},
                std::string(staff::RoleLabel(r)) + "（" + staff::RoleName(r) + "）"};
}

Access Access::OfPermission(staff::Permission p) {
  Access a = OfRole(staff::RequiredRole(p));
  a.needs += "，用于 " + std::string(staff::PermissionName(p));
  return a;
}

std::string Form::Get(const std::string& name, const std::string& dflt) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return dflt;
}

std::vector<std::string> Form::All(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : fields) {
    if (k == name) out.push_back(v);
  }
  return out;
}

bool Form::Has(const std::string& name) const {
  for (const auto& f : fields) {
    if (f.first == name) return true;
  }
  return false;
}

base::Result<Form> ParseForm(const net::HttpRequest& req) {
  Form form;
  if (req.body.empty()) return form;
  std::string type = req.Header("content-type");
  std::string lower;
  for (char c : type.substr(0, type.find(';'))) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  lower = std::string(base::TrimAscii(lower));
  if (lower == "application/x-www-form-urlencoded") {
    form.fields = net::ParseFormUrlEncodedAll(req.body);
    return form;
  }
  if (lower == "multipart/form-data") {
    base::Result<std::vector<net::MultipartPart>> parts =
        net::ParseMultipartFormData(type, req.body);
    if (!parts.ok()) return parts.status();
    for (net::MultipartPart& p : *parts) {
      if (p.filename.empty()) {
        form.fields.emplace_back(p.name, std::move(p.bytes));
      } else {
        form.files.push_back(std::move(p));
      }
    }
    return form;
  }
  return base::Status::Invalid(
      "Content-Type: expected application/x-www-form-urlencoded or multipart/form-data, got '" +
      type + "'");
}

void AddSecurityHeaders(net::HttpResponse& r, bool no_store) {
  r.headers.push_back({"Content-Security-Policy",
                       "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"Referrer-Policy", "same-origin"});
  r.headers.push_back({"X-Frame-Options", "DENY"});
  if (no_store) r.headers.push_back({"Cache-Control", "no-store"});
}

net::HttpResponse JsonResponse(int status, std::string body) {
  net::HttpResponse r = net::HttpResponse::Json(status, std::move(body));
  AddSecurityHeaders(r, true);
  return r;
}

net::HttpResponse HtmlResponse(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  AddSecurityHeaders(r, true);
  return r;
}

}  // namespace zhanqun::web
