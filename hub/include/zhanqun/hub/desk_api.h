// The desk's JSON API for automation (docs/api.md, "Desk API"): drafts and
// every workflow step, the review queue, amend/withdraw/repeal and the audit
// log. Every route needs `Authorization: Bearer <token>`; the token's
// effective roles (scopes ∩ its user's roles) decide what it may do: 401
// without a valid token, 403 naming the missing role otherwise.
#ifndef ZHANQUN_HUB_DESK_API_H_
#define ZHANQUN_HUB_DESK_API_H_

#include "zhanqun/hub/accounts.h"
#include "zhanqun/hub/audit.h"
#include "zhanqun/hub/desk.h"
#include "zhanqun/net/http.h"

namespace zhanqun::hub {

// `desk`, `accounts` and `audit` must outlive the server.
void RegisterDeskApiRoutes(net::HttpServer& server, Desk& desk, Accounts& accounts,
                           AuditLog& audit);

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_DESK_API_H_
