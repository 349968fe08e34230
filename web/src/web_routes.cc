// RegisterWebRoutes: the static stylesheet, the desk home, and every route
// group of the web layer.
#include "assets.h"
#include "desk_pages.h"
#include "routes.h"
#include "zhanqun/web/web.h"

namespace zhanqun::web {

namespace {

net::HttpResponse Stylesheet() {
  const web::EmbeddedFile* css = web::FindAsset("static/desk.css");
  if (css == nullptr) return net::HttpResponse::Text(404, "no stylesheet\n");
  net::HttpResponse r;
  r.content_type = "text/css; charset=utf-8";
  r.body = std::string(web::AssetText(*css));
  // The URL carries the content hash (Web::CssUrl), so it never changes
  // under a cached copy.
  r.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"ETag", "\"" + std::string(css->sha256).substr(0, 16) + "\""});
  return r;
}

// The desk's home: links to what the user may open (the nav, as a page).
net::HttpResponse Home(const web::Web& w, web::WebContext& ctx) {
  text::TemplateData d;
  d.set("groups", web::NavData(ctx.principal(), ""));
  d.set("roles", ctx.principal().roles.ToString());
  return w.Render(ctx, 200, "工作台", "home", d);
}

}  // namespace

void RegisterWebRoutes(hub::Hub& hub, staff::Staff& staff, net::HttpServer& server,
                       WebServices services) {
  auto w = std::make_shared<web::Web>(hub, staff);
  server.Route("GET", "/static/desk.css", [](const net::HttpRequest&) { return Stylesheet(); });
  web::RegisterLoginRoutes(w, server);
  web::RegisterConsoleRoutes(w, server);
  if (services.desk != nullptr) {
    web::DeskServices desk{*services.desk, services.ingest};
    web::RegisterDraftPages(w, desk, server);
    web::RegisterAdminPages(w, desk, server);
  }
  server.Route("GET", "/desk",
               w->Page(web::Access::LoggedIn(),
                       [wp = w.get()](web::WebContext& ctx) { return Home(*wp, ctx); }));
}

}  // namespace zhanqun::web
