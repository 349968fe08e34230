// Route groups of the web layer; RegisterWebRoutes (web_routes.cc) calls
// each. Add yours here (see web.h, "How to add a page").
#ifndef ZHANQUN_WEB_SRC_ROUTES_H_
#define ZHANQUN_WEB_SRC_ROUTES_H_

#include <memory>

#include "web_internal.h"

namespace zhanqun::web {

// GET/POST /desk/login, POST /desk/logout (login.cc).
void RegisterLoginRoutes(const std::shared_ptr<Web>& web, net::HttpServer& server);
// /console, /console/nodes/{code}, /console/releases[/{id...}] (console*.cc).
void RegisterConsoleRoutes(const std::shared_ptr<Web>& web, net::HttpServer& server);
void RegisterConsoleTree(const std::shared_ptr<Web>& web, net::HttpServer& server);
void RegisterConsoleNode(const std::shared_ptr<Web>& web, net::HttpServer& server);
void RegisterConsoleReleases(const std::shared_ptr<Web>& web, net::HttpServer& server);

}  // namespace zhanqun::web

#endif  // ZHANQUN_WEB_SRC_ROUTES_H_
