// The staff's JSON API for automation (docs/api.md, "Desk API"): drafts and
// every workflow step, the review queue, amend/withdraw/repeal, the audit
// log, and the actions outside the workflow (POST /api/v1/releases, /nodes,
// /topics; operations.h). Every route needs `Authorization: Bearer <token>`;
// the token's effective roles (scopes ∩ its user's roles) decide what it may
// do: 401 without a valid token (counted in the staff's auth_failures), 403
// naming the missing role otherwise.
#ifndef ZHANQUN_DESK_DESK_API_H_
#define ZHANQUN_DESK_DESK_API_H_

#include "zhanqun/desk/desk.h"
#include "zhanqun/desk/operations.h"
#include "zhanqun/net/http.h"
#include "zhanqun/staff/staff.h"

namespace zhanqun::desk {

// `desk`, `staff` and `operations` must outlive the server.
void RegisterDeskApiRoutes(net::HttpServer& server, Desk& desk, staff::Staff& staff,
                           Operations& operations);

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_DESK_API_H_
