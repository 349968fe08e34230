// Web: sessions, access checks, CSRF, and the page layout.
#include "assets.h"
#include "web_internal.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::web {

using net::HttpRequest;
using net::HttpResponse;

namespace {

// "https://host:port/path" -> "https://host:port"; "" if not a URL.
std::string OriginOf(const std::string& url) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  std::size_t end = url.find_first_of("/?#", scheme + 3);
  return url.substr(0, end);
}

// "https://host:port" -> "host:port".
std::string HostOf(const std::string& origin) {
  std::size_t scheme = origin.find("://");
  return scheme == std::string::npos ? origin : origin.substr(scheme + 3);
}

std::string LoginUrlFor(const HttpRequest& req) {
  return "/desk/login?next=" + net::UrlEncode(PathWithQuery(req));
}

}  // namespace

Web::Web(hub::Hub& hub, staff::Staff& staff)
    : hub_(hub),
      staff_(staff),
      accounts_(staff.accounts()),
      secure_(hub.config().public_url.rfind("https://", 0) == 0),
      login_secret_(RandomToken()),
      public_origin_(OriginOf(hub.config().public_url)) {}

std::string Web::CssUrl() const {
  const EmbeddedFile* css = FindAsset("static/desk.css");
  return "/static/desk.css?v=" + std::string(css ? css->sha256 : "0").substr(0, 16);
}

base::Status Web::Resolve(WebContext& ctx) const {
  const std::string bearer = ctx.req.Header("authorization");
  if (!bearer.empty()) {
    base::Result<std::optional<staff::Principal>> who = accounts_.ResolveBearer(bearer);
    if (!who.ok()) return who.status();
    ctx.who = std::move(who).value();
    return base::Status::Ok();
  }
  std::map<std::string, std::string> cookies = ParseCookies(ctx.req.Header("cookie"));
  auto it = cookies.find(kSessionCookie);
  if (it == cookies.end() || it->second.empty()) return base::Status::Ok();
  base::Result<std::optional<staff::Session>> session = accounts_.ResolveSession(it->second);
  if (!session.ok()) return session.status();
  ctx.session = std::move(session).value();
  if (ctx.session) ctx.who = ctx.session->who;
  return base::Status::Ok();
}

bool Web::SameOrigin(const HttpRequest& req) const {
  std::string origin = req.Header("origin");
  if (origin.empty()) origin = OriginOf(req.Header("referer"));
  if (origin.empty()) return true;
  if (origin == "null") return false;
  if (!public_origin_.empty() && origin == public_origin_) return true;
  // Behind a proxy the scheme may differ from ours; the host must not.
  return HostOf(origin) == req.Header("host");
}

std::optional<HttpResponse> Web::Guard(const Access& access, WebContext& ctx) const {
  if (!ctx.who) {
    if (ctx.json) {
      return JsonResponse(401,
                          "{\"error\":\"log in first (session cookie or Authorization: Bearer)\","
                          "\"code\":\"UNAUTHENTICATED\"}\n");
    }
    return Redirect(LoginUrlFor(ctx.req));
  }
  if (!access.any_of.empty() && ctx.who->roles.Intersect(access.any_of).empty()) {
    if (ctx.json) {
      return JsonResponse(403, "{\"error\":\"this needs the role " + access.any_of.ToString() +
                                   "\",\"code\":\"PERMISSION_DENIED\"}\n");
    }
    return ErrorPage(ctx, 403, "无权访问", "此页面需要以下角色：" + access.needs + "。");
  }
  if (ctx.req.method == "GET" || ctx.req.method == "HEAD") return std::nullopt;
  base::Result<Form> form = ParseForm(ctx.req);
  if (!form.ok()) return ErrorPage(ctx, 400, "表单无法解析", form.status().message());
  ctx.form = std::move(form).value();
  // A Bearer token is not ambient authority (the browser never sends it on
  // its own), so only cookie sessions need the CSRF checks.
  if (ctx.session) {
    if (!SameOrigin(ctx.req)) {
      return ErrorPage(ctx, 403, "请求来源不符", "此表单来自其他网站，已拒绝，未做任何更改。");
    }
    if (!staff::Accounts::CheckCsrf(*ctx.session, ctx.form.Get("csrf"))) {
      return ErrorPage(ctx, 403, "表单校验失败",
                       "表单缺少有效的安全令牌（可能已过期），未做任何更改。请返回重新提交。");
    }
  }
  return std::nullopt;
}

net::HttpHandler Web::Page(Access access, PageHandler handler) const {
  return [self = shared_from_this(), access = std::move(access),
          handler = std::move(handler)](const HttpRequest& req) {
    WebContext ctx(req);
    ctx.json = req.Query("format") == "json";
    base::Status resolved = self->Resolve(ctx);
    if (!resolved.ok()) return self->ServerError(ctx, resolved);
    if (std::optional<HttpResponse> refused = self->Guard(access, ctx)) return *refused;
    return handler(ctx);
  };
}

net::HttpHandler Web::Public(PageHandler handler) const {
  return [self = shared_from_this(), handler = std::move(handler)](const HttpRequest& req) {
    WebContext ctx(req);
    ctx.json = req.Query("format") == "json";
    base::Status resolved = self->Resolve(ctx);
    if (!resolved.ok()) return self->ServerError(ctx, resolved);
    return handler(ctx);
  };
}

HttpResponse Web::Render(const WebContext& ctx, int status, const std::string& title,
                         std::string_view template_name, text::TemplateData page) const {
  page.set("csrf", ctx.csrf());
  std::string_view body_tmpl = Template(template_name);
  if (body_tmpl.empty()) {
    return HtmlResponse(500, "missing template " + std::string(template_name));
  }
  base::Result<std::string> content = text::RenderTemplate(template_name, body_tmpl, page);
  if (!content.ok()) return HtmlResponse(500, content.status().message());
  text::TemplateData layout;
  layout.set("title", title);
  layout.set("css_url", CssUrl());
  layout.set("content", *content);
  if (ctx.who) {
    text::TemplateData user;
    user.set("username", ctx.who->username);
    user.set("display_name",
             ctx.who->display_name.empty() ? ctx.who->username : ctx.who->display_name);
    user.set("roles", ctx.who->roles.ToString());
    user.set("csrf", ctx.csrf());
    user.set("session", ctx.session.has_value());
    user.set("nav", NavData(*ctx.who, ctx.req.path));
    layout.set("user", user);
  }
  base::Result<std::string> html = text::RenderTemplate("layout", Template("layout"), layout);
  if (!html.ok()) return HtmlResponse(500, html.status().message());
  return HtmlResponse(status, std::move(html).value());
}

HttpResponse Web::ErrorPage(const WebContext& ctx, int status, const std::string& title,
                            const std::string& message) const {
  text::TemplateData d;
  d.set("message", message);
  d.set("status", std::to_string(status));
  return Render(ctx, status, title, "error", d);
}

HttpResponse Web::ServerError(const WebContext& ctx, const base::Status& status) const {
  if (ctx.json) {
    HttpResponse r = HttpResponse::Error(status);
    r.status = 500;  // kCorruption is our stored data here, not the request's 422
    AddSecurityHeaders(r, true);
    return r;
  }
  return ErrorPage(ctx, 500, "服务器内部错误",
                   "服务器读写数据时出错，页面无法显示或操作未完成。请稍后重试；如果问题持续，"
                   "请联系管理员。"
                   "（" +
                       status.ToString() + "）");
}

HttpResponse Web::Redirect(const std::string& location) {
  HttpResponse r;
  r.status = 303;
  r.headers.push_back({"Location", location});
  r.body = "see " + location + "\n";
  AddSecurityHeaders(r, true);
  return r;
}

std::string Web::LoginToken(const std::string& pre_session) const {
  return base::HmacHex("sha256", login_secret_, "login:" + pre_session);
}

bool Web::CheckLoginToken(const std::string& pre_session, const std::string& token) const {
  if (pre_session.size() < 32) return false;
  return base::ConstantTimeEquals(LoginToken(pre_session), token);
}

}  // namespace zhanqun::web
