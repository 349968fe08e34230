#include "zhanqun/desk/desk_api.h"

#include "zhanqun/base/time.h"
#include "zhanqun/desk/desk_json.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::desk {

using base::Result;
using base::Status;
using net::HttpRequest;
using net::HttpResponse;
using json = nlohmann::json;

namespace {

struct Api {
  Desk& desk;
  staff::Staff& staff;
  Operations& operations;
};

// 401 for a missing or unknown bearer token, with WWW-Authenticate.
HttpResponse BearerUnauthorized() {
  HttpResponse r = HttpResponse::Error(
      Status::Unauthenticated("missing or unknown bearer token (Authorization: Bearer <token>)"));
  r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"zhanqun\""});
  return r;
}

using Handler = std::function<HttpResponse(Api&, const staff::Principal&, const HttpRequest&)>;

// A store that failed to answer a read: 500 with the reason. (kCorruption
// here is our own stored data, not the request's, so not the 422 that
// HttpResponse::Error would give it.)
HttpResponse StoreFailure(const Status& s) {
  HttpResponse r = HttpResponse::Error(s);
  r.status = 500;
  return r;
}

// An action's refusal: its own status, except that damaged stored data is
// the server's failure (500), not the request's.
HttpResponse ActionError(const Status& s) {
  return s.code() == base::Code::kCorruption ? StoreFailure(s) : HttpResponse::Error(s);
}

Result<json> Body(const HttpRequest& req) {
  if (req.body.empty()) return json::object();
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("body: expected a JSON object");
  return j;
}

Result<std::int64_t> DraftId(const HttpRequest& req) {
  const std::string& s = req.params.at("id");
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Invalid("draft id: expected a number, got '" + s + "'");
  }
  return std::stoll(s);
}

Result<std::string> StringField(const json& j, const char* key, bool required) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return Status::Invalid(std::string(key) + ": required");
    return std::string();
  }
  if (!j[key].is_string()) return Status::Invalid(std::string(key) + ": expected a string");
  return j[key].get<std::string>();
}

HttpResponse DraftAnswer(Api& api, const Result<Draft>& d, int status = 200) {
  if (!d.ok()) return ActionError(d.status());
  return HttpResponse::Json(status, DraftToJson(api.desk, *d).dump() + "\n");
}

HttpResponse EntryAnswer(const Result<feeds::SignedEntry>& se) {
  if (!se.ok()) return ActionError(se.status());
  json j = {{"origin", se->entry.log.origin}, {"seq", se->entry.log.seq}, {"hash", se->hash}};
  if (se->entry.release) {
    j["id"] = se->entry.release->id;
    j["version"] = se->entry.release->version;
    j["status"] = feeds::ReleaseStatusName(se->entry.release->status);
  }
  if (se->entry.node) j["code"] = se->entry.node->code;
  return HttpResponse::Json(201, j.dump() + "\n");
}

HttpResponse PostRelease(Api& api, const staff::Principal& who, const HttpRequest& req) {
  return EntryAnswer(api.operations.PublishDirectJson(who, req.body));
}

// The permission is checked before the body is read, so a caller without it
// learns nothing from a 400.
HttpResponse PostNode(Api& api, const staff::Principal& who, const HttpRequest& req) {
  Status allowed = staff::Require(who, staff::Permission::kNodeManage);
  if (!allowed.ok()) return HttpResponse::Error(allowed);
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.value("code", json()).is_string() ||
      !j.value("public_key", json()).is_string()) {
    return HttpResponse::Error(
        Status::Invalid("node: expected {\"code\", \"public_key\"[, \"parent\"]}"));
  }
  Result<feeds::PublicKey> key = feeds::ParsePublicKey(j["public_key"].get<std::string>());
  if (!key.ok()) return HttpResponse::Error(key.status().Context("node.public_key"));
  return EntryAnswer(api.operations.AddNode(who, j["code"], j.value("parent", ""), *key));
}

HttpResponse PostTopic(Api& api, const staff::Principal& who, const HttpRequest& req) {
  Status allowed = staff::Require(who, staff::Permission::kTopicManage);
  if (!allowed.ok()) return HttpResponse::Error(allowed);
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.value("id", json()).is_string() ||
      !j.value("title", json()).is_string() || !j.value("description", json("")).is_string()) {
    return HttpResponse::Error(
        Status::Invalid("topic: expected {\"id\", \"title\"[, \"description\"]} as strings"));
  }
  return EntryAnswer(
      api.operations.DefineTopic(who, {j["id"], j["title"], j.value("description", "")}));
}

// A step with an optional or required comment: pass, reject, approve.
using CommentStep = Result<Draft> (Desk::*)(const staff::Principal&, std::int64_t,
                                            const std::string&);
Handler Commented(CommentStep step, bool comment_required) {
  return [step, comment_required](Api& api, const staff::Principal& who, const HttpRequest& req) {
    Result<std::int64_t> id = DraftId(req);
    Result<json> body = Body(req);
    if (!id.ok()) return HttpResponse::Error(id.status());
    if (!body.ok()) return HttpResponse::Error(body.status());
    Result<std::string> comment = StringField(*body, "comment", comment_required);
    if (!comment.ok()) return HttpResponse::Error(comment.status());
    return DraftAnswer(api, (api.desk.*step)(who, *id, *comment));
  };
}

using PlainStep = Result<Draft> (Desk::*)(const staff::Principal&, std::int64_t);
Handler Plain(PlainStep step) {
  return [step](Api& api, const staff::Principal& who, const HttpRequest& req) {
    Result<std::int64_t> id = DraftId(req);
    if (!id.ok()) return HttpResponse::Error(id.status());
    return DraftAnswer(api, (api.desk.*step)(who, *id));
  };
}

Result<std::optional<base::TimeMs>> OptionalTime(const json& j, const char* key) {
  Result<std::string> s = StringField(j, key, false);
  if (!s.ok()) return s.status();
  if (s->empty()) return std::optional<base::TimeMs>();
  Result<base::TimeMs> t = base::ParseTime(*s);
  if (!t.ok()) return Status::Invalid(std::string(key) + ": " + t.status().message());
  return std::optional<base::TimeMs>(*t);
}

HttpResponse CreateDraft(Api& api, const staff::Principal& who, const HttpRequest& req) {
  Result<json> body = Body(req);
  if (!body.ok()) return HttpResponse::Error(body.status());
  Result<DraftContent> c = DraftContentFromJson(*body, {});
  if (!c.ok()) return HttpResponse::Error(c.status());
  return DraftAnswer(api, api.desk.Create(who, std::move(*c)), 201);
}

HttpResponse EditDraft(Api& api, const staff::Principal& who, const HttpRequest& req) {
  Result<std::int64_t> id = DraftId(req);
  Result<json> body = Body(req);
  if (!id.ok()) return HttpResponse::Error(id.status());
  if (!body.ok()) return HttpResponse::Error(body.status());
  if (!body->value("revision", json()).is_number_integer()) {
    return HttpResponse::Error(
        Status::Invalid("revision: required, the draft revision this edit is based on"));
  }
  Result<DraftContent> c = DraftContentFromJson(*body, {"revision"});
  if (!c.ok()) return HttpResponse::Error(c.status());
  return DraftAnswer(api, api.desk.Edit(who, *id, (*body)["revision"].get<int>(), std::move(*c)));
}

HttpResponse ShowDraft(Api& api, const staff::Principal&, const HttpRequest& req) {
  Result<std::int64_t> id = DraftId(req);
  if (!id.ok()) return HttpResponse::Error(id.status());
  Result<std::optional<Draft>> d = api.desk.Get(*id);
  if (!d.ok()) return StoreFailure(d.status());
  if (!*d) return HttpResponse::Error(Status::NotFound("draft " + std::to_string(*id)));
  Result<std::vector<DraftStep>> history = api.desk.History(*id);
  if (!history.ok()) return StoreFailure(history.status());
  json j = DraftToJson(api.desk, **d);
  j["history"] = json::array();
  for (const DraftStep& s : *history) j["history"].push_back(StepToJson(api.desk, s));
  return HttpResponse::Json(200, j.dump() + "\n");
}

HttpResponse ListDrafts(Api& api, const staff::Principal&, const HttpRequest& req) {
  DraftFilter f;
  f.release_id = req.Query("release_id");
  f.author = req.Query("author");
  f.text = req.Query("q");
  std::string state = req.Query("state");
  if (!state.empty()) {
    for (DraftState s : {DraftState::kDraft, DraftState::kInReview, DraftState::kAwaitingApproval,
                         DraftState::kApproved, DraftState::kScheduled, DraftState::kPublished,
                         DraftState::kWithdrawn, DraftState::kRepealed, DraftState::kSuperseded}) {
      if (state == DraftStateName(s)) f.state = s;
    }
    if (!f.state) return HttpResponse::Error(Status::Invalid("state: unknown '" + state + "'"));
  }
  Result<std::vector<Draft>> drafts = api.desk.List(f);
  if (!drafts.ok()) return StoreFailure(drafts.status());
  json out = json::array();
  for (const Draft& d : *drafts) out.push_back(DraftToJson(api.desk, d));
  return HttpResponse::Json(200, out.dump() + "\n");
}

HttpResponse Queue(Api& api, const staff::Principal& who, const HttpRequest&) {
  Result<std::vector<Draft>> queue = api.desk.Queue(who);
  if (!queue.ok()) return StoreFailure(queue.status());
  json out = json::array();
  for (const Draft& d : *queue) out.push_back(DraftToJson(api.desk, d));
  return HttpResponse::Json(200, out.dump() + "\n");
}

HttpResponse Schedule(Api& api, const staff::Principal& who, const HttpRequest& req) {
  Result<std::int64_t> id = DraftId(req);
  Result<json> body = Body(req);
  if (!id.ok()) return HttpResponse::Error(id.status());
  if (!body.ok()) return HttpResponse::Error(body.status());
  Result<std::optional<base::TimeMs>> at = OptionalTime(*body, "at");
  if (!at.ok()) return HttpResponse::Error(at.status());
  if (!*at) return HttpResponse::Error(Status::Invalid("at: required (RFC 3339 time)"));
  return DraftAnswer(api, api.desk.Schedule(who, *id, **at));
}

HttpResponse Embargo(Api& api, const staff::Principal& who, const HttpRequest& req) {
  Result<std::int64_t> id = DraftId(req);
  Result<json> body = Body(req);
  if (!id.ok()) return HttpResponse::Error(id.status());
  if (!body.ok()) return HttpResponse::Error(body.status());
  Result<std::optional<base::TimeMs>> until = OptionalTime(*body, "until");
  if (!until.ok()) return HttpResponse::Error(until.status());
  return DraftAnswer(api, api.desk.SetEmbargo(who, *id, *until));
}

HttpResponse DiffDraft(Api& api, const staff::Principal&, const HttpRequest& req) {
  Result<std::int64_t> id = DraftId(req);
  if (!id.ok()) return HttpResponse::Error(id.status());
  std::string from = req.Query("from"), to = req.Query("to");
  bool numeric = !from.empty() && !to.empty() && from.size() < 9 && to.size() < 9 &&
                 (from + to).find_first_not_of("0123456789") == std::string::npos;
  if (!numeric) {
    return HttpResponse::Error(Status::Invalid("from, to: expected two revision numbers"));
  }
  Result<std::vector<FieldDiff>> d = api.desk.Diff(*id, std::stoi(from), std::stoi(to));
  if (!d.ok()) return ActionError(d.status());
  return HttpResponse::Json(200, DiffToJson(*d).dump() + "\n");
}

HttpResponse Amend(Api& api, const staff::Principal& who, const HttpRequest& req) {
  Result<json> body = Body(req);
  if (!body.ok()) return HttpResponse::Error(body.status());
  Result<std::string> id = StringField(*body, "release_id", true);
  if (!id.ok()) return HttpResponse::Error(id.status());
  return DraftAnswer(api, api.desk.Amend(who, *id), 201);
}

using ReleaseStep = Result<feeds::SignedEntry> (Desk::*)(const staff::Principal&,
                                                         const std::string&, const std::string&);
Handler WithReason(ReleaseStep step) {
  return [step](Api& api, const staff::Principal& who, const HttpRequest& req) {
    Result<json> body = Body(req);
    if (!body.ok()) return HttpResponse::Error(body.status());
    Result<std::string> id = StringField(*body, "release_id", true);
    Result<std::string> reason = StringField(*body, "reason", true);
    if (!id.ok()) return HttpResponse::Error(id.status());
    if (!reason.ok()) return HttpResponse::Error(reason.status());
    return EntryAnswer((api.desk.*step)(who, *id, *reason));
  };
}

HttpResponse UploadAttachment(Api& api, const staff::Principal& who, const HttpRequest& req) {
  Result<std::int64_t> id = DraftId(req);
  if (!id.ok()) return HttpResponse::Error(id.status());
  std::string name = req.Query("filename");
  if (name.empty()) return HttpResponse::Error(Status::Invalid("filename: required (query)"));
  std::string type = req.Header("content-type");
  return DraftAnswer(api, api.desk.Attach(who, *id, name, type, req.body));
}

HttpResponse AuditList(Api& api, const staff::Principal& who, const HttpRequest& req) {
  Status allowed = staff::Require(who, staff::Permission::kAuditRead);
  if (!allowed.ok()) return HttpResponse::Error(allowed);
  staff::AuditFilter f;
  f.actor = req.Query("actor");
  f.action_prefix = req.Query("action");
  f.object = req.Query("object");
  std::string before = req.Query("before"), limit = req.Query("limit", "100");
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() < 12 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if ((!before.empty() && !digits(before)) || !digits(limit)) {
    return HttpResponse::Error(Status::Invalid("before, limit: expected numbers"));
  }
  f.before_seq = before.empty() ? 0 : std::stoull(before);
  f.limit = std::min<std::size_t>(std::stoul(limit), 1000);
  Result<std::vector<staff::AuditRecord>> records = api.staff.audit().List(f);
  if (!records.ok()) return StoreFailure(records.status());
  json out = json::array();
  for (const staff::AuditRecord& r : *records) out.push_back(AuditToJson(r));
  return HttpResponse::Json(200, out.dump() + "\n");
}

HttpResponse AuditVerify(Api& api, const staff::Principal& who, const HttpRequest&) {
  Status allowed = staff::Require(who, staff::Permission::kAuditRead);
  if (!allowed.ok()) return HttpResponse::Error(allowed);
  Result<staff::AuditVerification> verified = api.staff.audit().Verify();
  if (!verified.ok()) return StoreFailure(verified.status());
  const staff::AuditVerification& v = *verified;
  json j = {{"records", v.records}, {"intact", v.ok()}};
  if (!v.ok()) {
    j["first_bad"] = v.first_bad;
    j["problem"] = v.problem;
  }
  return HttpResponse::Json(200, j.dump() + "\n");
}

}  // namespace

void RegisterDeskApiRoutes(net::HttpServer& server, Desk& desk, staff::Staff& staff,
                           Operations& operations) {
  auto api = std::make_shared<Api>(Api{desk, staff, operations});
  auto route = [&server, api](const char* method, const char* path, Handler h) {
    server.Route(method, path, [api, h](const HttpRequest& req) {
      Result<std::optional<staff::Principal>> who =
          api->staff.Authenticate(req.Header("authorization"));
      if (!who.ok()) return StoreFailure(who.status());
      if (!*who) return BearerUnauthorized();
      return h(*api, **who, req);
    });
  };
  route("POST", "/api/v1/releases", PostRelease);
  route("POST", "/api/v1/nodes", PostNode);
  route("POST", "/api/v1/topics", PostTopic);
  route("GET", "/api/v1/queue", Queue);
  route("GET", "/api/v1/drafts", ListDrafts);
  route("POST", "/api/v1/drafts", CreateDraft);
  route("GET", "/api/v1/drafts/{id}", ShowDraft);
  route("POST", "/api/v1/drafts/{id}", EditDraft);
  route("GET", "/api/v1/drafts/{id}/diff", DiffDraft);
  route("POST", "/api/v1/drafts/{id}/attachments", UploadAttachment);
  route("POST", "/api/v1/drafts/{id}/submit", Plain(&Desk::Submit));
  route("POST", "/api/v1/drafts/{id}/pass", Commented(&Desk::Pass, false));
  route("POST", "/api/v1/drafts/{id}/reject", Commented(&Desk::Reject, true));
  route("POST", "/api/v1/drafts/{id}/approve", Commented(&Desk::Approve, false));
  route("POST", "/api/v1/drafts/{id}/publish", Plain(&Desk::PublishNow));
  route("POST", "/api/v1/drafts/{id}/schedule", Schedule);
  route("POST", "/api/v1/drafts/{id}/unschedule", Plain(&Desk::Unschedule));
  route("POST", "/api/v1/drafts/{id}/embargo", Embargo);
  route("POST", "/api/v1/amendments", Amend);
  route("POST", "/api/v1/withdrawals", WithReason(&Desk::Withdraw));
  route("POST", "/api/v1/repeals", WithReason(&Desk::Repeal));
  route("GET", "/api/v1/audit", AuditList);
  route("GET", "/api/v1/audit/verify", AuditVerify);
}

}  // namespace zhanqun::desk
