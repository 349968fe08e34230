// Operator endpoints that write this node's own log.
#include <nlohmann/json.hpp>

#include "zhanqun/agent/agent_http.h"

namespace zhanqun::agent {

using base::Status;
using net::HttpRequest;
using net::HttpResponse;
using json = nlohmann::json;

namespace {

HttpResponse PostTopic(Agent& agent, const HttpRequest& req) {
  if (!agent.CheckAdminBearer(req.Header("authorization"))) {
    return HttpResponse::Error(Status::Unauthenticated(
        "missing or wrong admin token (Authorization: Bearer <token from admin_token_file>)"));
  }
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.value("id", json()).is_string() ||
      !j.value("title", json()).is_string() || !j.value("description", json("")).is_string()) {
    return HttpResponse::Error(
        Status::Invalid("topic: expected {\"id\", \"title\"[, \"description\"]} as strings"));
  }
  base::Result<feeds::SignedEntry> se =
      agent.AddLocalTopic({j["id"], j["title"], j.value("description", "")});
  if (!se.ok()) return HttpResponse::Error(se.status());
  json out = {{"origin", se->entry.log.origin}, {"seq", se->entry.log.seq}, {"hash", se->hash}};
  return HttpResponse::Json(201, out.dump() + "\n");
}

}  // namespace

void RegisterAdminRoutes(Agent& agent, net::HttpServer& server) {
  server.Route("POST", "/api/v1/topics",
               [&agent](const HttpRequest& req) { return PostTopic(agent, req); });
}

}  // namespace zhanqun::agent
