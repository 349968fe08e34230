// HTTP routes of the hub (see docs/api.md). One small handler per route.
#ifndef ZHANQUN_HUB_HUB_HTTP_H_
#define ZHANQUN_HUB_HUB_HTTP_H_

#include <memory>

#include "zhanqun/feeds/websub.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/net/http.h"

namespace zhanqun::hub {

// Registers every hub route on `server`. `hub` (and `websub`, when given)
// must outlive the server. With `websub`, POST /websub is served and feeds
// advertise it (Link headers, <link rel="hub">).
void RegisterHubRoutes(Hub& hub, net::HttpServer& server, feeds::WebSubHub* websub = nullptr);

// The hub's WebSub engine over its log (config "websub"): feed and head
// topics of every origin, and GET /api/v1/releases as a JSON topic. Not
// started. Errors when the subscription database cannot be opened.
base::Result<std::unique_ptr<feeds::WebSubHub>> OpenHubWebSub(Hub& hub);

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_HUB_HTTP_H_
