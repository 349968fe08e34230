// The hub's web pages: the staff desk (/desk/...) and the admin console
// (/console/...), server-rendered HTML without JavaScript (docs/api.md,
// "Web desk and console"; docs/architecture.md, "Web layer").
#ifndef ZHANQUN_HUB_WEB_H_
#define ZHANQUN_HUB_WEB_H_

#include "zhanqun/hub/accounts.h"
#include "zhanqun/hub/desk.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/hub/ingest.h"
#include "zhanqun/net/http.h"

namespace zhanqun::hub {

// Registers the web routes on `server`: /static/desk.css, /desk/login,
// /desk/logout, /desk (home), and the console. Call before
// RegisterHubRoutes or after: the paths do not overlap. `hub` and
// `accounts` must outlive the server.
// The editorial services behind the desk pages; `ingest` may be null.
struct WebServices {
  Desk* desk = nullptr;
  Ingestor* ingest = nullptr;
};

// With `services.desk` set, also the desk pages (queue, drafts, compose,
// review, release history, audit, topics, users, tokens, sources) and
// GET /attachments/{sha256}/{name}.
void RegisterWebRoutes(Hub& hub, Accounts& accounts, net::HttpServer& server,
                       WebServices services = {});

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_WEB_H_
