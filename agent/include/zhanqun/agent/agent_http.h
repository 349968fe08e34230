// HTTP routes of an agent: the relay feed, search, status, counters.
#ifndef ZHANQUN_AGENT_AGENT_HTTP_H_
#define ZHANQUN_AGENT_AGENT_HTTP_H_

#include <memory>

#include "zhanqun/agent/agent.h"
#include "zhanqun/agent/push_subscriber.h"
#include "zhanqun/feeds/websub.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent {

// Registers the agent's routes. `agent` (and `websub`, `push` when given)
// must outlive the server. With `websub`, POST /websub is served for our
// children and feeds advertise it; with `push`, its callback routes.
void RegisterAgentRoutes(Agent& agent, net::HttpServer& server, feeds::WebSubHub* websub = nullptr,
                         PushSubscriber* push = nullptr);

// The WebSub hub an agent hosts for its children (config "websub"): feed
// and head topics of every origin it relays. Not started.
base::Result<std::unique_ptr<feeds::WebSubHub>> OpenAgentWebSub(Agent& agent);

// Operator endpoints that write our own log (agent_admin_http.cc):
// POST /api/v1/topics. Authenticated with the admin token.
void RegisterAdminRoutes(Agent& agent, net::HttpServer& server);

// The local site's routes (agent_site_http.cc); nothing when the site is off.
void RegisterSiteRoutes(Agent& agent, net::HttpServer& server);
bool WantsHtml(const net::HttpRequest& req);
net::HttpResponse HandleSiteSearch(Agent& agent, const net::HttpRequest& req);

// JSON for a search answer (shared by GET /search and the CLI).
std::string SearchResultsJson(const std::string& query, const search::SearchResults& r);

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_AGENT_HTTP_H_
