#include "zhanqun/desk/desk.h"

#include <algorithm>

#include "desk_impl.h"
#include "zhanqun/base/time.h"
#include "zhanqun/sql/sqlite.h"
#include "zhanqun/text/markdown.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::desk {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxCommentBytes = 4000;

// "release.title: ..." -> "title: ...": editors see the draft's field names.
Status DraftFieldStatus(const Status& s) {
  std::string m = s.message();
  if (m.rfind("release.id:", 0) == 0) {
    m = "release_id:" + m.substr(11);
  } else if (m.rfind("release.", 0) == 0) {
    m = m.substr(8);
  }
  return Status(s.code(), m);
}

Status CheckComment(const std::string& comment) {
  if (comment.size() <= kMaxCommentBytes) return Status::Ok();
  return Status::Invalid("comment: " + std::to_string(comment.size()) +
                         " bytes exceeds the limit of " + std::to_string(kMaxCommentBytes));
}

std::string DayStamp(base::TimeMs now) {
  std::string day = base::FormatTime(now).substr(0, 10);  // YYYY-MM-DD
  day.erase(std::remove(day.begin(), day.end(), '-'), day.end());
  return day;
}

Status ValidateOptions(const DeskOptions& o) {
  if (o.review_levels.empty() || o.review_levels.size() > 5) {
    return Status::Invalid("review_levels: expected 1..5 level names, got " +
                           std::to_string(o.review_levels.size()));
  }
  for (std::size_t i = 0; i < o.review_levels.size(); ++i) {
    if (o.review_levels[i].empty()) {
      return Status::Invalid("review_levels[" + std::to_string(i) + "]: empty name");
    }
  }
  return Status::Ok();
}

}  // namespace

// ---- Impl helpers -----------------------------------------------------------

Result<Draft> Desk::Impl::Load(std::int64_t id) {
  Result<std::optional<Draft>> d = store->Get(id);
  if (!d.ok()) return d.status();
  if (!*d) return Status::NotFound("draft " + std::to_string(id) + " does not exist");
  return std::move(**d);
}

Result<WorkflowFacts> Desk::Impl::Facts(const staff::Principal& who, const Draft& d) {
  Result<std::vector<RoundReviewer>> reviewers = store->Reviewers(d.id);
  if (!reviewers.ok()) return reviewers.status();
  WorkflowFacts f;
  f.draft_id = d.id;
  f.state = d.state;
  f.level = d.level;
  f.levels = d.levels;
  f.level_names = options.review_levels;
  f.author_id = d.author_id;
  f.author = d.author;
  f.round_reviewers = std::move(reviewers).value();
  f.principal_is_author = SamePerson(who, d.author_id, d.author);
  f.embargo_until_ms = d.embargo_until_ms;
  f.now_ms = clock.NowMs();
  return f;
}

Result<Transition> Desk::Impl::Ask(const staff::Principal& who, const Draft& d,
                                   const WorkflowRequest& request) {
  Result<WorkflowFacts> f = Facts(who, d);
  if (!f.ok()) return f.status();
  return Decide(who, *f, request);
}

feeds::Release Desk::Impl::ToRelease(const Draft& d) const {
  feeds::Release r;
  r.id = d.release_id;
  r.version = d.release_version;
  r.title = d.content.title;
  r.doc_number = d.content.doc_number;
  r.authority = d.content.authority;
  r.signed_date = d.content.signed_date;
  r.published_ms = clock.NowMs();
  r.topics = d.content.topics;
  r.categories = d.content.categories;
  r.body_html = d.content.body_html;
  r.attachments = d.content.attachments;
  return r;
}

Result<DraftContent> Desk::Impl::Clean(DraftContent c, const std::string& release_id, int version) {
  c.body_html = c.body_markdown.empty() ? text::SanitizeHtml(c.body_html)
                                        : text::MarkdownToHtml(c.body_markdown);
  Draft probe;
  probe.release_id = release_id;
  probe.release_version = version;
  probe.content = c;
  Status valid = feeds::ValidateRelease(ToRelease(probe));
  if (!valid.ok()) return DraftFieldStatus(valid);
  for (std::size_t i = 0; i < c.topics.size(); ++i) {
    Status topic = feeds::ValidateTopic({c.topics[i], "t", ""});
    if (!topic.ok()) {
      std::string m = topic.message();
      std::size_t colon = m.find(": ");
      return Status::Invalid("topics[" + std::to_string(i) + "]: not a topic id (" +
                             (colon == std::string::npos ? m : m.substr(colon + 2)) + ")");
    }
  }
  return c;
}

Status Desk::Impl::Audit(const Actor& actor, const std::string& action, const std::string& object,
                         const json& detail) {
  Result<staff::AuditRecord> r =
      audit.Append(clock.NowMs(), actor.name, action, object,
                   detail.dump(-1, ' ', false, json::error_handler_t::replace));
  return r.status();
}

Status Desk::Impl::Record(const Actor& actor, Draft& d, StepAction step,
                          const std::string& audit_action, json detail, const std::string& comment,
                          int level, const std::string& object,
                          const std::function<Status()>& extra) {
  d.updated_ms = clock.NowMs();
  {
    sql::Transaction txn(store->db());
    ZQ_RETURN_IF_ERROR(txn.status());
    ZQ_RETURN_IF_ERROR(store->Update(d));
    if (extra) ZQ_RETURN_IF_ERROR(extra());
    ZQ_RETURN_IF_ERROR(store->AddStep(
        {d.id, d.updated_ms, actor.name, actor.id, step, level, d.revision, comment}));
    ZQ_RETURN_IF_ERROR(txn.Commit());
  }
  detail["draft"] = d.id;
  detail["revision"] = d.revision;
  detail["state"] = DraftStateName(d.state);
  if (!comment.empty()) detail["comment"] = comment;
  return Audit(actor, audit_action, object.empty() ? "draft:" + std::to_string(d.id) : object,
               detail);
}

Status Desk::Impl::CheckReleaseIdFree(const std::string& release_id) {
  Result<std::optional<hub::ReleaseRow>> found = hub.store().FindRelease(release_id);
  if (!found.ok()) return found.status().Context("release_id: '" + release_id + "'");
  if (const std::optional<hub::ReleaseRow>& r = *found) {
    return Status(base::Code::kAlreadyExists,
                  "release_id: '" + release_id + "' is already published (version " +
                      std::to_string(r->version) + "); amend it instead");
  }
  Result<std::vector<Draft>> drafts = store->ByRelease(release_id);
  if (!drafts.ok()) return drafts.status();
  if (!drafts->empty()) {
    return Status(base::Code::kAlreadyExists, "release_id: '" + release_id +
                                                  "' is already used by draft " +
                                                  std::to_string(drafts->front().id));
  }
  return Status::Ok();
}

Result<Draft> Desk::Impl::CreateDraft(const Actor& actor, Draft d, StepAction step,
                                      const std::string& audit_action, json detail) {
  d.created_ms = d.updated_ms = clock.NowMs();
  bool generate_id = d.release_id.empty();
  // A generated id is only known after the insert; validate with its shape.
  std::string probe_id = generate_id ? "hub-" + DayStamp(d.created_ms) + "-1" : d.release_id;
  Result<DraftContent> clean = Clean(std::move(d.content), probe_id, d.release_version);
  if (!clean.ok()) return clean.status();
  d.content = std::move(clean).value();
  {
    sql::Transaction txn(store->db());
    ZQ_RETURN_IF_ERROR(txn.status());
    Result<std::int64_t> id = store->Insert(d, actor.name);
    if (!id.ok()) return id.status();
    d.id = *id;
    if (generate_id) {
      d.release_id = "hub-" + DayStamp(d.created_ms) + "-" + std::to_string(d.id);
      ZQ_RETURN_IF_ERROR(store->Update(d));
    }
    ZQ_RETURN_IF_ERROR(
        store->AddStep({d.id, d.created_ms, actor.name, actor.id, step, d.level, d.revision, ""}));
    ZQ_RETURN_IF_ERROR(txn.Commit());
  }
  detail["draft"] = d.id;
  detail["release_id"] = d.release_id;
  detail["version"] = d.release_version;
  detail["revision"] = d.revision;
  ZQ_RETURN_IF_ERROR(Audit(actor, audit_action, "draft:" + std::to_string(d.id), detail));
  return d;
}

std::string Desk::Impl::LevelName(int level) const {
  if (level >= 1 && static_cast<std::size_t>(level) <= options.review_levels.size()) {
    return options.review_levels[static_cast<std::size_t>(level - 1)];
  }
  return "level " + std::to_string(level);
}

// ---- Desk -------------------------------------------------------------------

DeskOptions DeskOptionsFromConfig(const DeskConfig& config) {
  DeskOptions o;
  o.review_levels = config.review_levels;
  o.attachments_dir = config.AttachmentsDir();
  o.public_url = config.public_url;
  return o;
}

Desk::Desk(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Desk::~Desk() = default;

Result<std::unique_ptr<Desk>> Desk::Open(const std::string& path, const DeskOptions& options,
                                         hub::Hub& hub, staff::AuditLog& audit,
                                         const base::Clock& clock) {
  ZQ_RETURN_IF_ERROR(ValidateOptions(options));
  Result<std::unique_ptr<DeskStore>> store = DeskStore::Open(path);
  if (!store.ok()) return store.status().Context("desk " + path);
  DeskOptions o = options;
  while (!o.public_url.empty() && o.public_url.back() == '/') o.public_url.pop_back();
  return std::unique_ptr<Desk>(
      new Desk(std::make_unique<Impl>(o, hub, audit, clock, std::move(*store))));
}

const DeskOptions& Desk::options() const { return impl_->options; }
std::string Desk::LevelName(int level) const { return impl_->LevelName(level); }

Result<Draft> Desk::Create(const staff::Principal& by, DraftContent content,
                           const std::string& release_id) {
  ZQ_RETURN_IF_ERROR(staff::Require(by, staff::Permission::kDraftCreate));
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!release_id.empty()) ZQ_RETURN_IF_ERROR(impl_->CheckReleaseIdFree(release_id));
  Draft d;
  d.release_id = release_id;
  d.content = std::move(content);
  d.author_id = by.user_id;
  d.author = by.username;
  d.levels = static_cast<int>(impl_->options.review_levels.size());
  return impl_->CreateDraft(ActorOf(by), std::move(d), StepAction::kCreate, "draft.create",
                            json::object());
}

Result<Draft> Desk::Edit(const staff::Principal& by, std::int64_t id, int revision,
                         DraftContent content) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<Transition> t = impl_->Ask(by, *d, {DeskAction::kEdit, "", std::nullopt});
  if (!t.ok()) return t.status();
  if (revision != d->revision) {
    return Status(base::Code::kAlreadyExists,
                  "draft " + std::to_string(id) + " is at revision " + std::to_string(d->revision) +
                      " but the edit was based on revision " + std::to_string(revision) +
                      ": someone else saved first; reload and redo");
  }
  Result<DraftContent> clean = impl_->Clean(std::move(content), d->release_id, d->release_version);
  if (!clean.ok()) return clean.status();
  if (*clean == d->content) return d;  // nothing changed: no new revision
  d->content = std::move(clean).value();
  d->revision++;
  Actor actor = ActorOf(by);
  DeskStore& store = *impl_->store;
  Draft& draft = *d;
  ZQ_RETURN_IF_ERROR(
      impl_->Record(actor, draft, StepAction::kEdit, "draft.edit", json::object(), "", 0, "", [&] {
        return store.AddRevision(draft.id,
                                 {draft.revision, draft.content, actor.name, impl_->clock.NowMs()});
      }));
  return d;
}

Result<Draft> Desk::Submit(const staff::Principal& by, std::int64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<WorkflowFacts> f = impl_->Facts(by, *d);
  if (!f.ok()) return f.status();
  f->levels = static_cast<int>(impl_->options.review_levels.size());
  Result<Transition> t = Decide(by, *f, {DeskAction::kSubmit, "", std::nullopt});
  if (!t.ok()) return t.status();
  d->levels = f->levels;
  d->state = t->state;
  d->level = t->level;
  DeskStore& store = *impl_->store;
  ZQ_RETURN_IF_ERROR(impl_->Record(ActorOf(by), *d, StepAction::kSubmit, "draft.submit",
                                   {{"levels", d->levels}}, "", 0, "",
                                   [&] { return store.ClearReviewers(id); }));
  return d;
}

Result<Draft> Desk::Pass(const staff::Principal& by, std::int64_t id, const std::string& comment) {
  ZQ_RETURN_IF_ERROR(CheckComment(comment));
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<Transition> t = impl_->Ask(by, *d, {DeskAction::kPass, comment, {}});
  if (!t.ok()) return t.status();
  int level = d->level;
  d->state = t->state;
  d->level = t->level;
  DeskStore& store = *impl_->store;
  ZQ_RETURN_IF_ERROR(impl_->Record(ActorOf(by), *d, StepAction::kPass, "review.pass",
                                   {{"level", level}, {"level_name", impl_->LevelName(level)}},
                                   comment, level, "", [&] {
                                     return store.AddReviewer(id, {level, by.user_id, by.username});
                                   }));
  return d;
}

Result<Draft> Desk::Reject(const staff::Principal& by, std::int64_t id,
                           const std::string& comment) {
  ZQ_RETURN_IF_ERROR(CheckComment(comment));
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<Transition> t = impl_->Ask(by, *d, {DeskAction::kReject, comment, {}});
  if (!t.ok()) return t.status();
  int level = d->level;
  json detail = {{"level", level}, {"from", DraftStateName(d->state)}};
  d->state = t->state;
  d->level = t->level;
  d->publish_at_ms.reset();
  d->last_comment = comment;
  DeskStore& store = *impl_->store;
  ZQ_RETURN_IF_ERROR(impl_->Record(ActorOf(by), *d, StepAction::kReject, "review.reject", detail,
                                   comment, level, "", [&] { return store.ClearReviewers(id); }));
  return d;
}

Result<Draft> Desk::Approve(const staff::Principal& by, std::int64_t id,
                            const std::string& comment) {
  ZQ_RETURN_IF_ERROR(CheckComment(comment));
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<Transition> t = impl_->Ask(by, *d, {DeskAction::kApprove, comment, {}});
  if (!t.ok()) return t.status();
  d->state = t->state;
  ZQ_RETURN_IF_ERROR(impl_->Record(ActorOf(by), *d, StepAction::kApprove, "draft.approve",
                                   json::object(), comment));
  return d;
}

Result<std::optional<Draft>> Desk::Get(std::int64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->store->Get(id);
}

Result<std::vector<Draft>> Desk::List(const DraftFilter& filter) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->store->List(filter);
}

Result<std::vector<std::pair<DraftState, std::size_t>>> Desk::StateCounts() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->store->StateCounts();
}

Result<std::vector<DraftStep>> Desk::History(std::int64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->store->Steps(id);
}

Result<std::vector<DraftRevision>> Desk::Revisions(std::int64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->store->Revisions(id);
}

Result<std::vector<Draft>> Desk::ReleaseDrafts(const std::string& release_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->store->ByRelease(release_id);
}

Result<std::vector<FieldDiff>> Desk::Diff(std::int64_t id, int from_revision, int to_revision) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  ZQ_RETURN_IF_ERROR(impl_->Load(id).status());
  std::vector<DraftRevision> revs;
  for (int n : {from_revision, to_revision}) {
    Result<std::optional<DraftRevision>> r = impl_->store->Revision(id, n);
    if (!r.ok()) return r.status();
    if (!*r) {
      return Status::NotFound("draft " + std::to_string(id) + " has no revision " +
                              std::to_string(n));
    }
    revs.push_back(std::move(**r));
  }
  return DiffContents(revs[0].content, revs[1].content);
}

}  // namespace zhanqun::desk
