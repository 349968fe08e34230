// The staff desk's pages (/desk/...): queue, drafts, compose and edit, a
// draft with its workflow actions, history and diffs, a release's versions
// with amend/withdraw/repeal, and the admin pages (audit log, topics, users,
// tokens, upstream sources). See web.h for how pages are built.
#ifndef ZHANQUN_WEB_SRC_DESK_PAGES_H_
#define ZHANQUN_WEB_SRC_DESK_PAGES_H_

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "web_internal.h"
#include "zhanqun/desk/desk.h"
#include "zhanqun/desk/ingest.h"

namespace zhanqun::web {

// What the desk pages use besides the Web. `ingest` may be null (no
// sources configured). All must outlive the server.
struct DeskServices {
  desk::Desk& desk;
  desk::Ingestor* ingest = nullptr;
};

// What every desk page handler gets: the Web and the services.
struct DeskPages {
  std::shared_ptr<Web> web;
  DeskServices s;
};
using DeskPageFn = std::function<net::HttpResponse(DeskPages&, WebContext&)>;
// Routes `method path` to `fn` behind web->Page(access) (login, role, CSRF).
void AddDeskPage(net::HttpServer& server, const std::shared_ptr<DeskPages>& pages,
                 const char* method, const char* path, Access access, DeskPageFn fn);

void RegisterDraftPages(const std::shared_ptr<Web>& web, DeskServices services,
                        net::HttpServer& server);
void RegisterAdminPages(const std::shared_ptr<Web>& web, DeskServices services,
                        net::HttpServer& server);

// Helpers shared by the desk page files.
// JSON (objects, arrays, scalars) as mustache data; numbers become text.
text::TemplateData JsonToData(const nlohmann::json& j);
// Beijing time (UTC+8), "2019-02-15 16:00"; "—" for 0.
std::string LocalTime(base::TimeMs t);
// An HTML datetime-local value ("2019-02-15T16:00"), read as Beijing time.
base::Result<base::TimeMs> ParseLocalTime(const std::string& value);
// Adds "<key>_local" beside every RFC 3339 string field named in `keys`.
void AddLocalTimes(nlohmann::json& j, std::initializer_list<const char*> keys);
// The message for a ?done=<code> after a redirect ("" when unknown).
std::string FlashMessage(const std::string& code);
// The HTTP status for a refused action, for the page that shows the error
// (500 for a store's I/O error or damaged data).
int ErrorStatus(const base::Status& s);

}  // namespace zhanqun::web

#endif  // ZHANQUN_WEB_SRC_DESK_PAGES_H_
