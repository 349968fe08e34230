// The hub's web pages: the staff desk (/desk/...) and the admin console
// (/console/...), server-rendered HTML without JavaScript (docs/api.md,
// "Web desk and console"; docs/architecture.md, "Web layer").
#ifndef ZHANQUN_WEB_WEB_H_
#define ZHANQUN_WEB_WEB_H_

#include "zhanqun/desk/desk.h"
#include "zhanqun/desk/ingest.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/net/http.h"
#include "zhanqun/staff/staff.h"

namespace zhanqun::web {

// Registers the web routes on `server`: /static/desk.css, /desk/login,
// /desk/logout, /desk (home), and the console. Call before
// RegisterHubRoutes or after: the paths do not overlap. `hub` and
// `staff` must outlive the server.
// The editorial services behind the desk pages; `ingest` may be null.
struct WebServices {
  desk::Desk* desk = nullptr;
  desk::Ingestor* ingest = nullptr;
};

// With `services.desk` set, also the desk pages (queue, drafts, compose,
// review, release history, audit, topics, users, tokens, sources) and
// GET /attachments/{sha256}/{name}.
void RegisterWebRoutes(hub::Hub& hub, staff::Staff& staff, net::HttpServer& server,
                       WebServices services = {});

}  // namespace zhanqun::web

#endif  // ZHANQUN_WEB_WEB_H_
