// The hub's web layer: server-rendered HTML pages for the staff desk and the
// admin console. Infrastructure every page uses: sessions from cookies,
// access rules, CSRF, form parsing, the layout and security headers.
//
// Principles: pages are rendered on the server from Mustache templates that
// are compiled into the binary (web/templates, web/static,
// web/embed.cmake); NO JavaScript is shipped; the Content-Security-Policy
// forbids scripts, inline styles and foreign forms. Every state change is a
// POST form carrying the session's CSRF token in the hidden field `csrf`.
//
// HOW TO ADD A PAGE (e.g. the desk's 待办 queue):
//  1. Template: web/templates/queue.mustache holds the page body only
//     (the layout adds <html>, header, nav, <h1>{{title}}</h1> and footer).
//     {{x}} is escaped; use {{{x}}} only for markup built in C++ (svg.h).
//     Forms:  <form method="post" action="/desk/queue/1/claim">
//               <input type="hidden" name="csrf" value="{{csrf}}"> ...
//     ({{csrf}} is set on every page by Render). Re-run cmake's build: the
//     template list is globbed at configure time (CONFIGURE_DEPENDS).
//  2. Handler: a function HttpResponse(Web& web, WebContext& ctx) that
//     reads ctx.req / ctx.form / ctx.principal(), calls the service, and
//     returns web.Render(ctx, 200, "待办", "queue", data) — or
//     Web::Redirect("/desk/queue") after a successful POST (303, so a reload
//     does not repeat it), or web.ErrorPage(ctx, status, title, message).
//     A read that fails (a store's Status) is web.ServerError(ctx, status):
//     500, never an empty page.
//  3. Route: in a Register*Routes(std::shared_ptr<Web>, HttpServer&) of your
//     own file:  server.Route("GET", "/desk/queue",
//                   web->Page(Access::Permission(Permission::kReview), handler));
//     Page() resolves the session (or a Bearer token), redirects anonymous
//     users to /desk/login?next=..., answers 403 when the role is missing,
//     checks CSRF and Origin on POST, parses the form, and adds the security
//     headers. Call your Register function from RegisterWebRoutes
//     (web_routes.cc). A route registered earlier wins.
//  4. Nav entry: kNavItems in nav.cc lists every link with the roles that
//     see it; the entries for the desk pages are already there.
//  JSON twins: when ctx.json (?format=json), return web::JsonResponse(...).
//
// Lifetimes: the Hub and Accounts must outlive the server.
// Thread-safe: a Web is immutable after construction; handlers run on pool
// threads.
#ifndef ZHANQUN_WEB_SRC_WEB_INTERNAL_H_
#define ZHANQUN_WEB_SRC_WEB_INTERNAL_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zhanqun/hub/hub.h"
#include "zhanqun/net/http.h"
#include "zhanqun/staff/roles.h"
#include "zhanqun/staff/staff.h"
#include "zhanqun/text/template.h"

namespace zhanqun::web {

inline constexpr char kSessionCookie[] = "zq_session";
// The pre-session cookie the login form's CSRF token is derived from.
inline constexpr char kLoginCookie[] = "zq_login";

// "a=1; b=2" -> {a:1, b:2}. The first of a repeated name wins; names and
// values are trimmed; pairs without '=' are ignored.
std::map<std::string, std::string> ParseCookies(const std::string& header);

struct CookieOptions {
  std::string path = "/";
  bool secure = false;
  int max_age_s = -1;  // -1: a browser-session cookie; 0: delete it
};
// "name=value; Path=/; HttpOnly; SameSite=Strict[; Secure][; Max-Age=n]".
// REQUIRES: name and value are cookie-safe (base64url).
std::string SetCookieHeader(const std::string& name, const std::string& value,
                            const CookieOptions& options);

// True for "/desk/x?y": a path on this site (not "//host", not "/\host",
// no scheme), safe to redirect to after login.
bool IsLocalPath(const std::string& target);

// The request's path with its query, re-encoded ("/console?state=ERR").
std::string PathWithQuery(const net::HttpRequest& req);

// 32 random bytes, base64url without padding (43 characters).
std::string RandomToken();

// Who may open a page.
struct Access {
  staff::RoleSet any_of;  // empty: every logged-in user
  std::string needs;      // for the 403 page: "管理员（admin）"
  static Access LoggedIn();
  static Access OfRole(staff::Role r);
  static Access OfPermission(staff::Permission p);
};

// A parsed POST body (urlencoded or multipart). Files are the multipart
// parts that carry a filename.
struct Form {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<net::MultipartPart> files;
  std::string Get(const std::string& name, const std::string& dflt = "") const;
  std::vector<std::string> All(const std::string& name) const;
  bool Has(const std::string& name) const;
};
// Empty form for GET or an empty body; kInvalidArgument for an unknown
// Content-Type or a malformed multipart body.
base::Result<Form> ParseForm(const net::HttpRequest& req);

// One request, as a page handler sees it.
struct WebContext {
  explicit WebContext(const net::HttpRequest& r) : req(r) {}
  const net::HttpRequest& req;
  std::optional<staff::Principal> who;    // nullopt: anonymous
  std::optional<staff::Session> session;  // set when logged in by cookie (not by token)
  Form form;                              // POST body
  bool json = false;                      // ?format=json: answer with the JSON twin
  std::string csrf() const { return session ? session->csrf : std::string(); }
  // REQUIRES: who (Page() guarantees it for every Access).
  const staff::Principal& principal() const { return *who; }
};

// Adds CSP, nosniff, Referrer-Policy, frame denial; `no_store` adds
// Cache-Control: no-store (every page that shows user data).
void AddSecurityHeaders(net::HttpResponse& r, bool no_store);
net::HttpResponse JsonResponse(int status, std::string body);
net::HttpResponse HtmlResponse(int status, std::string body);

// The nav groups for `who` (nav.cc), as mustache data; `current_path`
// marks the current link with aria-current.
text::TemplateData NavData(const staff::Principal& who, const std::string& current_path);

// Create with std::make_shared: handlers made by Page() and Public() hold a
// reference, so the Web lives as long as the server's routes.
class Web : public std::enable_shared_from_this<Web> {
 public:
  Web(hub::Hub& hub, staff::Staff& staff);
  hub::Hub& hub() const { return hub_; }
  staff::Accounts& accounts() const { return accounts_; }
  staff::AuditLog& audit() const { return staff_.audit(); }
  // Secure cookies when the hub's public_url is https://.
  bool secure_cookies() const { return secure_; }
  // "/static/desk.css?v=<first 16 hex of its SHA-256>".
  std::string CssUrl() const;

  using PageHandler = std::function<net::HttpResponse(WebContext&)>;
  // Wraps `handler` with the session lookup and the checks described at the
  // top of this file. The handler runs only when every check passed.
  net::HttpHandler Page(Access access, PageHandler handler) const;
  // For pages anyone may open (login): resolves the session if any, adds
  // the security headers; no access or CSRF checks.
  net::HttpHandler Public(PageHandler handler) const;

  // The page `template_name` inside the layout. `page` gets `csrf` added.
  net::HttpResponse Render(const WebContext& ctx, int status, const std::string& title,
                           std::string_view template_name, text::TemplateData page) const;
  net::HttpResponse ErrorPage(const WebContext& ctx, int status, const std::string& title,
                              const std::string& message) const;
  // 500 for a service that failed to answer (a store's I/O or corruption
  // error): the error page naming the failure, or its JSON with ctx.json.
  net::HttpResponse ServerError(const WebContext& ctx, const base::Status& status) const;
  // 303 See Other to `location`.
  static net::HttpResponse Redirect(const std::string& location);

  // Login-form CSRF (signed double submit): the token for a pre-session
  // cookie value is HMAC-SHA256(per-process secret, value).
  std::string LoginToken(const std::string& pre_session) const;
  bool CheckLoginToken(const std::string& pre_session, const std::string& token) const;
  // False when an Origin (or, without one, a Referer) header names another
  // site than the request's Host or the hub's public_url. Absent: true.
  bool SameOrigin(const net::HttpRequest& req) const;

  // Resolves cookie or Bearer token into ctx.who / ctx.session. Leaves them
  // unset for an unknown, expired or revoked one; returns the accounts'
  // error when they cannot tell.
  base::Status Resolve(WebContext& ctx) const;

 private:
  std::optional<net::HttpResponse> Guard(const Access& access, WebContext& ctx) const;

  hub::Hub& hub_;
  staff::Staff& staff_;
  staff::Accounts& accounts_;
  bool secure_;
  std::string login_secret_;
  std::string public_origin_;  // "https://hub.example" (no path), or ""
};

}  // namespace zhanqun::web

#endif  // ZHANQUN_WEB_SRC_WEB_INTERNAL_H_
