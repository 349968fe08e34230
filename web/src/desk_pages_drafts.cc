// Drafts: queue, list, compose/edit, the draft page with its workflow
// actions, diffs, and a release's versions with amend/withdraw/repeal.
#include <algorithm>
#include <set>

#include "desk_pages.h"
#include "zhanqun/desk/desk_json.h"
#include "zhanqun/text/markdown.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::web {

using base::Result;
using base::Status;
using net::HttpResponse;
using json = nlohmann::json;

namespace {

using Pages = DeskPages;
using P = std::shared_ptr<Pages>;

constexpr desk::DraftState kAllStates[] = {
    desk::DraftState::kDraft,     desk::DraftState::kInReview,  desk::DraftState::kAwaitingApproval,
    desk::DraftState::kApproved,  desk::DraftState::kScheduled, desk::DraftState::kPublished,
    desk::DraftState::kWithdrawn, desk::DraftState::kRepealed,  desk::DraftState::kSuperseded};

json DraftView(const desk::Desk& desk, const desk::Draft& d) {
  json j = desk::DraftToJson(desk, d);
  AddLocalTimes(j, {"updated", "created", "publish_at", "embargo_until"});
  j["release_version_gt1"] = d.release_version > 1;
  return j;
}

json DraftList(const desk::Desk& desk, const std::vector<desk::Draft>& drafts) {
  json out = json::array();
  for (const desk::Draft& d : drafts) out.push_back(DraftView(desk, d));
  return out;
}

Result<std::int64_t> IdParam(const WebContext& ctx) {
  const std::string& s = ctx.req.params.at("id");
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
    return Status::NotFound("no draft '" + s + "'");
  }
  return std::stoll(s);
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::size_t b = cur.find_first_not_of(" \t");
    std::size_t e = cur.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
    cur.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',') {
      flush();
    } else if (text.compare(i, 3, "，") == 0) {  // full-width comma
      flush();
      i += 2;
    } else {
      cur += text[i];
    }
  }
  flush();
  return out;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

desk::DraftContent ContentFromForm(const Form& f) {
  desk::DraftContent c;
  c.title = f.Get("title");
  c.doc_number = f.Get("doc_number");
  c.authority = f.Get("authority");
  c.signed_date = f.Get("signed_date");
  c.topics = f.All("topics");
  c.categories = SplitList(f.Get("categories"));
  std::string body = f.Get("body");
  if (f.Get("body_format", "markdown") == "html") {
    c.body_html = text::SanitizeHtml(body);
  } else {
    c.body_markdown = body;
    c.body_html = text::MarkdownToHtml(body);
  }
  return c;
}

// The form's data, for a new draft, an edit, or a refused save.
Result<json> ComposeData(hub::Hub& hub, const desk::DraftContent& c, const std::string& action,
                         int revision, const std::string& error) {
  Result<std::vector<feeds::TopicDef>> defined = hub.store().Topics();
  if (!defined.ok()) return defined.status().Context("topics");
  json topics = json::array();
  for (const feeds::TopicDef& t : *defined) {
    bool checked = std::find(c.topics.begin(), c.topics.end(), t.id) != c.topics.end();
    topics.push_back({{"id", t.id}, {"title", t.title}, {"checked", checked}});
  }
  bool markdown = !c.body_markdown.empty() || c.body_html.empty();
  json j = {{"action", action},
            {"title", c.title},
            {"doc_number", c.doc_number},
            {"authority", c.authority},
            {"signed_date", c.signed_date},
            {"categories", Join(c.categories, ", ")},
            {"topics", topics},
            {"format_markdown", markdown},
            {"format_html", !markdown},
            {"body", markdown ? c.body_markdown : c.body_html},
            {"submit_label", revision > 0 ? "保存修改" : "保存草稿"},
            {"error", error}};
  if (revision > 0) j["revision"] = std::to_string(revision);
  for (const char* field : {"title", "authority", "signed_date", "body"}) {
    std::string prefix = std::string("draft.") + field;
    j[std::string("error_") + field] =
        error.rfind(field, 0) == 0 || error.rfind(prefix, 0) == 0 ||
        (std::string(field) == "body" && error.rfind("body_html", 0) == 0);
  }
  return j;
}

// Users who passed a level of the current review round.
std::set<std::int64_t> RoundReviewers(const std::vector<desk::DraftStep>& history) {
  std::set<std::int64_t> ids;
  for (const desk::DraftStep& s : history) {
    if (s.action == desk::StepAction::kSubmit || s.action == desk::StepAction::kReject) {
      ids.clear();
    }
    if (s.action == desk::StepAction::kPass) ids.insert(s.actor_id);
  }
  return ids;
}

const char* ActionLabel(desk::StepAction a) {
  using A = desk::StepAction;
  switch (a) {
    case A::kCreate:
      return "新建稿件";
    case A::kImport:
      return "自上游导入";
    case A::kAdopt:
      return "收录已发布版本";
    case A::kAmend:
      return "新建修订稿";
    case A::kEdit:
      return "修改稿件";
    case A::kAttach:
      return "上传附件";
    case A::kSubmit:
      return "提交审核";
    case A::kPass:
      return "审核通过";
    case A::kReject:
      return "退回修改";
    case A::kApprove:
      return "签发";
    case A::kSchedule:
      return "定时发布";
    case A::kUnschedule:
      return "取消定时";
    case A::kEmbargo:
      return "设置禁发";
    case A::kPublish:
      return "签名发布";
    case A::kSupersede:
      return "被新版本取代";
    case A::kWithdraw:
      return "撤回";
    case A::kRepeal:
      return "废止";
  }
  return desk::StepActionName(a);
}

std::string HumanSize(std::uint64_t n) {
  if (n < 1024) return std::to_string(n) + " B";
  if (n < 1024 * 1024) return std::to_string(n / 1024) + " KB";
  return std::to_string(n / (1024 * 1024)) + "." +
         std::to_string(n % (1024 * 1024) * 10 / (1024 * 1024)) + " MB";
}

json ContentView(const desk::DraftContent& c) {
  json atts = json::array();
  for (const feeds::Attachment& a : c.attachments) {
    atts.push_back({{"href", a.href},
                    {"title", a.title},
                    {"size", HumanSize(a.length)},
                    {"sha_short", a.sha256_hex.substr(0, 12)}});
  }
  return {{"title", c.title},
          {"doc_number", c.doc_number},
          {"authority", c.authority},
          {"signed_date", c.signed_date},
          {"topics_text", Join(c.topics, "、")},
          {"categories_text", Join(c.categories, "、")},
          {"body_html", text::SanitizeHtml(c.body_html)},
          {"attachments", atts}};
}

// What `who` may do with `d` now, for showing the forms. The Desk enforces
// the rules itself; this only avoids offering a button that must fail.
json Abilities(const staff::Principal& who, const desk::Draft& d,
               const std::vector<desk::DraftStep>& history) {
  bool mine = who.user_id != 0 && who.user_id == d.author_id;
  bool reviewed = RoundReviewers(history).count(who.user_id) > 0;
  desk::DraftState s = d.state;
  bool editable = s == desk::DraftState::kDraft;
  json a = {
      {"can_edit", editable && who.Can(staff::Permission::kDraftEdit)},
      {"can_submit", editable && who.Can(staff::Permission::kDraftEdit)},
      {"can_review", s == desk::DraftState::kInReview && who.Can(staff::Permission::kReview) &&
                         !mine && !reviewed},
      {"can_approve", s == desk::DraftState::kAwaitingApproval &&
                          who.Can(staff::Permission::kApprove) && !mine && !reviewed},
      {"can_publish",
       s == desk::DraftState::kApproved && who.Can(staff::Permission::kPublish) && !mine},
      {"can_unschedule",
       s == desk::DraftState::kScheduled && who.Can(staff::Permission::kPublish) && !mine},
      {"can_reject_approved",
       (s == desk::DraftState::kApproved || s == desk::DraftState::kScheduled) &&
           who.Can(staff::Permission::kApprove) && !mine},
      {"can_embargo",
       ((s == desk::DraftState::kDraft || s == desk::DraftState::kInReview ||
         s == desk::DraftState::kAwaitingApproval) &&
        who.Can(staff::Permission::kDraftEdit)) ||
           ((s == desk::DraftState::kAwaitingApproval || s == desk::DraftState::kApproved ||
             s == desk::DraftState::kScheduled) &&
            who.Can(staff::Permission::kApprove) && !mine)},
  };
  bool any = false;
  for (auto& [k, v] : a.items()) any = any || v.get<bool>();
  a["has_actions"] = any;
  return a;
}

HttpResponse DraftPage(Pages& p, WebContext& ctx, std::int64_t id, int status,
                       const std::string& error) {
  Result<std::optional<desk::Draft>> found = p.s.desk.Get(id);
  if (!found.ok()) return p.web->ServerError(ctx, found.status());
  if (!*found)
    return p.web->ErrorPage(ctx, 404, "未找到稿件",
                            "没有编号为 " + std::to_string(id) + " 的稿件。");
  const std::optional<desk::Draft>& d = *found;
  Result<std::vector<desk::DraftStep>> read_history = p.s.desk.History(id);
  if (!read_history.ok()) return p.web->ServerError(ctx, read_history.status());
  const std::vector<desk::DraftStep>& history = *read_history;
  Result<std::vector<desk::DraftRevision>> read_revs = p.s.desk.Revisions(id);
  if (!read_revs.ok()) return p.web->ServerError(ctx, read_revs.status());
  const std::vector<desk::DraftRevision>& revs = *read_revs;
  if (ctx.json) {
    json j = desk::DraftToJson(p.s.desk, *d);
    j["history"] = json::array();
    for (const desk::DraftStep& s : history) j["history"].push_back(desk::StepToJson(p.s.desk, s));
    return JsonResponse(200, j.dump() + "\n");
  }
  json page = Abilities(ctx.principal(), *d, history);
  page["id"] = std::to_string(id);
  page["draft"] = DraftView(p.s.desk, *d);
  page["content"] = ContentView(d->content);
  page["attachments"] = page["content"]["attachments"];
  page["level_name"] = d->level > 0 ? p.s.desk.LevelName(d->level) : "";
  page["first_level"] = p.s.desk.LevelName(1);
  page["error"] = error;
  page["flash"] = FlashMessage(ctx.req.Query("done"));
  json steps = json::array();
  for (const desk::DraftStep& s : history) {
    json j = desk::StepToJson(p.s.desk, s);
    AddLocalTimes(j, {"at"});
    j["action_label"] = ActionLabel(s.action);
    steps.push_back(j);
  }
  page["history"] = steps;
  json rl = json::array();
  for (std::size_t i = 0; i < revs.size(); ++i) {
    rl.push_back({{"revision", std::to_string(revs[i].revision)},
                  {"actor", revs[i].actor},
                  {"at_local", LocalTime(revs[i].at_ms)},
                  {"is_first", revs.size() >= 2 && i == revs.size() - 2},
                  {"is_last", i + 1 == revs.size()}});
  }
  page["revisions"] = rl;
  page["has_revisions"] = revs.size() >= 2;
  return p.web->Render(ctx, status, d->content.title, "draft", JsonToData(page));
}

// Runs a workflow step from a form; on success redirects to the draft with
// a notice, otherwise shows the draft page with the reason.
HttpResponse AfterStep(Pages& p, WebContext& ctx, std::int64_t id, const Status& s,
                       const char* done) {
  if (s.ok()) return Web::Redirect("/desk/drafts/" + std::to_string(id) + "?done=" + done);
  return DraftPage(p, ctx, id, ErrorStatus(s), s.message());
}

HttpResponse Queue(Pages& p, WebContext& ctx) {
  const staff::Principal& who = ctx.principal();
  Result<std::vector<desk::Draft>> read = p.s.desk.Queue(who);
  if (!read.ok()) return p.web->ServerError(ctx, read.status());
  const std::vector<desk::Draft>& queue = *read;
  if (ctx.json) return JsonResponse(200, DraftList(p.s.desk, queue).dump() + "\n");
  struct Section {
    const char* id;
    const char* label;
    std::function<bool(const desk::Draft&)> match;
  };
  const Section sections[] = {
      {"mine", "待修改和待提交（撰稿）",
       [](const desk::Draft& d) { return d.state == desk::DraftState::kDraft; }},
      {"review", "待审核",
       [](const desk::Draft& d) { return d.state == desk::DraftState::kInReview; }},
      {"approve", "待签发",
       [](const desk::Draft& d) { return d.state == desk::DraftState::kAwaitingApproval; }},
      {"publish", "已签发待发布",
       [](const desk::Draft& d) {
         return d.state == desk::DraftState::kApproved || d.state == desk::DraftState::kScheduled;
       }},
  };
  json out = json::array();
  for (const Section& s : sections) {
    std::vector<desk::Draft> mine;
    std::copy_if(queue.begin(), queue.end(), std::back_inserter(mine), s.match);
    out.push_back({{"id", s.id},
                   {"label", s.label},
                   {"count", std::to_string(mine.size())},
                   {"has_drafts", !mine.empty()},
                   {"drafts", DraftList(p.s.desk, mine)}});
  }
  return p.web->Render(ctx, 200, "待办", "queue", JsonToData(json{{"sections", out}}));
}

HttpResponse Drafts(Pages& p, WebContext& ctx) {
  desk::DraftFilter f;
  f.text = ctx.req.Query("q");
  f.release_id = ctx.req.Query("release_id");
  std::string state = ctx.req.Query("state");
  json states = json::array();
  for (desk::DraftState s : kAllStates) {
    if (state == desk::DraftStateName(s)) f.state = s;
    states.push_back({{"value", desk::DraftStateName(s)},
                      {"label", desk::DraftStateLabel(s)},
                      {"selected", state == desk::DraftStateName(s)}});
  }
  f.limit = 200;
  Result<std::vector<desk::Draft>> read = p.s.desk.List(f);
  if (!read.ok()) return p.web->ServerError(ctx, read.status());
  const std::vector<desk::Draft>& drafts = *read;
  if (ctx.json) return JsonResponse(200, DraftList(p.s.desk, drafts).dump() + "\n");
  json page = {{"states", states},
               {"q", f.text},
               {"release_id", f.release_id},
               {"count", std::to_string(drafts.size())},
               {"filtered", f.state.has_value() || !f.text.empty() || !f.release_id.empty()},
               {"has_drafts", !drafts.empty()},
               {"drafts", DraftList(p.s.desk, drafts)}};
  return p.web->Render(ctx, 200, "稿件", "drafts", JsonToData(page));
}

// The compose form; a 500 page when the topics cannot be read.
HttpResponse RenderCompose(Pages& p, WebContext& ctx, int status, const std::string& title,
                           const desk::DraftContent& c, const std::string& action, int revision,
                           const std::string& error) {
  Result<json> data = ComposeData(p.web->hub(), c, action, revision, error);
  if (!data.ok()) return p.web->ErrorPage(ctx, 500, "无法读取专题", data.status().ToString());
  return p.web->Render(ctx, status, title, "compose", JsonToData(*data));
}

HttpResponse ComposeForm(Pages& p, WebContext& ctx) {
  return RenderCompose(p, ctx, 200, "新建稿件", {}, "/desk/compose", 0, "");
}

HttpResponse ComposePost(Pages& p, WebContext& ctx) {
  desk::DraftContent c = ContentFromForm(ctx.form);
  Result<desk::Draft> d = p.s.desk.Create(ctx.principal(), c);
  if (!d.ok()) {
    return RenderCompose(p, ctx, ErrorStatus(d.status()), "新建稿件", c, "/desk/compose", 0,
                         d.status().message());
  }
  return Web::Redirect("/desk/drafts/" + std::to_string(d->id) + "?done=created");
}

HttpResponse EditForm(Pages& p, WebContext& ctx) {
  Result<std::int64_t> id = IdParam(ctx);
  if (!id.ok()) return p.web->ErrorPage(ctx, 404, "未找到稿件", "没有这篇稿件。");
  Result<std::optional<desk::Draft>> found = p.s.desk.Get(*id);
  if (!found.ok()) return p.web->ServerError(ctx, found.status());
  if (!*found) return p.web->ErrorPage(ctx, 404, "未找到稿件", "没有这篇稿件。");
  const std::optional<desk::Draft>& d = *found;
  std::string action = "/desk/drafts/" + std::to_string(*id) + "/edit";
  return RenderCompose(p, ctx, 200, "编辑：" + d->content.title, d->content, action, d->revision,
                       "");
}

HttpResponse EditPost(Pages& p, WebContext& ctx) {
  Result<std::int64_t> id = IdParam(ctx);
  if (!id.ok()) return p.web->ErrorPage(ctx, 404, "未找到稿件", id.status().message());
  std::string rev = ctx.form.Get("revision");
  int revision =
      rev.empty() || rev.size() > 8 || rev.find_first_not_of("0123456789") != std::string::npos
          ? 0
          : std::stoi(rev);
  desk::DraftContent c = ContentFromForm(ctx.form);
  Result<desk::Draft> d = p.s.desk.Edit(ctx.principal(), *id, revision, c);
  if (!d.ok()) {
    std::string action = "/desk/drafts/" + std::to_string(*id) + "/edit";
    return RenderCompose(p, ctx, ErrorStatus(d.status()), "编辑稿件", c, action, revision,
                         d.status().message());
  }
  return Web::Redirect("/desk/drafts/" + std::to_string(*id) + "?done=saved");
}

HttpResponse Show(Pages& p, WebContext& ctx) {
  Result<std::int64_t> id = IdParam(ctx);
  if (!id.ok()) return p.web->ErrorPage(ctx, 404, "未找到稿件", id.status().message());
  return DraftPage(p, ctx, *id, 200, "");
}

using Step = std::function<Status(Pages&, WebContext&, std::int64_t, std::string* done)>;
Web::PageHandler StepHandler(P p, Step step) {
  return [p, step](WebContext& ctx) {
    Result<std::int64_t> id = IdParam(ctx);
    if (!id.ok()) return p->web->ErrorPage(ctx, 404, "未找到稿件", id.status().message());
    std::string done;
    Status s = step(*p, ctx, *id, &done);
    return AfterStep(*p, ctx, *id, s, done.c_str());
  };
}

Status Submit(Pages& p, WebContext& ctx, std::int64_t id, std::string* done) {
  *done = "submitted";
  return p.s.desk.Submit(ctx.principal(), id).status();
}

Status Review(Pages& p, WebContext& ctx, std::int64_t id, std::string* done) {
  std::string comment = ctx.form.Get("comment");
  if (ctx.form.Get("decision") == "reject") {
    *done = "rejected";
    return p.s.desk.Reject(ctx.principal(), id, comment).status();
  }
  *done = "passed";
  return p.s.desk.Pass(ctx.principal(), id, comment).status();
}

Status Approve(Pages& p, WebContext& ctx, std::int64_t id, std::string* done) {
  std::string comment = ctx.form.Get("comment");
  if (ctx.form.Get("decision") == "reject") {
    *done = "rejected";
    return p.s.desk.Reject(ctx.principal(), id, comment).status();
  }
  *done = "approved";
  return p.s.desk.Approve(ctx.principal(), id, comment).status();
}

Status Publish(Pages& p, WebContext& ctx, std::int64_t id, std::string* done) {
  *done = "published";
  return p.s.desk.PublishNow(ctx.principal(), id).status();
}

Status ScheduleStep(Pages& p, WebContext& ctx, std::int64_t id, std::string* done) {
  *done = "scheduled";
  Result<base::TimeMs> at = ParseLocalTime(ctx.form.Get("at"));
  if (!at.ok()) return at.status();
  return p.s.desk.Schedule(ctx.principal(), id, *at).status();
}

Status Unschedule(Pages& p, WebContext& ctx, std::int64_t id, std::string* done) {
  *done = "unscheduled";
  return p.s.desk.Unschedule(ctx.principal(), id).status();
}

Status EmbargoStep(Pages& p, WebContext& ctx, std::int64_t id, std::string* done) {
  *done = "embargo";
  std::string v = ctx.form.Get("until");
  std::optional<base::TimeMs> until;
  if (!v.empty()) {
    Result<base::TimeMs> t = ParseLocalTime(v);
    if (!t.ok()) return t.status();
    until = *t;
  }
  return p.s.desk.SetEmbargo(ctx.principal(), id, until).status();
}

Status AttachStep(Pages& p, WebContext& ctx, std::int64_t id, std::string* done) {
  *done = "attached";
  if (ctx.form.files.empty()) return Status::Invalid("file: choose a file to upload");
  const net::MultipartPart& f = ctx.form.files.front();
  return p.s.desk.Attach(ctx.principal(), id, f.filename, f.content_type, f.bytes).status();
}

HttpResponse Diff(Pages& p, WebContext& ctx) {
  Result<std::int64_t> id = IdParam(ctx);
  if (!id.ok()) return p.web->ErrorPage(ctx, 404, "未找到稿件", id.status().message());
  std::string from = ctx.req.Query("from"), to = ctx.req.Query("to");
  auto num = [](const std::string& s) {
    return !s.empty() && s.size() < 8 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!num(from) || !num(to)) {
    return p.web->ErrorPage(ctx, 400, "无法比较", "请选择两稿（from、to 为稿次编号）。");
  }
  Result<std::vector<desk::FieldDiff>> diff = p.s.desk.Diff(*id, std::stoi(from), std::stoi(to));
  if (!diff.ok())
    return p.web->ErrorPage(ctx, ErrorStatus(diff.status()), "无法比较", diff.status().message());
  if (ctx.json) return JsonResponse(200, desk::DiffToJson(*diff).dump() + "\n");
  static const std::map<std::string, std::string> kLabels = {
      {"title", "标题"},         {"doc_number", "文号"},
      {"authority", "发文机关"}, {"signed_date", "成文日期"},
      {"topics", "专题"},        {"categories", "分类"},
      {"body", "正文"},          {"attachments", "附件"}};
  json fields = json::array();
  for (const desk::FieldDiff& f : *diff) {
    json lines = json::array();
    for (const desk::FieldDiff::Line& l : f.lines) {
      lines.push_back({{"text", l.text},
                       {"added", l.op == '+'},
                       {"removed", l.op == '-'},
                       {"same", l.op == ' '},
                       {"kind", l.op == '+'   ? "add"
                                : l.op == '-' ? "del"
                                              : "same"}});
    }
    auto it = kLabels.find(f.field);
    fields.push_back({{"field", f.field},
                      {"label", it == kLabels.end() ? f.field : it->second},
                      {"lines", lines}});
  }
  json page = {{"id", std::to_string(*id)}, {"from", from}, {"to", to}, {"fields", fields}};
  return p.web->Render(ctx, 200, "稿件 " + std::to_string(*id) + " 的修改对比", "diff",
                       JsonToData(page));
}

HttpResponse ReleasePage(Pages& p, WebContext& ctx, const std::string& release_id, int status,
                         const std::string& error) {
  Result<std::vector<desk::Draft>> read = p.s.desk.ReleaseDrafts(release_id);
  if (!read.ok()) return p.web->ServerError(ctx, read.status());
  const std::vector<desk::Draft>& drafts = *read;
  Result<std::optional<hub::ReleaseRow>> found = p.web->hub().store().FindRelease(release_id);
  if (!found.ok()) return p.web->ServerError(ctx, found.status());
  const std::optional<hub::ReleaseRow>& row = *found;
  if (drafts.empty() && !row) {
    return p.web->ErrorPage(ctx, 404, "未找到发布", "没有发布编号为 " + release_id + " 的政策。");
  }
  const staff::Principal& who = ctx.principal();
  bool live = row && (row->status == feeds::ReleaseStatus::kActive ||
                      row->status == feeds::ReleaseStatus::kAmended);
  bool pending_amend = std::any_of(drafts.begin(), drafts.end(), [&](const desk::Draft& d) {
    return row && d.release_version > row->version;
  });
  json page = {{"release_id", release_id},
               {"drafts", DraftList(p.s.desk, drafts)},
               {"published", live},
               {"can_amend", live && !pending_amend && who.Can(staff::Permission::kAmend)},
               {"can_withdraw", live && who.Can(staff::Permission::kWithdraw)},
               {"can_repeal", live && who.Can(staff::Permission::kRepeal)},
               {"error", error},
               {"flash", FlashMessage(ctx.req.Query("done"))}};
  if (row) {
    static const std::map<std::string, std::string> kStatus = {{"active", "现行有效"},
                                                               {"amended", "已修订"},
                                                               {"withdrawn", "已撤回"},
                                                               {"repealed", "已废止"}};
    const std::string name = feeds::ReleaseStatusName(row->status);
    page["current"] = {{"version", std::to_string(row->version)},
                       {"status", name},
                       {"status_label", kStatus.count(name) ? kStatus.at(name) : name},
                       {"seq", std::to_string(row->seq)}};
    page["next_version"] = std::to_string(row->version + 1);
  }
  if (ctx.json) return JsonResponse(200, page.dump() + "\n");
  return p.web->Render(ctx, status, "发布 " + release_id, "release", JsonToData(page));
}

HttpResponse Release(Pages& p, WebContext& ctx) {
  return ReleasePage(p, ctx, ctx.req.params.at("id"), 200, "");
}

HttpResponse ReleaseAction(Pages& p, WebContext& ctx, const std::string& action) {
  std::string release_id = ctx.form.Get("release_id");
  std::string reason = ctx.form.Get("reason");
  const staff::Principal& who = ctx.principal();
  if (action == "amend") {
    Result<desk::Draft> d = p.s.desk.Amend(who, release_id);
    if (d.ok()) return Web::Redirect("/desk/drafts/" + std::to_string(d->id) + "?done=amended");
    return ReleasePage(p, ctx, release_id, ErrorStatus(d.status()), d.status().message());
  }
  Result<feeds::SignedEntry> se = action == "withdraw" ? p.s.desk.Withdraw(who, release_id, reason)
                                                       : p.s.desk.Repeal(who, release_id, reason);
  if (!se.ok())
    return ReleasePage(p, ctx, release_id, ErrorStatus(se.status()), se.status().message());
  return Web::Redirect("/desk/releases/" + release_id +
                       "?done=" + (action == "withdraw" ? "withdrawn" : "repealed"));
}

}  // namespace

void RegisterDraftPages(const std::shared_ptr<Web>& web, DeskServices services,
                        net::HttpServer& server) {
  P p = std::make_shared<Pages>(Pages{web, services});
  auto page = [&server, p](const char* method, const char* path, Access access, DeskPageFn h) {
    AddDeskPage(server, p, method, path, access, std::move(h));
  };
  auto step = [&server, &web, p](const char* path, Access access, Step s) {
    server.Route("POST", path, web->Page(access, StepHandler(p, s)));
  };
  Access any = Access::LoggedIn();
  page("GET", "/desk/queue", any, Queue);
  page("GET", "/desk/drafts", any, Drafts);
  page("GET", "/desk/compose", Access::OfPermission(staff::Permission::kDraftCreate), ComposeForm);
  page("POST", "/desk/compose", Access::OfPermission(staff::Permission::kDraftCreate), ComposePost);
  page("GET", "/desk/drafts/{id}", any, Show);
  page("GET", "/desk/drafts/{id}/edit", Access::OfPermission(staff::Permission::kDraftEdit),
       EditForm);
  page("POST", "/desk/drafts/{id}/edit", Access::OfPermission(staff::Permission::kDraftEdit),
       EditPost);
  page("GET", "/desk/drafts/{id}/diff", any, Diff);
  step("/desk/drafts/{id}/submit", Access::OfPermission(staff::Permission::kDraftEdit), Submit);
  step("/desk/drafts/{id}/review", Access::OfPermission(staff::Permission::kReview), Review);
  step("/desk/drafts/{id}/approve", Access::OfPermission(staff::Permission::kApprove), Approve);
  step("/desk/drafts/{id}/publish", Access::OfPermission(staff::Permission::kPublish), Publish);
  step("/desk/drafts/{id}/schedule", Access::OfPermission(staff::Permission::kPublish),
       ScheduleStep);
  step("/desk/drafts/{id}/unschedule", Access::OfPermission(staff::Permission::kPublish),
       Unschedule);
  step("/desk/drafts/{id}/embargo", any, EmbargoStep);
  step("/desk/drafts/{id}/attachments", Access::OfPermission(staff::Permission::kDraftEdit),
       AttachStep);
  page("POST", "/desk/releases/amend", Access::OfPermission(staff::Permission::kAmend),
       [](Pages& pp, WebContext& ctx) { return ReleaseAction(pp, ctx, "amend"); });
  page("POST", "/desk/releases/withdraw", Access::OfPermission(staff::Permission::kWithdraw),
       [](Pages& pp, WebContext& ctx) { return ReleaseAction(pp, ctx, "withdraw"); });
  page("POST", "/desk/releases/repeal", Access::OfPermission(staff::Permission::kRepeal),
       [](Pages& pp, WebContext& ctx) { return ReleaseAction(pp, ctx, "repeal"); });
  page("GET", "/desk/releases/{id...}", any, Release);
  server.Route("GET", "/attachments/{sha}/{name...}", [p](const net::HttpRequest& req) {
    Result<std::string> bytes = p->s.desk.AttachmentBytes(req.params.at("sha"));
    if (!bytes.ok()) return HttpResponse::Error(bytes.status());
    HttpResponse r;
    r.content_type = "application/octet-stream";
    r.body = std::move(*bytes);
    r.headers.push_back({"Content-Disposition", "attachment"});
    r.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
    r.headers.push_back({"X-Content-Type-Options", "nosniff"});
    r.headers.push_back({"Content-Security-Policy", "default-src 'none'; sandbox"});
    return r;
  });
}

}  // namespace zhanqun::web
