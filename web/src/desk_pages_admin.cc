// Admin pages of the desk: audit log viewer, national topics, users, API
// tokens and upstream sources.
#include <array>

#include "desk_pages.h"
#include "zhanqun/desk/desk_json.h"

namespace zhanqun::web {

using base::Result;
using base::Status;
using net::HttpResponse;
using json = nlohmann::json;

namespace {

using Pages = DeskPages;
using P = std::shared_ptr<Pages>;

constexpr std::array<staff::Role, 4> kRoles = {staff::Role::kEditor, staff::Role::kReviewer,
                                               staff::Role::kApprover, staff::Role::kAdmin};

std::string RolesText(staff::RoleSet roles) {
  std::string out;
  for (staff::Role r : kRoles) {
    if (roles.Has(r)) out += std::string(out.empty() ? "" : "、") + staff::RoleLabel(r);
  }
  return out.empty() ? "无" : out;
}

json RoleChoices(staff::RoleSet have, staff::RoleSet allowed) {
  json out = json::array();
  for (staff::Role r : kRoles) {
    if (!allowed.Has(r)) continue;
    out.push_back({{"name", staff::RoleName(r)},
                   {"label", std::string(staff::RoleLabel(r)) + "（" + staff::RoleName(r) + "）"},
                   {"has", have.Has(r)}});
  }
  return out;
}

Result<staff::RoleSet> RolesFromForm(const Form& f, const char* field) {
  std::string joined;
  for (const std::string& r : f.All(field)) joined += (joined.empty() ? "" : ",") + r;
  return staff::ParseRoles(joined);
}

// "draft:12" -> "/desk/drafts/12", "release:x" -> "/desk/releases/x".
std::string ObjectHref(const std::string& object) {
  if (object.rfind("draft:", 0) == 0) return "/desk/drafts/" + object.substr(6);
  if (object.rfind("release:", 0) == 0) return "/desk/releases/" + object.substr(8);
  return "";
}

HttpResponse Audit(Pages& p, WebContext& ctx) {
  staff::AuditLog& audit = p.web->audit();
  staff::AuditFilter f;
  f.actor = ctx.req.Query("actor");
  f.action_prefix = ctx.req.Query("action");
  f.object = ctx.req.Query("object");
  std::string before = ctx.req.Query("before");
  if (!before.empty() && before.size() < 18 &&
      before.find_first_not_of("0123456789") == std::string::npos) {
    f.before_seq = std::stoull(before);
  }
  f.limit = 100;
  Result<std::vector<staff::AuditRecord>> listed = audit.List(f);
  if (!listed.ok()) return p.web->ServerError(ctx, listed.status());
  const std::vector<staff::AuditRecord>& records = *listed;
  json rows = json::array();
  for (const staff::AuditRecord& r : records) {
    json j = desk::AuditToJson(r);
    j["time_local"] = LocalTime(r.time_ms);
    j["detail_text"] = r.detail == "{}" ? "" : r.detail;
    j["object_href"] = ObjectHref(r.object);
    j["seq"] = std::to_string(r.seq);
    rows.push_back(j);
  }
  json page = {
      {"actor", f.actor}, {"action", f.action_prefix}, {"object", f.object}, {"records", rows}};
  if (ctx.req.Query("verify") == "1") {
    Result<staff::AuditVerification> verified = audit.Verify();
    if (!verified.ok()) return p.web->ServerError(ctx, verified.status());
    const staff::AuditVerification& v = *verified;
    page["verified"] = {
        {"intact", v.ok()}, {"records", std::to_string(v.records)}, {"problem", v.problem}};
  }
  if (records.size() == f.limit && records.back().seq > 1) {
    page["older"] = "/desk/audit?before=" + std::to_string(records.back().seq) +
                    "&actor=" + net::UrlEncode(f.actor) +
                    "&action=" + net::UrlEncode(f.action_prefix) +
                    "&object=" + net::UrlEncode(f.object);
  }
  if (ctx.json) return JsonResponse(200, page.dump() + "\n");
  return p.web->Render(ctx, 200, "审计日志", "audit", JsonToData(page));
}

HttpResponse TopicsPage(Pages& p, WebContext& ctx, int status, const std::string& error) {
  base::Result<std::vector<feeds::TopicDef>> defined = p.web->hub().store().Topics();
  if (!defined.ok()) return p.web->ErrorPage(ctx, 500, "无法读取专题", defined.status().ToString());
  json topics = json::array();
  for (const feeds::TopicDef& t : *defined) {
    topics.push_back({{"id", t.id}, {"title", t.title}, {"description", t.description}});
  }
  if (ctx.json) return JsonResponse(200, topics.dump() + "\n");
  json page = {
      {"topics", topics}, {"error", error}, {"flash", FlashMessage(ctx.req.Query("done"))}};
  return p.web->Render(ctx, status, "专题", "topics", JsonToData(page));
}

HttpResponse TopicPost(Pages& p, WebContext& ctx) {
  feeds::TopicDef t{ctx.form.Get("id"), ctx.form.Get("title"), ctx.form.Get("description")};
  Result<feeds::SignedEntry> se = p.web->hub().AddTopic(t);
  if (!se.ok()) return TopicsPage(p, ctx, ErrorStatus(se.status()), se.status().message());
  Status audited =
      p.web->audit()
          .Append(p.web->hub().clock().NowMs(), ctx.principal().AuditName(), "topic.define",
                  "topic:" + t.id, json{{"title", t.title}, {"seq", se->entry.log.seq}}.dump())
          .status();
  // The topic is in the log already; say that its audit record is missing.
  if (!audited.ok()) {
    return p.web->ServerError(
        ctx, audited.Context("topic '" + t.id + "' was published but not audited"));
  }
  return Web::Redirect("/desk/topics?done=topic");
}

HttpResponse UsersPage(Pages& p, WebContext& ctx, int status, const std::string& error) {
  Result<std::vector<staff::User>> all = p.web->accounts().Users();
  if (!all.ok()) return p.web->ServerError(ctx, all.status());
  json users = json::array();
  for (const staff::User& u : *all) {
    users.push_back({{"username", u.username},
                     {"display_name", u.display_name},
                     {"roles_text", RolesText(u.roles)},
                     {"roles", RoleChoices(u.roles, staff::RoleSet(staff::RoleSet::kAll))},
                     {"roles_list", u.roles.Names()},
                     {"disabled", u.disabled},
                     {"last_login_local", LocalTime(u.last_login_ms)}});
  }
  if (ctx.json) return JsonResponse(200, users.dump() + "\n");
  json page = {{"users", users},
               {"all_roles", RoleChoices(staff::RoleSet(), staff::RoleSet(staff::RoleSet::kAll))},
               {"error", error},
               {"flash", FlashMessage(ctx.req.Query("done"))}};
  return p.web->Render(ctx, status, "用户", "users", JsonToData(page));
}

HttpResponse UserAdd(Pages& p, WebContext& ctx) {
  Result<staff::RoleSet> roles = RolesFromForm(ctx.form, "roles");
  if (!roles.ok()) return UsersPage(p, ctx, 400, roles.status().message());
  Result<staff::User> u =
      p.web->accounts().AddUser(ctx.principal(), ctx.form.Get("username"),
                                ctx.form.Get("display_name"), ctx.form.Get("password"), *roles);
  if (!u.ok()) return UsersPage(p, ctx, ErrorStatus(u.status()), u.status().message());
  return Web::Redirect("/desk/users?done=user");
}

HttpResponse UserChange(Pages& p, WebContext& ctx) {
  const std::string& name = ctx.req.params.at("username");
  const std::string& what = ctx.req.params.at("what");
  Status s = Status::NotFound("no such user action '" + what + "'");
  if (what == "roles") {
    Result<staff::RoleSet> roles = RolesFromForm(ctx.form, "roles");
    s = roles.ok() ? p.web->accounts().SetRoles(ctx.principal(), name, *roles) : roles.status();
  } else if (what == "disable" || what == "enable") {
    s = p.web->accounts().SetDisabled(ctx.principal(), name, what == "disable");
  }
  if (!s.ok()) return UsersPage(p, ctx, ErrorStatus(s), s.message());
  return Web::Redirect("/desk/users?done=user");
}

HttpResponse TokensPage(Pages& p, WebContext& ctx, int status, const std::string& error,
                        const std::string& secret) {
  const staff::Principal& who = ctx.principal();
  bool admin = who.Can(staff::Permission::kTokenManage);
  Result<std::vector<staff::TokenInfo>> all = p.web->accounts().Tokens();
  Result<std::vector<staff::User>> all_users =
      admin ? p.web->accounts().Users()
            : Result<std::vector<staff::User>>(std::vector<staff::User>{});
  Status read = !all.ok() ? all.status() : all_users.status();
  // A new token's secret is shown once, on this answer: when the lists cannot
  // be read it is still shown, beside the failure, rather than lost.
  if (!read.ok() && (secret.empty() || ctx.json)) return p.web->ServerError(ctx, read);
  json tokens = json::array();
  for (const staff::TokenInfo& t : all.ok() ? *all : std::vector<staff::TokenInfo>{}) {
    if (!admin && t.username != who.username) continue;
    tokens.push_back({{"name", t.name},
                      {"username", t.username},
                      {"scopes_text", RolesText(t.scopes)},
                      {"scopes", t.scopes.Names()},
                      {"created_local", LocalTime(t.created_ms)},
                      {"last_used_local", LocalTime(t.last_used_ms)},
                      {"revoked", t.revoked}});
  }
  if (ctx.json) return JsonResponse(200, tokens.dump() + "\n");
  json users = json::array();
  for (const staff::User& u : all_users.ok() ? *all_users : std::vector<staff::User>{}) {
    users.push_back({{"username", u.username},
                     {"display_name", u.display_name},
                     {"me", u.username == who.username}});
  }
  json page = {{"tokens", tokens},
               {"is_admin", admin},
               {"users", users},
               {"scopes", RoleChoices(staff::RoleSet(),
                                      admin ? staff::RoleSet(staff::RoleSet::kAll) : who.roles)},
               {"secret", secret},
               {"error", read.ok() ? error
                                   : "令牌已创建，但令牌和用户列表无法读取（" + read.ToString() +
                                         "）；请记下上面的令牌后刷新本页。"},
               {"flash", FlashMessage(ctx.req.Query("done"))}};
  return p.web->Render(ctx, read.ok() ? status : 500, "API 令牌", "tokens", JsonToData(page));
}

HttpResponse TokenCreate(Pages& p, WebContext& ctx) {
  const staff::Principal& who = ctx.principal();
  std::string user = ctx.form.Get("username", who.username);
  Result<staff::RoleSet> scopes = RolesFromForm(ctx.form, "scopes");
  if (!scopes.ok()) return TokensPage(p, ctx, 400, scopes.status().message(), "");
  if (scopes->empty()) return TokensPage(p, ctx, 400, "scopes: choose at least one", "");
  Result<std::string> secret =
      p.web->accounts().CreateToken(who, user, ctx.form.Get("name"), *scopes);
  if (!secret.ok())
    return TokensPage(p, ctx, ErrorStatus(secret.status()), secret.status().message(), "");
  // Shown once, on this answer (no-store), never in a URL.
  return TokensPage(p, ctx, 201, "", *secret);
}

HttpResponse TokenRevoke(Pages& p, WebContext& ctx) {
  Status s = p.web->accounts().RevokeToken(ctx.principal(), ctx.req.params.at("name"));
  if (!s.ok()) return TokensPage(p, ctx, ErrorStatus(s), s.message(), "");
  return Web::Redirect("/desk/tokens?done=revoked");
}

const char* SourceStatusLabel(desk::SourceStatus s) {
  switch (s) {
    case desk::SourceStatus::kNever:
      return "尚未抓取";
    case desk::SourceStatus::kOk:
      return "正常";
    case desk::SourceStatus::kNotModified:
      return "正常（未更新）";
    case desk::SourceStatus::kHttpError:
      return "HTTP 错误";
    case desk::SourceStatus::kNetwork:
      return "网络错误";
    case desk::SourceStatus::kBadFeed:
      return "内容被拒绝";
  }
  return "?";
}

HttpResponse Sources(Pages& p, WebContext& ctx) {
  json rows = json::array();
  if (p.s.ingest != nullptr) {
    Result<std::vector<desk::SourceView>> sources = p.s.ingest->Sources();
    if (!sources.ok()) return p.web->ServerError(ctx, sources.status());
    for (const desk::SourceView& v : *sources) {
      bool good = v.state.last_status == desk::SourceStatus::kOk ||
                  v.state.last_status == desk::SourceStatus::kNotModified;
      rows.push_back({{"name", v.config.name},
                      {"url", v.config.url},
                      {"trusted", v.config.trusted},
                      {"status", desk::SourceStatusName(v.state.last_status)},
                      {"status_label", SourceStatusLabel(v.state.last_status)},
                      {"status_class", good                                                ? "ok"
                                       : v.state.last_status == desk::SourceStatus::kNever ? "never"
                                                                                           : "bad"},
                      {"failures", v.state.failures > 0 ? std::to_string(v.state.failures) : ""},
                      {"last_error", v.state.last_error},
                      {"last_poll_local", LocalTime(v.state.last_poll_ms)},
                      {"last_ok_local", LocalTime(v.state.last_ok_ms)},
                      {"next_poll_local", LocalTime(v.state.next_poll_ms)},
                      {"items_seen", std::to_string(v.state.items_seen)},
                      {"items_imported", std::to_string(v.state.items_imported)},
                      {"items_rejected", std::to_string(v.state.items_rejected)}});
    }
  }
  if (ctx.json) return JsonResponse(200, rows.dump() + "\n");
  json page = {{"sources", rows}, {"flash", ctx.req.Query("done") == "polled" ? "已抓取。" : ""}};
  return p.web->Render(ctx, 200, "上游来源", "sources", JsonToData(page));
}

HttpResponse SourcePoll(Pages& p, WebContext& ctx) {
  if (p.s.ingest == nullptr)
    return p.web->ErrorPage(ctx, 404, "未配置来源", "hub.json 中没有 sources。");
  Result<desk::PollOutcome> o = p.s.ingest->PollNow(ctx.req.params.at("name"));
  if (!o.ok()) {
    if (o.status().code() == base::Code::kNotFound) {
      return p.web->ErrorPage(ctx, 404, "无法抓取", o.status().message());
    }
    return p.web->ServerError(ctx, o.status());  // ingest.db or the audit log failed
  }
  Status audited =
      p.web->audit()
          .Append(p.web->hub().clock().NowMs(), ctx.principal().AuditName(), "source.poll",
                  "source:" + o->source,
                  json{{"status", desk::SourceStatusName(o->status)}, {"new", o->items_new}}.dump())
          .status();
  if (!audited.ok()) return p.web->ServerError(ctx, audited.Context("audit"));
  return Web::Redirect("/desk/sources?done=polled");
}

}  // namespace

void RegisterAdminPages(const std::shared_ptr<Web>& web, DeskServices services,
                        net::HttpServer& server) {
  P p = std::make_shared<Pages>(Pages{web, services});
  auto page = [&server, p](const char* method, const char* path, Access access, DeskPageFn h) {
    AddDeskPage(server, p, method, path, access, std::move(h));
  };
  page("GET", "/desk/audit", Access::OfPermission(staff::Permission::kAuditRead), Audit);
  page("GET", "/desk/topics", Access::OfPermission(staff::Permission::kTopicManage),
       [](Pages& pp, WebContext& ctx) { return TopicsPage(pp, ctx, 200, ""); });
  page("POST", "/desk/topics", Access::OfPermission(staff::Permission::kTopicManage), TopicPost);
  page("GET", "/desk/users", Access::OfPermission(staff::Permission::kUserManage),
       [](Pages& pp, WebContext& ctx) { return UsersPage(pp, ctx, 200, ""); });
  page("POST", "/desk/users", Access::OfPermission(staff::Permission::kUserManage), UserAdd);
  page("POST", "/desk/users/{username}/{what}",
       Access::OfPermission(staff::Permission::kUserManage), UserChange);
  page("GET", "/desk/tokens", Access::LoggedIn(),
       [](Pages& pp, WebContext& ctx) { return TokensPage(pp, ctx, 200, "", ""); });
  page("POST", "/desk/tokens", Access::LoggedIn(), TokenCreate);
  page("POST", "/desk/tokens/{name}/revoke", Access::LoggedIn(), TokenRevoke);
  page("GET", "/desk/sources", Access::OfPermission(staff::Permission::kSourceManage), Sources);
  page("POST", "/desk/sources/{name}/poll", Access::OfPermission(staff::Permission::kSourceManage),
       SourcePoll);
}

}  // namespace zhanqun::web
