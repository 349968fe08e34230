// HTTP routes of the hub (see docs/api.md). One small handler per route.
#ifndef ZHANQUN_HUB_HUB_HTTP_H_
#define ZHANQUN_HUB_HUB_HTTP_H_

#include "zhanqun/feeds/http.h"
#include "zhanqun/hub/hub.h"

namespace zhanqun::hub {

// Registers every hub route on `server`. `hub` must outlive the server.
void RegisterHubRoutes(Hub& hub, feeds::HttpServer& server);

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_HUB_HTTP_H_
