// Login and logout. The login form is CSRF-protected before any session
// exists by a signed double submit: GET sets a random pre-session cookie
// (zq_login) and puts HMAC(secret, cookie) in the form; POST must bring both.
// A cross-site page can neither read the cookie nor forge the HMAC.
#include "routes.h"

namespace zhanqun::web {

using net::HttpResponse;

namespace {

constexpr int kLoginCookieMaxAge = 3600;

std::string SafeNext(const std::string& next) { return IsLocalPath(next) ? next : "/desk"; }

struct LoginForm {
  std::string username, next, error;
  bool throttled = false;
};

HttpResponse RenderLogin(const Web& w, const WebContext& ctx, int status, const LoginForm& f) {
  std::map<std::string, std::string> cookies = ParseCookies(ctx.req.Header("cookie"));
  std::string pre = cookies[kLoginCookie];
  bool fresh = pre.size() < 32;
  if (fresh) pre = RandomToken();
  text::TemplateData d;
  d.set("login_csrf", w.LoginToken(pre));
  d.set("username", f.username);
  d.set("next", f.next);
  if (!f.error.empty()) {
    text::TemplateData e;
    e.set("message", f.error);
    e.set("throttled", f.throttled);
    d.set("error", e);
  }
  HttpResponse r = w.Render(ctx, status, "登录", "login", d);
  if (fresh) {
    r.headers.push_back(
        {"Set-Cookie", SetCookieHeader(kLoginCookie, pre,
                                       {"/desk/login", w.secure_cookies(), kLoginCookieMaxAge})});
  }
  return r;
}

HttpResponse GetLogin(const Web& w, WebContext& ctx) {
  std::string next = SafeNext(ctx.req.Query("next"));
  if (ctx.session) return Web::Redirect(next);
  return RenderLogin(w, ctx, 200, {"", next, "", false});
}

HttpResponse LoginFailed(const Web& w, const WebContext& ctx, const LoginForm& f,
                         const base::Status& s) {
  LoginForm out = f;
  int status = 401;
  switch (s.code()) {
    case base::Code::kResourceExhausted:
      out.throttled = true;
      out.error = "登录尝试过多，已暂时锁定：" + s.message();
      status = 429;
      break;
    case base::Code::kPermissionDenied:
      out.error = "此账户已停用，请联系管理员。";
      status = 403;
      break;
    case base::Code::kUnauthenticated:
      out.error = "用户名或密码错误。";
      break;
    default:  // the accounts or the audit log failed: not the user's mistake
      return w.ServerError(ctx, s);
  }
  return RenderLogin(w, ctx, status, out);
}

HttpResponse PostLogin(const Web& w, WebContext& ctx) {
  base::Result<Form> form = ParseForm(ctx.req);
  if (!form.ok()) return w.ErrorPage(ctx, 400, "表单无法解析", form.status().message());
  LoginForm f{form->Get("username"), SafeNext(form->Get("next")), "", false};
  std::map<std::string, std::string> cookies = ParseCookies(ctx.req.Header("cookie"));
  if (!w.SameOrigin(ctx.req) || !w.CheckLoginToken(cookies[kLoginCookie], form->Get("csrf"))) {
    f.error = "登录表单已过期或来源不符，请重新提交。";
    return RenderLogin(w, ctx, 403, f);
  }
  base::Result<staff::Session> s =
      w.accounts().Login(f.username, form->Get("password"), ctx.req.remote);
  if (!s.ok()) return LoginFailed(w, ctx, f, s.status());
  HttpResponse r = Web::Redirect(f.next);
  r.headers.push_back(
      {"Set-Cookie", SetCookieHeader(kLoginCookie, "", {"/desk/login", w.secure_cookies(), 0})});
  r.headers.push_back(
      {"Set-Cookie", SetCookieHeader(kSessionCookie, s->id, {"/", w.secure_cookies(), -1})});
  return r;
}

HttpResponse PostLogout(const Web& w, WebContext& ctx) {
  // ResolveSession does not hand the id back; the cookie holds it.
  std::string id = ParseCookies(ctx.req.Header("cookie"))[kSessionCookie];
  if (!id.empty()) {
    // The cookie stays while the session may still be open: the user sees
    // that logging out failed and can try again.
    base::Status out = w.accounts().Logout(id);
    if (!out.ok()) return w.ServerError(ctx, out);
  }
  HttpResponse r = Web::Redirect("/desk/login");
  r.headers.push_back(
      {"Set-Cookie", SetCookieHeader(kSessionCookie, "", {"/", w.secure_cookies(), 0})});
  return r;
}

}  // namespace

void RegisterLoginRoutes(const std::shared_ptr<Web>& web, net::HttpServer& server) {
  const Web* w = web.get();
  server.Route("GET", "/desk/login",
               web->Public([w](WebContext& ctx) { return GetLogin(*w, ctx); }));
  server.Route("POST", "/desk/login",
               web->Public([w](WebContext& ctx) { return PostLogin(*w, ctx); }));
  server.Route("POST", "/desk/logout",
               web->Page(Access::LoggedIn(), [w](WebContext& ctx) { return PostLogout(*w, ctx); }));
}

}  // namespace zhanqun::web
